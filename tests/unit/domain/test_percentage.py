"""Unit tests of percentages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from returns.result import Success

from creativeflow_shared.domain import Percentage


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", Decimal(0)),
        ("100", Decimal(100)),
        ("12.5", Decimal("12.5")),
        (0, Decimal(0)),
        (100, Decimal(100)),
        (Decimal("99.99"), Decimal("99.99")),
        ("0.0000000001", Decimal("1E-10")),
    ],
)
def test_accepts_exact_decimals_from_0_to_100(value: object, expected: Decimal) -> None:
    actual = Percentage.create(value)

    assert actual == Success(Percentage(expected))
    assert actual.unwrap().value == expected


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        ("-0.01", "greater_than_equal"),
        (-1, "greater_than_equal"),
        ("100.01", "less_than_equal"),
        ("120", "less_than_equal"),
        ("NaN", "finite_number"),
        ("Infinity", "finite_number"),
        ("twelve", "decimal_parsing"),
        ("12.34567890123", "decimal_max_digits"),
        (None, "decimal_type"),
    ],
)
def test_refuses_values_outside_the_range_or_not_decimal(value: object, error_type: str) -> None:
    actual = Percentage.create(value).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), error_type)]


@pytest.mark.parametrize("value", [12.5, 0.0, True, False])
def test_refuses_floats_and_bools(value: object) -> None:
    actual = Percentage.create(value).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "value_error")]
    assert "not a float or bool" in actual.field_errors[0].message


def test_constructing_an_invalid_percentage_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        Percentage(Decimal(101))


@pytest.mark.parametrize(
    ("value", "fraction"),
    [
        ("12.5", Decimal("0.125")),
        ("0", Decimal(0)),
        ("100", Decimal(1)),
        ("33.3", Decimal("0.333")),
    ],
)
def test_fraction_is_the_share_of_one(value: str, fraction: Decimal) -> None:
    assert Percentage.create(value).unwrap().fraction == fraction


def test_equal_percentages_written_differently_are_equal() -> None:
    assert Percentage(Decimal("12.50")) == Percentage(Decimal("12.5"))
    assert hash(Percentage(Decimal("12.50"))) == hash(Percentage(Decimal("12.5")))


def test_a_percentage_serializes_to_its_decimal_text() -> None:
    assert Percentage(Decimal("12.5")).model_dump_json() == '"12.5"'


@pytest.mark.parametrize(
    "value", ["\u0665\u0660", "\uff15\uff10"], ids=["arabic-indic", "full-width"]
)
def test_refuses_a_percentage_written_with_other_digits_than_ascii(value: str) -> None:
    (error,) = Percentage.create(value).failure().field_errors

    assert error.message == "Write the number with the ASCII digits 0-9"
