"""G8: every public parsing and creation entry point returns a ``Result`` for any input.

Whatever it is fed, an entry point answers ``Success`` or ``Failure`` (the failure an
``InvalidInputError`` naming at least one problem), never raises, and leaves its input and the
event registry as they were.
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from returns.result import Failure, Result, Success

from creativeflow_shared.domain import (
    Currency,
    DomainEvent,
    Email,
    Identity,
    InvalidInputError,
    Money,
    NonEmptyStr,
    Percentage,
    ScalarValue,
    Slug,
    TimeRange,
    ValueObject,
    event_registry,
    validate,
)
from creativeflow_shared.testing import (
    currencies,
    emails,
    events,
    identities,
    money,
    non_empty_strs,
    percentages,
    slugs,
    time_ranges,
)

if TYPE_CHECKING:
    from collections.abc import Callable


class OrderId(Identity):
    pass


class Shipment(ValueObject):
    """A value object of the service's own, built from the kernel's values."""

    recipient: Email
    cost: Money
    window: TimeRange
    reference: OrderId


class OrderPlaced(DomainEvent, event_type="prop.never_raises.order_placed"):
    order_id: OrderId
    customer: Email
    total: Money
    discount: Percentage | None = None


class PromptSubmitted(
    DomainEvent, event_type="prop.never_raises.prompt_submitted", schema_version=2
):
    text: NonEmptyStr


@event_registry.upcaster("prop.never_raises.prompt_submitted", from_version=1)
def _prompt_becomes_text(payload: dict[str, Any]) -> dict[str, Any]:
    payload["text"] = payload.pop("prompt")
    return payload


class Signup(BaseModel):
    """A request body, as a service would validate one."""

    email: Email
    name: NonEmptyStr
    handle: Slug
    budget: Money
    share: Percentage
    window: TimeRange
    workspace: OrderId
    tags: list[Slug]
    starts: AwareDatetime
    seats: int
    ratio: Decimal


# -- arbitrary input ---------------------------------------------------------------------------
_LONG_SEEDS = ["a", "é", "\x00", "-", "1", " ", "@", ".", "\U0001d518", "\u212a", "{"]
_ODD_DECIMALS = [
    "NaN",
    "-NaN",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "-1e999999",
    "1e-999999",
    "1E+999999999999999999",
    "-0",
    "0E-1000",
]
_EDGE_DATETIMES = [
    datetime.min.replace(tzinfo=timezone(timedelta(hours=23, minutes=59))),
    datetime.max.replace(tzinfo=timezone(-timedelta(hours=23, minutes=59))),
    datetime.max.replace(tzinfo=UTC),
]


def _repeated(seed_and_count: tuple[str, int]) -> str:
    seed, count = seed_and_count
    return seed * count


def _power_of_ten(sign_and_exponent: tuple[int, int]) -> int:
    sign, exponent = sign_and_exponent
    return sign * int(10**exponent)


def _offsets() -> st.SearchStrategy[timezone]:
    most = timedelta(hours=23, minutes=59, seconds=59)
    return st.timedeltas(min_value=-most, max_value=most).map(timezone)


def _texts(*, surrogates: bool) -> st.SearchStrategy[str]:
    """Any text: control characters, every plane and, if asked, lone surrogates; up to 10k."""
    alphabet = st.characters(exclude_categories=()) if surrogates else st.characters(codec="utf-8")
    seeds = [*_LONG_SEEDS, "\ud800"] if surrogates else _LONG_SEEDS
    long_texts = st.tuples(st.sampled_from(seeds), st.integers(0, 10_000)).map(_repeated)
    return st.one_of(st.text(alphabet, max_size=40), long_texts)


def _scalars() -> st.SearchStrategy[object]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.tuples(st.sampled_from([1, -1]), st.integers(18, 6_000)).map(_power_of_ten),
        st.floats(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.sampled_from(_ODD_DECIMALS).map(Decimal),
        _texts(surrogates=True),
        st.binary(max_size=64),
        st.datetimes(timezones=st.none() | _offsets()),
        st.sampled_from(_EDGE_DATETIMES),
        st.dates(),
        st.times(),
        st.timedeltas(),
        st.uuids(),
        st.one_of(emails(), currencies(), money(), slugs(), non_empty_strs(), percentages()),
        st.one_of(time_ranges(), identities(OrderId)),
    )


def _anything() -> st.SearchStrategy[object]:
    """Arbitrary Python data: scalars of every kind nested in lists, tuples and dicts."""
    keys = st.one_of(_texts(surrogates=True), st.integers(), st.none())
    return st.recursive(
        _scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.tuples(children, children),
            st.dictionaries(keys, children, max_size=4),
        ),
        max_leaves=12,
    )


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text())
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
        ),
        max_leaves=12,
    )


def _field_data(*names: str) -> st.SearchStrategy[dict[str, object]]:
    """Keyword data for ``create``: mostly the model's own field names, sometimes others."""
    keys = st.one_of(st.sampled_from(names), st.text(max_size=12))
    return st.dictionaries(keys, _anything(), max_size=len(names) + 2)


# -- mutated serialized events ----------------------------------------------------------------
_ENVELOPE_MUTATIONS = ["replace", "delete", "add", "event_type", "schema_version"]


@st.composite
def _mutated_envelopes(draw: st.DrawFn) -> str | bytes:
    """A serialized current event with a few parts replaced, removed or added."""
    event = draw(st.one_of(events(OrderPlaced), events(PromptSubmitted)))
    envelope: dict[str, Any] = json.loads(event_registry.to_json(event))
    for _ in range(draw(st.integers(1, 3))):
        targets: list[dict[str, Any]] = [envelope]
        if isinstance(envelope.get("payload"), dict):
            targets.append(envelope["payload"])
        target = draw(st.sampled_from(targets))
        mutation = draw(st.sampled_from(_ENVELOPE_MUTATIONS))
        key = draw(st.sampled_from(sorted(target)) if target else st.text())
        if mutation == "replace":
            target[key] = draw(_json_values())
        elif mutation == "delete":
            target.pop(key, None)
        elif mutation == "add":
            target[draw(st.text(max_size=12))] = draw(_json_values())
        elif mutation == "event_type":
            envelope["event_type"] = draw(
                st.sampled_from(sorted(event_registry.event_types)) | st.text(max_size=40)
            )
        else:
            envelope["schema_version"] = draw(
                st.integers(-2, 5) | st.integers() | st.sampled_from([1.0, True, "1", None])
            )
    text = json.dumps(envelope)
    return text.encode() if draw(st.booleans()) else text


def _old_prompt_envelopes() -> st.SearchStrategy[str]:
    """Version 1 events, some of them without the field the upcaster moves."""
    payloads = st.dictionaries(
        st.sampled_from(["prompt", "text", "occurred_at", "event_id"]) | st.text(max_size=8),
        _json_values(),
        max_size=5,
    )
    return payloads.map(
        lambda payload: json.dumps(
            {"event_type": PromptSubmitted.event_type, "schema_version": 1, "payload": payload}
        )
    )


# -- the checks --------------------------------------------------------------------------------
def _snapshot(value: object) -> bytes:
    # Pickles compare NaN, huge ints and nested containers exactly, where ``==`` and ``repr``
    # do not (NaN is unequal to itself; repr refuses ints of more than 4300 digits).
    return pickle.dumps(value)


def _assert_answers_with_a_result(result: Result[object, InvalidInputError]) -> None:
    assert isinstance(result, Success | Failure)
    if isinstance(result, Failure):
        error: object = result.failure()
        assert isinstance(error, InvalidInputError)
        assert len(error.field_errors) >= 1


def _assert_leaves_input_and_registry_alone(
    act: Callable[[], Result[object, InvalidInputError]], *inputs: object
) -> None:
    before = [_snapshot(value) for value in inputs]
    registered = event_registry.event_types

    _assert_answers_with_a_result(act())

    assert [_snapshot(value) for value in inputs] == before
    assert event_registry.event_types == registered


SCALAR_VALUES: list[type[ScalarValue[Any]]] = [
    Currency,
    Email,
    NonEmptyStr,
    OrderId,
    Percentage,
    Slug,
]
VALUE_OBJECTS: list[type[ValueObject]] = [Money, Shipment, TimeRange]
FIELD_DATA = {value_type: _field_data(*value_type.model_fields) for value_type in VALUE_OBJECTS}


@pytest.mark.parametrize("value_type", SCALAR_VALUES, ids=lambda t: t.__name__)
@given(value=_anything())
def test_creating_a_scalar_value_never_raises(
    value_type: type[ScalarValue[Any]], value: object
) -> None:
    _assert_leaves_input_and_registry_alone(lambda: value_type.create(value), value)


@pytest.mark.parametrize("value_type", VALUE_OBJECTS, ids=lambda t: t.__name__)
@given(data=st.data())
def test_creating_a_value_object_never_raises(
    value_type: type[ValueObject], data: st.DataObject
) -> None:
    fields = data.draw(FIELD_DATA[value_type])

    _assert_leaves_input_and_registry_alone(lambda: value_type.create(**fields), fields)


@given(text=_anything())
def test_parsing_an_id_never_raises(text: object) -> None:
    _assert_leaves_input_and_registry_alone(lambda: OrderId.parse(text), text)


@given(text=_texts(surrogates=True))
def test_deriving_a_slug_from_text_never_raises(text: str) -> None:
    _assert_leaves_input_and_registry_alone(lambda: Slug.from_text(text), text)


@given(data=_anything() | _field_data(*Signup.model_fields))
def test_validating_a_model_never_raises(data: object) -> None:
    _assert_leaves_input_and_registry_alone(lambda: validate(Signup, data), data)


@given(
    data=st.one_of(
        _anything(),
        _json_values().map(json.dumps),
        _json_values().map(lambda value: json.dumps(value).encode()),
        st.binary(),
        _mutated_envelopes(),
        _old_prompt_envelopes(),
    )
)
def test_reading_a_serialized_event_never_raises(data: object) -> None:
    _assert_leaves_input_and_registry_alone(lambda: event_registry.from_json(data), data)


@given(
    event_type=_anything() | st.sampled_from(sorted(event_registry.event_types)),
    schema_version=_anything() | st.integers(-2, 4),
    payload=_anything() | st.dictionaries(st.text(max_size=12), _anything(), max_size=5),
)
def test_building_an_event_from_its_parts_never_raises(
    event_type: object, schema_version: object, payload: object
) -> None:
    _assert_leaves_input_and_registry_alone(
        lambda: event_registry.from_payload(event_type, schema_version, payload),
        event_type,
        schema_version,
        payload,
    )


@given(data=_mutated_envelopes())
def test_reading_a_mutated_event_is_a_failure_or_a_valid_event(data: str | bytes) -> None:
    result = event_registry.from_json(data)

    _assert_answers_with_a_result(result)
    if isinstance(result, Success):
        event = result.unwrap()
        assert event_registry.from_json(event_registry.to_json(event)) == Success(event)


# -- regressions -------------------------------------------------------------------------------
@given(
    prefix=_texts(surrogates=False),
    surrogate=st.characters(categories=["Cs"]),
    suffix=_texts(surrogates=False),
)
def test_reading_json_text_with_a_lone_surrogate_returns_a_failure(
    prefix: str, surrogate: str, suffix: str
) -> None:
    text = prefix + surrogate + suffix

    result = event_registry.from_json(text)

    _assert_answers_with_a_result(result)


def _nested(depth: int) -> dict[str, object]:
    nested: dict[str, object] = {}
    for _ in range(depth):
        nested = {"child": nested}
    return nested


def test_building_an_event_from_a_deeply_nested_payload_returns_a_failure() -> None:
    payload = {"notes": _nested(2_000)}

    result = event_registry.from_payload(OrderPlaced.event_type, 1, payload)

    _assert_answers_with_a_result(result)
