"""The contract aggregate in rows of its own: the data-mapper twin of ``ContractItemRepository``.

``ContractItemRow`` holds a ``ContractItem`` (its price in two columns) and
``ContractPartRow`` one of its parts, keyed by the item and the part's position; the item row
owns its part rows (``cascade="all, delete-orphan"``). The row classes are declared on one
module-level ``MetaData``, which also holds an outbox table, so that a harness can use it as
it is: ``SyncHarness.sqlalchemy(engine, ContractItemRow.metadata)``. Its table names are
``contract_item_rows``, ``contract_part_rows`` and ``contract_row_outbox``;
``contract_rows(prefix)`` declares the same rows (and a repository over them) under names of
their own, for runs that share a database. The columns are declared once, in mixins.

``ContractItemMapperRepository`` maps the item to its rows and keeps ``id``, ``sku``,
``rank``, ``note``, ``label``, ``stock`` and ``active`` in columns that specifications and
sort keys may use; ``price``, ``weight`` and ``listed_at`` are stored but not mapped, as
the contract's refusals need fields no style compares.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 (SQLAlchemy reads the mixins' annotations at run time)
import re
from dataclasses import dataclass
from decimal import Decimal  # noqa: TC003 (as above)
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, cast
from uuid import UUID  # noqa: TC003 (as above)

from sqlalchemy import BigInteger, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship
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

__all__ = [
    "ContractItemMapperRepository",
    "ContractItemRow",
    "ContractPartRow",
    "ContractRows",
    "contract_rows",
]


#: What a table-name prefix may hold: lower-case SQL identifiers every database takes unquoted,
#: short enough that the longest name derived from it (the outbox's index,
#: ``ix_<prefix>row_outbox_status_available_at``) stays within PostgreSQL's 63 characters.
_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,29}")


class _PartColumns:
    """The columns of a part row; ``_prefix`` names its tables."""

    _prefix: ClassVar[str]

    @declared_attr.directive
    @classmethod
    def __tablename__(cls) -> str:
        return f"{cls._prefix}part_rows"

    @declared_attr
    @classmethod
    def item_id(cls) -> Mapped[UUID]:
        return mapped_column(ForeignKey(f"{cls._prefix}item_rows.id"), primary_key=True)

    position: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]


class _ItemColumns:
    """The columns of an item row; ``_prefix`` names its tables.

    Attributes:
        part_row: The class of its part rows.
    """

    _prefix: ClassVar[str]
    part_row: ClassVar[type[_PartColumns]]

    @declared_attr.directive
    @classmethod
    def __tablename__(cls) -> str:
        return f"{cls._prefix}item_rows"

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

    @declared_attr
    @classmethod
    def parts(cls) -> Mapped[list[Any]]:
        part = cls.part_row
        return relationship(
            part,
            cascade="all, delete-orphan",
            order_by=part.position,
        )


class _ContractRows(DeclarativeBase):
    """The declarative base of the contract rows, on the module's own ``MetaData``."""

    metadata = MetaData()


class ContractPartRow(_PartColumns, _ContractRows):
    """One part of a contract item: a child row keyed by its item and its position.

    Attributes:
        item_id: The owning item's id.
        position: The part's place among the item's parts, from 0.
        name: The part's name.
        quantity: The part's quantity.
    """

    _prefix = "contract_"


class ContractItemRow(_ItemColumns, _ContractRows):
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

    _prefix = "contract_"
    part_row = ContractPartRow


outbox_table(_ContractRows.metadata, name="contract_row_outbox")


def _columns(row: type[_ItemColumns]) -> Mapping[str, Any]:
    """The attributes the repository keeps in columns of ``row`` (specifications use them)."""
    names = ("id", "sku", "rank", "note", "label", "stock", "active")
    return {name: getattr(row, name) for name in names}


class ContractItemMapperRepository(
    DataMapperRepository[ContractItem, ContractItemId, ContractItemRow]
):
    """The data-mapper repository of ``ContractItem`` the contract suites run against.

    Pass it as the contracts' ``repository_class`` with a harness over
    ``ContractItemRow.metadata`` (or any in-memory harness).
    """

    columns: ClassVar[Mapping[str, Any]] = _columns(ContractItemRow)

    @override
    def to_row(self, aggregate: ContractItem) -> ContractItemRow:
        """Return the item's root row with one part row per part, numbered in order."""
        item_id = aggregate.id.value
        row = cast("type[ContractItemRow]", self.row_class)  # or a prefixed twin's
        part: Any = row.part_row  # a mixin class to the checkers; a mapped row class here
        return row(
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
                part(item_id=item_id, position=position, name=child.name, quantity=child.quantity)
                for position, child in enumerate(aggregate.parts)
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


@dataclass(frozen=True, slots=True)
class ContractRows:
    """The contract rows declared under table names of their own (see ``contract_rows``).

    Attributes:
        metadata: The ``MetaData`` holding the item rows, part rows and outbox tables.
        repository: The data-mapper repository of ``ContractItem`` over these rows.
    """

    metadata: MetaData
    repository: type[ContractItemMapperRepository]


@cache
def contract_rows(prefix: str) -> ContractRows:
    """Declare the contract rows and an outbox under table names that start with ``prefix``.

    ``ContractItemRow.metadata`` names its tables ``contract_item_rows``,
    ``contract_part_rows`` and ``contract_row_outbox``; runs that share one database (CI jobs
    of several services, say) pass a prefix of their own instead::

        rows = contract_rows("billing_ci_")
        rows.metadata.create_all(engine)  # billing_ci_item_rows, billing_ci_part_rows, ...
        harness = SyncHarness.sqlalchemy(engine, rows.metadata)
        # and ``rows.repository`` as the suite's ``repository_class``

    The same prefix always returns the same rows.

    Raises:
        ValueError: If ``prefix`` is not 1 to 30 lower-case letters, digits and underscores
            starting with a letter (every database then takes the names unquoted, and
            PostgreSQL keeps every name derived from it whole).
    """
    if not _PREFIX.fullmatch(prefix):
        msg = (
            f"a table-name prefix is 1 to 30 lower-case letters, digits and underscores "
            f"starting with a letter, not {prefix!r}"
        )
        raise ValueError(msg)

    class Rows(DeclarativeBase):
        """The declarative base of these rows, on a ``MetaData`` of their own."""

        metadata = MetaData()

    class PartRow(_PartColumns, Rows):
        """A ``ContractPartRow`` in the prefixed part-row table."""

        _prefix = prefix

    class ItemRow(_ItemColumns, Rows):
        """A ``ContractItemRow`` in the prefixed item-row table."""

        _prefix = prefix
        part_row = PartRow

    outbox_table(Rows.metadata, name=f"{prefix}row_outbox")

    class Repository(ContractItemMapperRepository):
        """``ContractItemMapperRepository`` over the prefixed rows."""

        row_class = ItemRow
        columns: ClassVar[Mapping[str, Any]] = _columns(ItemRow)

    Repository.__name__ = Repository.__qualname__ = f"ContractItemMapperRepository_{prefix}"
    return ContractRows(metadata=Rows.metadata, repository=Repository)
