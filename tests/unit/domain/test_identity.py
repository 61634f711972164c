"""Unit tests of typed identities."""

from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel, ValidationError
from returns.result import Success

from creativeflow_shared.domain import FieldError, Identity


class OrderId(Identity):
    """The id of an order."""


class JobId(Identity):
    """The id of a generation job."""


class _Holder(BaseModel):
    order_id: OrderId


_KNOWN = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def test_new_ids_are_uuid_version_7() -> None:
    actual = OrderId.new()

    assert (type(actual), actual.value.version) == (OrderId, 7)


def test_new_ids_are_unique_and_time_ordered() -> None:
    ids = [OrderId.new() for _ in range(100)]

    assert [i.value for i in ids] == sorted(i.value for i in ids)
    assert len({i.value for i in ids}) == 100


@pytest.mark.parametrize(
    "text",
    [
        str(_KNOWN),
        str(_KNOWN).upper(),
        _KNOWN.hex,
        _KNOWN.urn,
        f"{{{_KNOWN}}}",
    ],
)
def test_parse_reads_the_text_forms_of_a_uuid(text: str) -> None:
    assert OrderId.parse(text) == Success(OrderId(_KNOWN))


def test_parse_round_trips_a_new_id() -> None:
    order_id = OrderId.new()

    assert OrderId.parse(str(order_id)) == Success(order_id)


@pytest.mark.parametrize("text", ["", "not-a-uuid", str(_KNOWN)[:-1], f"{_KNOWN}0"])
def test_parse_refuses_text_that_is_not_a_uuid(text: str) -> None:
    actual = OrderId.parse(text).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "uuid_parsing")]


@pytest.mark.parametrize("value", [_KNOWN, _KNOWN.int, _KNOWN.bytes, None, 1.5])
def test_parse_refuses_anything_but_text(value: object) -> None:
    actual = OrderId.parse(value).failure()

    assert actual.field_errors == (FieldError((), "An id must be a string", "string_type"),)


def test_create_accepts_a_uuid() -> None:
    assert OrderId.create(_KNOWN) == Success(OrderId(_KNOWN))


def test_constructing_from_garbage_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="valid UUID"):
        OrderId.model_validate("nope")


def test_ids_of_one_type_with_the_same_uuid_are_equal() -> None:
    assert OrderId(_KNOWN) == OrderId(_KNOWN)
    assert hash(OrderId(_KNOWN)) == hash(OrderId(_KNOWN))


def test_ids_of_different_types_never_compare_equal() -> None:
    assert OrderId(_KNOWN) != JobId(_KNOWN)
    assert JobId(_KNOWN) != OrderId(_KNOWN)


def test_an_id_is_not_equal_to_its_uuid() -> None:
    assert OrderId(_KNOWN) != _KNOWN


def test_ids_of_different_types_with_the_same_uuid_are_distinct_keys() -> None:
    # pyright takes typed identities for unhashable (it synthesizes ``__hash__ = None`` for
    # pydantic subclasses that are not frozen by class keyword), although they hash by value.
    by_id: dict[Identity, str] = {
        OrderId(_KNOWN): "order",
        JobId(_KNOWN): "job",
    }

    assert sorted(by_id.values()) == ["job", "order"]
    assert (by_id[OrderId(_KNOWN)], by_id[JobId(_KNOWN)]) == ("order", "job")


def test_an_id_is_its_canonical_string_in_json() -> None:
    order_id = OrderId(_KNOWN)

    actual = (order_id.model_dump_json(), order_id.model_dump(mode="json"), str(order_id))

    assert actual == (f'"{_KNOWN}"', str(_KNOWN), str(_KNOWN))


def test_an_id_is_a_plain_string_inside_another_model() -> None:
    holder = _Holder(order_id=OrderId(_KNOWN))

    actual = holder.model_dump_json()

    assert actual == f'{{"order_id":"{_KNOWN}"}}'
    assert _Holder.model_validate_json(actual) == holder


def test_an_id_is_a_native_uuid_in_python_mode() -> None:
    assert OrderId(_KNOWN).model_dump() == _KNOWN
