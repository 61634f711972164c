"""The small aggregate the contract suites store: one field of every kind they need to probe.

``ContractItem`` has a unique projected ``sku``, a projected ``rank``, an optional projected
``note``, and unprojected fields of the kinds a document store compares inside JSON (text,
integer, boolean) or refuses to compare there (``Decimal``, ``datetime``, ``Money``).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, Field

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import AggregateRoot, DomainEvent, Identity, Money, utc_now

__all__ = ["ContractItem", "ContractItemChanged", "ContractItemId", "ContractItemRepository"]


class ContractItemId(Identity):
    """The id of a ``ContractItem`` (a UUIDv7)."""


class ContractItemChanged(DomainEvent, event_type="creativeflow.contract.item_changed"):
    """A contract item was re-ranked, or touched without a change.

    Attributes:
        rank: The item's rank when the event was recorded.
    """

    rank: int


def _default_price() -> Money:
    return Money.of("9.99", "EUR")


class ContractItem(AggregateRoot[ContractItemId], aggregate_type="creativeflow.contract.item"):
    """The aggregate the contract suites add, query, change and remove.

    Attributes:
        sku: A unique code (projected into a unique column).
        rank: An integer the suites order and compare by (projected).
        note: An optional text (projected, nullable) for null semantics.
        label: Text kept inside the JSON document only.
        stock: An integer kept inside the JSON document only.
        active: A flag kept inside the JSON document only.
        price: A value object kept inside the JSON document only.
        weight: A ``Decimal`` kept inside the JSON document only (not comparable there).
        listed_at: A timestamp kept inside the JSON document only (not comparable there).
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
        )

    def rerank(self, rank: int) -> None:
        """Change the rank and record ``ContractItemChanged``."""
        self.rank = rank
        self.record(ContractItemChanged(rank=rank))

    def touch(self) -> None:
        """Record ``ContractItemChanged`` without changing any field (an event-only change)."""
        self.record(ContractItemChanged(rank=self.rank))


class ContractItemRepository(DocumentRepository[ContractItem, ContractItemId]):
    """The document repository of ``ContractItem`` the contract suites run against."""

    projections = (project("sku", unique=True), project("rank", index=True), project("note"))
