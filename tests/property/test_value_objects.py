"""Laws every built-in value obeys: equality, hashing, JSON round trips and money arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure

from creativeflow_shared.domain import (
    Currency,
    CurrencyMismatchError,
    Email,
    Identity,
    Money,
    NonEmptyStr,
    ScalarValue,
    Slug,
    ValueObject,
)
from creativeflow_shared.testing import (
    currencies,
    emails,
    identities,
    money,
    non_empty_strs,
    percentages,
    slugs,
    time_ranges,
)

if TYPE_CHECKING:
    from uuid import UUID

Value = ValueObject | ScalarValue[Any]


class OrderId(Identity):
    pass


class CustomerId(Identity):
    pass


class Tag(Slug):
    """A slug by another name: same primitive, different type."""


class Price(ValueObject):
    """The same fields as ``Money``, a different type."""

    currency: Currency
    amount: Decimal


VALUES: dict[str, st.SearchStrategy[Value]] = {
    "Email": emails(),
    "Money": money(),
    "Currency": currencies(),
    "Slug": slugs(),
    "NonEmptyStr": non_empty_strs(),
    "Percentage": percentages(),
    "TimeRange": time_ranges(),
    "OrderId": identities(OrderId),
}
each_value_type = pytest.mark.parametrize("values", VALUES.values(), ids=list(VALUES))


def _rebuilt(value: Value) -> Value:
    return type(value).model_validate(value.model_dump())


def _pairs(values: st.SearchStrategy[Value]) -> st.SearchStrategy[tuple[Value, Value]]:
    """Pairs of values: equal copies rebuilt from their dump, or two independent draws."""
    copies = values.map(lambda value: (value, _rebuilt(value)))
    return st.one_of(copies, st.tuples(values, values))


def _same_currency(count: int) -> st.SearchStrategy[tuple[Money, ...]]:
    return currencies().flatmap(lambda currency: st.tuples(*[money(currency)] * count))


# -- equality and hashing ---------------------------------------------------------------------
@each_value_type
@given(data=st.data())
def test_values_are_equal_exactly_when_their_hashes_are(
    values: st.SearchStrategy[Value], data: st.DataObject
) -> None:
    first, second = data.draw(_pairs(values))

    equal, same_hash = first == second, hash(first) == hash(second)

    assert equal == same_hash
    assert equal == (first.model_dump() == second.model_dump())


@each_value_type
@given(data=st.data())
def test_a_value_rebuilt_from_its_dump_is_equal_to_it(
    values: st.SearchStrategy[Value], data: st.DataObject
) -> None:
    value = data.draw(values)

    copy = _rebuilt(value)

    assert copy == value
    assert hash(copy) == hash(value)
    assert len(set[Value]([value, copy])) == 1


@given(slug=slugs())
def test_values_of_different_types_are_never_equal_even_with_the_same_primitive(
    slug: Slug,
) -> None:
    text, tag = NonEmptyStr(slug.value), Tag(slug.value)

    assert slug != text
    assert text != slug
    assert slug != tag
    assert tag != slug
    assert slug != slug.value
    assert len(set[Value]([slug, text, tag])) == 3


@given(currency=currencies(), email=emails())
def test_scalar_values_differ_from_text_holding_the_same_characters(
    currency: Currency, email: Email
) -> None:
    assert currency != NonEmptyStr(currency.code)
    assert email != NonEmptyStr(email.value)


@given(uuid=st.uuids())
def test_ids_of_different_types_are_never_equal_even_with_one_uuid(uuid: UUID) -> None:
    order_id, customer_id = OrderId(uuid), CustomerId(uuid)

    assert order_id != customer_id
    assert customer_id != order_id
    assert order_id != uuid
    assert len(set[Value]([order_id, customer_id])) == 2


@given(amount=money())
def test_value_objects_with_the_same_fields_but_different_types_are_not_equal(
    amount: Money,
) -> None:
    price = Price(currency=amount.currency, amount=amount.amount)

    assert price != amount
    assert amount != price


# -- serialization ----------------------------------------------------------------------------
@each_value_type
@given(data=st.data())
def test_a_value_survives_a_json_round_trip(
    values: st.SearchStrategy[Value], data: st.DataObject
) -> None:
    value = data.draw(values)

    restored = type(value).model_validate_json(value.model_dump_json())

    assert restored == value


# -- money arithmetic -------------------------------------------------------------------------
@given(amounts=_same_currency(2))
def test_adding_money_is_commutative(amounts: tuple[Money, ...]) -> None:
    a, b = amounts

    assert a.add(b).unwrap() == b.add(a).unwrap()


@given(amounts=_same_currency(3))
def test_adding_money_is_associative(amounts: tuple[Money, ...]) -> None:
    a, b, c = amounts

    left = a.add(b).unwrap().add(c).unwrap()
    right = a.add(b.add(c).unwrap()).unwrap()

    assert left == right


@given(amounts=_same_currency(2))
def test_subtracting_undoes_adding(amounts: tuple[Money, ...]) -> None:
    a, b = amounts

    assert a.add(b).unwrap().subtract(b).unwrap() == a
    assert a.subtract(b).unwrap().add(b).unwrap() == a
    assert a.subtract(a).unwrap().is_zero


@given(amount=money())
def test_zero_is_the_identity_of_addition(amount: Money) -> None:
    zero = Money.zero(amount.currency)

    assert amount.add(zero).unwrap() == amount
    assert zero.add(amount).unwrap() == amount


@given(
    amounts=st.tuples(money(), money()).filter(lambda pair: pair[0].currency != pair[1].currency)
)
def test_combining_two_currencies_fails_with_a_currency_mismatch(
    amounts: tuple[Money, Money],
) -> None:
    a, b = amounts
    expected = CurrencyMismatchError(a.currency.code, b.currency.code)

    results = (a.add(b), a.subtract(b), a.compare(b))

    for result in results:
        assert result.failure() == expected


@given(amount=money())
def test_an_amount_rebuilt_from_its_minor_units_is_equal(amount: Money) -> None:
    rebuilt = Money.from_minor_units(amount.minor_units, amount.currency)

    assert rebuilt == amount


# -- regressions -------------------------------------------------------------------------------
@given(email=emails())
def test_an_email_with_a_non_ascii_domain_is_refused(email: Email) -> None:
    address = f"{email.local_part}@\u212a{email.domain}"

    result = Email.create(address)

    assert isinstance(result, Failure)
