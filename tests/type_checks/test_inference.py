"""Inference that users rely on, pinned with ``assert_type``.

mypy and pyright check these statically (``assert_type`` fails the type check when the inferred
type differs); pytest runs them as ordinary tests, so every example also has to work.
"""

# Once the kernel's ids are hashable for pyright, the ignores below become unnecessary and this
# setting turns them into errors, so they cannot outlive the defect they work around.

from __future__ import annotations

import asyncio
import enum
from decimal import Decimal
from typing import Any, assert_type

from pydantic import BaseModel
from returns.result import Failure, Result, Success

from creativeflow_shared.domain import (
    AggregateRoot,
    Attribute,
    Currency,
    CurrencyMismatchError,
    DomainEvent,
    Email,
    Entity,
    Identity,
    InvalidInputError,
    Money,
    NonEmptyStr,
    Percentage,
    Slug,
    Specification,
    at,
    collect,
    collect_async,
    combine,
    event_registry,
    validate,
    where,
)


class OrderId(Identity):
    """The id of an order."""


class OrderStatus(enum.Enum):
    PLACED = "placed"
    SHIPPED = "shipped"


class OrderPlaced(DomainEvent, event_type="unit.types.order_placed"):
    total: Money


class X(DomainEvent, event_type="unit.types.x", schema_version=2):
    note: str


# pyright synthesizes ``__hash__ = None`` for pydantic subclasses that are not frozen by class
# keyword, so it refuses typed identities as the ``Hashable`` id type of an aggregate.
class Order(AggregateRoot[OrderId]):
    status: OrderStatus = OrderStatus.PLACED

    def place(self, total: Money) -> OrderPlaced:
        return self.record(OrderPlaced(total=total))


class Workspace(Entity[str]):
    name: str


class Signup(BaseModel):
    name: str
    age: int


def _eur(amount: str) -> Money:
    return Money.create(currency="EUR", amount=amount).unwrap()


# -- values -----------------------------------------------------------------------------------
def test_money_create_is_a_result_of_money() -> None:
    result = Money.create(currency="EUR", amount="10.5")
    refused = Money.create(currency="EUR", amount=10.5)

    assert_type(result, Result[Money, InvalidInputError])
    assert_type(result.unwrap(), Money)
    assert_type(refused.failure(), InvalidInputError)
    assert result == Success(_eur("10.50"))
    assert refused.failure().field_errors[0].loc == ("amount",)


def test_money_arithmetic_fails_only_with_a_currency_mismatch() -> None:
    price = _eur("10.50")

    total = price.add(_eur("0.25"))
    change = price.subtract(_eur("1"))
    order = price.compare(_eur("1"))

    assert_type(total, Result[Money, CurrencyMismatchError])
    assert_type(change, Result[Money, CurrencyMismatchError])
    assert_type(price.multiply(Decimal("0.5")), Money)
    assert_type(price.amount, Decimal)
    assert_type(price.currency, Currency)
    assert_type(price.minor_units, int)
    assert (total, change, order) == (Success(_eur("10.75")), Success(_eur("9.50")), Success(1))


def test_email_create_is_a_result_of_email() -> None:
    result = Email.create("info@example.com")

    assert_type(result, Result[Email, InvalidInputError])
    assert_type(result.unwrap().value, str)
    assert result == Success(Email("info@example.com"))


def test_scalar_values_expose_their_primitive_types() -> None:
    assert_type(Currency("EUR").code, str)
    assert_type(Percentage(Decimal("12.5")).fraction, Decimal)
    assert_type(Slug.from_text("Summer Sale"), Result[Slug, InvalidInputError])
    assert_type(NonEmptyStr.create("x"), Result[NonEmptyStr, InvalidInputError])
    assert Slug.from_text("Summer Sale") == Success(Slug("summer-sale"))


# -- identities, entities, aggregates ---------------------------------------------------------
def test_new_and_parse_return_the_id_type_they_are_called_on() -> None:
    order_id = OrderId.new()
    parsed = OrderId.parse(str(order_id))

    assert_type(order_id, OrderId)
    assert_type(parsed, Result[OrderId, InvalidInputError])
    assert parsed == Success(order_id)


def test_an_aggregates_id_has_its_identity_type() -> None:
    order = Order(id=OrderId.new())

    assert_type(order.id, OrderId)
    assert_type(order.version, int)
    assert isinstance(order.id, OrderId)


def test_an_entitys_id_has_its_declared_type() -> None:
    workspace = Workspace(id="w-1", name="Studio")

    assert_type(workspace.id, str)
    assert workspace.id == "w-1"


def test_record_returns_the_events_own_type() -> None:
    order = Order(id=OrderId.new())

    recorded = order.record(OrderPlaced(total=_eur("10")))

    assert_type(recorded, OrderPlaced)
    assert_type(recorded.total, Money)
    assert_type(order.place(_eur("5")), OrderPlaced)
    assert_type(order.collect_events(), tuple[DomainEvent, ...])
    assert recorded.aggregate_id == str(order.id)


# -- events -----------------------------------------------------------------------------------
def test_an_event_class_with_class_keywords_type_checks() -> None:
    event = X(note="hello")

    assert_type(X.event_type, str)
    assert_type(X.schema_version, int)
    assert_type(event.note, str)
    assert (X.event_type, X.schema_version) == ("unit.types.x", 2)


def test_reading_an_event_gives_a_result_of_the_base_class() -> None:
    data = event_registry.to_json(X(note="hello"))

    result = event_registry.from_json(data)

    assert_type(data, bytes)
    assert_type(result, Result[DomainEvent, InvalidInputError])
    assert isinstance(result.unwrap(), X)


# -- Result helpers ---------------------------------------------------------------------------
def test_validate_is_a_result_of_the_model() -> None:
    result = validate(Signup, {"name": "Studio", "age": 36})

    assert_type(result, Result[Signup, InvalidInputError])
    assert result == Success(Signup(name="Studio", age=36))


def test_at_keeps_the_result_type() -> None:
    result = at("email", Email.create("info@example.com"))

    assert_type(result, Result[Email, InvalidInputError])


def test_combine_types_each_position_of_the_tuple() -> None:
    email = Email.create("info@example.com")
    name = NonEmptyStr.create("Studio")
    signup = validate(Signup, {"name": "Studio", "age": 36})
    price = Money.create(currency="EUR", amount="1")
    slug = Slug.create("studio")
    many = [Slug.create(text) for text in ("a", "b", "c", "d", "e", "f")]

    assert_type(combine(email), Result[tuple[Email], InvalidInputError])
    assert_type(combine(email, name), Result[tuple[Email, NonEmptyStr], InvalidInputError])
    assert_type(
        combine(email, name, signup), Result[tuple[Email, NonEmptyStr, Signup], InvalidInputError]
    )
    assert_type(
        combine(email, name, signup, price),
        Result[tuple[Email, NonEmptyStr, Signup, Money], InvalidInputError],
    )
    assert_type(
        combine(email, name, signup, price, slug),
        Result[tuple[Email, NonEmptyStr, Signup, Money, Slug], InvalidInputError],
    )
    # Past five positions the tuple's element types are not tracked any more.
    assert_type(combine(*many), Result[tuple[Any, ...], InvalidInputError])
    assert combine(email, name).unwrap() == (Email("info@example.com"), NonEmptyStr("Studio"))


def test_collect_turns_many_results_into_one_of_lists() -> None:
    results: list[Result[int, str]] = [Success(1), Failure("a")]

    collected = collect(results)

    assert_type(collected, Result[list[int], list[str]])
    assert collected == Failure(["a"])


def test_collect_async_awaits_to_a_result_of_lists() -> None:
    async def one() -> Result[int, str]:
        return Success(1)

    collected = asyncio.run(collect_async([one(), one()]))

    assert_type(collected, Result[list[int], list[str]])
    assert collected == Success([1, 1])


# -- specifications ---------------------------------------------------------------------------
def test_where_builds_specifications_over_the_model() -> None:
    order = where(Order)
    placed = order.status.eq(OrderStatus.PLACED)
    spec = placed & ~order.version.gt(3) | order.status.in_([OrderStatus.SHIPPED])

    assert_type(order, Attribute[Order])
    assert_type(order.status, Attribute[Order])
    assert_type(placed, Specification[Order])
    assert_type(spec, Specification[Order])
    assert_type(spec.filter([Order(id=OrderId.new())]), list[Order])
    assert spec.is_satisfied_by(Order(id=OrderId.new())) is True
