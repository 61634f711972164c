"""The relay store contract: every adapter claims, marks and dead-letters alike (G2, G3).

Run on the in-memory store, SQLite (sync and async engines) and PostgreSQL (sync and async),
with the relay itself on top: per-aggregate order, leases, retries, dead letters, replay,
purge and the counters an operator reads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData, delete
from typing_extensions import override

from creativeflow_shared.application import OutboxMessage, OutboxRelay, RelayPolicy
from creativeflow_shared.application.ports import (
    ClaimedMessage,
    FailedMessage,
    PublishOutcome,
    RelayStore,
)
from creativeflow_shared.domain import FixedClock, uuid7
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyRelayStore,
    outbox_table,
)
from creativeflow_shared.testing import InMemoryPublisher, InMemoryRelayStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from uuid import UUID

    from sqlalchemy import Engine

STORES = ("in-memory", "sqlite", "sqlite-async", "postgresql", "postgresql-async")
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    metadata = MetaData()
    outbox_table(metadata, name="relay_contract_outbox")
    return metadata


class Outbox:
    """A relay store and a way to put committed messages into it."""

    def __init__(self, store: RelayStore, add: Callable[[Sequence[OutboxMessage]], None]) -> None:
        self.store = store
        self.add = add


@pytest.fixture(params=STORES)
def outbox(request: pytest.FixtureRequest, metadata: MetaData) -> Iterator[Outbox]:
    backend: str = request.param
    if backend == "in-memory":
        memory = InMemoryRelayStore()
        yield Outbox(memory, memory.add)
        return
    database = "sqlite" if backend.startswith("sqlite") else "postgres"
    engine: Engine = request.getfixturevalue(f"{database}_tables")
    table = metadata.tables["relay_contract_outbox"]
    with engine.begin() as connection:
        connection.execute(delete(table))

    def add(messages: Sequence[OutboxMessage]) -> None:
        with engine.begin() as connection:
            SQLAlchemyOutboxStore(connection, table).append(messages)

    store_engine = (
        request.getfixturevalue(f"async_{database}_engine")
        if backend.endswith("-async")
        else engine
    )
    yield Outbox(SQLAlchemyRelayStore(store_engine, table), add)


def message(aggregate: str, version: int, *, at: datetime = T0) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="Job",
        aggregate_id=aggregate,
        aggregate_version=version,
        event_type="JobStepped",
        schema_version=1,
        payload={"step": version, "text": "é\u2028"},
        headers={"correlation_id": "c-1"},
        occurred_at=at,
    )


def by_id(message: OutboxMessage) -> UUID:
    return message.id


def ids(claimed: Sequence[ClaimedMessage]) -> list[UUID]:
    return [item.message.id for item in claimed]


async def claim(
    store: RelayStore, relay: str, *, limit: int = 100, now: datetime = T0
) -> list[ClaimedMessage]:
    return await store.claim(relay, limit=limit, now=now, lease_until=now + LEASE)


# -- claiming ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_claim_gives_each_aggregate_in_order_and_leases_it(outbox: Outbox) -> None:
    a = [message("a", v) for v in (1, 2, 3)]
    b = [message("b", v) for v in (1, 2)]
    outbox.add([a[2], b[1], a[0], b[0], a[1]])  # stored out of order
    claimed = await claim(outbox.store, "r1")
    by_aggregate: dict[str, list[int | None]] = {}
    for item in claimed:
        by_aggregate.setdefault(item.message.aggregate_id, []).append(
            item.message.aggregate_version
        )
    assert by_aggregate == {"a": [1, 2, 3], "b": [1, 2]}
    assert sorted((m.message for m in claimed), key=by_id) == sorted([*a, *b], key=by_id)
    assert all(item.attempts == 0 for item in claimed)
    assert await claim(outbox.store, "r2") == []  # leased: nothing for another relay


@pytest.mark.asyncio
async def test_an_aggregate_is_never_split_between_relays(outbox: Outbox) -> None:
    a = [message("a", v) for v in (1, 2, 3)]
    outbox.add(a)
    first = await claim(outbox.store, "r1", limit=1)
    assert ids(first) == [a[0].id]
    assert await claim(outbox.store, "r2") == []  # a2 waits behind the head r1 holds
    await outbox.store.mark_published("r1", ids(first), now=T0)
    assert ids(await claim(outbox.store, "r2")) == [a[1].id, a[2].id]


@pytest.mark.asyncio
async def test_a_message_not_yet_available_is_not_claimed(outbox: Outbox) -> None:
    later = message("a", 1, at=T0 + timedelta(minutes=1))
    outbox.add([later])
    assert await claim(outbox.store, "r1") == []
    assert ids(await claim(outbox.store, "r1", now=T0 + timedelta(minutes=1))) == [later.id]


@pytest.mark.asyncio
async def test_a_lease_expires_and_the_old_holder_can_no_longer_mark(outbox: Outbox) -> None:
    first = message("a", 1)
    outbox.add([first])
    assert ids(await claim(outbox.store, "r1")) == [first.id]
    assert await claim(outbox.store, "r2", now=T0 + LEASE - timedelta(seconds=1)) == []
    taken = await claim(outbox.store, "r2", now=T0 + LEASE)  # the dead relay's claim comes back
    assert ids(taken) == [first.id]
    await outbox.store.mark_published("r1", [first.id], now=T0 + LEASE)  # fenced: ignored
    assert (await outbox.store.stats()).pending == 1
    await outbox.store.mark_published("r2", [first.id], now=T0 + LEASE)
    assert (await outbox.store.stats()).pending == 0


@pytest.mark.asyncio
async def test_released_messages_are_due_again_with_their_attempts(outbox: Outbox) -> None:
    first, second = message("a", 1), message("a", 2)
    outbox.add([first, second])
    await claim(outbox.store, "r1")
    await outbox.store.release("r1", [first.id, second.id])
    again = await claim(outbox.store, "r2")
    assert ids(again) == [first.id, second.id]
    assert [item.attempts for item in again] == [0, 0]


# -- failures, dead letters, replay ------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_failed_message_waits_and_holds_back_its_aggregate_only(outbox: Outbox) -> None:
    a1, a2, b1 = message("a", 1), message("a", 2), message("b", 1)
    outbox.add([a1, a2, b1])
    await claim(outbox.store, "r1", limit=1)  # a1 (oldest id first)
    retry_at = T0 + timedelta(seconds=10)
    await outbox.store.mark_failed("r1", [FailedMessage(id=a1.id, error="boom", retry_at=retry_at)])
    assert ids(await claim(outbox.store, "r1")) == [b1.id]  # a waits, b flows
    later = await claim(outbox.store, "r1", now=retry_at)
    assert ids(later) == [a1.id, a2.id]
    assert [item.attempts for item in later] == [1, 0]


@pytest.mark.asyncio
async def test_a_dead_letter_is_listed_blocks_its_aggregate_and_replays(outbox: Outbox) -> None:
    a1, a2 = message("a", 1), message("a", 2)
    outbox.add([a1, a2])
    await claim(outbox.store, "r1", limit=1)
    await outbox.store.mark_failed("r1", [FailedMessage(id=a1.id, error="poison", retry_at=None)])
    letters = await outbox.store.dead_letters(limit=10)
    assert [(d.message, d.attempts, d.last_error) for d in letters] == [(a1, 1, "poison")]
    assert await claim(outbox.store, "r1", now=T0 + timedelta(days=1)) == []  # a2 waits
    stats = await outbox.store.stats()
    assert (stats.pending, stats.dead, stats.oldest_pending) == (1, 1, T0)
    assert await outbox.store.replay([a2.id], now=T0) == 0  # not dead: nothing to replay
    assert await outbox.store.replay(None, now=T0) == 1
    replayed = await claim(outbox.store, "r1")
    assert ids(replayed) == [a1.id, a2.id]
    assert replayed[0].attempts == 0  # a replayed message gets its attempts anew
    assert await outbox.store.dead_letters(limit=10) == []


@pytest.mark.asyncio
async def test_replay_by_id_replays_only_those(outbox: Outbox) -> None:
    a1, b1 = message("a", 1), message("b", 1)
    outbox.add([a1, b1])
    await claim(outbox.store, "r1")
    dead = [FailedMessage(id=m.id, error="x", retry_at=None) for m in (a1, b1)]
    await outbox.store.mark_failed("r1", dead)
    assert await outbox.store.replay([b1.id], now=T0) == 1
    assert [d.message.id for d in await outbox.store.dead_letters(limit=10)] == [a1.id]
    assert ids(await claim(outbox.store, "r1")) == [b1.id]


@pytest.mark.asyncio
async def test_purge_deletes_only_old_published_messages(outbox: Outbox) -> None:
    old, recent, pending = message("a", 1), message("b", 1), message("c", 1)
    outbox.add([old, recent, pending])
    claimed = await claim(outbox.store, "r1")
    await outbox.store.release("r1", [pending.id])
    await outbox.store.mark_published("r1", [old.id], now=T0)
    await outbox.store.mark_published("r1", [recent.id], now=T0 + timedelta(days=8))
    assert len(claimed) == 3
    assert await outbox.store.purge(published_before=T0 + timedelta(days=7)) == 1
    assert await outbox.store.purge(published_before=T0 + timedelta(days=7)) == 0
    assert (await outbox.store.stats()).pending == 1


# -- the relay over each store -----------------------------------------------------------------
@pytest.mark.asyncio
async def test_g3_a_failing_event_holds_back_its_aggregate_until_replayed(
    outbox: Outbox,
) -> None:
    a = [message("a", v) for v in (1, 2, 3)]
    b = [message("b", v) for v in (1, 2, 3)]
    outbox.add([*a, *b])
    poison = a[0].id
    publisher = InMemoryPublisher(refuse=lambda m: "no route" if m.id == poison else None)
    clock = FixedClock(T0)
    policy = RelayPolicy(max_attempts=3, first_retry=timedelta(seconds=1))
    relay = OutboxRelay(outbox.store, publisher, policy=policy, clock=clock, jitter=lambda: 0.0)

    await relay.relay_batch()
    assert [m.id for m in publisher.published] == [m.id for m in b]  # b flows, a waits
    for _ in range(2):  # two more attempts, each when its backoff has passed
        clock.advance(timedelta(minutes=1))
        await relay.relay_batch()
    assert publisher.published == b
    letters = await outbox.store.dead_letters(limit=10)
    assert [(d.message.id, d.attempts, d.last_error) for d in letters] == [(poison, 3, "no route")]
    assert (relay.counters.dead, relay.counters.retried, relay.counters.published) == (1, 2, 3)
    clock.advance(timedelta(hours=1))
    assert await relay.relay_batch() == 0  # a's later events still wait behind the dead one

    publisher.refuse = lambda _message: None  # the operator fixed the route
    assert await outbox.store.replay(None, now=clock.now()) == 1
    assert await relay.run_until_empty() == 3
    assert [m.id for m in publisher.published] == [m.id for m in (*b, *a)]


@pytest.mark.asyncio
async def test_an_unconfirmed_message_is_retried_and_published_again(outbox: Outbox) -> None:
    first, second = message("a", 1), message("a", 2)
    outbox.add([first, second])
    lost = {first.id}
    publisher = InMemoryPublisher(unconfirmed=lambda m: m.id in lost)
    clock = FixedClock(T0)
    relay = OutboxRelay(outbox.store, publisher, clock=clock, jitter=lambda: 0.5)
    await relay.relay_batch()
    assert publisher.published == [first]  # sent, unconfirmed: second not sent behind it
    lost.clear()
    clock.advance(timedelta(seconds=1))
    await relay.run_until_empty()
    assert publisher.published == [first, first, second]  # at least once, in order
    assert (await outbox.store.stats()).pending == 0


@pytest.mark.asyncio
async def test_a_publisher_that_raises_leaves_every_message_for_the_next_batch(
    outbox: Outbox,
) -> None:
    messages = [message("a", 1), message("b", 1)]
    outbox.add(messages)

    class Broken(InMemoryPublisher):
        @override
        async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
            raise ConnectionError("broker away")

    relay = OutboxRelay(outbox.store, Broken(), clock=FixedClock(T0))
    with pytest.raises(ConnectionError):
        await relay.relay_batch()
    assert relay.counters.released == 2
    publisher = InMemoryPublisher()
    again = OutboxRelay(outbox.store, publisher, clock=FixedClock(T0))
    assert await again.run_until_empty() == 2  # released at once, not after the lease
    assert {m.id for m in publisher.published} == {m.id for m in messages}


@pytest.mark.asyncio
async def test_a_broker_error_no_store_keeps_is_kept_cleaned(outbox: Outbox) -> None:
    poison = message("a", 1)
    outbox.add([poison])
    hostile = "bad\x00route \ud800 " + "x" * 5000
    publisher = InMemoryPublisher(refuse=lambda _message: hostile)
    policy = RelayPolicy(max_attempts=1)
    relay = OutboxRelay(outbox.store, publisher, policy=policy, clock=FixedClock(T0))
    await relay.relay_batch()
    (letter,) = await outbox.store.dead_letters(limit=10)
    assert letter.last_error is not None
    assert letter.last_error.startswith("bad\ufffdroute ? xxx")
    assert len(letter.last_error) == 1000
