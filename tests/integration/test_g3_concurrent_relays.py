"""G2/G3 with several relays: three relays on one PostgreSQL outbox publish every event once,
each aggregate's events in version order, while they race for the same rows."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData
from typing_extensions import override

from creativeflow_shared.application import OutboxMessage, OutboxRelay, RelayPolicy
from creativeflow_shared.domain import uuid7
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyRelayStore,
    outbox_table,
)
from creativeflow_shared.testing import InMemoryPublisher

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application.ports import PublishOutcome

AGGREGATES = 50
EVENTS_PER_AGGREGATE = 100
RELAYS = 3


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    metadata = MetaData()
    outbox_table(metadata, name="relay_race_outbox")
    return metadata


class SlowPublisher(InMemoryPublisher):
    """Yields to the other relays between sending and confirming, as a broker's round trip."""

    @override
    async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
        await asyncio.sleep(random.random() / 1000)  # noqa: S311 (scheduling noise, not security)
        return await super().publish(messages)


def _messages() -> list[OutboxMessage]:
    at = datetime.now(UTC) - timedelta(minutes=1)
    messages = [
        OutboxMessage(
            id=uuid7(),
            aggregate_type="Job",
            aggregate_id=f"job-{aggregate}",
            aggregate_version=version,
            event_type="JobStepped",
            schema_version=1,
            payload={"step": version},
            headers={},
            occurred_at=at,
        )
        for version in range(1, EVENTS_PER_AGGREGATE + 1)
        for aggregate in range(AGGREGATES)
    ]
    random.shuffle(messages)  # stored in no particular order
    return messages


def test_three_relays_publish_every_event_once_and_in_order(
    postgres_tables: Engine, async_postgres_engine: AsyncEngine, metadata: MetaData
) -> None:
    table = metadata.tables["relay_race_outbox"]
    stored = _messages()
    with postgres_tables.begin() as connection:
        SQLAlchemyOutboxStore(connection, table).append(stored)
    publisher = SlowPublisher()
    store = SQLAlchemyRelayStore(async_postgres_engine, table)
    policy = RelayPolicy(batch_size=100, idle_wait=0.005)
    relays = [OutboxRelay(store, publisher, policy=policy, relay_id=f"r{n}") for n in range(RELAYS)]

    async def race() -> None:
        stop = asyncio.Event()
        running = [asyncio.create_task(relay.run(stop)) for relay in relays]
        while (await store.stats()).pending:  # until the outbox is empty  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*running)

    asyncio.run(asyncio.wait_for(race(), timeout=300))

    published = publisher.published
    assert len(stored) == AGGREGATES * EVENTS_PER_AGGREGATE
    assert Counter(m.id for m in published) == Counter(m.id for m in stored)  # each once
    assert all(relay.counters.published > 0 for relay in relays)  # they really shared it
    assert sum(relay.counters.published for relay in relays) == len(stored)
    assert sum(relay.counters.errors for relay in relays) == 0
    versions: dict[str, list[int | None]] = {}
    for message in published:
        versions.setdefault(message.aggregate_id, []).append(message.aggregate_version)
    expected = list(range(1, EVENTS_PER_AGGREGATE + 1))
    assert all(order == expected for order in versions.values())
    assert len(versions) == AGGREGATES
    stats = asyncio.run(store.stats())
    assert (stats.pending, stats.dead) == (0, 0)
