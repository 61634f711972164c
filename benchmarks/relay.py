"""Relay throughput on PostgreSQL: the library's relay against a hand-written relay loop.

One call relays one batch of 100 outbox rows, to an in-memory publisher (so that the broker's
cost does not hide the relay's) and, in a second case, to RabbitMQ with publisher confirms
against a hand-written aio-pika loop that publishes the batch concurrently and awaits every
confirm (no CloudEvents envelope, no order per aggregate). The baseline is the loop a service
writes by hand on the same
table and engine: ``SELECT … ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED``, publish, one
``UPDATE … SET status = 'published'``, in one transaction, with no per-aggregate order, no
lease and no retries. The library claims by aggregate head under a lease, publishes in waves
and marks in a statement of its own (ADR 0028). A third case, for information, gives the
RabbitMQ loop the relay's order and interoperability (each aggregate's events in waves, the
CloudEvents attributes as headers), so that what the library itself costs shows apart from
what its guarantees cost. Before each timed batch, untimed, published
rows are deleted and as many fresh rows as the batch will relay are inserted: 50 aggregates,
their events in version order.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, delete, select, update

from creativeflow_shared.application import OutboxMessage, OutboxRelay, RelayPolicy
from creativeflow_shared.domain import uuid7
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyRelayStore,
    outbox_table,
)
from creativeflow_shared.testing import InMemoryPublisher

from ._databases import Postgres, progress
from ._harness import Case

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from contextlib import ExitStack
    from uuid import UUID

    from sqlalchemy import Engine, Table

__all__ = ["cases"]

_NAME = "postgresql: relay a batch of 100 outbox rows (in-memory publisher)"
_BROKER_NAME = "postgresql + rabbitmq: relay a batch of 100 outbox rows (publisher confirms)"
_ORDERED_NAME = "postgresql + rabbitmq: relay a batch of 100 outbox rows (vs an ordering loop)"
_LOOP = (
    "SQLAlchemy Core: SELECT ... LIMIT 100 FOR UPDATE SKIP LOCKED; publish; "
    "UPDATE status (no order per aggregate, no lease, no retries)"
)
_ORDERING_LOOP = (
    "the SQLAlchemy Core loop publishing each aggregate's events in waves (an event "
    "after the one ahead of it is confirmed) with the CloudEvents headers, by hand"
)
BATCH = 100
AGGREGATES = 50
_METADATA = MetaData()
_OUTBOX = outbox_table(_METADATA, name="bench_relay_outbox")


class _Outbox:
    """Fresh pending rows before each timed batch, and the publisher both sides publish to."""

    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine = engine
        self.table = table
        self.publisher = InMemoryPublisher()
        self._versions = itertools.count(1)
        #: Run before each preparation (emptying a broker's queue, say).
        self.before_prepare: list[Callable[[], object]] = []

    def prepare(self, calls: int) -> None:
        """Delete what was published; insert ``calls`` batches' worth of pending rows."""
        for step in self.before_prepare:
            step()
        at = datetime.now(UTC) - timedelta(seconds=1)
        rows: list[OutboxMessage] = []
        while len(rows) < calls * BATCH:
            version = next(self._versions)
            rows += [_message(aggregate, version, at) for aggregate in range(AGGREGATES)]
        with self.engine.begin() as connection:
            connection.execute(delete(self.table).where(self.table.c.status == "published"))
            SQLAlchemyOutboxStore(connection, self.table).append(rows)
        self.publisher.published.clear()


def _message(aggregate: int, version: int, at: datetime) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="Job",
        aggregate_id=f"job-{aggregate}",
        aggregate_version=version,
        event_type="JobStepped",
        schema_version=1,
        payload={"step": version, "job": f"job-{aggregate}"},
        headers={"correlation_id": "bench"},
        occurred_at=at,
    )


def _hand_written(
    outbox: _Outbox,
    runner: asyncio.Runner,
    publish: Callable[[list[OutboxMessage]], Coroutine[Any, Any, list[UUID]]] | None = None,
) -> Callable[[], object]:
    table = outbox.table
    c = table.c
    claim = (
        select(table)
        .where(c.status == "pending")
        .order_by(c.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )

    def relay_once() -> int:
        with outbox.engine.begin() as connection:
            rows = connection.execute(claim).all()
            messages = [
                OutboxMessage(
                    id=row.id,
                    aggregate_type=row.aggregatetype,
                    aggregate_id=row.aggregateid,
                    aggregate_version=row.aggregateversion,
                    event_type=row.type,
                    schema_version=row.schemaversion,
                    payload=row.payload,
                    headers=row.headers,
                    occurred_at=row.occurred_at,
                )
                for row in rows
            ]
            if publish is None:
                confirmed = list(runner.run(outbox.publisher.publish(messages)).confirmed)
            else:
                confirmed = list(runner.run(publish(messages)))
            connection.execute(
                update(table)
                .where(c.id.in_(confirmed))
                .values(status="published", published_at=datetime.now(UTC))
            )
        return len(rows)

    return relay_once


def cases(
    selected: Callable[[str], bool], stack: ExitStack, postgres: Postgres, broker_url: str
) -> list[Case]:
    """The relay cases, when selected and PostgreSQL (and RabbitMQ) are reachable."""
    wanted = [name for name in (_NAME, _BROKER_NAME, _ORDERED_NAME) if selected(name)]
    if not wanted or not postgres.ready():
        return []
    progress("preparing the relay ...")
    engine = postgres.engine(_METADATA)
    outbox = _Outbox(engine, _OUTBOX)
    runner = stack.enter_context(asyncio.Runner())
    built: list[Case] = []
    if _NAME in wanted:
        relay = OutboxRelay(
            SQLAlchemyRelayStore(engine, _OUTBOX),
            outbox.publisher,
            policy=RelayPolicy(batch_size=BATCH),
        )
        built.append(_case(_NAME, relay, outbox, runner, _hand_written(outbox, runner)))
    brokered = [name for name in (_BROKER_NAME, _ORDERED_NAME) if name in wanted]
    if brokered:
        broker = _broker_sides(broker_url, engine, outbox, runner, stack)
        if broker is not None:
            relay_, plain, ordered = broker
            if _BROKER_NAME in wanted:
                built.append(_case(_BROKER_NAME, relay_, outbox, runner, plain))
            if _ORDERED_NAME in wanted:  # for information: the library beyond its guarantees
                case = _case(_ORDERED_NAME, relay_, outbox, runner, ordered)
                built.append(replace(case, target=None, baseline_label=_ORDERING_LOOP))
    return built


def _case(
    name: str,
    relay: OutboxRelay,
    outbox: _Outbox,
    runner: asyncio.Runner,
    hand_written: Callable[[], object],
) -> Case:
    outbox.prepare(1)
    assert runner.run(relay.relay_batch()) == BATCH
    outbox.prepare(1)
    assert hand_written() == BATCH
    return Case(
        name=name,
        library=lambda: runner.run(relay.relay_batch()),
        baseline=hand_written,
        target=1.25,  # throughput at least 0.8x the hand-written loop's
        baseline_label=_LOOP,
        prepare=outbox.prepare,
    )


def _broker_sides(
    url: str, engine: Engine, outbox: _Outbox, runner: asyncio.Runner, stack: ExitStack
) -> tuple[OutboxRelay, Callable[[], object], Callable[[], object]] | None:
    """The relay through ``RabbitMQPublisher`` and two hand-written aio-pika loops.

    The plain loop publishes the batch at once with one header per message; the ordered one
    does what the relay does for order and interoperability: each aggregate's events in
    waves, and the CloudEvents attributes as ``cloudEvents_`` headers.
    """
    try:
        import aio_pika  # noqa: PLC0415 (the rabbitmq extra, when the case is selected)

        from creativeflow_shared.infrastructure.rabbitmq import (  # noqa: PLC0415
            RabbitMQPublisher,
        )

        connection = runner.run(aio_pika.connect(url, timeout=5))
    except (ImportError, OSError) as error:
        progress(f"RabbitMQ is not reachable ({type(error).__name__}): relay case skipped")
        return None
    exchange_name = f"bench-relay-{uuid7().hex[:8]}"

    async def declare() -> tuple[Any, Any]:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(
            exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(f"{exchange_name}.sink", durable=True)
        await queue.bind(exchange, routing_key="#")
        return exchange, queue

    exchange, queue = runner.run(declare())

    async def cleanup() -> None:
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
        await connection.close()

    stack.callback(lambda: runner.run(cleanup()))
    publisher = RabbitMQPublisher(connection, exchange=exchange_name, source="/benchmarks")
    runner.run(publisher.connect())
    stack.callback(lambda: runner.run(publisher.close()))
    outbox.before_prepare.append(lambda: runner.run(queue.purge()))  # the sink stays small

    publish = functools.partial(_publish_at_once, exchange)
    publish_ordered = functools.partial(_publish_in_waves, exchange)
    relay = OutboxRelay(
        SQLAlchemyRelayStore(engine, _OUTBOX), publisher, policy=RelayPolicy(batch_size=BATCH)
    )
    plain = _hand_written(outbox, runner, publish)
    ordered = _hand_written(outbox, runner, publish_ordered)
    return relay, plain, ordered


async def _send_all(
    exchange: Any,  # noqa: ANN401 (aio-pika's exchange; the extra is imported when selected)
    messages: list[OutboxMessage],
    headers_of: Callable[[OutboxMessage], dict[str, Any]],
) -> list[bool]:
    """Publish ``messages`` at once by hand; whether the broker confirmed each."""
    import aio_pika  # noqa: PLC0415 (the rabbitmq extra, when a broker case is selected)

    answers = await asyncio.gather(
        *(
            exchange.publish(
                aio_pika.Message(
                    json.dumps(m.payload).encode(),
                    content_type="application/json",
                    message_id=str(m.id),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers=headers_of(m),
                ),
                routing_key=m.event_type,
                mandatory=True,
            )
            for m in messages
        ),
        return_exceptions=True,
    )
    return [not isinstance(answer, BaseException) for answer in answers]


async def _publish_at_once(exchange: Any, messages: list[OutboxMessage]) -> list[UUID]:  # noqa: ANN401 (aio-pika)
    """The plain loop's publishing: the batch at once, one header per message."""
    confirmed = await _send_all(exchange, messages, lambda m: {"aggregateid": m.aggregate_id})
    return [m.id for m, ok in zip(messages, confirmed, strict=True) if ok]


async def _publish_in_waves(exchange: Any, messages: list[OutboxMessage]) -> list[UUID]:  # noqa: ANN401 (aio-pika)
    """The ordering loop's: each aggregate's events in waves, with the CloudEvents headers."""
    chains: dict[str, list[OutboxMessage]] = {}
    for m in messages:  # by id: each aggregate's in version order, as the rows were written
        chains.setdefault(m.aggregate_id, []).append(m)
    confirmed: list[UUID] = []
    while chains:
        wave = [chain.pop(0) for chain in chains.values()]
        failed: set[str] = set()
        for m, ok in zip(wave, await _send_all(exchange, wave, _cloudevents_headers), strict=True):
            if ok:
                confirmed.append(m.id)
            else:
                failed.add(m.aggregate_id)
        chains = {key: rest for key, rest in chains.items() if rest and key not in failed}
    return confirmed


def _cloudevents_headers(m: OutboxMessage) -> dict[str, Any]:
    """The CloudEvents attributes of ``m`` as AMQP binary-mode headers, written by hand."""
    return {
        "cloudEvents_specversion": "1.0",
        "cloudEvents_id": str(m.id),
        "cloudEvents_source": "/benchmarks",
        "cloudEvents_type": m.event_type,
        "cloudEvents_time": m.occurred_at.isoformat().replace("+00:00", "Z"),
        "cloudEvents_subject": m.aggregate_id,
        "cloudEvents_schemaversion": m.schema_version,
        "cloudEvents_aggregatetype": m.aggregate_type,
        "cloudEvents_aggregateversion": m.aggregate_version,
        "cloudEvents_correlationid": m.headers["correlation_id"],
        "cloudEvents_partitionkey": m.aggregate_id,
    }
