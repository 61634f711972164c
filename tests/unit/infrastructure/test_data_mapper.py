"""Unit tests of defining a data-mapper repository: what its row class must hold, and why."""

from __future__ import annotations

import enum
import gc
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast
from uuid import UUID

import pytest
from returns.result import Failure
from sqlalchemy import ForeignKey, Index, MetaData, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.application import (
    DocumentRepository,
    RequestContext,
    use_context,
)
from creativeflow_shared.application.ports import (
    Projection,
    StoredRecord,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    Identity,
    InvalidInputError,
    ValueObject,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import DataMapperRepository
from creativeflow_shared.infrastructure.sqlalchemy._row_storage import (
    RowStorage,
    _check_column_type,
)
from creativeflow_shared.testing import (
    ContractItem,
    ContractItemMapperRepository,
    InMemoryUnitOfWork,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
RowT = TypeVar("RowT")


class ShelfId(Identity):
    """The id of a shelf."""


class Size(ValueObject):
    width: int
    depth: int = 0


class Shelf(AggregateRoot[ShelfId]):
    label: str
    code: str
    rank: int = 0
    note: str | None = None
    size: Size = Size(width=1)
    spare: Size | None = None


class CrateId(Identity):
    """The id of a crate."""


class Crate(AggregateRoot[CrateId]):
    tenant_id: str
    label: str


class Base(DeclarativeBase):
    metadata = MetaData()


class BookRow(Base):
    __tablename__ = "dm_def_books"

    shelf_id: Mapped[UUID] = mapped_column(ForeignKey("dm_def_shelves.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class ShelfRow(Base):
    __tablename__ = "dm_def_shelves"
    # One unique constraint of one column (the code), one of two columns (no attribute alone).
    __table_args__ = (UniqueConstraint("code"), UniqueConstraint("rank", "size_width"))

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    label: Mapped[str] = mapped_column(unique=True)
    code: Mapped[str]
    rank: Mapped[int] = mapped_column(index=True)
    note: Mapped[str | None]
    width: Mapped[int] = mapped_column("size_width")
    spare_width: Mapped[int | None]
    books: Mapped[list[BookRow]] = relationship(cascade="all, delete-orphan")


class PairRow(Base):
    __tablename__ = "dm_def_pairs"

    left: Mapped[UUID] = mapped_column(primary_key=True)
    right: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]


class UnversionedRow(Base):
    __tablename__ = "dm_def_unversioned"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    label: Mapped[str]


class RevisedRow(Base):
    __tablename__ = "dm_def_revised"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    revision: Mapped[int]
    label: Mapped[str]
    code: Mapped[str]


class CrateRow(Base):
    __tablename__ = "dm_def_crates"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    owner: Mapped[str]
    label: Mapped[str]


class UuidCrateRow(Base):
    __tablename__ = "dm_def_uuid_crates"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    tenant_id: Mapped[UUID]
    label: Mapped[str]


class TenantLabelledCrateRow(Base):
    __tablename__ = "dm_def_tenant_labelled_crates"
    __table_args__ = (UniqueConstraint("tenant_id", "label"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    tenant_id: Mapped[str]
    label: Mapped[str]


class TenantKeyedCrateRow(Base):
    __tablename__ = "dm_def_tenant_keyed_crates"

    tenant_id: Mapped[str] = mapped_column(primary_key=True)
    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    label: Mapped[str]


class IndexLabelledCrateRow(Base):
    __tablename__ = "dm_def_index_labelled_crates"
    __table_args__ = (Index("ix_dm_def_index_labelled_crates_label", "label", unique=True),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    tenant_id: Mapped[str]
    label: Mapped[str]


class NotMapped:
    """A plain class, declared on no declarative base."""


def _shelf_row(shelf: Shelf) -> ShelfRow:
    return ShelfRow(
        id=shelf.id.value,
        label=shelf.label,
        code=shelf.code,
        rank=shelf.rank,
        note=shelf.note,
        width=shelf.size.width,
        spare_width=None if shelf.spare is None else shelf.spare.width,
        books=[],
    )


def _shelf(row: ShelfRow) -> Shelf:
    spare = None if row.spare_width is None else Size(width=row.spare_width)
    return Shelf(
        id=ShelfId(row.id),
        label=row.label,
        code=row.code,
        rank=row.rank,
        note=row.note,
        size=Size(width=row.width),
        spare=spare,
    )


class ShelfRepository(DataMapperRepository[Shelf, ShelfId, ShelfRow]):
    columns: ClassVar[Mapping[str, Any]] = {
        "id": ShelfRow.id,
        "label": ShelfRow.label,
        "code": ShelfRow.code,
        "rank": ShelfRow.rank,
        "note": ShelfRow.note,
        "size.width": ShelfRow.width,
        "spare.width": ShelfRow.spare_width,
    }

    @override
    def to_row(self, aggregate: Shelf) -> ShelfRow:
        return _shelf_row(aggregate)

    @override
    def to_domain(self, row: ShelfRow) -> Shelf:
        return _shelf(row)


class TextTenantCrates(DataMapperRepository[Crate, CrateId, CrateRow]):
    tenant_column = "owner"

    @override
    def to_row(self, aggregate: Crate) -> CrateRow:
        return CrateRow(id=aggregate.id.value, label=aggregate.label)

    @override
    def to_domain(self, row: CrateRow) -> Crate:
        return Crate(id=CrateId(row.id), tenant_id=row.owner, label=row.label)


class UuidTenantCrates(DataMapperRepository[Crate, CrateId, UuidCrateRow]):
    @override
    def to_row(self, aggregate: Crate) -> UuidCrateRow:
        return UuidCrateRow(id=aggregate.id.value, label=aggregate.label)

    @override
    def to_domain(self, row: UuidCrateRow) -> Crate:
        return Crate(id=CrateId(row.id), tenant_id=str(row.tenant_id), label=row.label)


class ShelfDocuments(DocumentRepository[Shelf, ShelfId]):
    """The same aggregate stored as documents."""


SHELF = where(Shelf)
_TENANT = UUID("0190e3a8-0000-7000-8000-000000000001")


# -- what a row class must hold -----------------------------------------------------------------
def test_a_row_class_that_is_not_mapped_is_refused() -> None:
    with pytest.raises(TypeError, match="NotMapped is not a mapped class"):

        class Refused(DataMapperRepository[Shelf, ShelfId, NotMapped]):  # pyright: ignore[reportUnusedClass]
            pass


def test_a_row_class_with_a_composite_primary_key_is_refused() -> None:
    with pytest.raises(TypeError, match="PairRow needs a primary key of the aggregate id alone"):

        class Refused(DataMapperRepository[Shelf, ShelfId, PairRow]):  # pyright: ignore[reportUnusedClass]
            pass


def test_a_row_class_without_the_version_column_is_refused() -> None:
    with pytest.raises(TypeError, match="UnversionedRow needs a 'version' column"):

        class Refused(DataMapperRepository[Shelf, ShelfId, UnversionedRow]):  # pyright: ignore[reportUnusedClass]
            pass


def test_the_version_column_may_have_another_name() -> None:
    class RevisedRepository(DataMapperRepository[Shelf, ShelfId, RevisedRow]):
        version_column = "revision"

    assert (RevisedRepository.row_class, RevisedRepository.storage.projections) == (RevisedRow, ())


def test_a_tenant_owned_aggregate_needs_a_tenant_column() -> None:
    with pytest.raises(TypeError, match="CrateRow needs a 'tenant_id' column"):

        class Refused(DataMapperRepository[Crate, CrateId, CrateRow]):  # pyright: ignore[reportUnusedClass]
            pass


def test_the_tenant_column_may_have_another_name() -> None:
    class CrateRepository(DataMapperRepository[Crate, CrateId, CrateRow]):
        tenant_column = "owner"

    assert (CrateRepository.storage.tenant_owned, CrateRepository.tenant_column) == (True, "owner")


# -- what ``columns`` may map ---------------------------------------------------------------------
def test_a_column_of_a_child_table_is_refused() -> None:
    with pytest.raises(TypeError, match="'label' must map to a column of dm_def_shelves"):

        class Refused(DataMapperRepository[Shelf, ShelfId, ShelfRow]):  # pyright: ignore[reportUnusedClass]
            columns: ClassVar[Mapping[str, Any]] = {"label": BookRow.title}


@pytest.mark.parametrize("attribute", [ShelfRow.books, "label"], ids=["relationship", "text"])
def test_a_value_that_is_not_a_column_attribute_is_refused(attribute: object) -> None:
    with pytest.raises(TypeError, match="map attribute paths to columns of ShelfRow, got"):

        class Refused(DataMapperRepository[Shelf, ShelfId, ShelfRow]):  # pyright: ignore[reportUnusedClass]
            columns: ClassVar[Mapping[str, Any]] = {"label": attribute}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("colour", "Shelf has no field 'colour'"),
        ("size.colour", "Size has no field 'colour'"),
        ("label.length", "has no fields to select 'length'"),
    ],
)
def test_a_path_the_aggregate_does_not_have_is_refused(path: str, message: str) -> None:
    with pytest.raises(AttributeError, match=message):

        class Refused(DataMapperRepository[Shelf, ShelfId, ShelfRow]):  # pyright: ignore[reportUnusedClass]
            columns: ClassVar[Mapping[str, Any]] = {path: ShelfRow.label}


def test_each_mapped_column_becomes_a_projection_named_after_its_attribute() -> None:
    # Keys, paths and flags; the annotations are checked below.
    actual = [
        (p.name, p.path, p.nullable, p.unique, p.index) for p in ShelfRepository.storage.projections
    ]

    assert actual == [
        ("id", ("id",), False, True, False),  # the primary key is unique
        ("label", ("label",), False, True, False),  # unique=True
        ("code", ("code",), False, True, False),  # a unique constraint of this column alone
        ("rank", ("rank",), False, False, True),  # index=True; its two-column constraint: no
        ("note", ("note",), True, False, False),  # Optional in the aggregate
        ("width", ("size", "width"), False, False, False),  # named by its attribute key
        ("spare_width", ("spare", "width"), True, False, False),  # behind an Optional parent
    ]


def test_a_column_unique_together_with_the_tenant_is_unique_within_each_tenant() -> None:
    class Crates(DataMapperRepository[Crate, CrateId, TenantLabelledCrateRow]):
        columns: ClassVar[Mapping[str, Any]] = {"label": TenantLabelledCrateRow.label}

        @override
        def to_row(self, aggregate: Crate) -> TenantLabelledCrateRow:
            return TenantLabelledCrateRow(id=aggregate.id.value, label=aggregate.label)

        @override
        def to_domain(self, row: TenantLabelledCrateRow) -> Crate:
            return Crate(id=CrateId(row.id), tenant_id=row.tenant_id, label=row.label)

    (label,) = Crates.storage.projections

    assert (label.unique, label.per_tenant) == (True, True)


def test_a_key_of_tenant_and_id_makes_ids_unique_per_tenant_and_tenants_not_unique() -> None:
    class Crates(DataMapperRepository[Crate, CrateId, TenantKeyedCrateRow]):
        columns: ClassVar[Mapping[str, Any]] = {
            "id": TenantKeyedCrateRow.id,
            "tenant_id": TenantKeyedCrateRow.tenant_id,
        }

        @override
        def to_row(self, aggregate: Crate) -> TenantKeyedCrateRow:
            return TenantKeyedCrateRow(
                id=aggregate.id.value, tenant_id=aggregate.tenant_id, label=aggregate.label
            )

        @override
        def to_domain(self, row: TenantKeyedCrateRow) -> Crate:
            return Crate(id=CrateId(row.id), tenant_id=row.tenant_id, label=row.label)

    identity, tenant = Crates.storage.projections

    # Before, every key column was taken to be unique alone: the in-memory store refused a
    # tenant's second aggregate, where SQL (keyed by both columns) kept it.
    assert (identity.unique, identity.per_tenant) == (True, True)
    assert (tenant.unique, tenant.per_tenant) == (False, False)


def test_a_unique_index_of_one_column_makes_it_unique_across_tenants() -> None:
    class Crates(DataMapperRepository[Crate, CrateId, IndexLabelledCrateRow]):
        columns: ClassVar[Mapping[str, Any]] = {"label": IndexLabelledCrateRow.label}

        @override
        def to_row(self, aggregate: Crate) -> IndexLabelledCrateRow:
            return IndexLabelledCrateRow(id=aggregate.id.value, label=aggregate.label)

        @override
        def to_domain(self, row: IndexLabelledCrateRow) -> Crate:
            return Crate(id=CrateId(row.id), tenant_id=row.tenant_id, label=row.label)

    (label,) = Crates.storage.projections

    assert (label.unique, label.per_tenant) == (True, False)


def test_a_projection_carries_the_attribute_type_without_optional() -> None:
    by_name = {p.name: p for p in ShelfRepository.storage.projections}

    assert by_name["note"] == Projection(name="note", path=("note",), annotation=str, nullable=True)
    assert (by_name["width"].annotation, by_name["spare_width"].annotation) == (int, int)


def test_mapped_columns_returns_the_root_column_of_each_path() -> None:
    table = ShelfRow.__table__

    columns = dict(ShelfRepository.storage.columns)
    columns.clear()  # a copy: the repository keeps its own

    assert dict(ShelfRepository.storage.columns) == {
        ("id",): table.c.id,
        ("label",): table.c.label,
        ("code",): table.c.code,
        ("rank",): table.c.rank,
        ("note",): table.c.note,
        ("size", "width"): table.c.size_width,
        ("spare", "width"): table.c.spare_width,
    }


def test_a_repository_without_columns_compares_and_orders_by_nothing() -> None:
    class BareRepository(DataMapperRepository[Shelf, ShelfId, ShelfRow]):
        pass

    assert (BareRepository.storage.projections, dict(BareRepository.storage.columns)) == ((), {})


# -- naming the row class -----------------------------------------------------------------------
def test_a_repository_that_names_its_row_class_only_as_text_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Refused must name its row class: \[Aggregate, Id"):

        class Refused(DataMapperRepository[Shelf, ShelfId, "ShelfRow"]):  # pyright: ignore[reportUnusedClass]
            pass


def test_a_repository_whose_base_takes_no_row_class_is_refused() -> None:
    class TwoParameterBase(DataMapperRepository[A, I, Any], Generic[A, I]):
        """A generic base that leaves the row class unnamed."""

    with pytest.raises(TypeError, match="Refused must name its row class"):

        class Refused(TwoParameterBase[Shelf, ShelfId]):  # pyright: ignore[reportUnusedClass]
            pass


def test_a_generic_intermediate_base_passes_the_three_types_on() -> None:
    class AuditedRepository(DataMapperRepository[A, I, RowT]):
        """A service's own base for its data-mapper repositories."""

    class AuditedShelves(AuditedRepository[Shelf, ShelfId, ShelfRow]):
        columns: ClassVar[Mapping[str, Any]] = {"label": ShelfRow.label}

    assert (AuditedShelves.aggregate_class, AuditedShelves.row_class) == (Shelf, ShelfRow)
    assert [p.name for p in AuditedShelves.storage.projections] == ["label"]


def test_a_subclass_of_a_concrete_repository_inherits_its_row_class_and_columns() -> None:
    class SpecialShelves(ShelfRepository):
        resource_name = "SpecialShelf"

    assert (SpecialShelves.aggregate_class, SpecialShelves.row_class) == (Shelf, ShelfRow)
    assert SpecialShelves.storage.projections == ShelfRepository.storage.projections
    assert SpecialShelves.resource_name == "SpecialShelf"


def test_a_subclass_may_map_other_columns() -> None:
    class RankedShelves(ShelfRepository):
        columns: ClassVar[Mapping[str, Any]] = {"rank": ShelfRow.rank}

    assert [p.name for p in RankedShelves.storage.projections] == ["rank"]
    assert [p.name for p in ShelfRepository.storage.projections][:2] == ["id", "label"]


# -- the storage style --------------------------------------------------------------------------
def test_each_storage_style_describes_what_it_stores() -> None:
    rows, documents = ShelfRepository.storage, ShelfDocuments.storage

    assert (isinstance(rows, RowStorage), isinstance(documents, RowStorage)) == (True, False)
    assert (rows.row_class, rows.id_attribute, rows.version_column) == (ShelfRow, "id", "version")


def test_the_snapshot_is_the_json_text_without_the_version_which_no_collection_walks() -> None:
    shelf = Shelf(id=ShelfId.new(), label="oak", code="o-1", size=Size(width=3), version=4)

    with InMemoryUnitOfWork() as uow:
        codec = uow.repository(ShelfRepository)._codec
        snapshot = codec.snapshot(shelf)
        shelf.size = Size(width=4)
        changed = codec.snapshot(shelf)

    assert isinstance(snapshot, bytes)
    assert not gc.is_tracked(snapshot)  # dozens of dicts per aggregate would be
    assert json.loads(snapshot) == shelf.model_dump(mode="json", exclude={"version"}) | {
        "size": {"width": 3, "depth": 0}
    }
    assert changed != snapshot


def test_encode_returns_the_row_to_row_builds_stamped_with_the_version() -> None:
    shelf = Shelf(id=ShelfId.new(), label="oak", code="o-1", size=Size(width=3))

    with InMemoryUnitOfWork() as uow:
        codec = uow.repository(ShelfRepository)._codec
        row = codec.encode(shelf, codec.snapshot(shelf), 3)

    assert isinstance(row, ShelfRow)
    assert (row.id, row.version, row.label, row.width, row.spare_width) == (
        shelf.id.value,
        3,
        "oak",
        3,
        None,
    )


class _ForgetfulShelves(ShelfRepository):
    """Puts a new id into the row instead of the shelf's."""

    @override
    def to_row(self, aggregate: Shelf) -> ShelfRow:
        row = _shelf_row(aggregate)
        row.id = ShelfId.new().value
        return row


class _ConfusedShelves(ShelfRepository):
    """Returns a row of another class."""

    @override
    def to_row(self, aggregate: Shelf) -> ShelfRow:
        return cast("ShelfRow", BookRow(shelf_id=aggregate.id.value, position=0, title="x"))


@pytest.mark.parametrize(
    ("repository", "message"),
    [
        (_ForgetfulShelves, r"to_row must put the aggregate id \(UUID\('.*'\)\) in ShelfRow\.id"),
        (_ConfusedShelves, "to_row must return a ShelfRow"),
    ],
)
def test_encode_refuses_a_row_that_does_not_hold_the_aggregate(
    repository: type[ShelfRepository], message: str
) -> None:
    shelf = Shelf(id=ShelfId.new(), label="oak", code="o-1", size=Size(width=3))

    with InMemoryUnitOfWork() as uow:
        codec = uow.repository(repository)._codec
        with pytest.raises(TypeError, match=message):
            codec.encode(shelf, codec.snapshot(shelf), 1)


def test_decode_returns_what_to_domain_builds_with_the_stored_version() -> None:
    shelf = Shelf(id=ShelfId.new(), label="oak", code="o-1", size=Size(width=3))
    row = _shelf_row(shelf)

    with InMemoryUnitOfWork() as uow:
        record = StoredRecord(id=shelf.id.value, version=7, tenant_id=None, data=row)
        decoded = uow.repository(ShelfRepository)._codec.decode(record)

    assert decoded.model_dump() == shelf.model_dump() | {"version": 7}


@pytest.mark.parametrize(
    ("repository", "tenant", "stored"),
    [
        (TextTenantCrates, "acme", "acme"),
        (UuidTenantCrates, str(_TENANT), _TENANT),
    ],
    ids=["text", "uuid"],
)
def test_encode_fills_the_tenant_column_as_the_column_holds_it(
    repository: type[TextTenantCrates | UuidTenantCrates], tenant: str, stored: object
) -> None:
    crate = Crate(id=CrateId.new(), tenant_id=tenant, label="box")

    with use_context(RequestContext.new(tenant_id=tenant)), InMemoryUnitOfWork() as uow:
        row = uow.repository(repository)._codec.encode(crate, {}, 1)

    assert (repository.storage.tenant_value(tenant), getattr(row, repository.tenant_column)) == (
        stored,
        stored,
    )


@pytest.mark.parametrize(
    "specification",
    [SHELF.size.depth.eq(1), SHELF.label.eq("oak") & SHELF.size.depth.ge(0)],
    ids=["alone", "inside-and"],
)
def test_a_specification_on_an_unmapped_attribute_is_refused_naming_it(
    specification: Any,
) -> None:
    with InMemoryUnitOfWork() as uow:
        repository = uow.repository(ShelfRepository)
        with pytest.raises(
            TypeError, match=r"size\.depth has no column: map it in ShelfRepository"
        ):
            repository.find(specification)
        with pytest.raises(TypeError, match=r"size\.depth has no column"):
            repository.count(specification)


def test_ordering_by_an_unmapped_attribute_is_refused_naming_it() -> None:
    with InMemoryUnitOfWork() as uow:
        repository = uow.repository(ShelfRepository)
        with pytest.raises(TypeError, match=r"cannot order by size\.depth: ShelfRepository"):
            repository.find(order_by=[SHELF.size.depth.asc()])


# -- what the row class may not do --------------------------------------------------------------
class _Status(enum.StrEnum):
    OPEN = "open"
    SHUT = "shut"


class _Mixed(enum.Enum):
    ONE = 1
    TWO = "two"


class Door(AggregateRoot[ShelfId]):
    status: _Status = _Status.OPEN
    state: _Mixed = _Mixed.ONE
    opened: bool = False


class VersionedDoorRow(Base):
    __tablename__ = "dm_def_versioned_doors"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once, by the mapper)


class HingeRow(Base):
    __tablename__ = "dm_def_hinges"

    id: Mapped[int] = mapped_column(primary_key=True)
    door_id: Mapped[UUID] = mapped_column(ForeignKey("dm_def_loose_doors.id"))


class LooseDoorRow(Base):
    __tablename__ = "dm_def_loose_doors"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    status: Mapped[_Status]  # stores the member's name
    state: Mapped[str]
    opened: Mapped[int]
    label: Mapped[str]
    hinges: Mapped[list[HingeRow]] = relationship()


class ViewedDoorRow(Base):
    __tablename__ = "dm_def_viewed_doors"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    hinges: Mapped[list[HingeRow]] = relationship(
        primaryjoin="foreign(HingeRow.door_id) == ViewedDoorRow.id", viewonly=True
    )


class FrameRow(Base):
    __tablename__ = "dm_def_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    door_id: Mapped[UUID] = mapped_column(ForeignKey("dm_def_framed_doors.id"))
    door: Mapped[FramedDoorRow] = relationship(back_populates="frames")


class FramedDoorRow(Base):
    __tablename__ = "dm_def_framed_doors"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    frames: Mapped[list[FrameRow]] = relationship(
        back_populates="door", cascade="all, delete-orphan"
    )


def _doors(row: type[Any], columns: Mapping[str, Any] | None = None) -> type[Any]:
    """Define a repository of doors on ``row`` (the definition is what is tested)."""
    mapped: Mapping[str, Any] = columns or {}

    class Doors(DataMapperRepository[Door, ShelfId, Any]):
        row_class = row
        columns: ClassVar[Mapping[str, Any]] = mapped

        @override
        def to_row(self, aggregate: Door) -> Any:
            return row(id=aggregate.id.value)

        @override
        def to_domain(self, row: Any) -> Door:
            return Door(id=ShelfId(row.id))

    return Doors


def test_a_row_class_with_the_orms_own_version_counter_is_refused() -> None:
    with pytest.raises(TypeError, match="declares the ORM's version_id_col"):
        _doors(VersionedDoorRow)


def test_a_one_to_many_relationship_that_is_not_owned_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"LooseDoorRow\.hinges is a one-to-many relationship"):
        _doors(LooseDoorRow)


def test_a_view_only_relationship_is_left_alone() -> None:
    assert _doors(ViewedDoorRow).row_class is ViewedDoorRow


def test_a_childs_relationship_back_to_its_parent_holds_no_child() -> None:
    (frames,) = _doors(FramedDoorRow).storage.children

    assert (frames.key, frames.mapper.class_, frames.children) == ("frames", FrameRow, ())


@pytest.mark.parametrize(
    ("path", "column", "message"),
    [
        ("status", LooseDoorRow.status, "'status' is compared as str .* holds _Status"),
        ("id", LooseDoorRow.label, "'id' is compared as UUID .* holds str"),
    ],
)
def test_a_column_holding_other_values_than_comparisons_use_is_refused(
    path: str, column: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        _check_column_type(path, where(Door).follow((path,)).annotation, _column(column))


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("state", LooseDoorRow.state),  # an enum of mixed value types: cannot tell, accepted
        ("opened", LooseDoorRow.opened),  # a bool in an integer column compares alike
        ("id", LooseDoorRow.id),
    ],
)
def test_a_column_of_the_compared_type_or_an_untold_one_is_accepted(
    path: str, column: object
) -> None:
    _check_column_type(path, where(Door).follow((path,)).annotation, _column(column))

    assert _column(column).table is LooseDoorRow.__table__


def _column(attribute: object) -> Any:
    return cast("Any", attribute).property.columns[0]


def test_a_row_value_the_snapshot_keeps_as_text_is_checked_in_its_column() -> None:
    """A decimal beyond every database's range is text in the snapshot, a number in its row."""
    item = ContractItem.new("huge", parts=())
    item.weight = Decimal("1e200000")

    with InMemoryUnitOfWork() as uow:
        uow.repository(ContractItemMapperRepository).add(item)
        refused = uow.commit()

    error = refused.failure() if isinstance(refused, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert [e.loc for e in error.field_errors] == [("weight",)]


class NumberedCrateRow(Base):
    __tablename__ = "dm_def_numbered_crates"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    tenant_id: Mapped[int]
    label: Mapped[str]


def test_a_tenant_column_of_other_values_than_text_or_uuids_is_refused() -> None:
    with pytest.raises(TypeError, match=r"NumberedCrateRow.tenant_id must hold text or UUIDs"):

        class Refused(DataMapperRepository[Crate, CrateId, NumberedCrateRow]):  # pyright: ignore[reportUnusedClass]
            @override
            def to_row(self, aggregate: Crate) -> NumberedCrateRow:
                raise NotImplementedError

            @override
            def to_domain(self, row: NumberedCrateRow) -> Crate:
                raise NotImplementedError
