"""Which stored outbox messages a relay may claim: the one rule every relay store follows.

An aggregate's messages are published in their order (aggregate version, then id); a
message is handed out only when every earlier message of its aggregate is published. The
first unpublished message of an aggregate is its *head*. A store finds the heads that are due
(pending, available, no live lease) in its own way, a SQL store with ``SKIP LOCKED`` so that
concurrent relays take different aggregates, and then extends each head with the due
messages right behind it, here, so that a batch carries more than one message per aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime
    from uuid import UUID

    from creativeflow_shared.application._outbox import OutboxMessage

__all__ = ["ClaimableRow", "claim_runs", "publication_order", "run_length"]


def publication_order(message: OutboxMessage) -> tuple[bool, int, UUID]:
    """The key that orders one aggregate's messages: its version, then the event id.

    Messages without a version come after the versioned ones, as an ascending SQL index
    orders absent values on PostgreSQL.
    """
    version = message.aggregate_version
    return (version is None, version or 0, message.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimableRow:
    """An unpublished outbox message as a store keeps it: what decides whether it is due.

    Attributes:
        id: The message's id.
        attempts: Failed attempts so far.
        available_at: When it is (or becomes) due.
        leased_until: When the lease another relay holds on it ends (``None``: no lease).
        dead: Whether it was dead-lettered: never due, and the messages behind it wait.
    """

    id: UUID
    attempts: int
    available_at: datetime
    leased_until: datetime | None
    dead: bool = False

    def due(self, now: datetime) -> bool:
        """Whether a relay may take it at ``now``: not dead, available, and no live lease."""
        free = self.leased_until is None or self.leased_until <= now
        return not self.dead and self.available_at <= now and free


def claim_runs(
    heads: Sequence[tuple[str, str]],
    pending: Mapping[tuple[str, str], Sequence[ClaimableRow]],
    *,
    limit: int,
    now: datetime,
) -> list[ClaimableRow]:
    """The messages to claim: each head, then its share of the due messages behind it.

    The room the heads leave in ``limit`` is shared out evenly (the first heads get one more
    when it does not divide), so that a store needs to read only ``run_length`` rows of each
    aggregate, and no aggregate takes the whole batch while others wait.

    Args:
        heads: The aggregates whose head the store may claim, in the order to serve them
            (at most ``limit``).
        pending: Each of those aggregates' unpublished messages (dead ones included) in
            publication order, its head first (the first ``run_length(...)`` of them are enough).
        limit: The most messages to claim.
        now: The time dueness is judged at.

    Returns:
        The rows to claim, grouped by aggregate, each group in publication order. A run stops
        at the first message that is not due: nothing is claimed past a gap. (A store reads
        the whole messages of these rows only.)
    """
    share, extra = divmod(limit - len(heads), len(heads)) if heads else (0, 0)
    claimed: list[ClaimableRow] = []
    for index, key in enumerate(heads):
        rows = pending[key]
        claimed.append(rows[0])
        for row in rows[1 : 1 + share + (index < extra)]:
            if not row.due(now):
                break
            claimed.append(row)
    return claimed


def run_length(heads: int, limit: int) -> int:
    """The most rows ``claim_runs`` takes of one aggregate: its head and its share."""
    return 1 + -(-(limit - heads) // heads) if heads else 0
