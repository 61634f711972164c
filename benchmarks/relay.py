"""Relay throughput on PostgreSQL: the library's relay against a hand-written relay loop.

One call relays one batch of 100 outbox rows to an in-memory publisher (so that the broker's
cost does not hide the relay's). The baseline is the loop a service writes by hand on the same
table and engine: ``SELECT … ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED``, publish, one
``UPDATE … SET status = 'published'``, in one transaction, with no per-aggregate order, no
lease and no retries. The library claims by aggregate head under a lease, publishes in waves
and marks in a transaction of its own (ADR 0028). Before each timed batch, untimed, published
rows are deleted and as many fresh rows as the batch will relay are inserted: 50 aggregates,
their events in version order.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

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
    from collections.abc import Callable
    from contextlib import ExitStack

    from sqlalchemy import Engine, Table

__all__ = ["cases"]

_NAME = "postgresql: relay a batch of 100 outbox rows (in-memory publisher)"
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

    def prepare(self, calls: int) -> None:
        """Delete what was published; insert ``calls`` batches' worth of pending rows."""
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


def _hand_written(outbox: _Outbox, runner: asyncio.Runner) -> Callable[[], object]:
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
            outcome = runner.run(outbox.publisher.publish(messages))
            connection.execute(
                update(table)
                .where(c.id.in_(list(outcome.confirmed)))
                .values(status="published", published_at=datetime.now(UTC))
            )
        return len(rows)

    return relay_once


def cases(selected: Callable[[str], bool], stack: ExitStack, postgres: Postgres) -> list[Case]:
    """The relay case, when selected and PostgreSQL is reachable."""
    if not selected(_NAME) or not postgres.ready():
        return []
    progress("preparing the relay ...")
    engine = postgres.engine(_METADATA)
    outbox = _Outbox(engine, _OUTBOX)
    runner = stack.enter_context(asyncio.Runner())
    relay = OutboxRelay(
        SQLAlchemyRelayStore(engine, _OUTBOX),
        outbox.publisher,
        policy=RelayPolicy(batch_size=BATCH),
    )
    hand_written = _hand_written(outbox, runner)
    outbox.prepare(1)
    assert runner.run(relay.relay_batch()) == BATCH
    outbox.prepare(1)
    assert hand_written() == BATCH
    return [
        Case(
            name=_NAME,
            library=lambda: runner.run(relay.relay_batch()),
            baseline=hand_written,
            target=1.25,  # throughput at least 0.8x the hand-written loop's
            baseline_label=(
                "SQLAlchemy Core: SELECT ... LIMIT 100 FOR UPDATE SKIP LOCKED; publish; "
                "UPDATE status (no order per aggregate, no lease, no retries)"
            ),
            prepare=outbox.prepare,
        )
    ]
