"""The outbox relay: moves committed outbox messages to a broker, at least once, in order.

The relay is logic over two ports (ADR 0028): a ``RelayStore`` it claims messages from and
marks them in, and an ``EventPublisher`` it publishes them through. One batch:

1. claim up to ``batch_size`` due messages under a lease (the store hands out an aggregate's
   messages in its order, and only when nothing earlier of that aggregate is unpublished);
2. publish them in *waves*: the first claimed message of every aggregate, then the second of
   those whose first was confirmed, and so on, so that an aggregate's message never leaves
   before the one ahead of it is confirmed, while different aggregates go out together;
3. mark the confirmed ones published; give a failed one a later ``available_at`` (exponential
   backoff with jitter) or, after ``max_attempts``, dead-letter it; release the rest of its
   aggregate's run untouched, so that they wait behind it.

A relay that dies keeps its leases until they expire; then another relay claims the same
messages and publishes them again: delivery is at least once, and consumers deduplicate by
message id (the inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from creativeflow_shared.application._relay_records import FailedMessage
from creativeflow_shared.application._storable import storable
from creativeflow_shared.domain import SystemClock

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from uuid import UUID

    from creativeflow_shared.application._relay_records import ClaimedMessage
    from creativeflow_shared.application.ports import EventPublisher, RelayStore
    from creativeflow_shared.domain import Clock

__all__ = ["RELAY_ID_MAX_LENGTH", "OutboxRelay", "RelayCounters", "RelayPolicy"]

_log = logging.getLogger("creativeflow_shared.relay")

#: The longest relay id: what the outbox keeps in its ``leased_by`` column.
RELAY_ID_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayPolicy:
    """How a relay claims, retries and gives up.

    Attributes:
        batch_size: The most messages one batch claims.
        lease: How long a claim holds; longer than a batch takes to publish, so that a live
            relay never loses its claim to another (which would publish twice).
        max_attempts: Failed attempts after which a message is dead-lettered.
        first_retry: The delay before the first retry; each further one doubles it.
        max_retry: The longest delay between two attempts.
        idle_wait: Seconds a running relay waits when nothing was due.

    Raises:
        ValueError: If a size, count or duration is not positive, or ``max_retry`` is shorter
            than ``first_retry``.
    """

    batch_size: int = 100
    lease: timedelta = timedelta(seconds=30)
    max_attempts: int = 10
    first_retry: timedelta = timedelta(seconds=1)
    max_retry: timedelta = timedelta(minutes=10)
    idle_wait: float = 0.5

    def __post_init__(self) -> None:
        """Refuse settings no relay can work with."""
        if self.batch_size < 1 or self.max_attempts < 1:
            msg = "batch_size and max_attempts must be at least 1"
            raise ValueError(msg)
        zero = timedelta(0)
        if min(self.lease, self.first_retry) <= zero or self.idle_wait <= 0:
            msg = "lease, first_retry and idle_wait must be positive"
            raise ValueError(msg)
        if self.max_retry < self.first_retry:
            msg = "max_retry must not be shorter than first_retry"
            raise ValueError(msg)

    def retry_at(self, attempts: int, now: datetime, jitter: float) -> datetime | None:
        """When a message that has now failed ``attempts`` times is due again (``None``: dead).

        The delay doubles with each attempt up to ``max_retry``; ``jitter`` (in ``[0, 1)``)
        spreads it over its upper half, so that messages failing together do not return
        together ("equal jitter").
        """
        if attempts >= self.max_attempts:
            return None
        doubled = self.first_retry.total_seconds() * 2.0 ** min(attempts - 1, 1000)
        ceiling = timedelta(seconds=min(self.max_retry.total_seconds(), doubled))
        return now + ceiling / 2 + ceiling / 2 * jitter


@dataclass(slots=True)
class RelayCounters:
    """What a relay has done since it started: counters an operator scrapes or logs.

    Attributes:
        batches: Batches that claimed at least one message.
        published: Messages confirmed by the broker and marked published.
        retried: Failed attempts that will be retried.
        dead: Messages dead-lettered.
        released: Claimed messages given back unpublished (behind a failure, or on shutdown).
        errors: Batches that failed as a whole (the store or the publisher raised).
    """

    batches: int = 0
    published: int = 0
    retried: int = 0
    dead: int = 0
    released: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters by name, for a log record or a metrics endpoint."""
        return {
            "batches": self.batches,
            "published": self.published,
            "retried": self.retried,
            "dead": self.dead,
            "released": self.released,
            "errors": self.errors,
        }


@dataclass(slots=True)
class _Batch:
    """The messages of one claim, settled as their waves are answered."""

    chains: dict[tuple[str, str], deque[ClaimedMessage]]
    published: list[UUID] = field(default_factory=list["UUID"])
    failed: list[FailedMessage] = field(default_factory=list[FailedMessage])
    released: list[UUID] = field(default_factory=list["UUID"])

    def unsettled(self) -> list[UUID]:
        """The claimed messages neither published nor failed (still to publish)."""
        return [claimed.message.id for chain in self.chains.values() for claimed in chain]


class OutboxRelay:
    """Publishes committed outbox messages through an ``EventPublisher``, batch by batch.

    Examples:
        >>> from creativeflow_shared.testing import InMemoryPublisher, InMemoryRelayStore
        >>> relay = OutboxRelay(InMemoryRelayStore(), InMemoryPublisher())
        >>> asyncio.run(relay.run_until_empty())
        0
    """

    __slots__ = ("_clock", "_jitter", "_policy", "_publisher", "_store", "counters", "relay_id")

    def __init__(  # noqa: PLR0913 (each is a separate, optional knob)
        self,
        store: RelayStore,
        publisher: EventPublisher,
        *,
        policy: RelayPolicy | None = None,
        relay_id: str | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """Relay from ``store`` through ``publisher``.

        Args:
            store: Where the messages are claimed and marked.
            publisher: Where they are published.
            policy: Batch size, lease, retries (the defaults of ``RelayPolicy`` otherwise).
            relay_id: This relay's name in the leases it holds (unique per process; a fresh
                one by default).
            clock: The time leases and retries are computed from (the system clock).
            jitter: A source of numbers in ``[0, 1)`` that spreads retries.

        Raises:
            ValueError: If ``relay_id`` is empty, longer than ``RELAY_ID_MAX_LENGTH``, or holds
                a NUL character or a lone surrogate (no store keeps it in its leases).
        """
        if relay_id is not None and not (
            0 < len(relay_id) <= RELAY_ID_MAX_LENGTH and storable(relay_id)
        ):
            msg = (
                f"a relay id holds 1 to {RELAY_ID_MAX_LENGTH} characters of valid text "
                "without NUL characters"
            )
            raise ValueError(msg)
        self._store = store
        self._publisher = publisher
        self._policy = policy or RelayPolicy()
        self.relay_id = relay_id or f"relay-{uuid.uuid4().hex[:12]}"
        self._clock = clock or SystemClock()
        self._jitter = jitter
        self.counters = RelayCounters()

    @property
    def policy(self) -> RelayPolicy:
        """The policy this relay follows."""
        return self._policy

    async def relay_batch(self) -> int:
        """Claim one batch, publish it and mark it; return how many messages were claimed.

        When the publisher or the store raises in the middle, what was confirmed is still
        marked and the rest is released (and the error raised): nothing waits for its lease.
        """
        now = self._clock.now()
        claimed = await self._store.claim(
            self.relay_id,
            limit=self._policy.batch_size,
            now=now,
            lease_until=now + self._policy.lease,
        )
        if not claimed:
            return 0
        batch = _Batch(chains=_chains(claimed))
        try:
            while batch.chains:
                await self._publish_wave(batch)
        finally:
            batch.released += batch.unsettled()
            await asyncio.shield(self._settle(batch))
        self.counters.batches += 1
        _log.debug(
            "relay batch",
            extra={"relay_id": self.relay_id, "claimed": len(claimed), **self.counters.as_dict()},
        )
        return len(claimed)

    async def run_until_empty(self, *, max_batches: int = 10_000) -> int:
        """Relay batches until nothing is due; return how many messages were claimed.

        Messages waiting for a retry are not due: they stay. Meant for tests and one-off
        drains; a service runs ``run``.

        Raises:
            RuntimeError: If ``max_batches`` batches did not empty the outbox (a publisher
                that keeps failing and a policy that keeps retrying at once, say).
        """
        total = 0
        for _ in range(max_batches):
            claimed = await self.relay_batch()
            if not claimed:
                return total
            total += claimed
        msg = f"the outbox was not empty after {max_batches} batches"
        raise RuntimeError(msg)

    async def run(self, stop: asyncio.Event) -> RelayCounters:
        """Relay until ``stop`` is set; a batch in hand is finished (or released) first.

        A batch that fails as a whole (the database or the broker is away) is counted and
        logged, and the relay waits ``idle_wait`` before it tries again: it outlives outages.

        Returns:
            The counters when it stopped.
        """
        _log.info("relay started", extra={"relay_id": self.relay_id})
        while not stop.is_set():
            try:
                claimed = await self.relay_batch()
            except Exception:  # noqa: BLE001 (a relay outlives any failed batch; logged below)
                self.counters.errors += 1
                _log.exception("relay batch failed", extra={"relay_id": self.relay_id})
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._policy.idle_wait)
        _log.info("relay stopped", extra={"relay_id": self.relay_id, **self.counters.as_dict()})
        return self.counters

    async def _publish_wave(self, batch: _Batch) -> None:
        """Publish the head of every chain; advance the confirmed, settle the failed."""
        heads = [chain[0] for chain in batch.chains.values()]
        outcome = await self._publisher.publish([claimed.message for claimed in heads])
        now = self._clock.now()
        for key, claimed in zip(list(batch.chains), heads, strict=True):
            chain = batch.chains[key]
            message_id = claimed.message.id
            if message_id in outcome.confirmed:
                batch.published.append(message_id)
                chain.popleft()
                if not chain:
                    del batch.chains[key]
                continue
            attempts = claimed.attempts + 1
            error = _storable_error(outcome.failures.get(message_id, "not confirmed by the broker"))
            retry_at = self._policy.retry_at(attempts, now, self._jitter())
            batch.failed.append(FailedMessage(id=message_id, error=error, retry_at=retry_at))
            chain.popleft()
            batch.released += [behind.message.id for behind in chain]
            del batch.chains[key]

    async def _settle(self, batch: _Batch) -> None:
        """Mark what the broker confirmed and what failed; release the rest."""
        store = self._store
        if batch.published:
            await store.mark_published(self.relay_id, batch.published, now=self._clock.now())
            self.counters.published += len(batch.published)
        if batch.failed:
            await store.mark_failed(self.relay_id, batch.failed)
            dead = sum(failure.retry_at is None for failure in batch.failed)
            self.counters.dead += dead
            self.counters.retried += len(batch.failed) - dead
            for failure in batch.failed:
                level = logging.ERROR if failure.retry_at is None else logging.WARNING
                _log.log(
                    level,
                    "outbox message %s %s: %s",
                    failure.id,
                    "dead-lettered" if failure.retry_at is None else "will be retried",
                    failure.error,
                    extra={"relay_id": self.relay_id, "message_id": str(failure.id)},
                )
        if batch.released:
            await store.release(self.relay_id, batch.released)
            self.counters.released += len(batch.released)


#: The longest failure text a relay keeps as a message's last error.
_ERROR_MAX_LENGTH = 1000


def _storable_error(error: str) -> str:
    """``error`` as every store keeps it: no NUL, no lone surrogate, at most 1000 characters.

    A broker's error text is not ours: one that PostgreSQL refused would fail the mark, and
    the message would never be counted, retried on time or dead-lettered.
    """
    text = error.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return text[:_ERROR_MAX_LENGTH]


def _chains(claimed: list[ClaimedMessage]) -> dict[tuple[str, str], deque[ClaimedMessage]]:
    """The claimed messages by aggregate, each aggregate's in the order the store gave."""
    chains: dict[tuple[str, str], deque[ClaimedMessage]] = {}
    for item in claimed:
        key = (item.message.aggregate_type, item.message.aggregate_id)
        chains.setdefault(key, deque()).append(item)
    return chains
