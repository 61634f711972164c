"""What the outbox relay and its ports pass each other: claims, outcomes, dead letters, stats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from uuid import UUID

    from creativeflow_shared.application._outbox import OutboxMessage

__all__ = ["ClaimedMessage", "DeadLetter", "FailedMessage", "OutboxStats", "PublishOutcome"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedMessage:
    """An outbox message a relay holds a lease on, with the attempts made before this one.

    Attributes:
        message: The message, as the unit of work stored it.
        attempts: How many times publishing it failed before.
    """

    message: OutboxMessage
    attempts: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedMessage:
    """A message whose publication failed, and when to try it again.

    Attributes:
        id: The message's id.
        error: Why it failed, in a few words (kept as the row's last error).
        retry_at: When it becomes due again; ``None`` dead-letters it.
    """

    id: UUID
    error: str
    retry_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """A message that failed too often, waiting for an operator (``replay`` sends it again).

    While it waits, the later messages of its aggregate wait too: publishing them first would
    break the aggregate's order.

    Attributes:
        message: The message.
        attempts: How many times publishing it failed.
        last_error: The last failure, as the publisher described it.
    """

    message: OutboxMessage
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxStats:
    """How the outbox stands: what an operator watches.

    Attributes:
        pending: Messages not yet published (due, waiting for a retry, or claimed).
        dead: Dead-lettered messages.
        oldest_pending: When the oldest pending message's event occurred (``None`` if none).
    """

    pending: int
    dead: int
    oldest_pending: datetime | None

    def lag_seconds(self, now: datetime) -> float:
        """How long the oldest pending message has waited at ``now`` (0 when none waits)."""
        if self.oldest_pending is None:
            return 0.0
        return max(0.0, (now - self.oldest_pending).total_seconds())


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishOutcome:
    """What a publisher says of a batch: the messages the broker confirmed, and why others not.

    A message of the batch that is in neither ``confirmed`` nor ``failures`` was not
    confirmed either: the relay treats it as failed.

    Attributes:
        confirmed: The ids of the messages the broker confirmed.
        failures: Why the others failed, by id.
    """

    confirmed: frozenset[UUID]
    failures: Mapping[UUID, str] = field(default_factory=dict["UUID", str])
