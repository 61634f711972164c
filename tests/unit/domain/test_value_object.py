"""Unit tests of the two value-object bases."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from returns.result import Success

from creativeflow_shared.domain import FieldError, InvalidInputError, ScalarValue, ValueObject


class Dimensions(ValueObject):
    width: int
    height: int


class Area(ValueObject):
    """Same fields as ``Dimensions``, different meaning."""

    width: int
    height: int


class Colour(ScalarValue[str]):
    pass


class Tint(ScalarValue[str]):
    pass


# -- ValueObject ------------------------------------------------------------------------------
def test_values_with_equal_fields_are_equal() -> None:
    assert Dimensions(width=2, height=3) == Dimensions(width=2, height=3)


def test_values_with_different_fields_are_not_equal() -> None:
    assert Dimensions(width=2, height=3) != Dimensions(width=3, height=2)


def test_values_of_different_types_with_equal_fields_are_not_equal() -> None:
    assert Dimensions(width=2, height=3) != Area(width=2, height=3)


def test_a_value_is_not_equal_to_its_fields_as_a_dict() -> None:
    value = Dimensions(width=2, height=3)

    assert value.__eq__({"width": 2, "height": 3}) is NotImplemented
    assert value != {"width": 2, "height": 3}


def test_equal_values_hash_alike_and_collapse_in_a_set() -> None:
    first, second = Dimensions(width=2, height=3), Dimensions(width=2, height=3)

    # pyright reads ``frozen`` only from a class keyword, not from ``model_config``, so it
    # wrongly takes value objects for unhashable.
    actual = {first, second, Dimensions(width=1, height=1)}

    assert hash(first) == hash(second)
    assert len(actual) == 2


def test_a_value_is_frozen() -> None:
    value = Dimensions(width=2, height=3)

    with pytest.raises(ValidationError, match="frozen"):
        setattr(value, "width", 5)  # noqa: B010 (type checkers rightly refuse the plain assignment)

    assert value.width == 2


def test_constructing_an_invalid_value_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="width"):
        Dimensions.model_validate({"width": "wide", "height": 3})


def test_create_returns_the_value_when_the_data_is_valid() -> None:
    actual = Dimensions.create(width=2, height=3)

    assert actual == Success(Dimensions(width=2, height=3))


def test_create_reports_every_invalid_field() -> None:
    actual = Dimensions.create(width="wide", height="tall").failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [
        (("width",), "int_parsing"),
        (("height",), "int_parsing"),
    ]
    assert isinstance(actual, InvalidInputError)


def test_create_refuses_unknown_fields() -> None:
    actual = Dimensions.create(width=2, height=3, depth=4).failure()

    assert actual.field_errors == (
        FieldError(("depth",), "Extra inputs are not permitted", "extra_forbidden"),
    )


def test_create_reports_missing_fields() -> None:
    actual = Dimensions.create().failure()

    assert [e.loc for e in actual.field_errors] == [("width",), ("height",)]


# -- ScalarValue ------------------------------------------------------------------------------
def test_a_scalar_exposes_the_wrapped_primitive() -> None:
    colour = Colour("teal")

    assert (colour.value, colour.root, str(colour)) == ("teal", "teal", "teal")


def test_scalars_wrapping_equal_primitives_are_equal() -> None:
    assert Colour("teal") == Colour("teal")
    assert hash(Colour("teal")) == hash(Colour("teal"))


def test_scalars_wrapping_different_primitives_are_not_equal() -> None:
    assert Colour("teal") != Colour("navy")


def test_scalars_of_different_types_are_not_equal() -> None:
    assert Colour("teal") != Tint("teal")


def test_a_scalar_is_not_equal_to_its_primitive() -> None:
    colour = Colour("teal")

    assert colour.__eq__("teal") is NotImplemented
    assert colour != "teal"


def test_a_scalar_serializes_to_its_primitive() -> None:
    colour = Colour("teal")

    assert (colour.model_dump(), colour.model_dump_json()) == ("teal", '"teal"')


def test_a_scalar_reads_back_from_its_json() -> None:
    assert Colour.model_validate_json('"teal"') == Colour("teal")


def test_a_scalar_is_frozen() -> None:
    colour = Colour("teal")

    with pytest.raises(ValidationError, match="frozen"):
        setattr(colour, "root", "navy")  # noqa: B010 (type checkers rightly refuse the plain assignment)

    assert colour.value == "teal"


def test_create_returns_the_scalar_when_the_value_is_valid() -> None:
    assert Colour.create("teal") == Success(Colour("teal"))


def test_create_reports_an_invalid_scalar_at_the_root() -> None:
    actual = Colour.create(5).failure()

    assert actual.field_errors == (FieldError((), "Input should be a valid string", "string_type"),)


def test_constructing_an_invalid_scalar_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="valid string"):
        Colour.model_validate(5)
