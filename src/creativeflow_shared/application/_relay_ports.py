"""The outbox relay's ports: the store it claims messages from, the broker it publishes to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID

    from creativeflow_shared.application._outbox import OutboxMessage
    from creativeflow_shared.application._relay_records import (
        ClaimedMessage,
        DeadLetter,
        FailedMessage,
        OutboxStats,
        PublishOutcome,
    )

__all__ = ["EventPublisher", "RelayStore"]


class RelayStore(Protocol):
    """The outbox as a relay works on it: each call is a transaction of its own.

    A message is *claimed* by a relay for a lease; only the relay holding it marks it. Claims
    keep each aggregate's order: a store hands out a message only when every earlier message
    of its aggregate (by aggregate version, then id) is published, and hands out an
    aggregate's messages to one relay at a time.
    """

    async def claim(
        self, relay_id: str, *, limit: int, now: datetime, lease_until: datetime
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages to ``relay_id`` until ``lease_until``.

        Returns:
            The claimed messages, each aggregate's in its order. A message is due when it is
            pending, its ``available_at`` is not after ``now``, no live lease holds it, and
            nothing earlier of its aggregate is unpublished.
        """
        ...

    async def mark_published(self, relay_id: str, ids: Sequence[UUID], *, now: datetime) -> None:
        """Mark the messages ``relay_id`` still holds among ``ids`` as published at ``now``."""
        ...

    async def mark_failed(self, relay_id: str, failures: Sequence[FailedMessage]) -> None:
        """Count a failed attempt of each message ``relay_id`` holds, and release it.

        A failure with a ``retry_at`` becomes due again then; one without is dead-lettered.
        """
        ...

    async def release(self, relay_id: str, ids: Sequence[UUID]) -> None:
        """Give back the leases ``relay_id`` holds on ``ids``, attempts unchanged."""
        ...

    async def dead_letters(self, *, limit: int) -> list[DeadLetter]:
        """Return up to ``limit`` dead-lettered messages, oldest first."""
        ...

    async def replay(self, ids: Sequence[UUID] | None, *, now: datetime) -> int:
        """Make dead-lettered messages (all of them when ``ids`` is None) due again at ``now``.

        Returns:
            How many messages were replayed.
        """
        ...

    async def purge(self, *, published_before: datetime) -> int:
        """Delete the messages published before ``published_before``.

        Returns:
            How many were deleted.
        """
        ...

    async def stats(self) -> OutboxStats:
        """Return how many messages are pending and dead, and the oldest pending one's age."""
        ...


class EventPublisher(Protocol):
    """Sends outbox messages to a broker and says which the broker confirmed."""

    async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
        """Publish ``messages`` (they may go out together) and wait for the broker's answers.

        The messages of one call belong to different aggregates: their order among each
        other does not matter. A failure to send is reported in the outcome, not raised.
        """
        ...
