"""Entities are equal by type and id; aggregates stamp and hand over the events they record."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from creativeflow_shared.domain import (
    AggregateRoot,
    DomainEvent,
    Entity,
    Identity,
    Money,
    Slug,
)
from creativeflow_shared.testing import events, identities


class OrderId(Identity):
    pass


class Order(Entity[OrderId]):
    note: str


class Invoice(Entity[OrderId]):
    """Shares its id type and fields with ``Order``; a different kind of thing."""

    note: str


class Workspace(Entity[str]):
    name: str


class ItemAdded(DomainEvent, event_type="prop.entities.item_added"):
    sku: Slug
    price: Money


class Basket(AggregateRoot[OrderId], aggregate_type="prop.basket"):
    items: tuple[Slug, ...] = ()

    def add(self, event: ItemAdded) -> ItemAdded:
        self.items = (*self.items, event.sku)
        return self.record(event)


order_ids = identities(OrderId)
_STAMPS = {"aggregate_type", "aggregate_id"}


# -- equality ----------------------------------------------------------------------------------
@given(order_id=order_ids, first=st.text(), second=st.text())
def test_entities_with_the_same_id_are_equal_whatever_their_other_fields(
    order_id: OrderId, first: str, second: str
) -> None:
    one, other = Order(id=order_id, note=first), Order(id=order_id, note=second)

    assert one == other
    assert hash(one) == hash(other)


@given(ids=st.tuples(order_ids, order_ids).filter(lambda pair: pair[0] != pair[1]), note=st.text())
def test_entities_with_different_ids_are_not_equal(ids: tuple[OrderId, OrderId], note: str) -> None:
    first, second = ids

    assert Order(id=first, note=note) != Order(id=second, note=note)


@given(order_id=order_ids, note=st.text())
def test_entities_of_different_types_with_the_same_id_are_not_equal(
    order_id: OrderId, note: str
) -> None:
    order, invoice = Order(id=order_id, note=note), Invoice(id=order_id, note=note)

    assert order != invoice
    assert invoice != order
    assert len(set[Entity[OrderId]]([order, invoice])) == 2


@given(workspace_id=st.text(), first=st.text(), second=st.text())
def test_entities_with_plain_ids_are_equal_by_id_too(
    workspace_id: str, first: str, second: str
) -> None:
    one, other = Workspace(id=workspace_id, name=first), Workspace(id=workspace_id, name=second)

    assert one == other
    assert hash(one) == hash(other)


@given(order_id=order_ids, first=st.text(), second=st.text())
def test_changing_an_entity_keeps_it_equal_to_itself(
    order_id: OrderId, first: str, second: str
) -> None:
    order = Order(id=order_id, note=first)
    before = hash(order)

    order.note = second

    assert order == Order(id=order_id, note=first)
    assert hash(order) == before


# -- recording events --------------------------------------------------------------------------
@given(basket_id=order_ids, recorded=st.lists(events(ItemAdded), max_size=5))
def test_recording_stamps_each_event_with_the_aggregate_type_and_id(
    basket_id: OrderId, recorded: list[ItemAdded]
) -> None:
    basket = Basket(id=basket_id)

    stamped = [basket.add(event) for event in recorded]

    for original, event in zip(recorded, stamped, strict=True):
        assert type(event) is ItemAdded
        assert event.aggregate_type == "prop.basket"
        assert event.aggregate_id == str(basket_id)
        assert event.model_dump(exclude=_STAMPS) == original.model_dump(exclude=_STAMPS)


@given(basket_id=order_ids, recorded=st.lists(events(ItemAdded), max_size=5))
def test_collecting_events_returns_them_in_order_then_forgets_them(
    basket_id: OrderId, recorded: list[ItemAdded]
) -> None:
    basket = Basket(id=basket_id)
    stamped = tuple(basket.add(event) for event in recorded)

    pending = basket.pending_events
    collected = basket.collect_events()
    collected_again = basket.collect_events()

    assert pending == stamped
    assert collected == stamped
    assert collected_again == ()
    assert basket.pending_events == ()


@given(basket_id=order_ids, event=events(ItemAdded))
def test_recording_leaves_the_original_event_unstamped(
    basket_id: OrderId, event: ItemAdded
) -> None:
    before = event.model_dump()

    Basket(id=basket_id).add(event)

    assert event.model_dump() == before
