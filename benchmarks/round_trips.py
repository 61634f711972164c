"""Cases for round trips on PostgreSQL: the library against raw psycopg written naively.

The baseline is what a service writes by hand with psycopg and no pipelining: ``BEGIN``, the
``SELECT`` and ``COMMIT`` for a load; ``BEGIN``, the ``SELECT``, the conditional ``UPDATE`` (its
row count checked), the outbox ``INSERT`` of two events and ``COMMIT`` for a save. Each case
runs on a direct connection and again through a loopback proxy that adds 1 ms per round trip,
as a network to a managed database would; the round trips each side waits for are counted
once (through a proxy adding 20 ms) and shown in the baseline's label.

A third, informational case puts the same naive save beside the least any client can do with
the two round trips the library makes: a hand-written load, then one statement (the
conditional ``UPDATE`` and the outbox ``INSERT`` in one ``WITH``, run in autocommit, so that
it commits alone). Its ratio is the floor of the library's on this machine: on loopback the
durable commit and the work on the aggregate, which every side pays, outweigh the round trips
saved.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from creativeflow_shared.application import current_context
from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyUnitOfWork

from ._databases import Postgres, progress
from ._harness import Case
from ._latency import LatencyProxy, count_round_trips
from .persistence import METADATA, ORDERS, OUTBOX, PRICE, Order, Orders, new_order

if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from contextlib import ExitStack

    from sqlalchemy import Engine

__all__ = ["cases"]

_LOAD = "load one aggregate per transaction, vs raw psycopg"
_SAVE = "load + save with 2 outbox events, vs raw psycopg"
_FLOOR = "floor of the save: hand-written load + one statement, vs raw psycopg"
#: The latency a network to a managed database adds to each round trip.
_NETWORK = 0.001
_MIN_SECONDS = 0.2


def _raw_connection(url: str, port: int | None, options: str) -> Any:  # noqa: ANN401 (psycopg's)
    import psycopg  # noqa: PLC0415 (the postgresql extra; only when these cases run)

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1",
        port=port or parsed.port or 5432,
        user=parsed.username or "postgres",
        dbname=parsed.database or "test",
        options=options,
    )


def _naive_load(raw: Any, id_value: object) -> Order:  # noqa: ANN401 (psycopg's connection)
    with raw.cursor() as cursor:
        cursor.execute(f"SELECT version, data FROM {ORDERS.name} WHERE id = %s", (id_value,))  # noqa: S608 (our own table's name)
        version, data = cursor.fetchone()
    raw.commit()
    return Order.model_validate({**data, "version": version})


def _naive_save(raw: Any, id_value: object) -> Order:  # noqa: ANN401 (psycopg's connection)
    from psycopg.types.json import Jsonb  # noqa: PLC0415 (the postgresql extra)

    with raw.cursor() as cursor:
        cursor.execute(f"SELECT version, data FROM {ORDERS.name} WHERE id = %s", (id_value,))  # noqa: S608
        version, data = cursor.fetchone()
        order = Order.model_validate({**data, "version": version})
        order.add_item("SKU-1", PRICE)
        events = order.collect_events()
        cursor.execute(
            f"UPDATE {ORDERS.name} SET version = %s, updated_at = %s, data = %s, "  # noqa: S608
            "customer = %s, total_amount = %s WHERE id = %s AND version = %s",
            (
                version + 1,
                datetime.now(UTC),
                Jsonb(order.model_dump(mode="json", exclude={"version"})),
                order.customer,
                order.total.amount,
                id_value,
                version,
            ),
        )
        if cursor.rowcount != 1:
            msg = "changed concurrently"
            raise RuntimeError(msg)
        headers = {"correlation_id": current_context().correlation_id}
        cursor.executemany(
            f"INSERT INTO {OUTBOX.name} (id, aggregatetype, aggregateid, aggregateversion, "  # noqa: S608
            "type, schemaversion, payload, headers, occurred_at, available_at, status) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'pending')",
            [
                (
                    e.event_id,
                    e.aggregate_type,
                    e.aggregate_id,
                    version + 1,
                    e.event_type,
                    e.schema_version,
                    Jsonb(e.model_dump(mode="json")),
                    Jsonb(headers),
                    e.occurred_at,
                    e.occurred_at,
                )
                for e in events
            ],
        )
    raw.commit()
    order.version = version + 1
    return order


_FLOOR_STATEMENT = f"""
WITH written AS (
    UPDATE {ORDERS.name} SET version = %(version)s, updated_at = %(now)s, data = %(data)s,
        customer = %(customer)s, total_amount = %(total)s
    WHERE id = %(id)s AND version = %(expected)s RETURNING id
), outbox AS (
    INSERT INTO {OUTBOX.name} (id, aggregatetype, aggregateid, aggregateversion, type,
        schemaversion, payload, headers, occurred_at, available_at, status)
    SELECT e.id, e.aggregatetype, e.aggregateid, %(version)s, e.type, e.schemaversion,
        e.payload, %(headers)s, e.occurred_at, e.occurred_at, 'pending'
    FROM jsonb_to_recordset(%(events)s) AS e(id uuid, aggregatetype text, aggregateid text,
        type text, schemaversion int, payload jsonb, occurred_at timestamptz)
    WHERE EXISTS (SELECT 1 FROM written)
)
SELECT count(*) FROM written
"""  # noqa: S608 (our own tables' names)


def _floor_save(raw: Any, id_value: object) -> Order:  # noqa: ANN401 (psycopg's connection)
    """The least work for a save with two round trips: load, then one self-committing write."""
    from psycopg.types.json import Jsonb  # noqa: PLC0415 (the postgresql extra)

    with raw.cursor() as cursor:
        cursor.execute(f"SELECT version, data FROM {ORDERS.name} WHERE id = %s", (id_value,))  # noqa: S608
        version, data = cursor.fetchone()
        order = Order.model_validate({**data, "version": version})
        order.add_item("SKU-1", PRICE)
        events = [
            {
                "id": str(e.event_id),
                "aggregatetype": e.aggregate_type,
                "aggregateid": e.aggregate_id,
                "type": e.event_type,
                "schemaversion": e.schema_version,
                "payload": e.model_dump(mode="json"),
                "occurred_at": e.occurred_at.isoformat(),
            }
            for e in order.collect_events()
        ]
        params = {
            "version": version + 1,
            "now": datetime.now(UTC),
            "data": Jsonb(order.model_dump(mode="json", exclude={"version"})),
            "customer": order.customer,
            "total": order.total.amount,
            "id": id_value,
            "expected": version,
            "headers": Jsonb({"correlation_id": current_context().correlation_id}),
            "events": Jsonb(events),
        }
        cursor.execute(_FLOOR_STATEMENT, params)
        if cursor.fetchone() != (1,):
            msg = "changed concurrently"
            raise RuntimeError(msg)
    order.version = version + 1
    return order


def _library_load(engine: Engine, order: Order) -> Order:
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        return uow.repository(Orders).get(order.id).unwrap()


def _library_save(engine: Engine, order: Order) -> Order:
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        loaded = uow.repository(Orders).get(order.id).unwrap()
        loaded.add_item("SKU-1", PRICE)
        uow.commit().unwrap()
        return loaded


class _Sides:
    """The library's engine and the raw connection, on one port (direct or through a proxy)."""

    def __init__(self, postgres: Postgres, stack: ExitStack, port: int | None) -> None:
        url = make_url(postgres.url)
        if port is not None:
            url = url.set(host="127.0.0.1", port=port)
        self.engine = create_engine(url, connect_args=postgres.connect_args())
        options = str(postgres.connect_args()["options"])
        self.raw = _raw_connection(postgres.url, port, options)
        self.autocommit = _raw_connection(postgres.url, port, options)
        self.autocommit.autocommit = True
        stack.callback(self.engine.dispose)
        stack.callback(self.raw.close)
        stack.callback(self.autocommit.close)


def _counted(
    postgres: Postgres, side: Callable[[_Sides], Callable[[], object]], stack: ExitStack
) -> float:
    """The round trips one call of ``side`` waits for (through a proxy adding 20 ms)."""
    url = make_url(postgres.url)

    @contextlib.contextmanager
    def through(port: int) -> Generator[Callable[[], object]]:
        with contextlib.ExitStack() as own:
            yield side(_Sides(postgres, own, port))

    del stack
    return count_round_trips(
        through, target=(url.host or "127.0.0.1", url.port or 5432), delay=0.02, repeats=3
    )


def cases(selected: Callable[[str], bool], stack: ExitStack, postgres: Postgres) -> list[Case]:
    """Build the round-trip cases ``selected`` accepts (none when PostgreSQL is unreachable)."""
    names = {
        (kind, network): f"postgresql{' +1 ms' if network else ''}: {kind}"
        for kind in (_LOAD, _SAVE, _FLOOR)
        for network in (False, True)
    }
    wanted = {key: name for key, name in names.items() if selected(name)}
    if not wanted or not postgres.ready():
        return []
    progress("preparing postgresql round trips ...")
    stored = new_order()
    with SQLAlchemyUnitOfWork(postgres.engine(METADATA), METADATA) as uow:  # tables, in the schema
        uow.repository(Orders).add(stored)
        uow.commit().unwrap()
    built: list[Case] = []
    for (kind, network), name in wanted.items():
        sides = _Sides(postgres, stack, _proxy(postgres, stack) if network else None)
        library_of, baseline_of, label = _sides_of(kind, stored)
        trips = (_counted(postgres, library_of, stack), _counted(postgres, baseline_of, stack))
        loaded = _library_load(sides.engine, stored).model_dump()
        if loaded != _naive_load(sides.raw, stored.id.value).model_dump():
            msg = "the two sides read different orders"
            raise AssertionError(msg)
        built.append(
            Case(
                name=name,
                library=library_of(sides),
                baseline=baseline_of(sides),
                target=None if kind == _FLOOR else 0.8,
                baseline_label=(
                    f"{label} [round trips: library {trips[0]:.0f}, baseline {trips[1]:.0f}]"
                ),
                min_seconds=_MIN_SECONDS,
            )
        )
    return built


def _sides_of(
    kind: str, stored: Order
) -> tuple[Callable[[_Sides], Callable[[], object]], Callable[[_Sides], Callable[[], object]], str]:
    """The library's and the baseline's call on given sides, and what the baseline is."""
    id_value = stored.id.value
    if kind == _LOAD:

        def load(sides: _Sides) -> Callable[[], object]:
            return lambda: _library_load(sides.engine, stored)

        def naive_load(sides: _Sides) -> Callable[[], object]:
            return lambda: _naive_load(sides.raw, id_value)

        return load, naive_load, "psycopg: BEGIN; SELECT; COMMIT; Order.model_validate(row)"

    def save(sides: _Sides) -> Callable[[], object]:
        return lambda: _library_save(sides.engine, stored)

    def floor_save(sides: _Sides) -> Callable[[], object]:
        return lambda: _floor_save(sides.autocommit, id_value)

    def naive_save(sides: _Sides) -> Callable[[], object]:
        return lambda: _naive_save(sides.raw, id_value)

    label = "psycopg: BEGIN; SELECT; UPDATE (row count); INSERT 2 outbox rows; COMMIT"
    return (floor_save if kind == _FLOOR else save), naive_save, label


def _proxy(postgres: Postgres, stack: ExitStack) -> int:
    url = make_url(postgres.url)
    proxy = LatencyProxy((url.host or "127.0.0.1", url.port or 5432), _NETWORK)
    stack.callback(proxy.close)
    return proxy.port
