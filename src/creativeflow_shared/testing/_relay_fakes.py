"""In-memory relay store and publisher: the relay's ports for service tests, no broker.

``InMemoryRelayStore`` relays the outbox of an ``InMemoryDatabase`` (what in-memory units of
work committed) or messages given to it; ``InMemoryPublisher`` records what it published and
can be told to refuse or to leave unconfirmed. Both pass the same contract suites as the
real adapters.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from creativeflow_shared.application.ports import (
    ClaimableRow,
    ClaimedMessage,
    DeadLetter,
    OutboxStats,
    PublishOutcome,
    claim_runs,
    publication_order,
)
from creativeflow_shared.testing._in_memory import InMemoryDatabase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime
    from uuid import UUID

    from creativeflow_shared.application import OutboxMessage
    from creativeflow_shared.application.ports import FailedMessage

__all__ = ["InMemoryPublisher", "InMemoryRelayStore"]

_PENDING, _PUBLISHED, _DEAD = "pending", "published", "dead"


@dataclass(frozen=True, slots=True)
class _State:
    """What the outbox table keeps of a message besides the message."""

    status: str
    attempts: int
    available_at: datetime
    leased_by: str | None = None
    leased_until: datetime | None = None
    published_at: datetime | None = None
    last_error: str | None = None


class InMemoryRelayStore:
    """A ``RelayStore`` over an in-memory outbox, with the SQL store's claiming rule.

    Examples:
        >>> store = InMemoryRelayStore()
        >>> asyncio.run(store.stats()).pending
        0
    """

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        """Relay ``database``'s committed outbox (an empty database of its own by default)."""
        self.database = database or InMemoryDatabase()
        self._states: dict[UUID, _State] = {}

    def add(self, messages: Iterable[OutboxMessage]) -> None:
        """Put ``messages`` into the outbox as if a unit of work had committed them."""
        with self.database.lock:
            self.database.outbox.extend(messages)

    def status(self, message_id: UUID) -> str:
        """Return ``"pending"``, ``"published"`` or ``"dead"`` for a stored message.

        Raises:
            KeyError: If no such message is stored.
        """
        return self._rows()[message_id][1].status

    async def claim(
        self, relay_id: str, *, limit: int, now: datetime, lease_until: datetime
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages to ``relay_id`` (see ``RelayStore.claim``)."""
        await asyncio.sleep(0)
        with self.database.lock:
            pending: dict[tuple[str, str], list[ClaimableRow]] = {}
            closed: set[tuple[str, str]] = set()  # a dead message: nothing behind it goes
            for message, state in sorted(
                self._rows().values(), key=lambda item: publication_order(item[0])
            ):
                key = (message.aggregate_type, message.aggregate_id)
                if state.status == _DEAD:
                    closed.add(key)
                elif state.status == _PENDING and key not in closed:
                    row = ClaimableRow(
                        id=message.id,
                        attempts=state.attempts,
                        available_at=state.available_at,
                        leased_until=state.leased_until,
                    )
                    pending.setdefault(key, []).append(row)
            due = [
                (rows[0].available_at, rows[0].id, key)
                for key, rows in pending.items()
                if rows[0].due(now)
            ]
            heads = [key for _, _, key in sorted(due)[:limit]]
            stored = self._rows()
            claimed = [
                ClaimedMessage(message=stored[row.id][0], attempts=row.attempts)
                for row in claim_runs(heads, pending, limit=limit, now=now)
            ]
            for item in claimed:
                self._update(item.message.id, leased_by=relay_id, leased_until=lease_until)
            return claimed

    async def mark_published(self, relay_id: str, ids: Sequence[UUID], *, now: datetime) -> None:
        """Mark the messages ``relay_id`` holds among ``ids`` as published."""
        await asyncio.sleep(0)
        with self.database.lock:
            for message_id in self._held(relay_id, ids):
                self._update(message_id, status=_PUBLISHED, published_at=now, **_NO_LEASE)

    async def mark_failed(self, relay_id: str, failures: Sequence[FailedMessage]) -> None:
        """Count a failed attempt of each message ``relay_id`` holds; retry or dead-letter."""
        await asyncio.sleep(0)
        with self.database.lock:
            held = set(self._held(relay_id, [failure.id for failure in failures]))
            for failure in failures:
                if failure.id not in held:
                    continue
                state = self._states[failure.id]
                self._update(
                    failure.id,
                    attempts=state.attempts + 1,
                    last_error=failure.error,
                    status=_DEAD if failure.retry_at is None else _PENDING,
                    available_at=failure.retry_at or state.available_at,
                    **_NO_LEASE,
                )

    async def release(self, relay_id: str, ids: Sequence[UUID]) -> None:
        """Give back ``relay_id``'s leases on ``ids``."""
        await asyncio.sleep(0)
        with self.database.lock:
            for message_id in self._held(relay_id, ids):
                self._update(message_id, **_NO_LEASE)

    async def dead_letters(self, *, limit: int) -> list[DeadLetter]:
        """Return up to ``limit`` dead-lettered messages, oldest first."""
        await asyncio.sleep(0)
        with self.database.lock:
            dead = [
                DeadLetter(message=message, attempts=state.attempts, last_error=state.last_error)
                for message, state in self._rows().values()
                if state.status == _DEAD
            ]
        return sorted(dead, key=lambda letter: letter.message.id)[:limit]

    async def replay(self, ids: Sequence[UUID] | None, *, now: datetime) -> int:
        """Make dead-lettered messages due again at ``now``; return how many."""
        await asyncio.sleep(0)
        with self.database.lock:
            wanted = None if ids is None else set(ids)
            replayed = [
                message.id
                for message, state in self._rows().values()
                if state.status == _DEAD and (wanted is None or message.id in wanted)
            ]
            for message_id in replayed:
                self._update(message_id, status=_PENDING, attempts=0, available_at=now)
            return len(replayed)

    async def purge(self, *, published_before: datetime) -> int:
        """Delete the messages published before ``published_before``; return how many."""
        await asyncio.sleep(0)
        with self.database.lock:
            old = {
                message.id
                for message, state in self._rows().values()
                if state.published_at is not None and state.published_at < published_before
            }
            self.database.outbox[:] = [m for m in self.database.outbox if m.id not in old]
            for message_id in old:
                del self._states[message_id]
            return len(old)

    async def stats(self) -> OutboxStats:
        """Return the pending and dead counts and the oldest pending message's time."""
        await asyncio.sleep(0)
        with self.database.lock:
            rows = self._rows().values()
            pending = [message.occurred_at for message, state in rows if state.status == _PENDING]
            dead = sum(state.status == _DEAD for _, state in rows)
        return OutboxStats(
            pending=len(pending), dead=dead, oldest_pending=min(pending, default=None)
        )

    def _rows(self) -> dict[UUID, tuple[OutboxMessage, _State]]:
        rows: dict[UUID, tuple[OutboxMessage, _State]] = {}
        for message in self.database.outbox:
            state = self._states.get(message.id)
            if state is None:
                state = _State(status=_PENDING, attempts=0, available_at=message.occurred_at)
                self._states[message.id] = state
            rows[message.id] = (message, state)
        return rows

    def _held(self, relay_id: str, ids: Sequence[UUID]) -> list[UUID]:
        states = self._states
        return [i for i in ids if i in states and states[i].leased_by == relay_id]

    def _update(self, message_id: UUID, **changes: Any) -> None:  # noqa: ANN401 (fields of _State)
        self._states[message_id] = replace(self._states[message_id], **changes)


_NO_LEASE: dict[str, object] = {"leased_by": None, "leased_until": None}


def _publish(_message: OutboxMessage) -> str | None:
    return None


def _confirm(_message: OutboxMessage) -> bool:
    return False


class InMemoryPublisher:
    """An ``EventPublisher`` that keeps what it publishes, and fails when told to.

    Attributes:
        published: Every message confirmed, in the order published (repeats included).
        refuse: Called with each message; a text it returns fails the message with that
            reason (``None`` publishes it).
        unconfirmed: Called with each message; ``True`` sends it but leaves it unconfirmed
            (as a broker that lost the confirm): it counts as published *and* failed.

    Examples:
        >>> publisher = InMemoryPublisher(
        ...     refuse=lambda m: "no route" if m.event_type == "x" else None
        ... )
        >>> asyncio.run(publisher.publish([])).confirmed
        frozenset()
    """

    def __init__(
        self,
        *,
        refuse: Callable[[OutboxMessage], str | None] | None = None,
        unconfirmed: Callable[[OutboxMessage], bool] | None = None,
    ) -> None:
        """Publish everything, unless ``refuse`` or ``unconfirmed`` say otherwise."""
        self.published: list[OutboxMessage] = []
        self.refuse: Callable[[OutboxMessage], str | None] = refuse or _publish
        self.unconfirmed: Callable[[OutboxMessage], bool] = unconfirmed or _confirm

    async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
        """Publish ``messages``; confirm the ones neither refused nor left unconfirmed."""
        await asyncio.sleep(0)
        confirmed: set[UUID] = set()
        failures: dict[UUID, str] = {}
        for message in messages:
            reason = self.refuse(message)
            if reason is not None:
                failures[message.id] = reason
                continue
            self.published.append(message)
            if not self.unconfirmed(message):
                confirmed.add(message.id)
        return PublishOutcome(confirmed=frozenset(confirmed), failures=failures)
