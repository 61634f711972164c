# The suites are tests shipped as library code: pytest's assertions are their language, and
# literal expected values read better than named constants.
# ruff: noqa: S101, PLR2004

"""The contract suite every relay store must pass: claims, order, leases, retries, dead letters.

A ``RelayStore`` is the outbox as relays work on it. The suite proves the claiming rule
(each aggregate in order, never split between relays, nothing past a gap), leases (taken
over when they expire, marks fenced by the holder), releases, retries that hold back their
own aggregate only, dead letters (listed, blocking, replayed), purging, the stats, and the
relay on top of the store (G3 with a poison event, at-least-once after a lost confirm, a
publisher that raises). Subclass ``RelayStoreContract`` and provide a ``relay_outbox``
fixture that returns a ``RelayStoreHarness`` on an empty outbox.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from typing_extensions import override

from creativeflow_shared.application import OutboxMessage, OutboxRelay, RelayPolicy
from creativeflow_shared.application.ports import FailedMessage
from creativeflow_shared.domain import FixedClock
from creativeflow_shared.testing._relay_claim_contract import RelayClaimContract
from creativeflow_shared.testing._relay_contract_support import (
    LEASE,
    T0,
    RelayStoreHarness,
    by_id,
    claim,
    ids,
    message,
)
from creativeflow_shared.testing._relay_fakes import InMemoryPublisher

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application.ports import (
        PublishOutcome,
    )

__all__ = ["RelayStoreContract", "RelayStoreHarness"]


class RelayStoreContract(RelayClaimContract):
    """What every ``RelayStore`` does (run as ``Test<Adapter>``, with a ``relay_outbox``)."""

    def test_a_claim_gives_each_aggregate_in_order_and_leases_it(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A claim gives each aggregate in order and leases it."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a = [message("a", v) for v in (3, 1, 2)]  # ids in another order than versions
            b = [message("b", v) for v in (None, 1, 2)]  # no version: after the versioned
            relay_outbox.add([a[0], b[2], a[1], b[0], b[1], a[2]])
            claimed = await claim(relay_outbox.store, "r1")
            by_aggregate: dict[str, list[int | None]] = {}
            for item in claimed:
                by_aggregate.setdefault(item.message.aggregate_id, []).append(
                    item.message.aggregate_version
                )
            assert by_aggregate == {"a": [1, 2, 3], "b": [1, 2, None]}
            assert sorted((m.message for m in claimed), key=by_id) == sorted([*a, *b], key=by_id)
            assert all(item.attempts == 0 for item in claimed)
            assert await claim(relay_outbox.store, "r2") == []  # leased: nothing for another relay

        asyncio.run(scenario())

    def test_an_aggregate_is_never_split_between_relays(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """An aggregate is never split between relays."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a = [message("a", v) for v in (1, 2, 3)]
            relay_outbox.add(a)
            first = await claim(relay_outbox.store, "r1", limit=1)
            assert ids(first) == [a[0].id]
            assert await claim(relay_outbox.store, "r2") == []  # a2 waits behind the head r1 holds
            await relay_outbox.store.mark_published("r1", ids(first), now=T0)
            assert ids(await claim(relay_outbox.store, "r2")) == [a[1].id, a[2].id]

        asyncio.run(scenario())

    def test_a_message_not_yet_available_is_not_claimed(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A message not yet available is not claimed."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            then = T0 + timedelta(seconds=10)  # within the lease of the first claim
            later = message("a", 1, at=then)
            first, behind = message("b", 1), message("b", 2, at=then)
            relay_outbox.add([later, first, behind])
            assert ids(await claim(relay_outbox.store, "r1")) == [first.id]  # nothing past a gap
            assert ids(await claim(relay_outbox.store, "r2", now=then)) == [later.id]
            await relay_outbox.store.mark_published("r1", [first.id], now=then)
            assert ids(await claim(relay_outbox.store, "r2", now=then)) == [behind.id]

        asyncio.run(scenario())

    def test_a_lease_expires_and_the_old_holder_can_no_longer_mark(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A lease expires and the old holder can no longer mark."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            first = message("a", 1)
            relay_outbox.add([first])
            assert ids(await claim(relay_outbox.store, "r1")) == [first.id]
            assert (
                await claim(relay_outbox.store, "r2", now=T0 + LEASE - timedelta(seconds=1)) == []
            )
            taken = await claim(
                relay_outbox.store, "r2", now=T0 + LEASE
            )  # the dead relay's claim comes back
            assert ids(taken) == [first.id]
            await relay_outbox.store.mark_published(
                "r1", [first.id], now=T0 + LEASE
            )  # fenced: ignored
            assert (await relay_outbox.store.stats()).pending == 1
            await relay_outbox.store.mark_published("r2", [first.id], now=T0 + LEASE)
            assert (await relay_outbox.store.stats()).pending == 0

        asyncio.run(scenario())

    def test_released_messages_are_due_again_with_their_attempts(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """Released messages are due again with their attempts."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            first, second = message("a", 1), message("a", 2)
            relay_outbox.add([first, second])
            await claim(relay_outbox.store, "r1")
            await relay_outbox.store.release("r1", [first.id, second.id])
            again = await claim(relay_outbox.store, "r2")
            assert ids(again) == [first.id, second.id]
            assert [item.attempts for item in again] == [0, 0]

        asyncio.run(scenario())

    def test_a_failed_message_waits_and_holds_back_its_aggregate_only(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A failed message waits and holds back its aggregate only."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a1, a2, b1 = message("a", 1), message("a", 2), message("b", 1)
            relay_outbox.add([a1, a2, b1])
            await claim(relay_outbox.store, "r1", limit=1)  # a1 (oldest id first)
            retry_at = T0 + timedelta(seconds=10)
            await relay_outbox.store.mark_failed(
                "r1", [FailedMessage(id=a1.id, error="boom", retry_at=retry_at)]
            )
            assert ids(await claim(relay_outbox.store, "r1")) == [b1.id]  # a waits, b flows
            later = await claim(relay_outbox.store, "r1", now=retry_at)
            assert ids(later) == [a1.id, a2.id]
            assert [item.attempts for item in later] == [1, 0]

        asyncio.run(scenario())

    def test_a_dead_letter_is_listed_blocks_its_aggregate_and_replays(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A dead letter is listed blocks its aggregate and replays."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a1, a2 = message("a", 1), message("a", 2)
            relay_outbox.add([a1, a2])
            await claim(relay_outbox.store, "r1", limit=1)
            await relay_outbox.store.mark_failed(
                "r1", [FailedMessage(id=a1.id, error="poison", retry_at=None)]
            )
            letters = await relay_outbox.store.dead_letters(limit=10)
            assert [(d.message, d.attempts, d.last_error) for d in letters] == [(a1, 1, "poison")]
            assert (
                await claim(relay_outbox.store, "r1", now=T0 + timedelta(days=1)) == []
            )  # a2 waits
            stats = await relay_outbox.store.stats()
            assert (stats.pending, stats.dead, stats.oldest_pending) == (1, 1, T0)
            assert (
                await relay_outbox.store.replay([a2.id], now=T0) == 0
            )  # not dead: nothing to replay
            assert await relay_outbox.store.replay(None, now=T0) == 1
            replayed = await claim(relay_outbox.store, "r1")
            assert ids(replayed) == [a1.id, a2.id]
            assert replayed[0].attempts == 0  # a replayed message gets its attempts anew
            assert await relay_outbox.store.dead_letters(limit=10) == []

        asyncio.run(scenario())

    def test_replay_by_id_replays_only_those(self, relay_outbox: RelayStoreHarness) -> None:
        """Replay by id replays only those."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a1, b1 = message("a", 1), message("b", 1)
            relay_outbox.add([a1, b1])
            await claim(relay_outbox.store, "r1")
            dead = [FailedMessage(id=m.id, error="x", retry_at=None) for m in (a1, b1)]
            await relay_outbox.store.mark_failed("r1", dead)
            assert await relay_outbox.store.replay([b1.id], now=T0) == 1
            assert [d.message.id for d in await relay_outbox.store.dead_letters(limit=10)] == [
                a1.id
            ]
            assert ids(await claim(relay_outbox.store, "r1")) == [b1.id]

        asyncio.run(scenario())

    def test_purge_deletes_only_old_published_messages(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """Purge deletes only old published messages."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            old, recent, pending = message("a", 1), message("b", 1), message("c", 1)
            relay_outbox.add([old, recent, pending])
            claimed = await claim(relay_outbox.store, "r1")
            await relay_outbox.store.release("r1", [pending.id])
            await relay_outbox.store.mark_published("r1", [old.id], now=T0)
            await relay_outbox.store.mark_published("r1", [recent.id], now=T0 + timedelta(days=8))
            assert len(claimed) == 3
            assert await relay_outbox.store.purge(published_before=T0 + timedelta(days=7)) == 1
            assert await relay_outbox.store.purge(published_before=T0 + timedelta(days=7)) == 0
            assert (await relay_outbox.store.stats()).pending == 1

        asyncio.run(scenario())

    def test_g3_a_failing_event_holds_back_its_aggregate_until_replayed(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """G3: a failing event holds back its aggregate until replayed."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            a = [message("a", v) for v in (1, 2, 3)]
            b = [message("b", v) for v in (1, 2, 3)]
            relay_outbox.add([*a, *b])
            poison = a[0].id
            publisher = InMemoryPublisher(refuse=lambda m: "no route" if m.id == poison else None)
            clock = FixedClock(T0)
            policy = RelayPolicy(max_attempts=3, first_retry=timedelta(seconds=1))
            relay = OutboxRelay(
                relay_outbox.store, publisher, policy=policy, clock=clock, jitter=lambda: 0.0
            )

            await relay.relay_batch()
            assert [m.id for m in publisher.published] == [m.id for m in b]  # b flows, a waits
            for _ in range(2):  # two more attempts, each when its backoff has passed
                clock.advance(timedelta(minutes=1))
                await relay.relay_batch()
            assert publisher.published == b
            letters = await relay_outbox.store.dead_letters(limit=10)
            assert [(d.message.id, d.attempts, d.last_error) for d in letters] == [
                (poison, 3, "no route")
            ]
            assert (relay.counters.dead, relay.counters.retried, relay.counters.published) == (
                1,
                2,
                3,
            )
            clock.advance(timedelta(hours=1))
            assert await relay.relay_batch() == 0  # a's later events still wait behind the dead one

            publisher.refuse = lambda _message: None  # the operator fixed the route
            assert await relay_outbox.store.replay(None, now=clock.now()) == 1
            assert await relay.run_until_empty() == 3
            assert [m.id for m in publisher.published] == [m.id for m in (*b, *a)]

        asyncio.run(scenario())

    def test_an_unconfirmed_message_is_retried_and_published_again(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """An unconfirmed message is retried and published again."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            first, second = message("a", 1), message("a", 2)
            relay_outbox.add([first, second])
            lost = {first.id}
            publisher = InMemoryPublisher(unconfirmed=lambda m: m.id in lost)
            clock = FixedClock(T0)
            relay = OutboxRelay(relay_outbox.store, publisher, clock=clock, jitter=lambda: 0.5)
            await relay.relay_batch()
            assert publisher.published == [first]  # sent, unconfirmed: second not sent behind it
            lost.clear()
            clock.advance(timedelta(seconds=1))
            await relay.run_until_empty()
            assert publisher.published == [first, first, second]  # at least once, in order
            assert (await relay_outbox.store.stats()).pending == 0

        asyncio.run(scenario())

    def test_a_publisher_that_raises_leaves_every_message_for_the_next_batch(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A publisher that raises leaves every message for the next batch."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            messages = [message("a", 1), message("b", 1)]
            relay_outbox.add(messages)

            class Broken(InMemoryPublisher):
                """A publisher whose broker is away."""

                @override
                async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
                    """Fail as a lost connection does."""
                    msg = "broker away"
                    raise ConnectionError(msg)

            relay = OutboxRelay(relay_outbox.store, Broken(), clock=FixedClock(T0))
            with pytest.raises(ConnectionError):
                await relay.relay_batch()
            assert relay.counters.released == 2
            publisher = InMemoryPublisher()
            again = OutboxRelay(relay_outbox.store, publisher, clock=FixedClock(T0))
            assert await again.run_until_empty() == 2  # released at once, not after the lease
            assert {m.id for m in publisher.published} == {m.id for m in messages}

        asyncio.run(scenario())

    def test_a_broker_error_no_store_keeps_is_kept_cleaned(
        self, relay_outbox: RelayStoreHarness
    ) -> None:
        """A broker error no store keeps is kept cleaned."""

        async def scenario() -> None:
            """The case, in one event loop (each test runs its own)."""
            poison = message("a", 1)
            relay_outbox.add([poison])
            hostile = "bad\x00route \ud800 " + "x" * 5000
            publisher = InMemoryPublisher(refuse=lambda _message: hostile)
            policy = RelayPolicy(max_attempts=1)
            relay = OutboxRelay(relay_outbox.store, publisher, policy=policy, clock=FixedClock(T0))
            await relay.relay_batch()
            (letter,) = await relay_outbox.store.dead_letters(limit=10)
            assert letter.last_error is not None
            assert letter.last_error.startswith("bad\ufffdroute ? xxx")
            assert len(letter.last_error) == 1000

        asyncio.run(scenario())
