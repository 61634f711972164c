"""The small aggregate the contract suites store: one field of every kind they need to probe.

``ContractItem`` has a unique ``sku``, a ``rank`` and an optional ``note`` that every storage
style keeps in columns; text, integer and boolean fields a document store compares inside
JSON; fields no style compares (``Decimal``, ``datetime``, ``Money``); and children, an
ordered tuple of ``ContractPart`` values that a data-mapper repository keeps in rows of
their own.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, Field

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import (
    AggregateRoot,
    DomainEvent,
    Identity,
    Money,
    ValueObject,
    utc_now,
)

__all__ = [
    "ContractItem",
    "ContractItemChanged",
    "ContractItemId",
    "ContractItemRepository",
    "ContractPart",
]


class ContractItemId(Identity):
    """The id of a ``ContractItem`` (a UUIDv7)."""


class ContractItemChanged(DomainEvent, event_type="creativeflow.contract.item_changed"):
    """A contract item was re-ranked, its parts changed, or it was touched without a change.

    Attributes:
        rank: The item's rank when the event was recorded.
    """

    rank: int


class ContractPart(ValueObject):
    """A child of a ``ContractItem``: a named quantity, kept in the item's order.

    Attributes:
        name: What the part is.
        quantity: How many of it the item holds.

    Examples:
        >>> ContractPart(name="bolt", quantity=4) == ContractPart(name="bolt", quantity=4)
        True
    """

    name: str
    quantity: int


def _default_price() -> Money:
    return Money.of("9.99", "EUR")


class ContractItem(AggregateRoot[ContractItemId], aggregate_type="creativeflow.contract.item"):
    """The aggregate the contract suites add, query, change and remove.

    Attributes:
        sku: A unique code (in a unique column).
        rank: An integer the suites order and compare by (in a column).
        note: An optional text (in a nullable column) for null semantics.
        label: Text a document repository keeps inside its JSON only.
        stock: An integer a document repository keeps inside its JSON only.
        active: A flag a document repository keeps inside its JSON only.
        price: A value object no repository may compare.
        weight: A ``Decimal`` no repository may compare or order by.
        listed_at: A timestamp no repository may compare or order by.
        parts: The item's children, in their order.
    """

    sku: str
    rank: int = 0
    note: str | None = None
    label: str = ""
    stock: int = 0
    active: bool = True
    price: Money = Field(default_factory=_default_price)
    weight: Decimal = Decimal("1.250")
    listed_at: AwareDatetime = Field(default_factory=utc_now)
    parts: tuple[ContractPart, ...] = ()

    @classmethod
    def new(  # noqa: PLR0913 (one keyword per field the suites set)
        cls,
        sku: str,
        *,
        rank: int = 0,
        note: str | None = None,
        label: str = "",
        stock: int = 0,
        active: bool = True,
        parts: tuple[ContractPart, ...] = (),
    ) -> ContractItem:
        """Return a new item with a fresh id."""
        return cls(
            id=ContractItemId.new(),
            sku=sku,
            rank=rank,
            note=note,
            label=label,
            stock=stock,
            active=active,
            parts=parts,
        )

    def rerank(self, rank: int) -> None:
        """Change the rank and record ``ContractItemChanged``."""
        self.rank = rank
        self.record(ContractItemChanged(rank=rank))

    def touch(self) -> None:
        """Record ``ContractItemChanged`` without changing any field (an event-only change)."""
        self.record(ContractItemChanged(rank=self.rank))

    def add_part(self, name: str, quantity: int) -> None:
        """Append a part and record ``ContractItemChanged``."""
        self.parts = (*self.parts, ContractPart(name=name, quantity=quantity))
        self.record(ContractItemChanged(rank=self.rank))

    def drop_part(self, name: str) -> None:
        """Remove the parts called ``name`` (the others keep their order); record the change."""
        self.parts = tuple(part for part in self.parts if part.name != name)
        self.record(ContractItemChanged(rank=self.rank))

    def change_part(self, name: str, quantity: int) -> None:
        """Set the quantity of the parts called ``name``; record ``ContractItemChanged``."""
        self.parts = tuple(
            ContractPart(name=name, quantity=quantity) if part.name == name else part
            for part in self.parts
        )
        self.record(ContractItemChanged(rank=self.rank))


class ContractItemRepository(DocumentRepository[ContractItem, ContractItemId]):
    """The document repository of ``ContractItem`` the contract suites run against.

    The parts stay inside the JSON document, with the rest of the item.
    """

    projections = (project("sku", unique=True), project("rank", index=True), project("note"))
