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

__all__ = ["ClaimableRow", "claim_runs", "publication_order"]


def publication_order(message: OutboxMessage) -> tuple[int, UUID]:
    """The key that orders one aggregate's messages: its version, then the event id."""
    return (message.aggregate_version or 0, message.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimableRow:
    """A pending outbox message as a store keeps it: what decides whether it is due.

    Attributes:
        id: The message's id.
        attempts: Failed attempts so far.
        available_at: When it is (or becomes) due.
        leased_until: When the lease another relay holds on it ends (``None``: no lease).
    """

    id: UUID
    attempts: int
    available_at: datetime
    leased_until: datetime | None

    def due(self, now: datetime) -> bool:
        """Whether a relay may take it at ``now``: available, and no live lease on it."""
        free = self.leased_until is None or self.leased_until <= now
        return self.available_at <= now and free


def claim_runs(
    heads: Sequence[tuple[str, str]],
    pending: Mapping[tuple[str, str], Sequence[ClaimableRow]],
    *,
    limit: int,
    now: datetime,
) -> list[ClaimableRow]:
    """The messages to claim: each head, then the due messages behind it, up to ``limit``.

    Args:
        heads: The aggregates whose head the store may claim, in the order to serve them
            (at most ``limit``).
        pending: Each of those aggregates' pending messages in publication order, its head
            first.
        limit: The most messages to claim.
        now: The time dueness is judged at.

    Returns:
        The rows to claim, grouped by aggregate, each group in publication order. A run stops
        at the first message that is not due: nothing is claimed past a gap. (A store reads
        the whole messages of these rows only.)
    """
    runs = {key: [pending[key][0]] for key in heads}
    room = limit - len(runs)
    for key in heads:
        for row in pending[key][1:]:
            if room <= 0 or not row.due(now):
                break
            runs[key].append(row)
            room -= 1
    return [row for key in heads for row in runs[key]]
