"""Pins the public API: what each layer exports, and what importing it drags in."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import creativeflow_shared.domain
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
    "Specification",
    "SystemClock",
    "TimeRange",
    "UnauthorizedError",
    "UnavailableError",
    "UnknownEventTypeError",
    "Upcaster",
    "ValueObject",
    "at",
    "collect",
    "collect_async",
    "combine",
    "comparable",
    "current_clock",
    "event_registry",
    "use_clock",
    "utc_now",
    "uuid7",
    "validate",
    "where",
]

# Docstrings belong to classes and functions. ``Upcaster`` is a type alias (a ``Callable``
# generic alias documented by the ``#:`` comment beside it) and ``event_registry`` an instance
# of ``EventRegistry``: neither can carry a docstring of its own.
_DOMAIN_WITHOUT_DOCSTRING = {"Upcaster", "event_registry"}

_TESTING_API = [
    "aware_datetimes",
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
#: depends on the standard library, pydantic and returns only.
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

    assert actual == sorted(actual)


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


# -- the testing kit --------------------------------------------------------------------------
def test_the_testing_kit_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.testing.__all__ == _TESTING_API


def test_the_testing_kit_api_is_sorted() -> None:
    actual = creativeflow_shared.testing.__all__

    assert actual == sorted(actual)


@pytest.mark.parametrize("name", _TESTING_API)
def test_every_testing_kit_function_is_importable_and_documented(name: str) -> None:
    namespace: dict[str, object] = {}

    exec(f"from creativeflow_shared.testing import {name}", namespace)  # noqa: S102 (a name from the pinned list)

    exported = namespace[name]
    assert callable(exported)
    assert (getattr(exported, "__doc__", None) or "").strip() != ""
