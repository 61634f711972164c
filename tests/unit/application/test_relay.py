"""The relay's policy, counters and run loop, on the in-memory ports."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from typing_extensions import override

from creativeflow_shared.application import (
    RELAY_ID_MAX_LENGTH,
    OutboxMessage,
    OutboxRelay,
    RelayPolicy,
)
from creativeflow_shared.application.ports import FailedMessage, OutboxStats, PublishOutcome
from creativeflow_shared.domain import FixedClock, uuid7
from creativeflow_shared.testing import InMemoryPublisher, InMemoryRelayStore

if TYPE_CHECKING:
    from collections.abc import Sequence

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def message(aggregate: str = "a", version: int = 1) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="Job",
        aggregate_id=aggregate,
        aggregate_version=version,
        event_type="JobStepped",
        schema_version=1,
        payload={},
        headers={},
        occurred_at=T0,
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"batch_size": 0},
        {"max_attempts": 0},
        {"lease": timedelta(0)},
        {"first_retry": timedelta(seconds=-1)},
        {"idle_wait": 0},
        {"first_retry": timedelta(minutes=2), "max_retry": timedelta(minutes=1)},
    ],
)
def test_a_policy_refuses_settings_no_relay_works_with(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        RelayPolicy(**settings)  # type: ignore[arg-type]


def test_retries_double_up_to_the_ceiling_with_equal_jitter() -> None:
    policy = RelayPolicy(
        max_attempts=20, first_retry=timedelta(seconds=2), max_retry=timedelta(seconds=60)
    )
    delays = [policy.retry_at(n, T0, 0.0) for n in (1, 2, 3, 6, 19)]
    assert [d - T0 for d in delays if d is not None] == [
        timedelta(seconds=1),
        timedelta(seconds=2),
        timedelta(seconds=4),
        timedelta(seconds=30),  # 64 s capped at 60, half of it
        timedelta(seconds=30),
    ]
    assert policy.retry_at(1, T0, 0.999) == T0 + timedelta(seconds=1.999)
    assert policy.retry_at(20, T0, 0.5) is None  # the last attempt: dead
    assert RelayPolicy(max_attempts=10**6).retry_at(10**5, T0, 1.0) is not None  # no overflow


@pytest.mark.parametrize(
    "relay_id",
    ["", "x" * (RELAY_ID_MAX_LENGTH + 1), "relay\x00-1", "relay-\ud800"],
    ids=["empty", "too long", "NUL", "lone surrogate"],
)
def test_a_relay_id_must_fit_the_lease_column(relay_id: str) -> None:
    # PostgreSQL refuses NUL and lone surrogates in text: such an id would fail every claim.
    with pytest.raises(ValueError, match="relay id"):
        OutboxRelay(InMemoryRelayStore(), InMemoryPublisher(), relay_id=relay_id)


def test_a_relay_has_a_fresh_id_and_the_default_policy() -> None:
    one = OutboxRelay(InMemoryRelayStore(), InMemoryPublisher())
    two = OutboxRelay(InMemoryRelayStore(), InMemoryPublisher())
    assert one.relay_id != two.relay_id
    assert len(one.relay_id) <= RELAY_ID_MAX_LENGTH
    assert one.policy == RelayPolicy()


def test_the_counters_read_as_a_dict() -> None:
    store = InMemoryRelayStore()
    store.add([message("a"), message("b")])
    relay = OutboxRelay(store, InMemoryPublisher(), clock=FixedClock(T0))
    assert asyncio.run(relay.run_until_empty()) == 2
    assert relay.counters.as_dict() == {
        "batches": 1,
        "published": 2,
        "retried": 0,
        "dead": 0,
        "released": 0,
        "errors": 0,
    }


def test_run_until_empty_gives_up_after_max_batches() -> None:
    store = InMemoryRelayStore()
    store.add([message("a", 1), message("a", 2)])
    policy = RelayPolicy(batch_size=1)
    relay = OutboxRelay(store, InMemoryPublisher(), policy=policy, clock=FixedClock(T0))
    with pytest.raises(RuntimeError, match="not empty after 1 batches"):
        asyncio.run(relay.run_until_empty(max_batches=1))


def test_a_dead_letter_is_logged_as_an_error_and_a_retry_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = InMemoryRelayStore()
    retried, dead = message("a"), message("b")
    store.add([retried, dead])
    publisher = InMemoryPublisher(refuse=lambda m: "boom" if m.id == retried.id else "gone")
    policy = RelayPolicy(max_attempts=2)
    relay = OutboxRelay(store, publisher, policy=policy, clock=FixedClock(T0))
    store_dead = InMemoryRelayStore()
    store_dead.add([dead])
    dead_relay = OutboxRelay(
        store_dead, publisher, policy=RelayPolicy(max_attempts=1), clock=FixedClock(T0)
    )
    with caplog.at_level(logging.WARNING, logger="creativeflow_shared.relay"):
        asyncio.run(relay.relay_batch())
        asyncio.run(dead_relay.relay_batch())
    levels = {(r.levelno, r.getMessage().split(": ")[-1]) for r in caplog.records}
    assert (logging.WARNING, "boom") in levels
    assert (logging.ERROR, "gone") in levels
    assert store_dead.status(dead.id) == "dead"
    assert store.status(retried.id) == "pending"


def test_the_run_loop_outlives_failed_batches_and_stops_when_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = InMemoryRelayStore()
    store.add([message("a")])
    failures = [ConnectionError("broker away")]

    class Flaky(InMemoryPublisher):
        @override
        async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
            if failures:
                raise failures.pop()
            return await super().publish(messages)

    publisher = Flaky()
    relay = OutboxRelay(store, publisher, policy=RelayPolicy(idle_wait=0.001))

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        while (await store.stats()).pending:  # noqa: ASYNC110 (polls the store, not an event)
            await asyncio.sleep(0.001)
        stop.set()
        counters = await task
        assert counters is relay.counters

    with caplog.at_level(logging.INFO, logger="creativeflow_shared.relay"):
        asyncio.run(main())
    assert relay.counters.errors == 1
    assert relay.counters.published == 1
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "relay started"
    assert "relay batch failed" in messages
    assert messages[-1] == "relay stopped"


def test_a_stats_lag_counts_from_the_oldest_pending_event() -> None:
    assert OutboxStats(pending=0, dead=0, oldest_pending=None).lag_seconds(T0) == 0.0
    stats = OutboxStats(pending=1, dead=0, oldest_pending=T0)
    assert stats.lag_seconds(T0 + timedelta(seconds=90)) == 90.0
    assert stats.lag_seconds(T0 - timedelta(seconds=5)) == 0.0  # a clock behind: no negative lag


def test_the_in_memory_store_answers_for_stored_messages_only() -> None:
    store = InMemoryRelayStore()
    with pytest.raises(KeyError):
        store.status(uuid7())
    stored = message()
    store.add([stored])
    assert store.status(stored.id) == "pending"


def test_a_relay_cannot_mark_what_it_does_not_hold() -> None:
    store = InMemoryRelayStore()
    held = message()
    store.add([held])

    async def main() -> None:
        await store.claim("r1", limit=10, now=T0, lease_until=T0 + timedelta(seconds=30))
        failure = FailedMessage(id=held.id, error="x", retry_at=None)
        await store.mark_failed("r2", [failure])  # not r2's
        assert store.status(held.id) == "pending"
        await store.mark_failed("r1", [failure])
        assert store.status(held.id) == "dead"

    asyncio.run(main())
