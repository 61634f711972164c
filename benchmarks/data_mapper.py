"""Cases for the data-mapper repository against hand-written SQLAlchemy ORM code.

The library side goes through ``SQLAlchemyUnitOfWork`` and a ``DataMapperRepository``; the
baseline is what a careful service would write by hand with the ORM for the same work: the same
declarative row classes, the same two mapping functions between the aggregate and its rows,
one ``Session`` transaction per unit of work, with the library session's own settings
(``autoflush=False``, ``expire_on_commit=False``), and statements built once.

The baseline keeps the same optimistic-concurrency guarantee as the repository, and the same
way: before writing a changed aggregate it runs ``UPDATE root SET version = :new WHERE id = :id
AND version = :expected`` and checks that it matched one row, then merges the new row graph.
The ORM's own ``version_id_col`` would need a second root class for the same table (the mapping
functions build the root class) and bumps the version only when a root column changes, not when
only a child does.

The cases without events write no outbox rows on either side; the event case inserts the same
outbox row on both sides. The baseline holds the row it read until the end of its block, as code
written inline does: the session's identity map holds rows only weakly, and ``merge`` finds a
row that is still referenced there instead of selecting it again.

Every case runs on SQLite and PostgreSQL (see ``_databases``), and before timing checks once that
both sides wrote (or read) the same rows.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast
from uuid import UUID

from pydantic import AwareDatetime
from sqlalchemy import (
    ForeignKey,
    MetaData,
    String,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
    sessionmaker,
)
from typing_extensions import override

from creativeflow_shared.application import (
    RequestContext,
    current_context,
    use_context,
)
from creativeflow_shared.application.ports import (
    set_version,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    DomainEvent,
    Identity,
    Money,
    ValueObject,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    SQLAlchemyUnitOfWork,
    UtcDateTime,
    outbox_table,
)

from ._databases import Postgres, Supply, progress, sqlite_engine
from ._harness import Case
from .persistence import Prepared

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from contextlib import ExitStack

    from sqlalchemy import Connection, Engine, Table

__all__ = ["BATCH", "LOADED", "cases"]

#: How many aggregates the batch case adds in one unit of work.
BATCH = 200
#: How many aggregates the load case reads in one unit of work.
LOADED = 1000
#: The issue's target: the data-mapper repository within 1.2 times hand-written ORM code.
TARGET = 1.20
#: Database round trips make these cases noisy: longer repeats.
_MIN_SECONDS = 0.2
#: How many child rows each aggregate has.
_LINES = 3
#: The line that the change cases change.
_CHANGED_LINE = 1

# -- the domain model under test --------------------------------------------------------------


class InvoiceId(Identity):
    """The id of an invoice."""


class InvoiceStatus(enum.StrEnum):
    """Where an invoice stands."""

    DRAFT = "draft"
    ISSUED = "issued"


class InvoiceLine(ValueObject):
    """One line of an invoice: a value object, stored as a child row."""

    sku: str
    quantity: int
    unit_price: Money


class QuantityChanged(DomainEvent, event_type="bench.quantity_changed"):
    """The quantity of an invoice line changed."""

    position: int
    quantity: int


class Invoice(AggregateRoot[InvoiceId], aggregate_type="bench.invoice"):
    """An aggregate whose value objects live in child rows."""

    customer: str
    status: InvoiceStatus = InvoiceStatus.DRAFT
    issued_at: AwareDatetime
    lines: tuple[InvoiceLine, ...]

    def correct_quantity(self, position: int, quantity: int) -> None:
        """Change one line's quantity, recording no event (a silent correction)."""
        lines = list(self.lines)
        lines[position] = lines[position].model_copy(update={"quantity": quantity})
        self.lines = tuple(lines)

    def change_quantity(self, position: int, quantity: int) -> None:
        """Change one line's quantity and record that it changed."""
        self.correct_quantity(position, quantity)
        self.record(QuantityChanged(position=position, quantity=quantity))


# -- the rows, and the mapping both sides use ------------------------------------------------


class _Rows(DeclarativeBase):
    metadata = MetaData()


class InvoiceRow(_Rows):
    """The root row of an invoice."""

    __tablename__ = "bench_invoices"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    customer: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lines: Mapped[list[InvoiceLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceLineRow.position"
    )


class InvoiceLineRow(_Rows):
    """The row of one invoice line."""

    __tablename__ = "bench_invoice_lines"

    invoice_id: Mapped[UUID] = mapped_column(ForeignKey(InvoiceRow.id), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    price_minor_units: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))


METADATA = _Rows.metadata
INVOICES = cast("Table", InvoiceRow.__table__)
LINES = cast("Table", InvoiceLineRow.__table__)
OUTBOX = outbox_table(METADATA)


def invoice_to_row(invoice: Invoice) -> InvoiceRow:
    """The root row (with its line rows) of ``invoice``; the version is left to the caller."""
    id_value = invoice.id.value
    return InvoiceRow(
        id=id_value,
        customer=invoice.customer,
        status=invoice.status.value,
        issued_at=invoice.issued_at,
        lines=[
            InvoiceLineRow(
                invoice_id=id_value,
                position=position,
                sku=line.sku,
                quantity=line.quantity,
                price_minor_units=line.unit_price.minor_units,
                currency=line.unit_price.currency.code,
            )
            for position, line in enumerate(invoice.lines)
        ],
    )


def invoice_from_row(row: InvoiceRow) -> Invoice:
    """The invoice a root row (with its line rows) holds; the version is left to the caller."""
    return Invoice(
        id=InvoiceId(row.id),
        customer=row.customer,
        status=InvoiceStatus(row.status),
        issued_at=row.issued_at,
        lines=tuple(
            InvoiceLine(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=Money.from_minor_units(line.price_minor_units, line.currency),
            )
            for line in row.lines
        ),
    )


class Invoices(DataMapperRepository[Invoice, InvoiceId, InvoiceRow]):
    """Invoices in their own rows, with the root columns specifications may use."""

    columns: ClassVar[Mapping[str, object]] = {
        "customer": InvoiceRow.customer,
        "status": InvoiceRow.status,
        "issued_at": InvoiceRow.issued_at,
    }

    @override
    def to_row(self, aggregate: Invoice) -> InvoiceRow:
        return invoice_to_row(aggregate)

    @override
    def to_domain(self, row: InvoiceRow) -> Invoice:
        return invoice_from_row(row)


_ISSUED_AT = datetime(2026, 3, 14, 15, 9, 26, 535000, tzinfo=UTC)
_CONTEXT = RequestContext.new(actor_id="user-42")


def _new_invoice() -> Invoice:
    return Invoice(
        id=InvoiceId.new(),
        customer="Ada Lovelace",
        issued_at=_ISSUED_AT,
        lines=tuple(
            InvoiceLine(
                sku=f"SKU-{position}",
                quantity=position + 1,
                unit_price=Money.of(f"{position + 2}.25", "EUR"),
            )
            for position in range(_LINES)
        ),
    )


def _invoices(number: int) -> list[Invoice]:
    return [_new_invoice() for _ in range(number)]


# -- the baseline: hand-written ORM code -------------------------------------------------------

_SELECT_INVOICE = (
    select(InvoiceRow)
    .options(selectinload(InvoiceRow.lines))
    .where(InvoiceRow.id == bindparam("p_id"))
)
_BULK = "Bulk Loader"
_SELECT_BULK = (
    select(InvoiceRow).options(selectinload(InvoiceRow.lines)).where(InvoiceRow.customer == _BULK)
)
_BUMP_VERSION = (
    update(INVOICES)
    .where(INVOICES.c.id == bindparam("p_id"), INVOICES.c.version == bindparam("p_expected"))
    .values(version=bindparam("p_version"))
)
_INSERT_OUTBOX = insert(OUTBOX)


def _sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, autoflush=False, expire_on_commit=False)


def _load(session: Session, id_value: UUID) -> tuple[Invoice, InvoiceRow]:
    """Read an invoice with its lines (selectin); return it, with its version, and its row."""
    row = session.scalars(_SELECT_INVOICE, {"p_id": id_value}).one()
    invoice = invoice_from_row(row)
    set_version(invoice, row.version)
    return invoice, row


def _save_changed(session: Session, invoice: Invoice) -> None:
    """Write ``invoice``'s next version if its stored version is unchanged, and its events.

    The version check comes first, so that a conflict is found before any child is written.
    """
    expected = invoice.version
    version = expected + 1
    bumped = session.connection().execute(
        _BUMP_VERSION,
        {"p_id": invoice.id.value, "p_expected": expected, "p_version": version},
    )
    if bumped.rowcount != 1:
        msg = f"invoice {invoice.id} was changed concurrently"
        raise RuntimeError(msg)
    session.merge(invoice_to_row(invoice))
    events = invoice.collect_events()
    if events:
        session.connection().execute(_INSERT_OUTBOX, _outbox_rows(events, version))
    set_version(invoice, version)


def _outbox_rows(events: Sequence[DomainEvent], version: int) -> list[dict[str, object]]:
    context = current_context()
    headers = {
        key: value
        for key, value in (
            ("correlation_id", context.correlation_id),
            ("causation_id", context.causation_id),
            ("tenant_id", context.tenant_id),
            ("actor_id", context.actor_id),
            ("traceparent", context.traceparent),
        )
        if value is not None
    }
    return [
        {
            "id": e.event_id,
            "aggregatetype": e.aggregate_type,
            "aggregateid": e.aggregate_id,
            "aggregateversion": version,
            "type": e.event_type,
            "schemaversion": e.schema_version,
            "payload": e.model_dump(mode="json"),
            "headers": headers,
            "occurred_at": e.occurred_at,
            "available_at": e.occurred_at,
            "status": "pending",
        }
        for e in events
    ]


# -- checking that both sides wrote the same rows ----------------------------------------------

_VOLATILE_OUTBOX = ("id", "occurred_at", "available_at")
_VOLATILE_PAYLOAD = ("event_id", "occurred_at")

_Stored = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def _stored(conn: Connection, ids: Sequence[UUID]) -> _Stored:
    """The root rows and the line rows of ``ids``, in key order."""
    roots = select(INVOICES).where(INVOICES.c.id.in_(ids)).order_by(INVOICES.c.id)
    lines = (
        select(LINES)
        .where(LINES.c.invoice_id.in_(ids))
        .order_by(LINES.c.invoice_id, LINES.c.position)
    )
    found = [dict(row) for row in conn.execute(roots).mappings()]
    assert len(found) == len(ids), f"{len(ids)} root rows expected, {len(found)} found"
    children = [dict(row) for row in conn.execute(lines).mappings()]
    assert len(children) == _LINES * len(ids), "a line row is missing"
    return found, children


def _outbox(conn: Connection, invoice_id: InvoiceId) -> list[dict[str, Any]]:
    """The outbox rows of an invoice, without their event ids and times (id checked first)."""
    statement = (
        select(OUTBOX)
        .where(OUTBOX.c.aggregateid == str(invoice_id))
        .order_by(OUTBOX.c.aggregateversion)
    )
    rows = [dict(row) for row in conn.execute(statement).mappings()]
    for row in rows:
        payload = dict(row["payload"])
        assert UUID(payload["event_id"]) == row["id"]
        for key in _VOLATILE_PAYLOAD:
            del payload[key]
        row["payload"] = payload
        for key in _VOLATILE_OUTBOX:
            del row[key]
    return rows


def _delete(conn: Connection, ids: Sequence[UUID]) -> None:
    conn.execute(delete(LINES).where(LINES.c.invoice_id.in_(ids)))
    conn.execute(delete(INVOICES).where(INVOICES.c.id.in_(ids)))


def _same_inserts(
    engine: Engine,
    library: Callable[[list[Invoice]], object],
    baseline: Callable[[list[Invoice]], object],
    number: int,
) -> None:
    """Insert ``number`` invoices with each side in turn; assert both wrote the same rows."""
    invoices = _invoices(number)
    ids = [invoice.id.value for invoice in invoices]
    written: list[_Stored] = []
    for side in (library, baseline):
        copies = [invoice.model_copy(deep=True) for invoice in invoices]
        side(copies)
        assert all(copy.version == 1 for copy in copies)
        with engine.begin() as conn:
            written.append(_stored(conn, ids))
            _delete(conn, ids)
    assert written[0] == written[1], "the two sides wrote different rows"


def _store(engine: Engine) -> Invoice:
    invoice = _new_invoice()
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(Invoices).add(invoice)
        uow.commit().unwrap()
    return invoice


# -- the cases ----------------------------------------------------------------------------------

_ADD = "data mapper add + commit, 1 aggregate + 3 children"
_GET = "data mapper get, 1 aggregate + 3 children"
_CHANGE = "data mapper get, change 1 child, commit"
_EVENT = "data mapper get, change 1 child, commit + 1 event"
_MANY = f"data mapper {BATCH} aggregates in one unit of work"
_LOAD_MANY = f"data mapper load {LOADED} aggregates + 3 children each in one unit of work"
_CASES = (_ADD, _GET, _CHANGE, _EVENT, _MANY, _LOAD_MANY)


def _add_case(name: str, engine: Engine) -> Case:
    sessions = _sessions(engine)

    def library_with(invoice: Invoice) -> None:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            uow.repository(Invoices).add(invoice)
            uow.commit().unwrap()

    def baseline_with(invoice: Invoice) -> None:
        with sessions() as session, session.begin():
            row = invoice_to_row(invoice)
            row.version = 1
            session.add(row)
        set_version(invoice, 1)

    _same_inserts(engine, lambda i: library_with(i[0]), lambda i: baseline_with(i[0]), 1)
    supply = Supply(_new_invoice)
    return Case(
        name=name,
        library=lambda: library_with(supply.take()),
        baseline=lambda: baseline_with(supply.take()),
        target=TARGET,
        baseline_label="Session.begin(); session.add(invoice_to_row(invoice)) with version 1",
        prepare=supply.prepare,
        min_seconds=_MIN_SECONDS,
    )


def _get_case(name: str, engine: Engine) -> Case:
    sessions = _sessions(engine)
    stored = _store(engine)
    id_value = stored.id.value

    def library() -> Invoice:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            return uow.repository(Invoices).get(stored.id).unwrap()

    def baseline() -> Invoice:
        with sessions() as session:
            invoice, _ = _load(session, id_value)
            return invoice

    from_library, from_baseline = library(), baseline()
    assert from_library.model_dump() == from_baseline.model_dump() == stored.model_dump()
    return Case(
        name=name,
        library=library,
        baseline=baseline,
        target=TARGET,
        baseline_label="Session; select(InvoiceRow) + selectinload(lines); invoice_from_row",
        min_seconds=_MIN_SECONDS,
    )


def _change_case(name: str, engine: Engine, *, event: bool) -> Case:
    sessions = _sessions(engine)
    stored = _store(engine)
    id_value = stored.id.value

    def change(invoice: Invoice) -> None:
        quantity = invoice.lines[_CHANGED_LINE].quantity + 1
        if event:
            invoice.change_quantity(_CHANGED_LINE, quantity)
        else:
            invoice.correct_quantity(_CHANGED_LINE, quantity)

    def library() -> Invoice:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            invoice = uow.repository(Invoices).get(stored.id).unwrap()
            change(invoice)
            uow.commit().unwrap()
            return invoice

    def baseline() -> Invoice:
        with sessions() as session, session.begin():
            # Code written inline holds the row it read until the end of the block; the
            # session's identity map holds rows only weakly, and merge finds them there.
            invoice, _row = _load(session, id_value)
            change(invoice)
            _save_changed(session, invoice)
            return invoice

    _check_changes(engine, stored, library, baseline, events=1 if event else 0)
    _check_conflict(sessions, stored)
    label = "Session.begin(); select + selectinload; change; UPDATE version WHERE version=:old"
    label += "; merge(invoice_to_row(...))"
    if event:
        label += "; insert 1 outbox row"
    return Case(
        name=name,
        library=library,
        baseline=baseline,
        target=TARGET,
        baseline_label=label,
        min_seconds=_MIN_SECONDS,
    )


def _check_changes(
    engine: Engine,
    stored: Invoice,
    library: Callable[[], Invoice],
    baseline: Callable[[], Invoice],
    events: int,
) -> None:
    """Change the same stored version with each side in turn; assert the same rows result."""
    ids = [stored.id.value]
    with engine.connect() as conn:
        roots, children = _stored(conn, ids)
    written: list[tuple[_Stored, list[dict[str, Any]]]] = []
    for side in (library, baseline):
        changed = side()
        assert changed.version == stored.version + 1
        with engine.begin() as conn:
            written.append((_stored(conn, ids), _outbox(conn, stored.id)))
            # Put the stored version back, and forget the outbox rows, for the other side.
            _delete(conn, ids)
            conn.execute(delete(OUTBOX).where(OUTBOX.c.aggregateid == str(stored.id)))
            conn.execute(insert(INVOICES), roots)
            conn.execute(insert(LINES), children)
    assert len(written[0][1]) == events, f"the library did not write {events} outbox row(s)"
    assert written[0][0] != (roots, children), "the library did not change the rows"
    assert written[0] == written[1], "the two sides wrote different rows"


def _check_conflict(sessions: sessionmaker[Session], stored: Invoice) -> None:
    """Assert that the baseline refuses to overwrite a version it did not read."""
    stale = stored.model_copy(deep=True)
    set_version(stale, stored.version - 1)
    try:
        with sessions() as session, session.begin():
            _save_changed(session, stale)
    except RuntimeError:
        return
    msg = "the baseline overwrote a newer version"
    raise AssertionError(msg)


def _many_case(name: str, engine: Engine) -> Case:
    sessions = _sessions(engine)

    def library_with(invoices: list[Invoice]) -> None:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            repository = uow.repository(Invoices)
            for invoice in invoices:
                repository.add(invoice)
            uow.commit().unwrap()

    def baseline_with(invoices: list[Invoice]) -> None:
        with sessions() as session, session.begin():
            for invoice in invoices:
                row = invoice_to_row(invoice)
                row.version = 1
                session.add(row)
        for invoice in invoices:
            set_version(invoice, 1)

    _same_inserts(engine, library_with, baseline_with, BATCH)
    supply = Supply(lambda: _invoices(BATCH))
    return Case(
        name=name,
        library=lambda: library_with(supply.take()),
        baseline=lambda: baseline_with(supply.take()),
        target=TARGET,
        baseline_label=f"one Session transaction adding the same {BATCH} row graphs",
        prepare=supply.prepare,
        min_seconds=_MIN_SECONDS,
    )


def _load_many_case(name: str, engine: Engine) -> Case:
    sessions = _sessions(engine)
    # A customer of their own: the other cases' invoices are not loaded.
    stored = [i.model_copy(update={"customer": _BULK}) for i in _invoices(LOADED)]
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        repository = uow.repository(Invoices)
        for invoice in stored:
            repository.add(invoice)
        uow.commit().unwrap()
    bulk = where(Invoice).customer.eq(_BULK)

    def library() -> list[Invoice]:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            return uow.repository(Invoices).find(bulk)

    def baseline() -> list[Invoice]:
        with sessions() as session:
            rows = session.scalars(_SELECT_BULK).all()
            invoices = [invoice_from_row(row) for row in rows]
            for invoice, row in zip(invoices, rows, strict=True):
                set_version(invoice, row.version)
            return invoices

    from_library, from_baseline = library(), baseline()
    assert len(from_library) == LOADED

    def by_id(invoices: list[Invoice]) -> list[dict[str, object]]:
        return [i.model_dump() for i in sorted(invoices, key=lambda i: i.id.value)]

    assert by_id(from_library) == by_id(from_baseline) == by_id(stored)
    return Case(
        name=name,
        library=library,
        baseline=baseline,
        target=TARGET,
        baseline_label=(
            "Session; select(InvoiceRow) + selectinload(lines); invoice_from_row each; "
            "garbage collector on"
        ),
        min_seconds=_MIN_SECONDS,
        collect_garbage=True,
    )


_BUILDERS: dict[str, Callable[[str, Engine], Case]] = {
    _ADD: _add_case,
    _GET: _get_case,
    _CHANGE: lambda name, engine: _change_case(name, engine, event=False),
    _EVENT: lambda name, engine: _change_case(name, engine, event=True),
    _MANY: _many_case,
    _LOAD_MANY: _load_many_case,
}


def cases(selected: Callable[[str], bool], stack: ExitStack, postgres_url: str) -> Prepared:
    """Build the data-mapper cases whose names ``selected`` accepts.

    Databases and engines are set up only for selected cases and released by ``stack``; keep
    it open while the cases are timed. PostgreSQL cases are left out, with a note, when the
    server cannot be reached.
    """
    built: list[Case] = []
    skipped = 0
    stack.enter_context(use_context(_CONTEXT))
    postgres = Postgres(postgres_url, stack)
    backends: tuple[tuple[str, Callable[[], Engine | None]], ...] = (
        ("sqlite", lambda: sqlite_engine(stack, METADATA)),
        ("postgresql", lambda: postgres.engine(METADATA) if postgres.ready() else None),
    )
    for backend, make_engine in backends:
        names = [(case, f"{backend}: {case}") for case in _CASES]
        names = [(case, name) for case, name in names if selected(name)]
        if not names:
            continue
        progress(f"preparing {backend} (data mapper) ...")
        engine = make_engine()
        if engine is None:
            skipped += len(names)
            continue
        built.extend(_BUILDERS[case](name, engine) for case, name in names)
    notes: list[str] = []
    if skipped:
        notes.append(
            f"skipped {skipped} data-mapper PostgreSQL case(s): server unreachable "
            f"({postgres.error}); pass --postgres URL or set BENCHMARKS_POSTGRES_URL"
        )
        progress(notes[-1])
    return Prepared(built, notes)
