"""Unit tests of ISO 4217 currencies."""

from __future__ import annotations

import pytest
from returns.result import Success

from creativeflow_shared.domain import Currency, FieldError


@pytest.mark.parametrize("code", ["EUR", "eur", "Eur"])
def test_the_code_is_upper_case(code: str) -> None:
    assert Currency(code).code == "EUR"


@pytest.mark.parametrize(
    ("code", "minor_units"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("GBP", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("CLF", 4),
    ],
)
def test_each_currency_knows_its_minor_units(code: str, minor_units: int) -> None:
    assert Currency(code).minor_units == minor_units


@pytest.mark.parametrize("code", ["XYZ", "EURO", "", "XAU", "XDR", "XXX"])
def test_refuses_codes_that_are_not_iso_4217_currencies(code: str) -> None:
    actual = Currency.create(code).failure()

    assert actual.field_errors == (
        FieldError((), f"{code!r} is not an ISO 4217 currency code", "value_error"),
    )


def test_refuses_a_code_that_is_not_text() -> None:
    actual = Currency.create(978).failure()

    assert [e.type for e in actual.field_errors] == ["string_type"]


def test_create_returns_the_currency_for_a_known_code() -> None:
    assert Currency.create("jpy") == Success(Currency("JPY"))


def test_codes_lists_every_known_currency() -> None:
    actual = Currency.codes()

    assert {"EUR", "USD", "JPY", "BHD", "CLF"} <= actual
    assert "XAU" not in actual
    assert all(Currency(code).code == code for code in actual)


def test_currencies_with_the_same_code_are_equal() -> None:
    assert Currency("eur") == Currency("EUR")
    assert hash(Currency("eur")) == hash(Currency("EUR"))


def test_a_currency_serializes_to_its_code() -> None:
    currency = Currency("eur")

    assert (currency.model_dump_json(), str(currency), currency.value) == ('"EUR"', "EUR", "EUR")
