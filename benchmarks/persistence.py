"""Cases for persistence: units of work, document repositories and the outbox.

Each library case goes through ``SQLAlchemyUnitOfWork`` (or its async flavour) and a
``DocumentRepository``; its baseline is hand-written SQLAlchemy Core doing the same work on the
same engine and the same tables: the same rows, the same JSON document, the same projected
columns, the same outbox rows, in one transaction. The baseline's statements are built once, as
careful hand-written code would build them, so that it is the fastest honest version of the work.

Every case runs on SQLite (a temporary file, ``journal_mode=WAL`` and ``synchronous=NORMAL``
on every connection, so identically for both sides) and on PostgreSQL, in a schema of its own
that is dropped afterwards. PostgreSQL cases are skipped, with a note, when the server cannot be
reached. Before timing, each case checks once that both sides wrote (or read) the same rows.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import AwareDatetime
from sqlalchemy import (
    MetaData,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)

from creativeflow_shared.application import (
    DocumentRepository,
    RequestContext,
    current_context,
    project,
    use_context,
)
from creativeflow_shared.domain import AggregateRoot, DomainEvent, Identity, Money
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)

from ._databases import (
    Postgres,
    Supply,
    progress,
    sqlite_engine,
    sqlite_file,
    sqlite_pragmas,
)
from ._harness import Case

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable, Sequence
    from contextlib import ExitStack

    from sqlalchemy import Connection, Engine
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = [
    "METADATA",
    "ORDERS",
    "OUTBOX",
    "PRICE",
    "Order",
    "Orders",
    "Prepared",
    "cases",
    "new_order",
]

#: How many aggregates the batch case adds in one unit of work.
BATCH = 1000
#: Database round trips make these cases noisier than in-memory ones: longer repeats.
_MIN_SECONDS = 0.2

# -- the domain model under test --------------------------------------------------------------


class OrderId(Identity):
    """The id of an order."""


class OrderStatus(enum.StrEnum):
    """Where an order stands."""

    OPEN = "open"
    PAID = "paid"


class ItemAdded(DomainEvent, event_type="bench.item_added"):
    """An item was added to an order."""

    sku: str
    price: Money
    quantity: int


class TotalChanged(DomainEvent, event_type="bench.total_changed"):
    """An order's total changed."""

    total: Money


class Order(AggregateRoot[OrderId], aggregate_type="bench.order"):
    """A small aggregate with the field kinds aggregates usually carry."""

    customer: str
    status: OrderStatus = OrderStatus.OPEN
    total: Money
    quantity: int
    placed_at: AwareDatetime

    def add_item(self, sku: str, price: Money) -> None:
        """Add one item: two fields change and two events are recorded."""
        self.quantity += 1
        self.total = self.total.add(price).unwrap()
        self.record(ItemAdded(sku=sku, price=price, quantity=self.quantity))
        self.record(TotalChanged(total=self.total))


class Orders(DocumentRepository[Order, OrderId]):
    """Orders as documents, with two projected columns."""

    projections = (project("customer", index=True), project("total.amount", index=True))


METADATA = MetaData()
ORDERS = document_table(METADATA, Orders)
OUTBOX = outbox_table(METADATA)

PRICE = Money.of("2.25", "EUR")
_PLACED_AT = datetime(2026, 3, 14, 15, 9, 26, 535000, tzinfo=UTC)
_CONTEXT = RequestContext.new(actor_id="user-42")


def new_order() -> Order:
    """Return a new, unsaved order."""
    return Order(
        id=OrderId.new(),
        customer="Ada Lovelace",
        total=Money.of("10.50", "EUR"),
        quantity=3,
        placed_at=_PLACED_AT,
    )


def _orders(number: int) -> list[Order]:
    return [new_order() for _ in range(number)]


# -- the baseline: hand-written SQLAlchemy Core -----------------------------------------------

_INSERT_ORDER = insert(ORDERS)
_SELECT_ORDER = select(ORDERS.c.version, ORDERS.c.data).where(ORDERS.c.id == bindparam("p_id"))
_UPDATE_ORDER = (
    update(ORDERS)
    .where(ORDERS.c.id == bindparam("p_id"), ORDERS.c.version == bindparam("p_expected"))
    .values(
        version=bindparam("p_version"),
        updated_at=bindparam("p_updated_at"),
        data=bindparam("p_data"),
        customer=bindparam("p_customer"),
        total_amount=bindparam("p_total_amount"),
    )
)
_INSERT_OUTBOX = insert(OUTBOX)


def _order_row(order: Order, now: datetime) -> dict[str, object]:
    """The row of a new order, as hand-written code would build it."""
    return {
        "id": order.id.value,
        "tenant_id": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "data": order.model_dump(mode="json", exclude={"version"}),
        "customer": order.customer,
        "total_amount": order.total.amount,
    }


def _order_from(row: Any) -> Order:  # noqa: ANN401 (a result row of any shape)
    order = Order.model_validate(row.data)
    order.version = row.version
    return order


def _save_changed(conn: Connection, order: Order) -> None:
    """Update ``order`` if its version is unchanged and store its events in the outbox."""
    events = order.collect_events()
    expected = order.version
    version = expected + 1
    result = conn.execute(
        _UPDATE_ORDER,
        {
            "p_id": order.id.value,
            "p_expected": expected,
            "p_version": version,
            "p_updated_at": datetime.now(UTC),
            "p_data": order.model_dump(mode="json", exclude={"version"}),
            "p_customer": order.customer,
            "p_total_amount": order.total.amount,
        },
    )
    if result.rowcount != 1:
        msg = f"order {order.id} was changed concurrently"
        raise RuntimeError(msg)
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
    conn.execute(
        _INSERT_OUTBOX,
        [
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
        ],
    )
    order.version = version


# -- checking that both sides wrote the same rows ----------------------------------------------

_TIMESTAMPS = ("created_at", "updated_at")
_VOLATILE_OUTBOX = ("id", "occurred_at", "available_at")
_VOLATILE_PAYLOAD = ("event_id", "occurred_at")


def _order_rows(conn: Connection, ids: Sequence[UUID]) -> list[dict[str, Any]]:
    """The rows of ``ids`` in id order, without the write timestamps (checked to be set)."""
    statement = select(ORDERS).where(ORDERS.c.id.in_(ids)).order_by(ORDERS.c.id)
    rows = [dict(row) for row in conn.execute(statement).mappings()]
    assert len(rows) == len(ids), f"{len(ids)} rows expected, {len(rows)} found"
    for row in rows:
        assert all(isinstance(row.pop(column), datetime) for column in _TIMESTAMPS)
    return rows


def _outbox_rows(conn: Connection, order: Order) -> list[dict[str, Any]]:
    """The outbox rows of ``order``'s current version, without their event ids and times.

    Each row's id is checked to be its event's id first.
    """
    statement = (
        select(OUTBOX)
        .where(
            OUTBOX.c.aggregateid == str(order.id),
            OUTBOX.c.aggregateversion == order.version,
        )
        .order_by(OUTBOX.c.type)
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


def _delete_orders(engine: Engine, ids: Iterable[UUID]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(ORDERS).where(ORDERS.c.id.in_(list(ids))))


def _same_inserts(
    engine: Engine,
    library: Callable[[list[Order]], object],
    baseline: Callable[[list[Order]], object],
    number: int,
) -> None:
    """Insert ``number`` orders with each side in turn; assert both wrote the same rows."""
    orders = _orders(number)
    ids = [order.id.value for order in orders]
    library([order.model_copy(deep=True) for order in orders])
    with engine.connect() as conn:
        written = _order_rows(conn, ids)
    _delete_orders(engine, ids)
    baseline([order.model_copy(deep=True) for order in orders])
    with engine.connect() as conn:
        assert _order_rows(conn, ids) == written, "the two sides wrote different rows"
    _delete_orders(engine, ids)


# -- the cases ----------------------------------------------------------------------------------


def _name(backend: str, case: str) -> str:
    return f"{backend}: {case}"


_ADD = "add + commit, one aggregate per transaction"
_GET = "get, one per transaction"
_MANY = f"{BATCH} aggregates in one unit of work"
_EVENTS = "commit with 2 events into the outbox"
_SYNC_CASES = (_ADD, _GET, _MANY, _EVENTS)


def _add_case(name: str, engine: Engine) -> Case:
    def library_with(order: Order) -> None:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            uow.repository(Orders).add(order)
            uow.commit().unwrap()

    def baseline_with(order: Order) -> None:
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(_INSERT_ORDER, _order_row(order, now))

    _same_inserts(engine, lambda o: library_with(o[0]), lambda o: baseline_with(o[0]), 1)
    supply = Supply(new_order)
    return Case(
        name=name,
        library=lambda: library_with(supply.take()),
        baseline=lambda: baseline_with(supply.take()),
        target=1.30,
        baseline_label="engine.begin(); conn.execute(insert(table), row)",
        prepare=supply.prepare,
        min_seconds=_MIN_SECONDS,
    )


def _get_case(name: str, engine: Engine) -> Case:
    stored = new_order()
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(Orders).add(stored)
        uow.commit().unwrap()
    id_value = stored.id.value

    def library() -> Order:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            return uow.repository(Orders).get(stored.id).unwrap()

    def baseline() -> Order:
        with engine.connect() as conn:
            return _order_from(conn.execute(_SELECT_ORDER, {"p_id": id_value}).one())

    from_library, from_baseline = library(), baseline()
    assert from_library.model_dump() == from_baseline.model_dump() == stored.model_dump()
    return Case(
        name=name,
        library=library,
        baseline=baseline,
        target=1.35,
        baseline_label="engine.connect(); select row; Order.model_validate(row.data)",
        min_seconds=_MIN_SECONDS,
    )


def _many_case(name: str, engine: Engine) -> Case:
    def library_with(orders: list[Order]) -> None:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            repository = uow.repository(Orders)
            for order in orders:
                repository.add(order)
            uow.commit().unwrap()

    def baseline_with(orders: list[Order]) -> None:
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(_INSERT_ORDER, [_order_row(order, now) for order in orders])

    _same_inserts(engine, library_with, baseline_with, BATCH)
    supply = Supply(lambda: _orders(BATCH))
    return Case(
        name=name,
        library=lambda: library_with(supply.take()),
        baseline=lambda: baseline_with(supply.take()),
        target=1.5,
        baseline_label=f"one executemany insert of the same {BATCH} rows",
        prepare=supply.prepare,
        min_seconds=_MIN_SECONDS,
    )


def _events_case(name: str, engine: Engine) -> Case:
    stored = new_order()
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(Orders).add(stored)
        uow.commit().unwrap()
    id_value = stored.id.value

    def library() -> Order:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            order = uow.repository(Orders).get(stored.id).unwrap()
            order.add_item("SKU-1", PRICE)
            uow.commit().unwrap()
            return order

    def baseline() -> Order:
        with engine.begin() as conn:
            order = _order_from(conn.execute(_SELECT_ORDER, {"p_id": id_value}).one())
            order.add_item("SKU-1", PRICE)
            _save_changed(conn, order)
            return order

    # Both sides change the same stored version: the library first, then, with the row put
    # back, the baseline; the order rows and outbox rows they write must be the same.
    with engine.connect() as conn:
        (before,) = _order_rows(conn, [id_value])
    changed = library()
    with engine.connect() as conn:
        written = _order_rows(conn, [id_value]), _outbox_rows(conn, changed)
    assert len(written[1]) == 2, "the library did not write 2 outbox rows"
    with engine.begin() as conn:
        conn.execute(update(ORDERS).where(ORDERS.c.id == id_value).values(before))
        conn.execute(delete(OUTBOX).where(OUTBOX.c.aggregateid == str(stored.id)))
    changed = baseline()
    with engine.connect() as conn:
        again = _order_rows(conn, [id_value]), _outbox_rows(conn, changed)
    assert again == written, "the two sides wrote different rows"
    return Case(
        name=name,
        library=library,
        baseline=baseline,
        target=1.30,
        baseline_label="select + validate, update with version check, insert 2 outbox rows",
        min_seconds=_MIN_SECONDS,
    )


_SYNC_BUILDERS: dict[str, Callable[[str, Engine], Case]] = {
    _ADD: _add_case,
    _GET: _get_case,
    _MANY: _many_case,
    _EVENTS: _events_case,
}


def _async_add_case(name: str, engines: tuple[AsyncEngine, Engine], runner: asyncio.Runner) -> Case:
    engine, checker = engines

    async def library_with(order: Order) -> None:
        async with AsyncSQLAlchemyUnitOfWork(engine, METADATA) as uow:
            uow.repository(Orders).add(order)
            (await uow.commit()).unwrap()

    async def baseline_with(order: Order) -> None:
        now = datetime.now(UTC)
        conn: AsyncConnection
        async with engine.begin() as conn:
            await conn.execute(_INSERT_ORDER, _order_row(order, now))

    def run(step: Coroutine[object, object, None]) -> None:
        runner.run(step)

    _same_inserts(
        checker,
        lambda o: run(library_with(o[0])),
        lambda o: run(baseline_with(o[0])),
        1,
    )
    supply = Supply(new_order)
    return Case(
        name=name,
        library=lambda: run(library_with(supply.take())),
        baseline=lambda: run(baseline_with(supply.take())),
        target=None,
        baseline_label="async with engine.begin(): await conn.execute(insert(table), row)",
        prepare=supply.prepare,
        min_seconds=_MIN_SECONDS,
    )


# -- the databases -----------------------------------------------------------------------------


def _aiosqlite_engines(stack: ExitStack, runner: asyncio.Runner) -> tuple[AsyncEngine, Engine]:
    """An aiosqlite engine on a new file, and a sync engine on the same file for the checks."""
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415 (only when selected)

    path = sqlite_file(stack)
    checker = create_engine(f"sqlite:///{path}")
    event.listen(checker, "connect", sqlite_pragmas)
    stack.callback(checker.dispose)
    METADATA.create_all(checker)
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    stack.callback(lambda: runner.run(engine.dispose()))

    async def check() -> None:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1

    runner.run(check())
    return engine, checker


def _runner(stack: ExitStack) -> asyncio.Runner:
    runner = asyncio.Runner()
    stack.callback(runner.close)
    return runner


# -- building the selected cases ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """The selected persistence cases, ready to time, and notes about the skipped ones."""

    cases: list[Case]
    notes: list[str]


def cases(selected: Callable[[str], bool], stack: ExitStack, postgres_url: str) -> Prepared:
    """Build the persistence cases whose names ``selected`` accepts.

    Databases, engines and temporary files are set up only for selected cases and released
    by ``stack``; keep it open while the cases are timed. PostgreSQL cases are left out, with
    a note, when the server cannot be reached.
    """
    built: list[Case] = []
    skipped = 0
    stack.enter_context(use_context(_CONTEXT))
    postgres = Postgres(postgres_url, stack)

    sync_backends: tuple[tuple[str, Callable[[], Engine | None]], ...] = (
        ("sqlite", lambda: sqlite_engine(stack, METADATA)),
        ("postgresql", lambda: postgres.engine(METADATA) if postgres.ready() else None),
    )
    for backend, make_engine in sync_backends:
        names = [(case, _name(backend, case)) for case in _SYNC_CASES]
        names = [(case, name) for case, name in names if selected(name)]
        if not names:
            continue
        progress(f"preparing {backend} ...")
        engine = make_engine()
        if engine is None:
            skipped += len(names)
            continue
        built.extend(_SYNC_BUILDERS[case](name, engine) for case, name in names)

    async_backends: tuple[
        tuple[str, Callable[[asyncio.Runner], tuple[AsyncEngine, Engine] | None]], ...
    ] = (
        ("sqlite async", lambda runner: _aiosqlite_engines(stack, runner)),
        (
            "postgresql async",
            lambda runner: postgres.async_engines(runner, METADATA) if postgres.ready() else None,
        ),
    )
    for backend, make_async_engine in async_backends:
        name = _name(backend, _ADD)
        if not selected(name):
            continue
        progress(f"preparing {backend} ...")
        runner = _runner(stack)
        engines = make_async_engine(runner)
        if engines is None:
            skipped += 1
            continue
        built.append(_async_add_case(name, engines, runner))
    notes: list[str] = []
    if skipped:
        notes.append(
            f"skipped {skipped} PostgreSQL case(s): server unreachable ({postgres.error}); "
            "pass --postgres URL or set BENCHMARKS_POSTGRES_URL"
        )
        progress(notes[-1])
    return Prepared(built, notes)
