"""G2 with real crashes: the relay process, killed with SIGKILL again and again, loses nothing.

A relay process (``python -m creativeflow_shared.relay run``) relays 5,000 events of 50
aggregates from a PostgreSQL outbox to the real RabbitMQ. It is killed with SIGKILL at random
moments five times and started again each time (under a new relay id, with a short lease);
a last one drains the outbox and is stopped with SIGTERM. On the consumer side of the broker,
every committed event arrived at least once, each aggregate's first deliveries in version
order; the duplicates are counted and reported; and the claims each killed relay left behind
were taken over once their lease ended.
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData, func, select

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.domain import uuid7
from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyOutboxStore, outbox_table

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy import Engine, Table

AGGREGATES = 50
EVENTS_PER_AGGREGATE = 100
KILLS = 5
TABLE = "g2_crash_outbox"


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    outbox_table(tables, name=TABLE)
    return tables


def _stored(engine: Engine, table: Table) -> list[OutboxMessage]:
    at = datetime.now(UTC) - timedelta(seconds=5)
    messages = [
        OutboxMessage(
            id=uuid7(),
            aggregate_type="Job",
            aggregate_id=f"job-{aggregate}",
            aggregate_version=version,
            event_type="g2.job_stepped",
            schema_version=1,
            payload={"step": version},
            headers={"correlation_id": f"flow-{aggregate}"},
            occurred_at=at,
        )
        for version in range(1, EVENTS_PER_AGGREGATE + 1)
        for aggregate in range(AGGREGATES)
    ]
    with engine.begin() as connection:
        connection.execute(table.delete())
        SQLAlchemyOutboxStore(connection, table).append(messages)
    return messages


def _relay(
    database_url: str, broker_url: str, exchange: str, relay_id: str
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "creativeflow_shared.relay",
        "--database-url", database_url, "--outbox-table", TABLE,
        "--broker-url", broker_url, "--exchange", exchange, "--source", "/g2",
        "--relay-id", relay_id, "--lease", "2", "--batch-size", "100",
        "--idle-wait", "0.05", "--stats-every", "0.5",
        "run",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603 (our own module, no shell)


def _leased_by(engine: Engine, table: Table, relay_id: str) -> set[UUID]:
    c = table.c
    query = select(c.id).where(c.leased_by == relay_id, c.status == "pending")
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())


def _wait_for_claims(engine: Engine, table: Table, relay_id: str) -> None:
    """Wait until ``relay_id`` holds committed claims (between two batches it holds none)."""
    deadline = time.monotonic() + 60
    while not _leased_by(engine, table, relay_id):
        assert time.monotonic() < deadline, f"{relay_id} claimed nothing within a minute"
        time.sleep(0.002)


def _pending(engine: Engine, table: Table) -> int:
    query = select(func.count()).select_from(table).where(table.c.status != "published")
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


async def _bind_queue(broker_url: str, exchange: str, queue: str) -> None:
    import aio_pika  # noqa: PLC0415 (the rabbitmq extra)

    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_exchange(
            exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        bound = await channel.declare_queue(queue, durable=True)
        await bound.bind(declared, routing_key="#")


async def _drain(broker_url: str, exchange: str, queue: str) -> list[tuple[str, str]]:
    """Every message in the queue: its message id and aggregate (then delete queue and exchange)."""
    import aio_pika  # noqa: PLC0415 (the rabbitmq extra)

    received: list[tuple[str, str]] = []
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        bound = await channel.declare_queue(queue, durable=True)
        while (message := await bound.get(no_ack=True, fail=False)) is not None:
            headers = message.headers or {}
            received.append((str(message.message_id), str(headers.get("cloudEvents_subject"))))
        await bound.delete(if_unused=False, if_empty=False)
        await channel.exchange_delete(exchange)
    return received


def test_g2_a_relay_killed_five_times_loses_no_event(
    postgres_tables: Engine, metadata: MetaData, rabbitmq_url: str
) -> None:
    table = metadata.tables[TABLE]
    stored = _stored(postgres_tables, table)
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"g2-events-{suffix}", f"g2-consumer-{suffix}"
    asyncio.run(_bind_queue(rabbitmq_url, exchange, queue))
    database_url = postgres_tables.url.render_as_string(hide_password=False)
    chance = random.Random(2026)  # noqa: S311 (when to kill, not security)

    left_behind: set[UUID] = set()
    for kill in range(KILLS):
        relay_id = f"g2-crash-{suffix}-{kill}"
        process = _relay(database_url, rabbitmq_url, exchange, relay_id)
        _wait_for_claims(postgres_tables, table, relay_id)  # however slowly it starts
        time.sleep(chance.uniform(0.0, 0.3))  # then at a random point of its work,
        _wait_for_claims(postgres_tables, table, relay_id)  # while it holds a batch
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)  # and close its pipe
        assert process.returncode == -signal.SIGKILL
        left_behind |= _leased_by(postgres_tables, table, relay_id)
    assert _pending(postgres_tables, table) > 0, "the kills came too late to prove anything"
    assert left_behind, "no killed relay left a claim behind"

    last = _relay(database_url, rabbitmq_url, exchange, f"g2-last-{suffix}")
    deadline = time.monotonic() + 180
    while _pending(postgres_tables, table) and time.monotonic() < deadline:
        time.sleep(0.2)
    last.send_signal(signal.SIGTERM)
    _, errors = last.communicate(timeout=30)
    assert last.returncode == 0, errors.decode()[-2000:]  # a graceful stop
    assert b'"message": "relay stopped"' in errors
    assert _pending(postgres_tables, table) == 0

    received = asyncio.run(_drain(rabbitmq_url, exchange, queue))
    counts = Counter(message_id for message_id, _ in received)
    assert set(counts) == {str(message.id) for message in stored}  # every one, at least once
    duplicates = sum(counts.values()) - len(counts)
    # Only a message a killed relay held can have gone out twice.
    assert duplicates <= len(left_behind)
    assert set(counts - Counter(set(counts))) <= {str(i) for i in left_behind}
    first_seen: dict[str, list[int]] = {}
    order = {str(message.id): message.aggregate_version or 0 for message in stored}
    seen: set[str] = set()
    for message_id, aggregate in received:
        if message_id not in seen:
            seen.add(message_id)
            first_seen.setdefault(aggregate, []).append(order[message_id])
    assert all(versions == sorted(versions) for versions in first_seen.values())
    assert len(first_seen) == AGGREGATES
    # The claims of the killed relays were taken over after their lease: all published now.
    with postgres_tables.connect() as connection:
        c = table.c
        statuses = connection.execute(select(c.status).where(c.id.in_(list(left_behind)))).scalars()
        assert set(statuses) == {"published"}
    print(  # noqa: T201 (the report G2 asks for)
        f"\nG2: {len(stored)} events, {KILLS} kills, {len(received)} deliveries, "
        f"{duplicates} duplicates, {len(left_behind)} claims taken over after their lease"
    )
