"""Unit tests of the event registry: registration, upcasters, writing and reading events."""

from __future__ import annotations

import functools
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, ConfigDict
from returns.result import Success

from creativeflow_shared.domain import (
    DomainEvent,
    EventRegistry,
    FieldError,
    InvalidInputError,
    UnknownEventTypeError,
    event_registry,
)
from creativeflow_shared.domain._non_finite import reads_non_finite

if TYPE_CHECKING:
    from collections.abc import Callable


class DraftCreated(DomainEvent, event_type="unit.registry.draft_created"):
    name: str


class DraftRetitled(DomainEvent, event_type="unit.registry.draft_retitled", schema_version=3):
    """Version 1 had ``name``; version 2 renamed it ``title``; version 3 added ``language``."""

    title: str
    language: str


class DraftArchived(DomainEvent, event_type="unit.registry.draft_archived"):
    pass


class Nameless(DomainEvent, abstract=True):
    """Abstract, so never registered globally; its empty name is what the tests register."""

    event_type: ClassVar[str] = ""


_EVENT_ID = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
_AT = datetime(2026, 1, 1, tzinfo=UTC)
_AT_TEXT = "2026-01-01T00:00:00Z"


def _title_from_name(payload: dict[str, Any]) -> dict[str, Any]:
    payload["title"] = payload.pop("name")
    return payload


def _add_language(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "language": "en"}


def _keys_as_a_list(payload: dict[str, Any]) -> Any:
    """A faulty upcaster: it returns a list where a dict is due."""
    return list(payload)


def _registry(*classes: type[DomainEvent]) -> EventRegistry:
    registry = EventRegistry()
    for event_class in classes:
        registry.register(event_class)
    return registry


def _full_registry() -> EventRegistry:
    registry = _registry(DraftCreated, DraftRetitled, DraftArchived)
    registry.add_upcaster("unit.registry.draft_retitled", 1, _title_from_name)
    registry.add_upcaster("unit.registry.draft_retitled", 2, _add_language)
    return registry


def _wire(event_type: object, schema_version: object, payload: object) -> bytes:
    envelope = {"event_type": event_type, "schema_version": schema_version, "payload": payload}
    return json.dumps(envelope).encode()


def _failure_locs_and_types(error: InvalidInputError) -> list[tuple[tuple[str | int, ...], str]]:
    return [(e.loc, e.type) for e in error.field_errors]


# -- registration -----------------------------------------------------------------------------
def test_a_registered_class_can_be_looked_up_by_its_event_type() -> None:
    registry = _registry(DraftCreated, DraftRetitled)

    actual = (
        registry.get("unit.registry.draft_created"),
        "unit.registry.draft_retitled" in registry,
        registry.event_types,
    )

    assert actual == (
        DraftCreated,
        True,
        frozenset({"unit.registry.draft_created", "unit.registry.draft_retitled"}),
    )


@pytest.mark.parametrize("event_type", ["unit.registry.unknown", 42, None])
def test_an_unknown_event_type_is_not_in_the_registry(event_type: object) -> None:
    registry = _registry(DraftCreated)

    assert event_type not in registry


def test_get_returns_none_for_an_unknown_event_type() -> None:
    assert _registry(DraftCreated).get("unit.registry.unknown") is None


def test_a_new_registry_is_empty() -> None:
    assert EventRegistry().event_types == frozenset()


def test_refuses_a_second_class_under_the_same_event_type() -> None:
    registry = _registry(DraftCreated)

    with pytest.raises(
        TypeError, match=r"'unit\.registry\.draft_created' of .* is already used by"
    ):
        registry.register(DraftCreated)


def test_refuses_a_class_with_an_empty_event_type() -> None:
    with pytest.raises(TypeError, match="Nameless needs a non-empty event_type"):
        EventRegistry().register(Nameless)


# -- upcasters --------------------------------------------------------------------------------
def test_add_upcaster_refuses_an_unknown_event_type() -> None:
    with pytest.raises(LookupError, match=r"no event class is registered for 'unit\.registry\.x'"):
        EventRegistry().add_upcaster("unit.registry.x", 1, _add_language)


@pytest.mark.parametrize("from_version", [0, -1, 3, 4])
def test_add_upcaster_refuses_a_version_outside_the_classs_history(from_version: int) -> None:
    registry = _registry(DraftRetitled)

    with pytest.raises(ValueError, match=f"between 1 and 2, got {from_version}"):
        registry.add_upcaster("unit.registry.draft_retitled", from_version, _add_language)


def test_add_upcaster_refuses_any_version_for_a_class_still_at_version_1() -> None:
    registry = _registry(DraftCreated)

    with pytest.raises(ValueError, match="between 1 and 0, got 1"):
        registry.add_upcaster("unit.registry.draft_created", 1, _add_language)


def test_add_upcaster_refuses_a_second_upcaster_for_the_same_step() -> None:
    registry = _full_registry()

    with pytest.raises(ValueError, match="already has an upcaster from version 2"):
        registry.add_upcaster("unit.registry.draft_retitled", 2, _add_language)


def test_the_upcaster_decorator_registers_the_function_and_returns_it() -> None:
    registry = _registry(DraftRetitled)

    decorated = registry.upcaster("unit.registry.draft_retitled", from_version=2)(_add_language)

    assert decorated is _add_language
    with pytest.raises(ValueError, match="already has an upcaster from version 2"):
        registry.add_upcaster("unit.registry.draft_retitled", 2, _add_language)


def test_the_upcaster_decorator_reports_the_same_errors_as_add_upcaster() -> None:
    decorate = EventRegistry().upcaster("unit.registry.x", from_version=1)

    with pytest.raises(LookupError, match="no event class is registered"):
        decorate(_add_language)


# -- writing ----------------------------------------------------------------------------------
def test_to_json_writes_the_envelope_with_the_payload() -> None:
    event = DraftCreated(name="Draft", event_id=_EVENT_ID, occurred_at=_AT)

    actual = json.loads(_registry(DraftCreated).to_json(event))

    assert actual == {
        "event_type": "unit.registry.draft_created",
        "schema_version": 1,
        "payload": {
            "event_id": str(_EVENT_ID),
            "occurred_at": _AT_TEXT,
            "aggregate_type": None,
            "aggregate_id": None,
            "name": "Draft",
        },
    }


def test_to_json_writes_the_same_bytes_each_time() -> None:
    registry = _registry(DraftCreated)
    event = DraftCreated(name="Draft")

    assert registry.to_json(event) == registry.to_json(event)


def test_to_json_refuses_an_event_whose_class_is_not_registered_there() -> None:
    with pytest.raises(LookupError, match="DraftCreated is not registered in this registry"):
        EventRegistry().to_json(DraftCreated(name="Draft"))


def test_to_payload_returns_json_compatible_fields() -> None:
    event = DraftRetitled(title="Final", language="en", event_id=_EVENT_ID, occurred_at=_AT)

    actual = EventRegistry().to_payload(event)

    assert actual == {
        "event_id": str(_EVENT_ID),
        "occurred_at": _AT_TEXT,
        "aggregate_type": None,
        "aggregate_id": None,
        "title": "Final",
        "language": "en",
    }


# -- reading: the fast path -------------------------------------------------------------------
@pytest.mark.parametrize(
    "event",
    [
        DraftCreated(name="Draft", aggregate_type="draft", aggregate_id="d-1"),
        DraftRetitled(title="Final", language="en"),
        DraftArchived(),
    ],
)
def test_reads_back_what_it_wrote_when_several_classes_are_registered(event: DomainEvent) -> None:
    registry = _full_registry()

    actual = registry.from_json(registry.to_json(event))

    assert actual == Success(event)
    assert type(actual.unwrap()) is type(event)


def test_reads_back_what_it_wrote_when_one_class_is_registered() -> None:
    registry = _registry(DraftCreated)
    event = DraftCreated(name="Draft")

    assert registry.from_json(registry.to_json(event)) == Success(event)


@pytest.mark.parametrize("convert", [bytes, bytearray, bytes.decode])
def test_reads_bytes_bytearrays_and_text(convert: Any) -> None:
    registry = _full_registry()
    event = DraftCreated(name="Draft")

    actual = registry.from_json(convert(registry.to_json(event)))

    assert actual == Success(event)


def test_reads_a_class_registered_after_the_first_read() -> None:
    registry = _registry(DraftCreated)
    registry.from_json(registry.to_json(DraftCreated(name="Draft")))
    registry.register(DraftArchived)
    event = DraftArchived()

    actual = registry.from_json(registry.to_json(event))

    assert actual == Success(event)


def test_the_global_registry_reads_back_what_it_wrote() -> None:
    event = DraftRetitled(title="Final", language="en")

    assert event_registry.from_json(event_registry.to_json(event)) == Success(event)


def test_a_registry_without_classes_reports_every_event_type_as_unknown() -> None:
    actual = EventRegistry().from_json(_wire("unit.registry.draft_created", 1, {"name": "x"}))

    assert actual.failure() == UnknownEventTypeError("unit.registry.draft_created")


# -- reading: upcasting -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema_version", "payload"),
    [
        (1, {"name": "Final"}),
        (2, {"title": "Final"}),
        (3, {"title": "Final", "language": "en"}),
    ],
)
def test_upcasts_older_payloads_one_version_at_a_time(
    schema_version: int, payload: dict[str, Any]
) -> None:
    registry = _full_registry()
    data = _wire(
        "unit.registry.draft_retitled",
        schema_version,
        {**payload, "event_id": str(_EVENT_ID), "occurred_at": _AT_TEXT},
    )

    actual = registry.from_json(data)

    expected = DraftRetitled(title="Final", language="en", event_id=_EVENT_ID, occurred_at=_AT)
    assert actual == Success(expected)


def test_upcasting_leaves_the_callers_payload_untouched() -> None:
    registry = _full_registry()
    payload: dict[str, Any] = {"name": "Final"}

    actual = registry.from_payload("unit.registry.draft_retitled", 1, payload)

    assert actual.unwrap().model_dump(include={"title", "language"}) == {
        "title": "Final",
        "language": "en",
    }
    assert payload == {"name": "Final"}


def test_a_missing_upcaster_step_is_reported_as_an_unknown_version() -> None:
    registry = _registry(DraftRetitled)
    registry.add_upcaster("unit.registry.draft_retitled", 1, _title_from_name)

    actual = registry.from_json(_wire("unit.registry.draft_retitled", 1, {"name": "Final"}))

    assert actual.failure() == UnknownEventTypeError(
        "unit.registry.draft_retitled", "no upcaster from schema version 2"
    )


def test_an_upcaster_that_does_not_find_what_it_expects_gives_a_failure() -> None:
    registry = _full_registry()

    actual = registry.from_json(_wire("unit.registry.draft_retitled", 1, {"title": "Final"}))

    assert actual.failure().field_errors == (
        FieldError(
            ("payload",), "the upcaster _title_from_name from version 1 failed: KeyError('name')"
        ),
    )


def test_an_upcaster_that_returns_something_else_than_a_dict_gives_a_failure() -> None:
    registry = _registry(DraftRetitled)
    registry.add_upcaster("unit.registry.draft_retitled", 2, _keys_as_a_list)

    actual = registry.from_json(_wire("unit.registry.draft_retitled", 2, {"title": "Final"}))

    assert actual.failure().field_errors == (
        FieldError(
            ("payload",), "the upcaster _keys_as_a_list from version 2 did not return a dict"
        ),
    )


def _crash(payload: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError(str(payload))


def _recurse(payload: dict[str, Any]) -> dict[str, Any]:
    return _recurse(payload)


@pytest.mark.parametrize(
    ("upcaster", "raised"),
    [(_crash, "RuntimeError"), (_recurse, "RecursionError")],
    ids=["runtime error", "recursion error"],
)
@pytest.mark.parametrize("reader", ["from_json", "from_payload"])
def test_an_upcaster_that_raises_anything_gives_a_failure_naming_it(
    upcaster: Callable[[dict[str, Any]], dict[str, Any]], raised: str, reader: str
) -> None:
    registry = _registry(DraftRetitled)
    registry.add_upcaster("unit.registry.draft_retitled", 2, upcaster)
    payload = {"title": "Final"}

    if reader == "from_json":
        actual = registry.from_json(_wire("unit.registry.draft_retitled", 2, payload))
    else:
        actual = registry.from_payload("unit.registry.draft_retitled", 2, payload)

    (error,) = actual.failure().field_errors
    assert error.loc == ("payload",)
    assert error.message.startswith(f"the upcaster {upcaster.__qualname__} from version 2 failed")
    assert raised in error.message


def test_an_upcaster_meeting_a_value_of_the_wrong_type_gives_a_failure() -> None:
    registry = _registry(DraftRetitled)

    def strip_title(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "title": payload["title"].strip()}

    registry.add_upcaster("unit.registry.draft_retitled", 2, strip_title)

    actual = registry.from_json(_wire("unit.registry.draft_retitled", 2, {"title": 5}))

    assert actual.failure().field_errors[0].loc == ("payload",)


# -- reading: garbage -------------------------------------------------------------------------
@pytest.mark.parametrize("data", [42, None, {"event_type": "x"}, ["x"], memoryview(b"{}")])
def test_refuses_what_is_not_json_text(data: object) -> None:
    actual = _full_registry().from_json(data)

    assert actual.failure().field_errors == (
        FieldError((), "A serialized event must be JSON text"),
    )


@pytest.mark.parametrize("data", [b"not json", b"", b"{", "{'single': 'quotes'}", b"\xff\xfe"])
def test_refuses_invalid_json(data: str | bytes) -> None:
    actual = _full_registry().from_json(data).failure()

    assert _failure_locs_and_types(actual) == [((), "value_error")]
    assert actual.field_errors[0].message.startswith("Not valid JSON: ")


@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"null", b"3", b"true"])
def test_refuses_json_that_is_not_an_object(data: bytes) -> None:
    actual = _full_registry().from_json(data)

    assert actual.failure().field_errors == (
        FieldError((), "A serialized event must be a JSON object"),
    )


def test_lists_every_missing_and_unexpected_envelope_key() -> None:
    data = b'{"event_type": "unit.registry.draft_created", "version": 1, "data": {}}'

    actual = _full_registry().from_json(data).failure()

    assert _failure_locs_and_types(actual) == [
        (("data",), "extra_forbidden"),
        (("version",), "extra_forbidden"),
        (("schema_version",), "missing"),
        (("payload",), "missing"),
    ]


def test_lists_every_envelope_key_of_an_empty_object() -> None:
    actual = _full_registry().from_json(b"{}").failure()

    assert _failure_locs_and_types(actual) == [
        (("event_type",), "missing"),
        (("schema_version",), "missing"),
        (("payload",), "missing"),
    ]


def test_reports_missing_keys_together_with_parts_of_the_wrong_type() -> None:
    actual = _full_registry().from_json(b'{"event_type": 5, "payload": []}').failure()

    assert _failure_locs_and_types(actual) == [
        (("event_type",), "type_error"),
        (("schema_version",), "missing"),
        (("payload",), "type_error"),
    ]


def test_reports_every_part_of_the_wrong_type_at_once() -> None:
    actual = _full_registry().from_json(_wire(None, 0, "payload")).failure()

    assert actual.field_errors == (
        FieldError(("event_type",), "event_type must be a string", "type_error"),
        FieldError(("schema_version",), "schema_version must be an integer >= 1", "type_error"),
        FieldError(("payload",), "payload must be a JSON object", "type_error"),
    )


@pytest.mark.parametrize("event_type", [5, None, ["unit.registry.draft_created"], True])
def test_refuses_an_event_type_that_is_not_a_string(event_type: object) -> None:
    actual = _full_registry().from_json(_wire(event_type, 1, {"name": "x"}))

    assert actual.failure().field_errors == (
        FieldError(("event_type",), "event_type must be a string", "type_error"),
    )


@pytest.mark.parametrize("schema_version", [True, False, 0, -1, "1", 1.5, 2.0, None])
def test_refuses_a_schema_version_that_is_not_a_positive_int(schema_version: object) -> None:
    data = _wire("unit.registry.draft_retitled", schema_version, {"title": "x", "language": "en"})

    actual = _full_registry().from_json(data)

    assert actual.failure().field_errors == (
        FieldError(("schema_version",), "schema_version must be an integer >= 1", "type_error"),
    )


@pytest.mark.parametrize("schema_version", [True, 1.0])
def test_refuses_a_bool_or_float_schema_version_for_a_version_1_class(
    schema_version: object,
) -> None:
    data = _wire("unit.registry.draft_created", schema_version, {"name": "Draft"})

    actual = _full_registry().from_json(data)

    assert actual.failure().field_errors == (
        FieldError(("schema_version",), "schema_version must be an integer >= 1", "type_error"),
    )


@pytest.mark.parametrize("payload", [[], "name", None, 3])
def test_refuses_a_payload_that_is_not_an_object(payload: object) -> None:
    actual = _full_registry().from_json(_wire("unit.registry.draft_created", 1, payload))

    assert actual.failure().field_errors == (
        FieldError(("payload",), "payload must be a JSON object", "type_error"),
    )


def test_reports_an_unknown_event_type() -> None:
    actual = _full_registry().from_json(_wire("unit.registry.unknown", 1, {})).failure()

    assert actual == UnknownEventTypeError("unit.registry.unknown")
    assert isinstance(actual, UnknownEventTypeError)
    assert (actual.code, actual.event_type) == ("unknown_event_type", "unit.registry.unknown")


def test_reports_a_schema_version_newer_than_the_class() -> None:
    actual = _full_registry().from_json(_wire("unit.registry.draft_retitled", 4, {})).failure()

    assert actual == UnknownEventTypeError(
        "unit.registry.draft_retitled", "schema version 4 is newer than 3"
    )


def test_locates_payload_validation_errors_under_payload() -> None:
    data = _wire("unit.registry.draft_created", 1, {"name": 5, "colour": "teal"})

    actual = _full_registry().from_json(data).failure()

    assert _failure_locs_and_types(actual) == [
        (("payload", "name"), "string_type"),
        (("payload", "colour"), "extra_forbidden"),
    ]


def test_locates_validation_errors_of_an_upcast_payload_under_payload() -> None:
    data = _wire("unit.registry.draft_retitled", 1, {"name": 5})

    actual = _full_registry().from_json(data).failure()

    assert _failure_locs_and_types(actual) == [(("payload", "title"), "string_type")]


# -- reading parts ----------------------------------------------------------------------------
def test_from_payload_builds_the_event_from_its_parts() -> None:
    payload = {"name": "Draft", "event_id": str(_EVENT_ID), "occurred_at": _AT_TEXT}

    actual = _full_registry().from_payload("unit.registry.draft_created", 1, payload)

    assert actual == Success(DraftCreated(name="Draft", event_id=_EVENT_ID, occurred_at=_AT))


def test_from_payload_checks_the_parts_before_looking_the_event_type_up() -> None:
    actual = _full_registry().from_payload("unit.registry.unknown", 1, "not a dict")

    assert actual.failure().field_errors == (
        FieldError(("payload",), "payload must be a JSON object", "type_error"),
    )


def test_from_json_refuses_text_with_a_lone_surrogate() -> None:
    text = '{"event_type": "unit.registry.draft_created", "schema_version": 1, "payload": "\ud800"}'

    actual = _full_registry().from_json(text).failure()

    assert [e.message for e in actual.field_errors] == [
        "A serialized event must be valid Unicode text"
    ]


def test_from_payload_refuses_to_upcast_a_payload_nested_too_deeply() -> None:
    nested: dict[str, Any] = {}
    for _ in range(5000):
        nested = {"inner": nested}

    actual = _full_registry().from_payload("unit.registry.draft_retitled", 1, nested).failure()

    assert _failure_locs_and_types(actual) == [(("payload",), "value_error")]
    assert actual.field_errors[0].message == "The payload is nested too deeply to upcast"


# -- the envelope and the fast path ------------------------------------------------------------
class Measured(DomainEvent, event_type="unit.registry.measured"):
    value: float
    raw: Any = None


def test_a_current_envelope_with_an_extra_key_is_a_failure() -> None:
    registry = _registry(DraftCreated)
    valid = json.loads(registry.to_json(DraftCreated(name="a")))

    actual = registry.from_json(json.dumps({**valid, "junk": 1}))

    assert _failure_locs_and_types(actual.failure()) == [(("junk",), "extra_forbidden")]


def test_a_current_event_is_read_in_one_pass_without_the_explaining_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = _registry(DraftCreated)
    event = DraftCreated(name="fast")

    def refuse(data: object) -> object:
        raise AssertionError(data)

    monkeypatch.setattr(registry, "_read_envelope", refuse)

    assert registry.from_json(registry.to_json(event)) == Success(event)


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"], ids=lambda n: n
)
@pytest.mark.parametrize("field", ["value", "raw"])
def test_a_non_finite_number_in_json_is_refused(number: str, field: str) -> None:
    registry = _registry(Measured)
    payload = '{"value": 1.5, "raw": null}'.replace("1.5" if field == "value" else "null", number)
    data = f'{{"event_type":"unit.registry.measured","schema_version":1,"payload":{payload}}}'

    actual = registry.from_json(data)

    if field == "raw" and number.endswith("e400"):
        # A field typed ``Any`` is not validated: 1e400 is read as the float infinity. Such an
        # event is refused when it is committed (the outbox keeps only finite numbers).
        read = actual.unwrap()
        assert isinstance(read, Measured)
        assert read.raw == float(number)
    else:
        assert isinstance(actual.failure(), InvalidInputError)


def test_text_that_merely_mentions_nan_is_read_on_the_strict_path() -> None:
    registry = _registry(DraftCreated)
    event = DraftCreated(name="NaN or Infinity")

    assert registry.from_json(registry.to_json(event)) == Success(event)
    assert registry.from_json(registry.to_json(event).decode()) == Success(event)


def test_every_registered_current_event_is_read_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = _registry(DraftCreated, DraftArchived, Measured)
    events = [DraftCreated(name="a"), DraftArchived(), Measured(value=1.5)]

    def refuse(data: object) -> object:
        raise AssertionError(data)

    monkeypatch.setattr(registry, "_read_envelope", refuse)

    assert [registry.from_json(registry.to_json(e)) for e in events] == [Success(e) for e in events]


def test_a_valid_payload_under_a_newer_schema_version_is_still_refused() -> None:
    registry = _registry(DraftRetitled)
    data = _wire("unit.registry.draft_retitled", 4, {"title": "Final", "language": "en"})

    actual = registry.from_json(data).failure()

    assert actual == UnknownEventTypeError(
        "unit.registry.draft_retitled", "schema version 4 is newer than 3"
    )


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity"])
def test_json_bytes_holding_a_non_finite_constant_are_refused(constant: bytes) -> None:
    registry = _registry(Measured)
    data = (
        b'{"event_type":"unit.registry.measured","schema_version":1,'
        b'"payload":{"value":1.5,"raw":' + constant + b"}}"
    )

    assert isinstance(registry.from_json(data).failure(), InvalidInputError)
    assert isinstance(registry.from_json(bytearray(data)).failure(), InvalidInputError)


def test_an_upcaster_registered_with_the_decorator_upcasts_what_is_read() -> None:
    registry = _registry(DraftRetitled)

    @registry.upcaster("unit.registry.draft_retitled", from_version=1)
    def rename(payload: dict[str, Any]) -> dict[str, Any]:
        return {"title": payload["name"]}

    registry.upcaster("unit.registry.draft_retitled", from_version=2)(_add_language)

    actual = registry.from_json(_wire("unit.registry.draft_retitled", 1, {"name": "Old"}))

    assert isinstance(actual.unwrap(), DraftRetitled)
    assert actual.unwrap().model_dump(include={"title"}) == {"title": "Old"}


def test_an_upcaster_without_a_qualified_name_is_named_by_its_repr() -> None:
    registry = _registry(DraftRetitled)
    upcaster = functools.partial(_crash)
    registry.add_upcaster("unit.registry.draft_retitled", 2, upcaster)

    actual = registry.from_payload("unit.registry.draft_retitled", 2, {"title": "Final"})

    (error,) = actual.failure().field_errors
    assert error.message.startswith(f"the upcaster {upcaster!r} from version 2 failed")


def test_both_events_of_a_two_class_registry_are_read_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = _registry(DraftCreated, DraftArchived)
    events = [DraftCreated(name="a"), DraftArchived()]

    def refuse(data: object) -> object:
        raise AssertionError(data)

    monkeypatch.setattr(registry, "_read_envelope", refuse)

    assert [registry.from_json(registry.to_json(e)) for e in events] == [Success(e) for e in events]


class _PlainPoint(BaseModel):
    x: float


class _StrictPoint(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    x: float
    y: Annotated[float, "meta"] = 0.0
    z: float | None = None
    back: _StrictPoint | None = None


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param(Any, True, id="Any"),
        pytest.param(object, True, id="object"),
        pytest.param(dict, True, id="a bare dict"),
        pytest.param(list[Any], True, id="a list of Any"),
        pytest.param(dict[str, float], True, id="floats outside a checking model"),
        pytest.param(_PlainPoint, True, id="a plain model's float"),
        pytest.param("Later", True, id="a forward reference"),
        pytest.param(Annotated[Decimal, "meta"], True, id="a bare decimal"),
        pytest.param(Annotated[_PlainPoint, "meta"], True, id="an annotated plain model"),
        pytest.param(float | None, True, id="an optional bare float"),
        pytest.param(_StrictPoint, False, id="a checking model, recursive"),
        pytest.param(Measured, True, id="an event with an Any field"),
        pytest.param(DraftRetitled, False, id="an event of text"),
        pytest.param(Literal["a", "b"], False, id="a literal"),
        pytest.param(tuple[int, ...], False, id="a tuple of ints"),
        pytest.param(int | None, False, id="an optional int"),
        pytest.param(None, False, id="None"),
    ],
)
def test_which_annotations_read_non_finite_numbers_unchecked(
    annotation: object, expected: bool
) -> None:
    assert reads_non_finite(annotation) is expected


def test_a_registry_whose_events_check_every_number_reads_text_mentioning_nan_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = _registry(DraftCreated)
    event = DraftCreated(name="NaN and Infinity")

    def refuse(data: object) -> object:
        raise AssertionError(data)

    registry.from_json(registry.to_json(event))  # builds the adapter
    monkeypatch.setattr(registry, "_read_envelope", refuse)

    assert registry.from_json(registry.to_json(event)) == Success(event)


@pytest.mark.parametrize(
    "annotation",
    [Annotated[float, "meta"], float | None, list[Annotated[Decimal, "meta"]], Decimal],
    ids=["annotated", "optional", "a list of annotated decimals", "plain"],
)
def test_numbers_inside_a_checking_model_are_checked_however_they_are_spelled(
    annotation: object,
) -> None:
    assert reads_non_finite(annotation, strict=True) is False
    assert reads_non_finite(annotation) is True
