"""Unit tests of amounts of money."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from returns.result import Failure, Success

from creativeflow_shared.domain import Currency, CurrencyMismatchError, Money
from creativeflow_shared.testing import money

_LIMIT = Decimal(10) ** 15


def _money(amount: str | int, currency: str = "EUR") -> Money:
    return Money.create(currency=currency, amount=amount).unwrap()


# -- construction -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("EUR", "10.5", Decimal("10.50")),
        ("EUR", "10.50", Decimal("10.50")),
        ("EUR", "10.500", Decimal("10.50")),
        ("EUR", 10, Decimal("10.00")),
        ("EUR", Decimal("1E+3"), Decimal("1000.00")),
        ("EUR", "-0.01", Decimal("-0.01")),
        ("JPY", "500", Decimal(500)),
        ("JPY", "500.00", Decimal(500)),
        ("BHD", "1.234", Decimal("1.234")),
        ("BHD", "1.2", Decimal("1.200")),
        ("CLF", "1.2345", Decimal("1.2345")),
        ("eur", "1", Decimal("1.00")),
    ],
)
def test_amounts_are_quantized_to_the_currencys_minor_units(
    currency: str, amount: object, expected: Decimal
) -> None:
    actual = Money.create(currency=currency, amount=amount).unwrap().amount

    assert actual == expected
    assert actual.as_tuple().exponent == expected.as_tuple().exponent


@pytest.mark.parametrize(
    ("currency", "amount"),
    [("EUR", "10.001"), ("EUR", "0.005"), ("JPY", "10.5"), ("BHD", "1.2345"), ("CLF", "0.00001")],
)
def test_refuses_amounts_more_precise_than_the_minor_units(currency: str, amount: str) -> None:
    actual = Money.create(currency=currency, amount=amount).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [(("amount",), "value_error")]
    assert "decimal places" in actual.field_errors[0].message


@pytest.mark.parametrize("amount", [10.5, 10.0, True, False])
def test_refuses_floats_and_bools(amount: object) -> None:
    actual = Money.create(currency="EUR", amount=amount).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [(("amount",), "value_error")]
    assert "not a float or bool" in actual.field_errors[0].message


@pytest.mark.parametrize(
    ("amount", "error_type"),
    [
        (_LIMIT, "less_than"),
        (-_LIMIT, "greater_than"),
        ("1E+20", "less_than"),
        ("NaN", "finite_number"),
        ("-Infinity", "finite_number"),
        ("ten", "decimal_parsing"),
    ],
)
def test_refuses_amounts_outside_the_supported_range_or_not_numbers(
    amount: object, error_type: str
) -> None:
    actual = Money.create(currency="EUR", amount=amount).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [(("amount",), error_type)]


@pytest.mark.parametrize("amount", [_LIMIT - Decimal("0.01"), -_LIMIT + Decimal("0.01")])
def test_accepts_amounts_just_inside_the_limits(amount: Decimal) -> None:
    assert Money.create(currency="EUR", amount=amount).unwrap().amount == amount


def test_reports_only_the_currency_when_it_is_unknown() -> None:
    actual = Money.create(currency="XYZ", amount="10.001").failure()

    assert [e.loc for e in actual.field_errors] == [("currency",)]


def test_reports_every_invalid_field() -> None:
    actual = Money.create(currency=978, amount=1.5, note="x").failure()

    assert [e.loc for e in actual.field_errors] == [("currency",), ("amount",), ("note",)]


def test_constructing_an_invalid_amount_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="at most 2 decimal places"):
        Money(currency=Currency("EUR"), amount=Decimal("0.001"))


def test_serializes_the_quantized_amount() -> None:
    actual = _money("10.5").model_dump(mode="json")

    assert actual == {"currency": "EUR", "amount": "10.50"}


def test_amounts_equal_after_quantization_are_equal() -> None:
    assert _money("10.5") == _money("10.50")
    assert hash(_money("10.5")) == hash(_money("10.50"))


def test_equal_amounts_in_different_currencies_are_not_equal() -> None:
    assert _money("10", "EUR") != _money("10", "USD")


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (_money("10.5"), "10.50 EUR"),
        (_money("-3", "JPY"), "-3 JPY"),
        (_money("1.2", "BHD"), "1.200 BHD"),
    ],
)
def test_str_shows_the_amount_and_the_code(money: Money, expected: str) -> None:
    assert str(money) == expected


# -- factories and views ----------------------------------------------------------------------
@pytest.mark.parametrize("currency", ["EUR", Currency("EUR"), "eur"])
def test_zero_is_nothing_of_the_currency(currency: Currency | str) -> None:
    actual = Money.zero(currency)

    assert actual == _money("0")
    assert actual.is_zero


@pytest.mark.parametrize(
    ("units", "currency", "expected"),
    [
        (1050, "EUR", Decimal("10.50")),
        (-5, "EUR", Decimal("-0.05")),
        (0, "EUR", Decimal("0.00")),
        (500, "JPY", Decimal(500)),
        (1234, "BHD", Decimal("1.234")),
        (1050, Currency("USD"), Decimal("10.50")),
    ],
)
def test_from_minor_units_builds_the_amount(
    units: int, currency: Currency | str, expected: Decimal
) -> None:
    actual = Money.from_minor_units(units, currency)

    assert (actual.amount, actual.currency) == (expected, Currency.model_validate(currency))


def test_from_minor_units_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValidationError, match="not an ISO 4217 currency code"):
        Money.from_minor_units(100, "XYZ")


@pytest.mark.parametrize(
    ("money", "units"),
    [
        (_money("10.50"), 1050),
        (_money("-0.05"), -5),
        (_money("0"), 0),
        (_money("500", "JPY"), 500),
        (_money("1.234", "BHD"), 1234),
    ],
)
def test_minor_units_is_the_amount_in_whole_minor_units(money: Money, units: int) -> None:
    assert money.minor_units == units


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (_money("0"), (True, False)),
        (_money("-0.00"), (True, False)),
        (_money("0.01"), (False, False)),
        (_money("-0.01"), (False, True)),
    ],
)
def test_is_zero_and_is_negative(money: Money, expected: tuple[bool, bool]) -> None:
    assert (money.is_zero, money.is_negative) == expected


# -- arithmetic -------------------------------------------------------------------------------
def test_add_sums_amounts_of_one_currency() -> None:
    assert _money("10.50").add(_money("0.25")) == Success(_money("10.75"))


def test_add_refuses_amounts_in_different_currencies() -> None:
    actual = _money("10").add(_money("1", "USD"))

    assert actual == Failure(CurrencyMismatchError("EUR", "USD"))


def test_add_beyond_the_supported_range_raises_a_value_error() -> None:
    almost_limit = _money("999999999999999.99")

    with pytest.raises(ValueError, match="should be less than"):
        almost_limit.add(_money("0.01"))


def test_subtract_takes_away_an_amount_of_the_same_currency() -> None:
    assert _money("10.50").subtract(_money("11")) == Success(_money("-0.50"))


def test_subtract_refuses_amounts_in_different_currencies() -> None:
    actual = _money("10").subtract(_money("1", "JPY"))

    assert actual == Failure(CurrencyMismatchError("EUR", "JPY"))


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (_money("10.50"), _money("-10.50")),
        (_money("-3", "JPY"), _money("3", "JPY")),
        (_money("0"), _money("0")),
    ],
)
def test_negate_flips_the_sign(money: Money, expected: Money) -> None:
    assert money.negate() == expected


@pytest.mark.parametrize(
    ("money", "factor", "expected"),
    [
        (_money("10.00"), Decimal("0.125"), _money("1.25")),
        (_money("10.00"), 3, _money("30.00")),
        (_money("10.00"), -2, _money("-20.00")),
        (_money("10.00"), 0, _money("0")),
        # Half-to-even: ties go to the even last digit.
        (_money("0.05"), Decimal("0.5"), _money("0.02")),
        (_money("0.15"), Decimal("0.5"), _money("0.08")),
        (_money("0.25"), Decimal("0.5"), _money("0.12")),
        (_money("-0.05"), Decimal("0.5"), _money("-0.02")),
        (_money("0.07"), Decimal("0.5"), _money("0.04")),
        (_money("5", "JPY"), Decimal("0.5"), _money("2", "JPY")),
        (_money("7", "JPY"), Decimal("0.5"), _money("4", "JPY")),
        (_money("0.001", "BHD"), Decimal("2.5"), _money("0.002", "BHD")),
    ],
)
def test_multiply_rounds_half_to_even_to_the_minor_units(
    money: Money, factor: Decimal | int, expected: Money
) -> None:
    actual = money.multiply(factor)

    assert actual == expected
    assert actual.amount.as_tuple().exponent == expected.amount.as_tuple().exponent


@pytest.mark.parametrize(
    ("money", "factor"),
    [
        (_money("100000000000000"), 10),
        (_money("-100000000000000"), 10),
        (_money("1"), _LIMIT),
    ],
)
def test_multiply_beyond_the_supported_range_raises_a_value_error(
    money: Money, factor: Decimal | int
) -> None:
    with pytest.raises(ValueError, match="outside the supported range of amounts"):
        money.multiply(factor)


def test_multiply_just_inside_the_range_succeeds() -> None:
    actual = _money("99999999999999.99").multiply(10)

    assert actual == _money("999999999999999.90")


@pytest.mark.parametrize("factor", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_multiply_by_a_non_finite_factor_raises_a_value_error(factor: Decimal) -> None:
    with pytest.raises(ValueError, match=f"Cannot multiply an amount by {factor}"):
        _money("1").multiply(factor)


def test_multiply_rounds_the_exact_product_only_once() -> None:
    # 0.01 * 0.50000000000000000000000000001 = 0.0050000000000000000000000000001, above the tie.
    actual = _money("0.01").multiply(Decimal("0.50000000000000000000000000001"))

    assert actual == _money("0.01")


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (_money("1"), _money("2"), -1),
        (_money("2"), _money("2.00"), 0),
        (_money("3"), _money("2"), 1),
        (_money("-3"), _money("2"), -1),
    ],
)
def test_compare_orders_amounts_of_one_currency(left: Money, right: Money, expected: int) -> None:
    assert left.compare(right) == Success(expected)


def test_compare_refuses_amounts_in_different_currencies() -> None:
    actual = _money("1").compare(_money("1", "USD"))

    assert actual == Failure(CurrencyMismatchError("EUR", "USD"))


# -- hostile amounts and the caller's decimal context ------------------------------------------
@pytest.mark.parametrize(
    "amount",
    [
        pytest.param("\u0661\u0662\u0663", id="arabic-indic digits"),
        pytest.param("\uff11\uff12\uff13", id="full-width digits"),
        pytest.param("1\u06f0", id="mixed digits"),
    ],
)
def test_refuses_amounts_written_with_other_digits_than_ascii(amount: str) -> None:
    actual = Money.create(amount=amount, currency="EUR")

    assert isinstance(actual, Failure)
    (error,) = actual.failure().field_errors
    assert (error.loc, error.message) == (
        ("amount",),
        "Write the number with the ASCII digits 0-9",
    )


@pytest.mark.parametrize("amount", ["-0", "-0.00", Decimal("-0.000"), -0])
def test_negative_zero_is_zero(amount: object) -> None:
    actual = Money.create(amount=amount, currency="EUR").unwrap()

    assert (str(actual), actual.model_dump(mode="json")["amount"]) == ("0.00 EUR", "0.00")
    assert hash(actual) == hash(Money.zero("EUR"))
    assert str(Money.zero("EUR").negate()) == "0.00 EUR"


def test_arithmetic_ignores_the_callers_decimal_context() -> None:
    with localcontext() as context:
        context.prec = 5
        context.rounding = ROUND_DOWN
        created = Money.create(amount="123456.78", currency="EUR")
        amount = created.unwrap()
        total = amount.add(_money("1.01")).unwrap()
        doubled = amount.multiply(2)
        units = amount.minor_units
        back = Money.from_minor_units(12345678, "EUR")
        minus = amount.subtract(_money("0.01")).unwrap()

    assert (str(total), str(doubled), units, back, str(minus)) == (
        "123457.79 EUR",
        "246913.56 EUR",
        12345678,
        amount,
        "123456.77 EUR",
    )


def test_multiplying_by_n_rounds_once_where_adding_n_times_is_exact() -> None:
    assert _money("99.99").multiply(9) == _money("899.91")


@given(amount=money("EUR", max_abs_amount=Decimal(10) ** 12), times=st.integers(0, 25))
def test_multiplying_by_a_whole_number_equals_adding_that_many_times(
    amount: Money, times: int
) -> None:
    total = Money.zero("EUR")
    for _ in range(times):
        total = total.add(amount).unwrap()

    assert amount.multiply(times) == total


def test_multiply_by_a_factor_whose_product_overflows_raises_a_value_error() -> None:
    with pytest.raises(ValueError, match="outside the supported range"):
        _money("10").multiply(Decimal("9e999999"))
