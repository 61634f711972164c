"""Unit tests of the row store behind data-mapper repositories, on SQLite and on PostgreSQL.

The store is driven directly (with a session of the test's own) where the session's identity
map matters, and through ``SQLAlchemyUnitOfWork`` for everything a service sees: reading with
children, tenancy, pages, version checks, driver errors and atomic commits that mix storage
styles. The async unit of work runs the same store through ``AsyncSQLAlchemyUnitOfWork``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid4

import pytest
from returns.result import Failure, Result, Success
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.types import UserDefinedType
from typing_extensions import override

from creativeflow_shared.application import (
    CursorPage,
    DocumentRepository,
    Repository,
    RequestContext,
    use_context,
)
from creativeflow_shared.application._documents import DocumentCodec
from creativeflow_shared.application.ports import (
    RecordCodec,
    RecordQuery,
    Storage,
    StoredRecord,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    DomainEvent,
    Identity,
    InvalidInputError,
    NotFoundError,
    UnavailableError,
    ValueObject,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    DataMapperRepository,
    ReferenceViolationError,
    SQLAlchemyRowStore,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.testing import InMemoryUnitOfWork

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from contextlib import AbstractContextManager

    from sqlalchemy import Engine, Table
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.domain import Specification


# -- the aggregates --------------------------------------------------------------------------------
class ShelfId(Identity):
    """The id of a shelf."""


class Book(ValueObject):
    title: str
    author_id: int | None = None
    notes: tuple[str, ...] = ()


class ShelfRelabelled(DomainEvent, event_type="dm_unit.row_store.shelf_relabelled"):
    label: str


class Shelf(AggregateRoot[ShelfId], aggregate_type="dm_unit.shelf"):
    label: str
    rank: int = 0
    note: str | None = None
    books: tuple[Book, ...] = ()

    def relabel(self, label: str) -> None:
        self.label = label
        self.record(ShelfRelabelled(label=label))


class CrateId(Identity):
    """The id of a crate."""


class Crate(AggregateRoot[CrateId]):
    """A tenant-owned aggregate whose tenants are UUIDs."""

    tenant_id: UUID
    label: str


class BinId(Identity):
    """The id of a bin."""


class Bin(AggregateRoot[BinId]):
    """A tenant-owned aggregate whose tenant column has a type of the service's own."""

    tenant_id: str
    label: str


class LogId(Identity):
    """The id of a log entry."""


class Log(AggregateRoot[LogId]):
    text: str


# -- the rows --------------------------------------------------------------------------------------
class TenantKey(UserDefinedType[str]):
    """A column type that names no Python type."""

    cache_ok = True

    @override
    def get_col_spec(self, **_: object) -> str:
        return "VARCHAR(40)"

    @property
    @override
    def python_type(self) -> type[Any]:
        # What every type without one does on SQLAlchemy 2.0 (2.1 answers ``object``).
        raise NotImplementedError


class Base(DeclarativeBase):
    metadata = MetaData()


class AuthorRow(Base):
    """Reference data the books point at; not part of any aggregate."""

    __tablename__ = "dm_unit_authors"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(32))


class BookNoteRow(Base):
    __tablename__ = "dm_unit_book_notes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["shelf_id", "position"], ["dm_unit_books.shelf_id", "dm_unit_books.position"]
        ),
    )

    shelf_id: Mapped[UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(64))


class BookRow(Base):
    __tablename__ = "dm_unit_books"

    shelf_id: Mapped[UUID] = mapped_column(ForeignKey("dm_unit_shelves.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("dm_unit_authors.id"))
    # Not owned: loaded lazily, never written through the book.
    author: Mapped[AuthorRow | None] = relationship()
    notes: Mapped[list[BookNoteRow]] = relationship(
        cascade="all, delete-orphan", order_by=BookNoteRow.line
    )


class ShelfRow(Base):
    __tablename__ = "dm_unit_shelves"
    __table_args__ = (CheckConstraint("rank >= 0", name="ck_dm_unit_shelves_rank"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    label: Mapped[str] = mapped_column(String(64), unique=True)
    rank: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(64))
    books: Mapped[list[BookRow]] = relationship(
        cascade="all, delete-orphan", order_by=BookRow.position
    )


class LoanRow(Base):
    """A row outside the aggregate that refers to a shelf."""

    __tablename__ = "dm_unit_loans"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shelf_id: Mapped[UUID] = mapped_column(ForeignKey("dm_unit_shelves.id"))


class CrateRow(Base):
    __tablename__ = "dm_unit_crates"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    tenant_id: Mapped[UUID]
    label: Mapped[str] = mapped_column(String(32))


class BinRow(Base):
    __tablename__ = "dm_unit_bins"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    tenant_id: Mapped[str] = mapped_column(TenantKey())
    label: Mapped[str] = mapped_column(String(32))


# -- the repositories ------------------------------------------------------------------------------
def _shelf_row(shelf: Shelf) -> ShelfRow:
    id_ = shelf.id.value
    return ShelfRow(
        id=id_,
        label=shelf.label,
        rank=shelf.rank,
        note=shelf.note,
        books=[
            BookRow(
                shelf_id=id_,
                position=position,
                title=book.title,
                author_id=book.author_id,
                notes=[
                    BookNoteRow(shelf_id=id_, position=position, line=line, text=note)
                    for line, note in enumerate(book.notes)
                ],
            )
            for position, book in enumerate(shelf.books)
        ],
    )


class ShelfRepository(DataMapperRepository[Shelf, ShelfId, ShelfRow]):
    columns: ClassVar[Mapping[str, Any]] = {
        "label": ShelfRow.label,
        "rank": ShelfRow.rank,
        "note": ShelfRow.note,
    }

    @override
    def to_row(self, aggregate: Shelf) -> ShelfRow:
        return _shelf_row(aggregate)

    @override
    def to_domain(self, row: ShelfRow) -> Shelf:
        return Shelf(
            id=ShelfId(row.id),
            label=row.label,
            rank=row.rank,
            note=row.note,
            books=tuple(
                Book(
                    title=book.title,
                    author_id=book.author_id,
                    notes=tuple(note.text for note in book.notes),
                )
                for book in row.books
            ),
        )


class AuthoredShelfRepository(ShelfRepository):
    """Reads the authors' names into the note through the lazy, non-owned relationship."""

    @override
    def to_domain(self, row: ShelfRow) -> Shelf:
        names = [book.author.name for book in row.books if book.author is not None]
        return super().to_domain(row).model_copy(update={"note": ", ".join(names) or None})


class CrateRepository(DataMapperRepository[Crate, CrateId, CrateRow]):
    columns: ClassVar[Mapping[str, Any]] = {"label": CrateRow.label}

    @override
    def to_row(self, aggregate: Crate) -> CrateRow:
        return CrateRow(id=aggregate.id.value, label=aggregate.label)

    @override
    def to_domain(self, row: CrateRow) -> Crate:
        return Crate(id=CrateId(row.id), tenant_id=row.tenant_id, label=row.label)


class LooseCrate(AggregateRoot[CrateId]):
    """A crate whose tenant is any text, stored in ``CrateRow`` (UUID tenants)."""

    tenant_id: str
    label: str


class LooseCrateRepository(DataMapperRepository[LooseCrate, CrateId, CrateRow]):
    @override
    def to_row(self, aggregate: LooseCrate) -> CrateRow:
        return CrateRow(id=aggregate.id.value, label=aggregate.label)

    @override
    def to_domain(self, row: CrateRow) -> LooseCrate:
        return LooseCrate(id=CrateId(row.id), tenant_id=str(row.tenant_id), label=row.label)


class BinRepository(DataMapperRepository[Bin, BinId, BinRow]):
    columns: ClassVar[Mapping[str, Any]] = {"label": BinRow.label}

    @override
    def to_row(self, aggregate: Bin) -> BinRow:
        return BinRow(id=aggregate.id.value, label=aggregate.label)

    @override
    def to_domain(self, row: BinRow) -> Bin:
        return Bin(id=BinId(row.id), tenant_id=row.tenant_id, label=row.label)


class LogRepository(DocumentRepository[Log, LogId]):
    pass


class OddRepository(Repository[Shelf, ShelfId]):
    """A repository of neither storage style."""

    @classmethod
    @override
    def _describe(cls) -> Storage:
        return Storage(
            aggregate_class=Shelf,
            resource_name="Shelf",
            repository_name=cls.__name__,
            ids_per_tenant=False,
            projections=(),
        )

    @override
    def _new_codec(self) -> RecordCodec:
        return DocumentCodec(self.storage)

    @override
    def _check_queryable(self, specification: Specification[Any]) -> None:
        return None


# -- aggregates whose children are entities with keys of their own, and an integer id ------------
class OrderId(Identity):
    """The id of an order."""


class Tag(ValueObject):
    tag_id: UUID
    text: str


class Line(ValueObject):
    line_id: UUID
    text: str
    tags: tuple[Tag, ...] = ()


class Order(AggregateRoot[OrderId]):
    tenant_id: str
    lines: tuple[Line, ...] = ()


class OrderRow(Base):
    __tablename__ = "dm_unit_orders"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    lines: Mapped[list[OrderLineRow]] = relationship(cascade="all, delete-orphan")


class OrderLineRow(Base):
    """A child keyed by its own id alone, as entity children often are."""

    __tablename__ = "dm_unit_order_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "order_id"], ["dm_unit_orders.tenant_id", "dm_unit_orders.id"]
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[UUID]
    text: Mapped[str] = mapped_column(String(64))
    tags: Mapped[list[OrderTagRow]] = relationship(cascade="all, delete-orphan")


class OrderTagRow(Base):
    """A grandchild of an order, keyed by its own id alone too."""

    __tablename__ = "dm_unit_order_tags"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    line_id: Mapped[UUID] = mapped_column(ForeignKey("dm_unit_order_lines.id"))
    text: Mapped[str] = mapped_column(String(64))


class OrderRepository(DataMapperRepository[Order, OrderId, OrderRow]):
    @override
    def to_row(self, aggregate: Order) -> OrderRow:
        return OrderRow(
            id=aggregate.id.value,
            lines=[
                OrderLineRow(
                    id=line.line_id,
                    tenant_id=aggregate.tenant_id,
                    order_id=aggregate.id.value,
                    text=line.text,
                    tags=[
                        OrderTagRow(id=tag.tag_id, line_id=line.line_id, text=tag.text)
                        for tag in line.tags
                    ],
                )
                for line in aggregate.lines
            ],
        )

    @override
    def to_domain(self, row: OrderRow) -> Order:
        lines = tuple(
            Line(
                line_id=line.id,
                text=line.text,
                tags=tuple(Tag(tag_id=tag.id, text=tag.text) for tag in line.tags),
            )
            for line in row.lines
        )
        return Order(id=OrderId(row.id), tenant_id=row.tenant_id, lines=lines)


class Ticket(AggregateRoot[int]):
    rank: int = 0
    blob: bytes = b""
    price: float = 1.0


class TicketRow(Base):
    """An integer id and rank (32-bit ``INTEGER`` columns) and bytes."""

    __tablename__ = "dm_unit_tickets"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int]
    rank: Mapped[int]
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    price: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))


class TicketRepository(DataMapperRepository[Ticket, int, TicketRow]):
    columns: ClassVar[Mapping[str, Any]] = {
        "id": TicketRow.id,
        "rank": TicketRow.rank,
        "price": TicketRow.price,
    }

    @override
    def to_row(self, aggregate: Ticket) -> TicketRow:
        return TicketRow(
            id=aggregate.id, rank=aggregate.rank, blob=aggregate.blob, price=aggregate.price
        )

    @override
    def to_domain(self, row: TicketRow) -> Ticket:
        return Ticket(id=row.id, rank=row.rank, blob=row.blob, price=row.price)


_METADATA = Base.metadata
_LOGS = document_table(_METADATA, LogRepository, name="dm_unit_logs")
_OUTBOX = outbox_table(_METADATA, name="dm_unit_outbox")
_SHELVES = _METADATA.tables["dm_unit_shelves"]
_BOOKS = _METADATA.tables["dm_unit_books"]
_NOTES = _METADATA.tables["dm_unit_book_notes"]

SHELF = where(Shelf)
ANN, BO, NOBODY = 1, 2, 99


def _with_tables(engine: Engine) -> Iterator[Engine]:
    _METADATA.drop_all(engine)
    _METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(AuthorRow), [{"id": ANN, "name": "Ann"}, {"id": BO, "name": "Bo"}]
        )
    yield engine
    _METADATA.drop_all(engine)


@pytest.fixture
def engine(unit_engine: Engine) -> Iterator[Engine]:
    """Each database in turn, with every table created and two authors stored."""
    yield from _with_tables(unit_engine)


@pytest.fixture
def postgres(unit_postgres_engine: Engine) -> Iterator[Engine]:
    """PostgreSQL alone, for what only it does, with the tables of ``engine``."""
    yield from _with_tables(unit_postgres_engine)


def _shelf(label: str, *, rank: int = 0, books: tuple[Book, ...] = ()) -> Shelf:
    return Shelf(id=ShelfId.new(), label=label, rank=rank, books=books)


def _bookish(label: str) -> Shelf:
    books = (Book(title="Dune", author_id=ANN, notes=("long", "sandy")), Book(title="Emma"))
    return _shelf(label, books=books)


def _uow(engine: Engine) -> SQLAlchemyUnitOfWork:
    return SQLAlchemyUnitOfWork(engine, _METADATA)


def _stored(engine: Engine, *aggregates: Shelf) -> None:
    with _uow(engine) as uow:
        for aggregate in aggregates:
            uow.repository(ShelfRepository).add(aggregate)
        assert uow.commit() == Success(None)


def _load(engine: Engine, shelf: Shelf) -> Shelf | None:
    with _uow(engine) as uow:
        loaded = uow.repository(ShelfRepository).get(shelf.id)
    return loaded.value_or(None)


def _stored_state(engine: Engine, shelf: Shelf) -> dict[str, Any] | None:
    """Return the stored state of ``shelf`` (aggregates compare by id alone), if stored."""
    loaded = _load(engine, shelf)
    return None if loaded is None else loaded.model_dump()


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _as(tenant: object) -> AbstractContextManager[RequestContext]:
    return use_context(RequestContext.new(tenant_id=str(tenant)))


def _record(shelf: Shelf, *, version: int = 1) -> StoredRecord:
    """Return the record a repository would hand the store (its row stamped with the version)."""
    row = _shelf_row(shelf)
    row.version = version
    return StoredRecord(id=shelf.id.value, version=version, tenant_id=None, data=row)


def _session(engine: Engine) -> Session:
    return Session(engine, autoflush=False, expire_on_commit=False)


# -- the store itself ------------------------------------------------------------------------------
def test_an_inserted_row_is_read_back_with_its_version_and_every_owned_child(
    engine: Engine,
) -> None:
    shelf = _bookish("oak")
    with _session(engine) as session:
        inserted = SQLAlchemyRowStore(session, ShelfRepository.storage).insert([_record(shelf)])
        session.commit()

    with _session(engine) as session:
        record = SQLAlchemyRowStore(session, ShelfRepository.storage).get(shelf.id.value, None)
        assert record is not None
        row = record.data
        books = [(b.title, b.author_id, [n.text for n in b.notes]) for b in row.books]
        unloaded = [inspect(row).unloaded, *(inspect(b).unloaded for b in row.books)]

    assert inserted == Success(None)
    assert (record.id, record.version, record.tenant_id) == (shelf.id.value, 1, None)
    assert books == [("Dune", ANN, ["long", "sandy"]), ("Emma", None, [])]
    # Owned children came with the root; each book's author (not owned) is left to load lazily.
    assert unloaded == [set(), {"author"}, {"author"}]


def test_get_of_a_missing_id_is_none(engine: Engine) -> None:
    with _session(engine) as session:
        assert SQLAlchemyRowStore(session, ShelfRepository.storage).get(uuid4(), None) is None


def test_find_filters_orders_and_windows_and_count_ignores_the_window(engine: Engine) -> None:
    shelves = [_shelf(label, rank=rank) for label, rank in [("a", 3), ("b", 1), ("c", 2), ("d", 1)]]
    _stored(engine, *shelves)
    by_rank = (SHELF.rank.desc(),)
    query = RecordQuery(SHELF.rank.le(2), order_by=by_rank, offset=1, limit=1)

    with _session(engine) as session:
        store = SQLAlchemyRowStore(session, ShelfRepository.storage)
        windowed = [r.data.label for r in store.find(query)]
        everything = [r.data.label for r in store.find(RecordQuery(order_by=(SHELF.label.desc(),)))]
        counted = store.count(query)

    assert windowed == ["b"]  # after c; b and d tie on rank and b has the smaller id
    assert everything == ["d", "c", "b", "a"]
    assert counted == 3


def test_inserting_the_id_of_a_row_the_session_holds_is_already_exists_before_any_flush(
    engine: Engine,
) -> None:
    shelf = _shelf("oak")
    _stored(engine, shelf)
    twin = Shelf(id=shelf.id, label="elm")

    with _session(engine) as session:
        store = SQLAlchemyRowStore(session, ShelfRepository.storage)
        held = store.get(shelf.id.value, None)  # the session keeps the row while it is used
        inserted = store.insert([_record(twin)])
        pending, active = list(session.new), session.is_active

    assert held is not None
    assert inserted == Failure(AlreadyExistsError("Shelf", shelf.id.value))
    # The row was never added: no identity conflict, no failed flush to roll back.
    assert (pending, active) == ([], True)


def test_updating_a_row_the_session_holds_keeps_its_version_in_step(engine: Engine) -> None:
    shelf = _shelf("oak")
    _stored(engine, shelf)
    renamed = Shelf(id=shelf.id, label="elm")

    with _session(engine) as session:
        store = SQLAlchemyRowStore(session, ShelfRepository.storage)
        held = store.get(shelf.id.value, None)
        assert held is not None
        updated = store.update(_record(renamed, version=2), 1)
        in_session = (held.data.version, held.data.label, session.is_modified(held.data))
        session.commit()

    assert updated == Success(True)
    assert in_session == (2, "elm", False)
    assert _stored_state(engine, shelf) == renamed.model_dump() | {"version": 2}


def test_updating_or_deleting_another_version_or_a_missing_row_changes_nothing(
    engine: Engine,
) -> None:
    shelf = _shelf("oak")
    _stored(engine, shelf)
    renamed = Shelf(id=shelf.id, label="elm")

    with _session(engine) as session:
        store = SQLAlchemyRowStore(session, ShelfRepository.storage)
        stale_update = store.update(_record(renamed, version=3), 2)
        stale_delete = store.delete(shelf.id.value, 2, None)
        missing_delete = store.delete(uuid4(), 1, None)
        session.commit()

    assert (stale_update, stale_delete, missing_delete) == (Success(False), False, False)
    assert _stored_state(engine, shelf) == shelf.model_dump()


def test_the_store_refuses_a_specification_on_an_unmapped_attribute(engine: Engine) -> None:
    query = RecordQuery(SHELF.label.eq("oak") | SHELF.books.eq(()))

    with _session(engine) as session:
        store = SQLAlchemyRowStore(session, ShelfRepository.storage)
        with pytest.raises(TypeError, match="books has no column"):
            store.find(query)


def test_a_row_the_database_refuses_is_invalid_input(postgres: Engine) -> None:
    # The codec refuses such rows first; the store answers alike when sent one.
    shelf = _shelf("oak")
    row = _shelf_row(shelf)
    row.label, row.version = "nul\x00", 1

    with _session(postgres) as session:
        store = SQLAlchemyRowStore(session, ShelfRepository.storage)
        record = StoredRecord(id=shelf.id.value, version=1, tenant_id=None, data=row)
        actual = store.insert([record])

    error = actual.failure() if isinstance(actual, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert error.field_errors[0].message == "Shelf holds a value the database cannot keep"


def test_stores_share_their_statements_per_repository_and_dialect(engine: Engine) -> None:
    class OtherShelves(ShelfRepository):
        pass

    with _session(engine) as session:
        first = SQLAlchemyRowStore(session, ShelfRepository.storage)
        second = SQLAlchemyRowStore(session, ShelfRepository.storage)
        other = SQLAlchemyRowStore(session, OtherShelves.storage)

    assert first._statements is second._statements
    assert other._statements is not first._statements
    # Kept beside the description, never written onto the service's class.
    written = sorted(name for name in vars(OtherShelves) if not name.startswith("__"))
    assert written == ["_abc_impl", "resource_name", "row_class", "storage"]


# -- reading through the repository ----------------------------------------------------------------
def test_an_aggregate_is_read_back_with_its_children(engine: Engine) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)

    stored = _stored_state(engine, shelf)

    assert stored is not None
    assert stored == shelf.model_dump()
    assert (stored["version"], len(stored["books"])) == (1, 2)


def test_a_non_owned_relationship_is_loaded_lazily_when_the_mapping_reads_it(
    engine: Engine,
) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)

    with _uow(engine) as uow:
        loaded = uow.repository(AuthoredShelfRepository).get(shelf.id).unwrap()

    assert loaded.note == "Ann"


def test_find_count_and_limit_select_what_the_specification_selects(engine: Engine) -> None:
    _stored(engine, *(_shelf(f"s-{rank}", rank=rank) for rank in range(5)))

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        found = repository.find(SHELF.rank.ge(2), order_by=[SHELF.rank.desc()])
        limited = repository.find(SHELF.rank.ge(2), order_by=[SHELF.rank.asc()], limit=2)
        counted = (repository.count(), repository.count(SHELF.note.is_null() & SHELF.rank.lt(2)))

    assert [s.rank for s in found] == [4, 3, 2]
    assert [s.rank for s in limited] == [2, 3]
    assert counted == (5, 2)


def test_offset_and_keyset_pages_walk_the_mapped_columns(engine: Engine) -> None:
    _stored(engine, *(_shelf(f"s-{rank}", rank=rank % 3) for rank in range(7)))
    by_rank = [SHELF.rank.asc(), SHELF.label.desc()]

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        page = repository.page(order_by=by_rank, offset=2, limit=3)
        walked: list[str] = []
        cursor: str | None = None
        while True:
            keyset = repository.page_after(cursor, order_by=by_rank, limit=3).unwrap()
            walked += [s.label for s in keyset.items]
            cursor = keyset.next_cursor
            if cursor is None:
                break

    expected = ["s-6", "s-3", "s-0", "s-4", "s-1", "s-5", "s-2"]
    assert ([s.label for s in page.items], page.total) == (expected[2:5], 7)
    assert walked == expected


def test_a_specification_on_an_unmapped_attribute_raises_naming_it(engine: Engine) -> None:
    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        with pytest.raises(TypeError, match="books has no column: map it in ShelfRepository"):
            repository.find(SHELF.books.eq(()))


def test_a_failing_select_raises_the_driver_error(engine: Engine) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)
    _NOTES.drop(engine)  # the children's SELECT ... IN now fails

    with _uow(engine) as uow, pytest.raises(DBAPIError) as caught:
        uow.repository(ShelfRepository).get(shelf.id)

    # As SQLAlchemy raised it: caused by the driver's error, not translated.
    assert caught.value.__cause__ is caught.value.orig


def test_a_select_that_waits_too_long_for_a_lock_is_unavailable(postgres: Engine) -> None:
    # SQLite readers take no lock they could wait for; PostgreSQL's do, and time out.
    shelf = _shelf("oak")
    _stored(postgres, shelf)

    with postgres.connect() as locker:
        locker.execute(text("LOCK TABLE dm_unit_shelves IN ACCESS EXCLUSIVE MODE"))
        with _uow(postgres) as uow:
            uow.connection.execute(text("SET LOCAL lock_timeout = '50ms'"))
            with pytest.raises(UnavailableError) as caught:
                uow.repository(ShelfRepository).get(shelf.id)
        locker.rollback()

    assert isinstance(caught.value.__cause__, DBAPIError)


# -- tenancy ---------------------------------------------------------------------------------------
def test_a_uuid_tenant_column_filters_reads_by_the_context_tenant(engine: Engine) -> None:
    acme, globex = uuid4(), uuid4()
    crates = {
        tenant: Crate(id=CrateId.new(), tenant_id=tenant, label="box") for tenant in (acme, globex)
    }
    for tenant, crate in crates.items():
        with _as(tenant), _uow(engine) as uow:
            uow.repository(CrateRepository).add(crate)
            assert uow.commit() == Success(None)

    with _as(acme), _uow(engine) as uow:
        repository = uow.repository(CrateRepository)
        own, foreign = repository.get(crates[acme].id), repository.get(crates[globex].id)
        found = repository.find(where(Crate).label.eq("box"))
        counted = repository.count()
    with engine.connect() as connection:
        stored = connection.execute(
            select(CrateRow.tenant_id).where(CrateRow.id == crates[acme].id.value)
        ).scalar_one()

    assert own.map(Crate.model_dump) == Success(crates[acme].model_dump())
    assert foreign == Failure(NotFoundError("Crate", crates[globex].id))
    assert ([c.model_dump() for c in found], counted) == ([crates[acme].model_dump()], 1)
    assert stored == acme


def test_a_tenant_that_a_uuid_tenant_column_cannot_hold_owns_nothing(engine: Engine) -> None:
    crate = Crate(id=CrateId.new(), tenant_id=uuid4(), label="box")
    with _as(crate.tenant_id), _uow(engine) as uow:
        uow.repository(CrateRepository).add(crate)
        assert uow.commit() == Success(None)

    with _as("acme"), _uow(engine) as uow:  # not a UUID: as in memory, it owns no crate
        repository = uow.repository(CrateRepository)
        seen = (repository.get(crate.id), repository.find(), repository.count())

    assert seen == (Failure(NotFoundError("Crate", crate.id)), [], 0)


def test_a_tenant_column_of_an_unknown_python_type_compares_the_tenant_as_text(
    engine: Engine,
) -> None:
    bins = {
        tenant: Bin(id=BinId.new(), tenant_id=tenant, label="tray") for tenant in ("acme", "globex")
    }
    for tenant, bin_ in bins.items():
        with _as(tenant), _uow(engine) as uow:
            uow.repository(BinRepository).add(bin_)
            assert uow.commit() == Success(None)

    with _as("acme"), _uow(engine) as uow:
        repository = uow.repository(BinRepository)
        found = repository.find()
        foreign = repository.exists(bins["globex"].id)

    assert ([b.model_dump() for b in found], foreign) == ([bins["acme"].model_dump()], False)


# -- writing ---------------------------------------------------------------------------------------
def test_changing_a_child_writes_a_new_version_of_the_whole_aggregate(engine: Engine) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)

    with _uow(engine) as uow:
        loaded = uow.repository(ShelfRepository).get(shelf.id).unwrap()
        loaded.books = (Book(title="Dune", author_id=BO, notes=("short",)),)
        assert uow.commit() == Success(None)

    stored = _load(engine, shelf)
    assert stored is not None
    assert (stored.version, stored.books) == (
        2,
        (Book(title="Dune", author_id=BO, notes=("short",)),),
    )
    assert (_count(engine, _BOOKS), _count(engine, _NOTES)) == (1, 1)


def test_a_batch_of_new_aggregates_is_inserted_with_their_children(engine: Engine) -> None:
    shelves = [_bookish(f"s-{n}") for n in range(3)]

    _stored(engine, *shelves)

    assert [_stored_state(engine, s) for s in shelves] == [s.model_dump() for s in shelves]
    assert (_count(engine, _SHELVES), _count(engine, _BOOKS), _count(engine, _NOTES)) == (3, 6, 6)


def test_a_batch_with_a_taken_id_is_already_exists_of_the_batch_and_inserts_nothing(
    engine: Engine,
) -> None:
    taken = _shelf("oak")
    _stored(engine, taken)
    batch = [_bookish("elm"), Shelf(id=taken.id, label="ash"), _bookish("fir")]

    with _uow(engine) as uow:
        for shelf in batch:
            uow.repository(ShelfRepository).add(shelf)
        committed = uow.commit()

    # PostgreSQL quotes the clashing id, which names the shelf of the batch; SQLite does not.
    named = taken.id if engine.dialect.name == "postgresql" else "one of 3 new"
    assert committed == Failure(AlreadyExistsError("Shelf", named))
    assert (_count(engine, _SHELVES), _count(engine, _BOOKS)) == (1, 0)


def test_adding_a_taken_id_in_another_unit_of_work_is_already_exists(engine: Engine) -> None:
    shelf = _shelf("oak")
    _stored(engine, shelf)

    with _uow(engine) as uow:
        uow.repository(ShelfRepository).add(Shelf(id=shelf.id, label="elm"))
        committed = uow.commit()

    assert committed == Failure(AlreadyExistsError("Shelf", shelf.id.value))
    assert _stored_state(engine, shelf) == shelf.model_dump()


@pytest.mark.parametrize(
    "removed_first", [True, False], ids=["removed-then-added", "loaded-then-added"]
)
def test_adding_a_new_aggregate_with_a_loaded_id_is_already_exists(
    engine: Engine, removed_first: bool
) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        loaded = repository.get(shelf.id).unwrap()
        if removed_first:
            repository.remove(loaded)
        repository.add(Shelf(id=shelf.id, label="elm"))
        committed = uow.commit()

    assert committed == Failure(AlreadyExistsError("Shelf", shelf.id.value))
    assert _stored_state(engine, shelf) == shelf.model_dump()


def test_taking_a_unique_value_on_update_is_already_exists_and_writes_nothing(
    engine: Engine,
) -> None:
    first, second = _shelf("oak"), _bookish("elm")
    _stored(engine, first, second)

    with _uow(engine) as uow:
        loaded = uow.repository(ShelfRepository).get(second.id).unwrap()
        loaded.relabel("oak")
        committed = uow.commit()

    assert committed == Failure(AlreadyExistsError("Shelf", second.id.value, key="label"))
    assert _stored_state(engine, second) == second.model_dump()
    assert second.model_dump()["version"] == 1
    assert _count(engine, _OUTBOX) == 0


@pytest.mark.parametrize("new", [True, False], ids=["insert", "update"])
def test_a_child_referring_to_a_missing_row_raises_a_reference_violation_from_the_driver_error(
    engine: Engine, new: bool
) -> None:
    shelf = _shelf("oak")
    if not new:
        _stored(engine, shelf)

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        target = shelf if new else repository.get(shelf.id).unwrap()
        target.books = (Book(title="Ghost", author_id=NOBODY),)
        if new:
            repository.add(target)
        with pytest.raises(ReferenceViolationError) as caught:
            uow.commit()

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert (_count(engine, _SHELVES), _count(engine, _BOOKS)) == (0 if new else 1, 0)


def test_after_a_commit_raised_the_unit_of_work_is_rolled_back_and_usable(
    engine: Engine,
) -> None:
    broken, fine = _shelf("oak"), _shelf("elm")

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        broken.books = (Book(title="Ghost", author_id=NOBODY),)
        repository.add(broken)
        with pytest.raises(ReferenceViolationError):
            uow.commit()
        # The work that raised is still there: the same commit raises again ...
        with pytest.raises(ReferenceViolationError):
            uow.commit()
        uow.rollback()  # ... until a rollback forgets it
        repository.add(fine)
        again = uow.commit()

    assert again == Success(None)
    assert (_load(engine, broken), _load(engine, fine)) == (None, fine)
    assert broken.version == 0


def test_a_row_the_database_refuses_otherwise_raises_the_driver_error_as_it_is(
    engine: Engine,
) -> None:
    with _uow(engine) as uow:
        uow.repository(ShelfRepository).add(_shelf("oak", rank=-1))
        with pytest.raises(IntegrityError) as caught:
            uow.commit()

    # As SQLAlchemy raised it: caused by the driver's error, not chained to itself.
    assert caught.value.__cause__ is caught.value.orig
    assert _count(engine, _SHELVES) == 0


def test_removing_an_aggregate_deletes_its_children(engine: Engine) -> None:
    shelf, kept = _bookish("oak"), _bookish("elm")
    _stored(engine, shelf, kept)

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        repository.remove(repository.get(shelf.id).unwrap())
        assert uow.commit() == Success(None)

    assert _load(engine, shelf) is None
    assert (_count(engine, _SHELVES), _count(engine, _BOOKS), _count(engine, _NOTES)) == (1, 2, 2)


def test_removing_an_aggregate_read_in_another_unit_of_work_deletes_it(engine: Engine) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)
    read_elsewhere = _load(engine, shelf)
    assert read_elsewhere is not None

    with _uow(engine) as uow:
        uow.repository(ShelfRepository).remove(read_elsewhere)
        assert uow.commit() == Success(None)

    assert (_count(engine, _SHELVES), _count(engine, _BOOKS)) == (0, 0)


def test_removing_a_concurrently_changed_aggregate_is_a_conflict(engine: Engine) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)

    with _uow(engine) as uow:
        mine = uow.repository(ShelfRepository).get(shelf.id).unwrap()
        with _uow(engine) as other:
            theirs = other.repository(ShelfRepository).get(shelf.id).unwrap()
            theirs.relabel("elm")
            assert other.commit() == Success(None)
        uow.repository(ShelfRepository).remove(mine)
        committed = uow.commit()

    assert committed == Failure(ConcurrencyConflictError("Shelf", shelf.id, expected_version=1))
    stored = _load(engine, shelf)
    assert stored is not None
    assert (stored.label, stored.version, _count(engine, _BOOKS)) == ("elm", 2, 2)


def test_removing_an_aggregate_another_row_refers_to_raises_a_reference_violation(
    engine: Engine,
) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)
    with engine.begin() as connection:
        connection.execute(insert(LoanRow).values(id=1, shelf_id=shelf.id.value))

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        repository.remove(repository.get(shelf.id).unwrap())
        with pytest.raises(ReferenceViolationError) as caught:
            uow.commit()

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert _stored_state(engine, shelf) == shelf.model_dump()


# -- the session within the unit of work -----------------------------------------------------------
def test_after_a_failed_commit_the_same_unit_of_work_commits_new_work(engine: Engine) -> None:
    taken = _shelf("oak")
    _stored(engine, taken)
    fresh = _bookish("elm")

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        repository.add(Shelf(id=taken.id, label="ash"))
        failed = uow.commit()
        uow.rollback()
        repository.add(fresh)
        retried = uow.commit()

    assert failed == Failure(AlreadyExistsError("Shelf", taken.id.value))
    assert retried == Success(None)
    assert _stored_state(engine, fresh) == fresh.model_dump()


def test_a_failed_commit_after_a_successful_one_is_a_failure_too(engine: Engine) -> None:
    taken, first, last = _shelf("oak"), _shelf("elm"), _shelf("fir")
    _stored(engine, taken)

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        repository.add(first)
        committed = uow.commit()
        repository.add(Shelf(id=taken.id, label="ash"))
        failed = uow.commit()
        uow.rollback()
        repository.add(last)
        retried = uow.commit()

    assert committed == retried == Success(None)
    assert failed == Failure(AlreadyExistsError("Shelf", taken.id.value))
    assert _stored_state(engine, first) == first.model_dump()
    assert _stored_state(engine, last) == last.model_dump()


def test_two_failed_commits_in_a_row_leave_the_unit_of_work_usable(engine: Engine) -> None:
    taken, fresh = _shelf("oak"), _shelf("elm")
    _stored(engine, taken)

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        failures: list[object] = []
        for label in ("ash", "fir"):
            repository.add(Shelf(id=taken.id, label=label))
            failures.append(uow.commit())
            uow.rollback()
        repository.add(fresh)
        committed = uow.commit()

    assert failures == [Failure(AlreadyExistsError("Shelf", taken.id.value))] * 2
    assert committed == Success(None)
    assert _stored_state(engine, fresh) == fresh.model_dump()


def test_after_a_rollback_the_same_unit_of_work_reads_and_writes_afresh(engine: Engine) -> None:
    shelf = _bookish("oak")
    _stored(engine, shelf)
    fresh = _shelf("elm")

    with _uow(engine) as uow:
        repository = uow.repository(ShelfRepository)
        repository.get(shelf.id).unwrap().relabel("ash")
        repository.add(_shelf("fir"))
        uow.rollback()
        reread = repository.get(shelf.id).unwrap()
        repository.add(fresh)
        committed = uow.commit()

    assert (reread.label, committed) == ("oak", Success(None))
    assert _stored_state(engine, shelf) == shelf.model_dump()
    assert _stored_state(engine, fresh) == fresh.model_dump()
    assert _count(engine, _SHELVES) == 2


@pytest.mark.parametrize("documents_first", [True, False], ids=["documents-first", "rows-first"])
def test_a_unit_of_work_commits_documents_and_rows_atomically(
    engine: Engine, documents_first: bool
) -> None:
    shelf, log = _bookish("oak"), Log(id=LogId.new(), text="shelved")

    with _uow(engine) as uow:
        if documents_first:
            uow.repository(LogRepository).find()  # the connection's transaction starts here
        uow.repository(ShelfRepository).add(shelf)
        uow.repository(LogRepository).add(log)
        assert uow.commit() == Success(None)
    with _uow(engine) as uow:
        stored_log = uow.repository(LogRepository).get(log.id)

    assert _stored_state(engine, shelf) == shelf.model_dump()
    assert stored_log.map(Log.model_dump) == Success(log.model_dump())


def test_a_failure_in_either_style_writes_neither(engine: Engine) -> None:
    taken_log = Log(id=LogId.new(), text="first")
    with _uow(engine) as uow:
        uow.repository(LogRepository).add(taken_log)
        assert uow.commit() == Success(None)
    shelf = _bookish("oak")
    shelf.relabel("oak")  # an event, for the outbox

    with _uow(engine) as uow:
        uow.repository(ShelfRepository).add(shelf)
        uow.repository(LogRepository).add(Log(id=taken_log.id, text="again"))
        committed = uow.commit()

    assert committed == Failure(AlreadyExistsError("Log", taken_log.id.value))
    assert (_count(engine, _SHELVES), _count(engine, _BOOKS), _count(engine, _OUTBOX)) == (0, 0, 0)


def test_a_rollback_discards_documents_and_rows_alike(engine: Engine) -> None:
    with _uow(engine) as uow:
        uow.repository(ShelfRepository).add(_bookish("oak"))
        uow.repository(LogRepository).add(Log(id=LogId.new(), text="shelved"))
        uow.rollback()
        committed = uow.commit()

    assert committed == Success(None)
    assert (_count(engine, _SHELVES), _count(engine, _LOGS)) == (0, 0)


def test_the_data_mapper_repositories_of_a_unit_of_work_share_its_transaction(
    engine: Engine,
) -> None:
    tenant = uuid4()
    crate = Crate(id=CrateId.new(), tenant_id=tenant, label="box")
    taken = _shelf("oak")
    _stored(engine, taken)

    with _as(tenant), _uow(engine) as uow:
        uow.repository(CrateRepository).add(crate)
        uow.repository(ShelfRepository).add(Shelf(id=taken.id, label="elm"))
        failed = uow.commit()
        uow.rollback()
        uow.repository(CrateRepository).add(crate)
        uow.repository(ShelfRepository).add(_bookish("fir"))
        committed = uow.commit()

    assert (failed, committed) == (
        Failure(AlreadyExistsError("Shelf", taken.id.value)),
        Success(None),
    )
    assert (_count(engine, _METADATA.tables["dm_unit_crates"]), _count(engine, _SHELVES)) == (1, 2)


def test_a_rollback_outside_a_block_is_refused(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _uow(engine).rollback()


def test_the_transaction_hooks_refuse_to_run_outside_a_block(engine: Engine) -> None:
    # The unit of work calls them only inside its block; a backend built on it must too.
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _uow(engine)._rollback_transaction()


def test_a_repository_of_neither_style_is_refused(engine: Engine) -> None:
    with (
        _uow(engine) as uow,
        pytest.raises(LookupError, match=r"nothing stores OddRepository's aggregates here"),
    ):
        uow.repository(OddRepository)


# -- the async unit of work ------------------------------------------------------------------------
@pytest.fixture
def async_engine(sqlite_engine: Engine, async_sqlite_engine: AsyncEngine) -> Iterator[AsyncEngine]:
    """The session's aiosqlite engine, with the tables created through its sync twin."""
    _METADATA.drop_all(sqlite_engine)
    _METADATA.create_all(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(insert(AuthorRow), [{"id": ANN, "name": "Ann"}])
    yield async_sqlite_engine
    _METADATA.drop_all(sqlite_engine)


def test_the_async_unit_of_work_stores_reads_changes_and_removes_rows(
    async_engine: AsyncEngine,
) -> None:
    shelf = _bookish("oak")

    async def scenario() -> tuple[object, ...]:
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            uow.repository(ShelfRepository).add(shelf)
            added = await uow.commit()
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            repository = uow.repository(ShelfRepository)
            loaded = (await repository.get(shelf.id)).unwrap()
            found = await repository.find(SHELF.label.eq("oak")) == [loaded]
            loaded.books = loaded.books[:1]
            changed = await uow.commit()
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            repository = uow.repository(ShelfRepository)
            reread = (await repository.get(shelf.id)).unwrap()
            repository.remove(reread)
            removed = await uow.commit()
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            gone = await uow.repository(ShelfRepository).exists(shelf.id)
        return added, found, changed, reread.version, reread.books, removed, gone

    outcome = asyncio.run(scenario())

    assert outcome == (
        Success(None),
        True,
        Success(None),
        2,
        shelf.books[:1],
        Success(None),
        False,
    )


def test_the_async_unit_of_work_loads_lazy_non_owned_relationships(
    async_engine: AsyncEngine,
) -> None:
    shelf = _bookish("oak")

    async def scenario() -> str | None:
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            uow.repository(ShelfRepository).add(shelf)
            assert await uow.commit() == Success(None)
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            loaded = await uow.repository(AuthoredShelfRepository).get(shelf.id)
        return loaded.unwrap().note

    assert asyncio.run(scenario()) == "Ann"


def test_the_async_unit_of_work_reports_a_taken_id_and_writes_nothing(
    async_engine: AsyncEngine,
) -> None:
    taken = _shelf("oak")

    async def scenario() -> object:
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            uow.repository(ShelfRepository).add(taken)
            assert await uow.commit() == Success(None)
        async with AsyncSQLAlchemyUnitOfWork(async_engine, _METADATA) as uow:
            uow.repository(ShelfRepository).add(_bookish("elm"))
            uow.repository(ShelfRepository).add(Shelf(id=taken.id, label="ash"))
            return await uow.commit()

    assert asyncio.run(scenario()) == Failure(AlreadyExistsError("Shelf", "one of 2 new"))


# -- values the columns cannot hold ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("shelf", "where_"),
    [
        pytest.param(_shelf("oak", rank=2**31), ("rank",), id="int beyond an INTEGER column"),
        pytest.param(_shelf("o" * 65), ("label",), id="text beyond String(64)"),
        pytest.param(
            _shelf("oak", books=(Book(title="t" * 65),)),
            ("books", 0, "title"),
            id="a child's text beyond String(64)",
        ),
    ],
)
def test_a_row_its_own_columns_cannot_hold_is_refused_alike_on_every_database(
    engine: Engine, shelf: Shelf, where_: tuple[str | int, ...]
) -> None:
    """SQLite would keep these and PostgreSQL refuse them: both refuse them, before writing."""
    with _uow(engine) as uow:
        uow.repository(ShelfRepository).add(shelf.model_copy(deep=True))
        refused = uow.commit()
    with InMemoryUnitOfWork() as uow:
        uow.repository(ShelfRepository).add(shelf.model_copy(deep=True))
        in_memory = uow.commit()

    for failed in (refused, in_memory):
        error = failed.failure() if isinstance(failed, Failure) else None
        assert isinstance(error, InvalidInputError)
        assert [e.loc for e in error.field_errors] == [where_]
    assert _count(engine, _SHELVES) == 0


def test_a_tenant_its_column_cannot_hold_owns_nothing_and_stores_nothing(engine: Engine) -> None:
    crate = LooseCrate(id=CrateId.new(), tenant_id="acme", label="box")

    with _as("acme"), _uow(engine) as uow:
        uow.repository(LooseCrateRepository).add(crate)
        added = uow.commit()
        uow.rollback()
        uow.repository(LooseCrateRepository).remove(crate)
        removed = uow.commit()

    error = added.failure() if isinstance(added, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert error.field_errors[0].loc == ("tenant_id",)
    assert isinstance(removed, Failure)
    assert isinstance(removed.failure(), NotFoundError)


# -- what the attack on the adapters found --------------------------------------------------------
def test_a_child_key_another_tenants_aggregate_holds_is_never_taken_over(engine: Engine) -> None:
    """``merge`` finds children by key alone: a change must not move another aggregate's child."""
    secret = uuid4()
    acme = Order(id=OrderId.new(), tenant_id="acme", lines=(Line(line_id=secret, text="acme"),))
    mine = Order(id=OrderId.new(), tenant_id="globex")
    with _as("acme"), _uow(engine) as uow:
        uow.repository(OrderRepository).add(acme)
        assert uow.commit() == Success(None)
    with _as("globex"), _uow(engine) as uow:
        uow.repository(OrderRepository).add(mine)
        assert uow.commit() == Success(None)

    with _as("globex"), _uow(engine) as uow:
        loaded = uow.repository(OrderRepository).get(mine.id).unwrap()
        loaded.lines = (Line(line_id=secret, text="taken"),)
        taken = uow.commit()
    with _as("acme"), _uow(engine) as uow:
        still = uow.repository(OrderRepository).get(acme.id).unwrap()

    assert isinstance(taken, Failure)
    assert isinstance(taken.failure(), AlreadyExistsError)
    assert still.lines == (Line(line_id=secret, text="acme"),)


def test_an_aggregate_keeps_changing_its_own_keyed_children(engine: Engine) -> None:
    first, second = uuid4(), uuid4()
    order = Order(id=OrderId.new(), tenant_id="acme", lines=(Line(line_id=first, text="a"),))
    with _as("acme"), _uow(engine) as uow:
        uow.repository(OrderRepository).add(order)
        assert uow.commit() == Success(None)

    with _as("acme"), _uow(engine) as uow:
        loaded = uow.repository(OrderRepository).get(order.id).unwrap()
        loaded.lines = (Line(line_id=first, text="b"), Line(line_id=second, text="c"))
        changed = uow.commit()
    with _as("acme"), _uow(engine) as uow:
        stored = uow.repository(OrderRepository).get(order.id).unwrap()

    assert changed == Success(None)
    assert sorted((line.text, line.line_id == first) for line in stored.lines) == [
        ("b", True),
        ("c", False),
    ]


def test_values_beyond_an_integer_columns_range_match_nothing_and_break_nothing(
    engine: Engine,
) -> None:
    """A compared value or id beyond a 32-bit column is not found; the transaction goes on."""
    with _uow(engine) as uow:
        uow.repository(TicketRepository).add(Ticket(id=1, rank=5, blob=b"\x00\xff"))
        assert uow.commit() == Success(None)
    rank = where(Ticket).rank

    with _uow(engine) as uow:
        tickets = uow.repository(TicketRepository)
        answers = (
            tickets.get(2**40),
            tickets.get(True),
            tickets.exists(2**40),
            tickets.find(rank.eq(2**40)),
            tickets.count(rank.lt(2**40)),
            tickets.count(rank.in_([2**40, 5])),
            tickets.page_after(None, rank.gt(2**40), order_by=[rank.asc()]),
            tickets.count(where(Ticket).price.lt(123456.789)),  # beyond NUMERIC(5, 2)
        )
        tickets.remove(Ticket(id=2**40, version=1))
        removed = uow.commit()
        uow.rollback()
        still = tickets.get(1).unwrap()

    assert [isinstance(a, Failure) and a.failure().code for a in answers[:2]] == [
        "not_found",
        "invalid_input",  # a bool is no id, though Python counts it an int
    ]
    assert answers[2:6] == (False, [], 1, 1)
    assert answers[6] == Success(CursorPage((), None))
    assert answers[7] == 1
    assert isinstance(removed, Failure)
    assert isinstance(removed.failure(), NotFoundError)
    assert (still.rank, still.blob) == (5, b"\x00\xff")


@pytest.mark.parametrize(
    ("ticket", "where_"),
    [
        pytest.param(Ticket(id=2**40), ("id",), id="an id beyond INTEGER"),
        pytest.param(Ticket(id=1, rank=-(2**31) - 1), ("rank",), id="a rank below INTEGER"),
        pytest.param(Ticket(id=1, price=999.995), ("price",), id="rounded beyond NUMERIC(5, 2)"),
        pytest.param(Ticket(id=1, price=-1000.0), ("price",), id="below NUMERIC(5, 2)"),
    ],
)
def test_a_row_value_beyond_its_column_is_refused_by_every_adapter(
    engine: Engine, ticket: Ticket, where_: tuple[str, ...]
) -> None:
    outcomes: list[Result[None, CommitError]] = []
    for unit_of_work in (_uow(engine), InMemoryUnitOfWork()):
        with unit_of_work as uow:
            uow.repository(TicketRepository).add(ticket.model_copy())
            outcomes.append(uow.commit())

    for refused in outcomes:
        error = refused.failure() if isinstance(refused, Failure) else None
        assert isinstance(error, InvalidInputError)
        assert [e.loc for e in error.field_errors] == [where_]


def test_a_row_value_just_inside_its_columns_is_kept(engine: Engine) -> None:
    ticket = Ticket(id=2**31 - 1, rank=-(2**31), price=999.99)

    with _uow(engine) as uow:
        uow.repository(TicketRepository).add(ticket)
        kept = uow.commit()
    with _uow(engine) as uow:
        stored = uow.repository(TicketRepository).get(2**31 - 1).unwrap()

    assert kept == Success(None)
    assert (stored.rank, stored.price) == (-(2**31), 999.99)


def test_a_tenant_is_one_canonical_uuid_for_a_uuid_tenant_column(engine: Engine) -> None:
    tenant = uuid4()
    crate = Crate(id=CrateId.new(), tenant_id=tenant, label="box")
    with _as(tenant), _uow(engine) as uow:
        uow.repository(CrateRepository).add(crate)
        assert uow.commit() == Success(None)

    spellings = [str(tenant).upper(), tenant.hex, f"{{{tenant}}}", f"urn:uuid:{tenant}"]
    seen: list[tuple[int, bool]] = []
    for spelling in spellings:
        with use_context(RequestContext.new(tenant_id=spelling)), _uow(engine) as uow:
            crates = uow.repository(CrateRepository)
            seen.append((crates.count(), crates.exists(crate.id)))

    assert seen == [(0, False)] * len(spellings)


def test_a_grandchild_key_another_aggregate_holds_is_never_taken_over(engine: Engine) -> None:
    secret = uuid4()
    acme = Order(
        id=OrderId.new(),
        tenant_id="acme",
        lines=(Line(line_id=uuid4(), text="a", tags=(Tag(tag_id=secret, text="acme"),)),),
    )
    mine = Order(id=OrderId.new(), tenant_id="globex")
    with _as("acme"), _uow(engine) as uow:
        uow.repository(OrderRepository).add(acme)
        assert uow.commit() == Success(None)
    with _as("globex"), _uow(engine) as uow:
        uow.repository(OrderRepository).add(mine)
        assert uow.commit() == Success(None)

    with _as("globex"), _uow(engine) as uow:
        loaded = uow.repository(OrderRepository).get(mine.id).unwrap()
        loaded.lines = (Line(line_id=uuid4(), text="b", tags=(Tag(tag_id=secret, text="x"),)),)
        taken = uow.commit()
    with _as("acme"), _uow(engine) as uow:
        still = uow.repository(OrderRepository).get(acme.id).unwrap()

    assert isinstance(taken, Failure)
    assert isinstance(taken.failure(), AlreadyExistsError)
    assert still.lines == acme.lines
