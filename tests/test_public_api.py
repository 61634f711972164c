"""Pins the public API: what each layer exports, and what importing it drags in."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import creativeflow_shared.api
import creativeflow_shared.application
import creativeflow_shared.application.ports
import creativeflow_shared.clients
import creativeflow_shared.domain
import creativeflow_shared.fastapi
import creativeflow_shared.idempotency
import creativeflow_shared.infrastructure.rabbitmq
import creativeflow_shared.infrastructure.sqlalchemy
import creativeflow_shared.testing

_DOMAIN_API = [
    "AggregateRoot",
    "AlreadyExistsError",
    "And",
    "Attribute",
    "BusinessRuleViolationError",
    "Clock",
    "Comparison",
    "ConcurrencyConflictError",
    "Currency",
    "CurrencyMismatchError",
    "DomainEvent",
    "Email",
    "Entity",
    "EventRegistry",
    "FieldError",
    "FixedClock",
    "ForbiddenError",
    "Identity",
    "InvalidInputError",
    "IsNull",
    "KernelError",
    "Money",
    "NonEmptyStr",
    "Not",
    "NotFoundError",
    "Operator",
    "Or",
    "Percentage",
    "ScalarValue",
    "Slug",
    "SortKey",
    "Specification",
    "SystemClock",
    "TimeRange",
    "UnauthorizedError",
    "UnavailableError",
    "UnknownEventTypeError",
    "Upcaster",
    "ValueObject",
    "and_then",
    "at",
    "collect",
    "collect_async",
    "combine",
    "comparable",
    "comparable_type",
    "current_clock",
    "event_registry",
    "use_clock",
    "utc_now",
    "uuid7",
    "validate",
    "value_at",
    "where",
]

# Docstrings belong to classes and functions. ``Upcaster`` is a type alias (a ``Callable``
# generic alias documented by the ``#:`` comment beside it) and ``event_registry`` an instance
# of ``EventRegistry``: neither can carry a docstring of its own.
_DOMAIN_WITHOUT_DOCSTRING = {"Upcaster", "event_registry"}


def _isort_style(names: list[str]) -> list[str]:
    """Sort as ruff's RUF022 does: constants, then classes, then the rest, each alphabetically."""

    def key(name: str) -> tuple[int, str]:
        kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
        return kind, name

    return sorted(names, key=key)


_APPLICATION_API = [
    "DEFAULT_PAGE_SIZE",
    "INBOX_KEY_MAX_LENGTH",
    "INBOX_RESOURCE",
    "MAX_COMPARED_VALUES",
    "MAX_PAGE_SIZE",
    "OUTBOX_NAME_MAX_LENGTH",
    "RELAY_ID_MAX_LENGTH",
    "TENANT_ID_MAX_LENGTH",
    "AMQPMessage",
    "AsyncMessageBus",
    "AsyncRepository",
    "AsyncUnitOfWork",
    "CloudEventEnvelope",
    "Command",
    "CommandClass",
    "CommitError",
    "CursorPage",
    "DocumentRepository",
    "ErrorHook",
    "JsonKind",
    "MessageBus",
    "OutboxMessage",
    "OutboxRelay",
    "Page",
    "ProjectionRequest",
    "RelayCounters",
    "RelayPolicy",
    "Repository",
    "RequestContext",
    "UnitOfWork",
    "current_context",
    "current_trace",
    "decode_cursor",
    "encode_cursor",
    "is_duplicate",
    "json_kind",
    "project",
    "retry",
    "retry_async",
    "storable",
    "unstorable_fields",
    "use_context",
]

# Type aliases (``CommitError``, ``ErrorHook``) and constants, documented by
# the ``#:`` comments beside them: they cannot carry a docstring of their own.
_APPLICATION_ALIASES = {
    "CommitError",
    "DEFAULT_PAGE_SIZE",
    "ErrorHook",
    "INBOX_KEY_MAX_LENGTH",
    "INBOX_RESOURCE",
    "MAX_COMPARED_VALUES",
    "MAX_PAGE_SIZE",
    "OUTBOX_NAME_MAX_LENGTH",
    "RELAY_ID_MAX_LENGTH",
    "TENANT_ID_MAX_LENGTH",
}

#: What adapter writers use, apart from what service authors use.
_PORTS_API = [
    "ClaimableRow",
    "ClaimedMessage",
    "DeadLetter",
    "EventPublisher",
    "FailedMessage",
    "InboxEntry",
    "InboxStore",
    "OutboxStats",
    "OutboxStore",
    "Projection",
    "PublishOutcome",
    "RecordCodec",
    "RecordQuery",
    "RecordStore",
    "RelayStore",
    "Runner",
    "Storage",
    "StoreProvider",
    "StoredRecord",
    "WriteError",
    "claim_runs",
    "publication_order",
    "run_length",
    "set_version",
    "snapshot_of",
]

_SQLALCHEMY_API = [
    "AsyncSQLAlchemyUnitOfWork",
    "DataMapperRepository",
    "ExactDecimal",
    "ReferenceViolationError",
    "SQLAlchemyDocumentStore",
    "SQLAlchemyIdempotencyStore",
    "SQLAlchemyInboxStore",
    "SQLAlchemyOutboxStore",
    "SQLAlchemyRelayStore",
    "SQLAlchemyRowStore",
    "SQLAlchemyUnitOfWork",
    "SpecificationCompiler",
    "UtcDateTime",
    "column_type",
    "document_table",
    "document_tables",
    "idempotency_table",
    "inbox_of",
    "inbox_table",
    "json_column_type",
    "outbox_of",
    "outbox_table",
    "render_item",
    "translate_error",
]

_TESTING_API = [
    "AsyncHarness",
    "AsyncInMemoryUnitOfWork",
    "ContractItem",
    "ContractItemChanged",
    "ContractItemId",
    "ContractItemMapperRepository",
    "ContractItemRepository",
    "ContractItemRow",
    "ContractPart",
    "ContractPartRow",
    "ContractRows",
    "InMemoryDatabase",
    "InMemoryIdempotencyStore",
    "InMemoryPublisher",
    "InMemoryRecordStore",
    "InMemoryRelayStore",
    "InMemoryUnitOfWork",
    "PublisherContract",
    "PublisherHarness",
    "RelayStoreContract",
    "RelayStoreHarness",
    "RepositoryContract",
    "RepositoryFacade",
    "ServiceRepositoryContract",
    "SyncHarness",
    "UnitOfWorkContract",
    "UnitOfWorkFacade",
    "UnitOfWorkHarness",
    "aware_datetimes",
    "contract_rows",
    "currencies",
    "emails",
    "events",
    "identities",
    "money",
    "non_empty_strs",
    "percentages",
    "register_strategies",
    "slugs",
    "time_ranges",
]

#: Persistence, transport and web libraries, their drivers, and the test tools: the domain
#: and the application layer depend on the standard library, pydantic and returns only.
_KEPT_OUT_OF_THE_DOMAIN = [
    "aio_pika",
    "aiosqlite",
    "asyncpg",
    "fastapi",
    "httpx",
    "hypothesis",
    "psycopg",
    "psycopg2",
    "pytest",
    "sqlalchemy",
    "starlette",
]


#: The drivers and the async extension's greenlet: the SQLAlchemy adapters import SQLAlchemy
#: alone, and a driver only when an engine needs it.
_KEPT_OUT_OF_THE_SQLALCHEMY_ADAPTERS = [
    "aio_pika",
    "aiosqlite",
    "asyncpg",
    "greenlet",
    "hypothesis",
    "psycopg",
    "psycopg2",
    "pytest",
]


def _is_documented(exported: object) -> bool:
    # ``__doc__`` rather than ``inspect.getdoc``: a class must not pass on its parent's docstring.
    return (getattr(exported, "__doc__", None) or "").strip() != ""


def _is_class_or_function(exported: object) -> bool:
    # ``inspect.unwrap``: a cached function (``functools.cache``) is the function it wraps.
    if inspect.isclass(exported):
        return True
    return callable(exported) and inspect.isfunction(inspect.unwrap(exported))


def _imported_top_level_packages(module: str) -> set[str]:
    code = (
        "import json, sys\n"
        f"import {module}\n"
        "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))\n"
    )
    return set(json.loads(_run_python(code)))


def _run_python(code: str) -> str:
    completed = subprocess.run(  # noqa: S603 (the current interpreter with code from this file)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return completed.stdout


# -- the domain -------------------------------------------------------------------------------
def test_the_domain_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.domain.__all__ == _DOMAIN_API


def test_the_domain_api_is_sorted() -> None:
    actual = creativeflow_shared.domain.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", _DOMAIN_API)
def test_every_domain_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}

    exec(f"from creativeflow_shared.domain import {name}", namespace)  # noqa: S102 (a name from the pinned list)

    assert namespace[name] is getattr(creativeflow_shared.domain, name)


@pytest.mark.parametrize("name", sorted(set(_DOMAIN_API) - _DOMAIN_WITHOUT_DOCSTRING))
def test_every_domain_class_and_function_has_a_docstring(name: str) -> None:
    exported = getattr(creativeflow_shared.domain, name)

    assert inspect.isclass(exported) or inspect.isfunction(exported)
    # ``__doc__`` rather than ``inspect.getdoc``: a class must not pass on its parent's docstring.
    assert (exported.__doc__ or "").strip() != ""


def test_the_names_without_a_docstring_are_an_alias_and_an_instance() -> None:
    upcaster: object = creativeflow_shared.domain.Upcaster
    registry: object = creativeflow_shared.domain.event_registry

    assert not inspect.isclass(upcaster)
    assert not inspect.isfunction(upcaster)
    assert type(registry) is creativeflow_shared.domain.EventRegistry


def test_importing_the_domain_keeps_persistence_transport_and_test_libraries_out() -> None:
    code = (
        "import json, sys\n"
        "import creativeflow_shared.domain\n"
        "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))\n"
    )

    imported = set(json.loads(_run_python(code)))

    assert sorted(imported & set(_KEPT_OUT_OF_THE_DOMAIN)) == []
    assert "creativeflow_shared" in imported


# -- the root package -------------------------------------------------------------------------
def test_the_root_package_exposes_only_its_version() -> None:
    code = (
        "import json, types\n"
        "import creativeflow_shared\n"
        "standard = set(vars(types.ModuleType('empty'))) | {'__builtins__', '__cached__',"
        " '__file__', '__path__'}\n"
        "print(json.dumps(sorted(set(vars(creativeflow_shared)) - standard)))\n"
    )

    actual = json.loads(_run_python(code))

    assert actual == ["__version__"]


def test_the_version_is_a_semantic_version_string() -> None:
    major, minor, patch = creativeflow_shared.__version__.split(".")

    assert [part.isdigit() for part in (major, minor, patch)] == [True, True, True]


# -- the application layer --------------------------------------------------------------------
def test_the_application_layer_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.application.__all__ == _APPLICATION_API


def test_the_application_api_is_sorted() -> None:
    actual = creativeflow_shared.application.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", _APPLICATION_API)
def test_every_application_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}

    exec(f"from creativeflow_shared.application import {name}", namespace)  # noqa: S102 (a name from the pinned list)

    assert namespace[name] is getattr(creativeflow_shared.application, name)


@pytest.mark.parametrize("name", sorted(set(_APPLICATION_API) - _APPLICATION_ALIASES))
def test_every_application_class_and_function_has_a_docstring(name: str) -> None:
    exported: object = getattr(creativeflow_shared.application, name)

    assert _is_class_or_function(exported)
    assert _is_documented(exported)


@pytest.mark.parametrize("name", sorted(_APPLICATION_ALIASES))
def test_the_application_names_without_a_docstring_are_aliases_or_constants(name: str) -> None:
    exported: object = getattr(creativeflow_shared.application, name)

    assert not _is_class_or_function(exported)


def test_importing_the_application_layer_keeps_persistence_transport_and_test_libraries_out() -> (
    None
):
    imported = _imported_top_level_packages("creativeflow_shared.application")

    assert sorted(imported & set(_KEPT_OUT_OF_THE_DOMAIN)) == []


# -- the ports, for adapter writers -----------------------------------------------------------
def test_the_ports_module_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.application.ports.__all__ == _PORTS_API


def test_the_ports_api_is_sorted() -> None:
    actual = creativeflow_shared.application.ports.__all__

    assert actual == _isort_style(actual)


def test_the_service_authors_and_the_adapter_writers_namespaces_do_not_overlap() -> None:
    shared = set(creativeflow_shared.application.__all__) & set(_PORTS_API)

    assert sorted(shared) == []


@pytest.mark.parametrize("name", sorted(set(_PORTS_API) - {"WriteError"}))
def test_every_port_is_a_documented_class_or_function(name: str) -> None:
    exported: object = getattr(creativeflow_shared.application.ports, name)

    assert _is_class_or_function(exported)
    assert _is_documented(exported)


def test_the_write_error_port_is_an_alias() -> None:
    exported: object = creativeflow_shared.application.ports.WriteError

    assert not _is_class_or_function(exported)


# -- the SQLAlchemy adapters --------------------------------------------------------------------
def test_the_sqlalchemy_adapters_export_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.infrastructure.sqlalchemy.__all__ == _SQLALCHEMY_API


def test_the_sqlalchemy_api_is_sorted() -> None:
    actual = creativeflow_shared.infrastructure.sqlalchemy.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", _SQLALCHEMY_API)
def test_every_sqlalchemy_name_is_importable_and_documented(name: str) -> None:
    namespace: dict[str, object] = {}

    exec(f"from creativeflow_shared.infrastructure.sqlalchemy import {name}", namespace)  # noqa: S102 (a name from the pinned list)

    exported = namespace[name]
    assert exported is getattr(creativeflow_shared.infrastructure.sqlalchemy, name)
    assert _is_class_or_function(exported)
    assert _is_documented(exported)


def test_importing_the_sqlalchemy_adapters_keeps_drivers_and_test_libraries_out() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.infrastructure.sqlalchemy")

    assert sorted(imported & set(_KEPT_OUT_OF_THE_SQLALCHEMY_ADAPTERS)) == []
    assert "sqlalchemy" in imported


# -- the RabbitMQ adapter ---------------------------------------------------------------------
_RABBITMQ_API = [
    "ATTEMPTS_HEADER",
    "LAST_ERROR_HEADER",
    "ConsumerCounters",
    "ConsumerPolicy",
    "MessageHandler",
    "RabbitMQConsumer",
    "RabbitMQPublisher",
    "Topology",
    "declare_topology",
]
#: Header names and the handler's type alias, documented by the ``#:`` comments beside them.
_RABBITMQ_ALIASES = {"ATTEMPTS_HEADER", "LAST_ERROR_HEADER", "MessageHandler"}


def test_the_rabbitmq_adapter_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.infrastructure.rabbitmq.__all__ == _RABBITMQ_API


def test_the_rabbitmq_api_is_sorted() -> None:
    actual = creativeflow_shared.infrastructure.rabbitmq.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", sorted(set(_RABBITMQ_API) - _RABBITMQ_ALIASES))
def test_every_rabbitmq_class_and_function_is_importable_and_documented(name: str) -> None:
    namespace: dict[str, object] = {}

    exec(f"from creativeflow_shared.infrastructure.rabbitmq import {name}", namespace)  # noqa: S102 (a name from the pinned list)

    exported = namespace[name]
    assert exported is getattr(creativeflow_shared.infrastructure.rabbitmq, name)
    assert _is_class_or_function(exported)
    assert _is_documented(exported)


@pytest.mark.parametrize("name", sorted(_RABBITMQ_ALIASES))
def test_the_rabbitmq_names_without_a_docstring_are_aliases_or_constants(name: str) -> None:
    exported: object = getattr(creativeflow_shared.infrastructure.rabbitmq, name)

    assert not _is_class_or_function(exported)


def test_the_rabbitmq_adapter_imports_neither_sqlalchemy_nor_the_test_libraries() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.infrastructure.rabbitmq")

    assert sorted(imported & {"sqlalchemy", "psycopg", "pytest", "hypothesis"}) == []
    assert "aio_pika" in imported


def test_the_pytest_plugin_imports_aio_pika_only_when_the_broker_fixture_is_used() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.testing._pytest_plugin")

    assert "aio_pika" not in imported


# -- the testing kit --------------------------------------------------------------------------
def test_the_testing_kit_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.testing.__all__ == _TESTING_API


@pytest.mark.parametrize(
    "module", ["creativeflow_shared.testing", "creativeflow_shared.testing._pytest_plugin"]
)
def test_importing_the_testing_kit_or_its_pytest_plugin_loads_no_heavy_dependency(
    module: str,
) -> None:
    # The plugin is loaded in every pytest run of a service that installs the kit.
    imported = _imported_top_level_packages(module)

    assert {"hypothesis", "sqlalchemy", "psycopg", "aiosqlite"}.isdisjoint(imported)


@pytest.mark.parametrize(
    ("name", "dependency"),
    [("money", "hypothesis"), ("ContractItemRow", "sqlalchemy"), ("RepositoryContract", "pytest")],
)
def test_a_testing_kit_name_loads_its_module_on_first_use(name: str, dependency: str) -> None:
    code = (
        "import json, sys\n"
        "import creativeflow_shared.testing as kit\n"
        f"before = {dependency!r} in sys.modules\n"
        f"value = kit.{name}\n"
        f"print(json.dumps([before, {dependency!r} in sys.modules, value is kit.{name}]))\n"
    )

    loaded = json.loads(_run_python(code))

    assert loaded == [False, True, True]


def test_the_testing_kit_lists_its_names_before_they_are_loaded() -> None:
    assert set(_TESTING_API) <= set(dir(creativeflow_shared.testing))


def test_the_testing_kit_refuses_names_it_does_not_have() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'ContractItemRows'"):
        getattr(creativeflow_shared.testing, "ContractItemRows")  # noqa: B009 (a missing name)

    assert not hasattr(creativeflow_shared.testing, "ContractItemMapper")


def test_the_testing_kit_api_is_sorted() -> None:
    actual = creativeflow_shared.testing.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", _TESTING_API)
def test_every_testing_kit_function_is_importable_and_documented(name: str) -> None:
    namespace: dict[str, object] = {}

    exec(f"from creativeflow_shared.testing import {name}", namespace)  # noqa: S102 (a name from the pinned list)

    exported = namespace[name]
    assert callable(exported)
    assert (getattr(exported, "__doc__", None) or "").strip() != ""


# -- the API conventions ----------------------------------------------------------------------
_API_API = [
    "PROBLEM_JSON",
    "PROBLEM_TYPE_BASE",
    "ApiModel",
    "CursorPageResponse",
    "ErrorMapping",
    "FieldProblem",
    "PageResponse",
    "Problem",
    "ProblemMapper",
    "ProblemResponse",
    "Versioned",
    "check_if_match",
    "error_from_problem",
    "etag_for",
    "if_none_match_hit",
    "problem_for",
]
#: Constants, documented by the ``#:`` comments beside them.
_API_CONSTANTS = {"PROBLEM_JSON", "PROBLEM_TYPE_BASE"}


def test_the_api_conventions_export_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.api.__all__ == _API_API


def test_the_api_conventions_api_is_sorted() -> None:
    actual = creativeflow_shared.api.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", sorted(set(_API_API) - _API_CONSTANTS))
def test_every_api_convention_is_a_documented_class_or_function(name: str) -> None:
    exported: object = getattr(creativeflow_shared.api, name)

    assert _is_class_or_function(exported)
    assert _is_documented(exported)


@pytest.mark.parametrize("name", sorted(_API_CONSTANTS))
def test_the_api_constants_are_text(name: str) -> None:
    exported: object = getattr(creativeflow_shared.api, name)

    assert isinstance(exported, str)


def test_importing_the_api_conventions_keeps_web_persistence_and_test_libraries_out() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.api")

    assert sorted(imported & set(_KEPT_OUT_OF_THE_DOMAIN)) == []


# -- the service clients ----------------------------------------------------------------------
_CLIENTS_API = [
    "CORRELATION_ID_HEADER",
    "TENANT_ID_HEADER",
    "AsyncServiceClient",
    "CallPolicy",
    "ServiceCall",
    "ServiceClient",
    "call",
    "context_headers",
    "expecting",
]
#: Constants, documented by the ``#:`` comments beside them.
_CLIENTS_CONSTANTS = {"CORRELATION_ID_HEADER", "TENANT_ID_HEADER"}


def test_the_service_clients_export_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.clients.__all__ == _CLIENTS_API


def test_the_service_clients_api_is_sorted() -> None:
    actual = creativeflow_shared.clients.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", sorted(set(_CLIENTS_API) - _CLIENTS_CONSTANTS))
def test_every_service_client_name_is_a_documented_class_or_function(name: str) -> None:
    exported: object = getattr(creativeflow_shared.clients, name)

    assert _is_class_or_function(exported)
    assert _is_documented(exported)


@pytest.mark.parametrize("name", sorted(_CLIENTS_CONSTANTS))
def test_the_service_client_constants_are_text(name: str) -> None:
    exported: object = getattr(creativeflow_shared.clients, name)

    assert isinstance(exported, str)


def test_importing_the_service_clients_keeps_web_persistence_and_test_libraries_out() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.clients")

    kept_out = set(_KEPT_OUT_OF_THE_DOMAIN) - {"httpx"}
    assert sorted(imported & kept_out) == []
    assert "httpx" in imported


# -- the FastAPI integration ------------------------------------------------------------------
_FASTAPI_API = [
    "CORRELATION_ID_HEADER",
    "REPLAYED_HEADER",
    "TenantResolver",
    "async_unit_of_work_dependency",
    "idempotency_dependency",
    "install",
    "invalid_input_of",
    "problem_responses",
    "request_context",
    "respond",
    "unit_of_work_dependency",
]
#: Header names and the resolver's type alias, documented by the ``#:`` comments beside them.
_FASTAPI_ALIASES = {"CORRELATION_ID_HEADER", "REPLAYED_HEADER", "TenantResolver"}


def test_the_fastapi_integration_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.fastapi.__all__ == _FASTAPI_API


def test_the_fastapi_api_is_sorted() -> None:
    actual = creativeflow_shared.fastapi.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", sorted(set(_FASTAPI_API) - _FASTAPI_ALIASES))
def test_every_fastapi_function_is_documented(name: str) -> None:
    exported: object = getattr(creativeflow_shared.fastapi, name)

    assert _is_class_or_function(exported)
    assert _is_documented(exported)


@pytest.mark.parametrize("name", sorted(_FASTAPI_ALIASES))
def test_the_fastapi_names_without_a_docstring_are_aliases_or_constants(name: str) -> None:
    exported: object = getattr(creativeflow_shared.fastapi, name)

    assert not _is_class_or_function(exported)


def test_the_fastapi_integration_imports_no_persistence_adapter() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.fastapi")

    assert sorted(imported & {"sqlalchemy", "psycopg", "aiosqlite", "pytest", "hypothesis"}) == []
    assert "fastapi" in imported


# -- idempotency keys -------------------------------------------------------------------------
_IDEMPOTENCY_API = [
    "IDEMPOTENCY_KEY_HEADER",
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "IDEMPOTENCY_SCOPE_MAX_LENGTH",
    "IdempotencyClaim",
    "IdempotencyKeyInFlightError",
    "IdempotencyKeyReusedError",
    "IdempotencyRecord",
    "IdempotencyStore",
    "InvalidIdempotencyKeyError",
    "KeyRefusal",
    "StoredResponse",
    "answer",
    "parse_idempotency_key",
    "request_fingerprint",
]
#: Constants and the refusals' type alias, documented by the ``#:`` comments beside them.
_IDEMPOTENCY_ALIASES = {
    "IDEMPOTENCY_KEY_HEADER",
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "IDEMPOTENCY_SCOPE_MAX_LENGTH",
    "KeyRefusal",
}


def test_idempotency_keys_export_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.idempotency.__all__ == _IDEMPOTENCY_API


def test_the_idempotency_api_is_sorted() -> None:
    actual = creativeflow_shared.idempotency.__all__

    assert actual == _isort_style(actual)


@pytest.mark.parametrize("name", sorted(set(_IDEMPOTENCY_API) - _IDEMPOTENCY_ALIASES))
def test_every_idempotency_class_and_function_is_documented(name: str) -> None:
    exported: object = getattr(creativeflow_shared.idempotency, name)

    assert _is_class_or_function(exported)
    assert _is_documented(exported)


@pytest.mark.parametrize("name", sorted(_IDEMPOTENCY_ALIASES))
def test_the_idempotency_names_without_a_docstring_are_aliases_or_constants(name: str) -> None:
    exported: object = getattr(creativeflow_shared.idempotency, name)

    assert not _is_class_or_function(exported)


def test_importing_idempotency_keys_keeps_web_persistence_and_test_libraries_out() -> None:
    imported = _imported_top_level_packages("creativeflow_shared.idempotency")

    assert sorted(imported & set(_KEPT_OUT_OF_THE_DOMAIN)) == []
