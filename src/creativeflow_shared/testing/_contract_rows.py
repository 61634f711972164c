"""The contract aggregate in rows of its own: the data-mapper twin of ``ContractItemRepository``.

``ContractItemRow`` holds a ``ContractItem`` (its price in two columns) and
``ContractPartRow`` one of its parts, keyed by the item and the part's position; the item row
owns its part rows (``cascade="all, delete-orphan"``). The row classes are declared on one
module-level ``MetaData``, which also holds an outbox table, so that a harness can use it as
it is: ``SyncHarness.sqlalchemy(engine, ContractItemRow.metadata)``. Its table names
(``contract_item_rows``, ``contract_part_rows``, ``contract_row_outbox``) are fixed.

``ContractItemMapperRepository`` maps the item to its rows and keeps ``id``, ``sku``,
``rank``, ``note``, ``label``, ``stock`` and ``active`` in columns that specifications and
sort keys may use; ``price``, ``weight`` and ``listed_at`` are stored but not mapped, as
the contract's refusals need fields no style compares.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.domain import Money
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    ExactDecimal,
    UtcDateTime,
    outbox_table,
)
from creativeflow_shared.testing._contract_model import (
    ContractItem,
    ContractItemId,
    ContractPart,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ContractItemMapperRepository", "ContractItemRow", "ContractPartRow"]


class _ContractRows(DeclarativeBase):
    """The declarative base of the contract rows, on the module's own ``MetaData``."""

    metadata = MetaData()


class ContractPartRow(_ContractRows):
    """One part of a contract item: a child row keyed by its item and its position.

    Attributes:
        item_id: The owning item's id.
        position: The part's place among the item's parts, from 0.
        name: The part's name.
        quantity: The part's quantity.
    """

    __tablename__ = "contract_part_rows"

    item_id: Mapped[UUID] = mapped_column(ForeignKey("contract_item_rows.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]


class ContractItemRow(_ContractRows):
    """The root row of a contract item, with its parts; ``metadata`` holds both and an outbox.

    Attributes:
        id: The item id (the UUID inside ``ContractItemId``).
        version: The version the repository maintains.
        sku: The item's unique code.
        rank: The item's rank.
        note: The item's optional note.
        label: The item's label.
        stock: The item's stock.
        active: Whether the item is active.
        price_amount: The amount of the item's price.
        price_currency: The currency code of the item's price.
        weight: The item's weight (an exact decimal).
        listed_at: When the item was listed (in UTC).
        parts: The part rows, ordered by position.
    """

    __tablename__ = "contract_item_rows"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    rank: Mapped[int] = mapped_column(BigInteger, index=True)
    note: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    stock: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool]
    price_amount: Mapped[Decimal] = mapped_column(ExactDecimal())
    price_currency: Mapped[str] = mapped_column(String(3))
    weight: Mapped[Decimal] = mapped_column(ExactDecimal())
    listed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    parts: Mapped[list[ContractPartRow]] = relationship(
        cascade="all, delete-orphan", order_by=ContractPartRow.position
    )


outbox_table(_ContractRows.metadata, name="contract_row_outbox")


class ContractItemMapperRepository(
    DataMapperRepository[ContractItem, ContractItemId, ContractItemRow]
):
    """The data-mapper repository of ``ContractItem`` the contract suites run against.

    Pass it as the contracts' ``repository_class`` with a harness over
    ``ContractItemRow.metadata`` (or any in-memory harness).
    """

    columns: ClassVar[Mapping[str, Any]] = {
        "id": ContractItemRow.id,
        "sku": ContractItemRow.sku,
        "rank": ContractItemRow.rank,
        "note": ContractItemRow.note,
        "label": ContractItemRow.label,
        "stock": ContractItemRow.stock,
        "active": ContractItemRow.active,
    }

    @override
    def to_row(self, aggregate: ContractItem) -> ContractItemRow:
        """Return the item's root row with one part row per part, numbered in order."""
        item_id = aggregate.id.value
        return ContractItemRow(
            id=item_id,
            sku=aggregate.sku,
            rank=aggregate.rank,
            note=aggregate.note,
            label=aggregate.label,
            stock=aggregate.stock,
            active=aggregate.active,
            price_amount=aggregate.price.amount,
            price_currency=aggregate.price.currency.code,
            weight=aggregate.weight,
            listed_at=aggregate.listed_at,
            parts=[
                ContractPartRow(
                    item_id=item_id, position=position, name=part.name, quantity=part.quantity
                )
                for position, part in enumerate(aggregate.parts)
            ],
        )

    @override
    def to_domain(self, row: ContractItemRow) -> ContractItem:
        """Return the item a root row and its part rows hold."""
        return ContractItem(
            id=ContractItemId(row.id),
            sku=row.sku,
            rank=row.rank,
            note=row.note,
            label=row.label,
            stock=row.stock,
            active=row.active,
            price=Money.of(row.price_amount, row.price_currency),
            weight=row.weight,
            listed_at=row.listed_at,
            parts=tuple(ContractPart(name=p.name, quantity=p.quantity) for p in row.parts),
        )
