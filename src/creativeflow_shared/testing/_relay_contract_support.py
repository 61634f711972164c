"""What the relay store contract suites share: the harness they test through, and helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.domain import uuid7

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from creativeflow_shared.application.ports import ClaimedMessage, RelayStore

__all__ = ["LEASE", "T0", "RelayStoreHarness", "by_id", "claim", "ids", "message"]

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


class RelayStoreHarness(Protocol):
    """What ``RelayStoreContract`` needs of an adapter: its store, and a way to fill it."""

    @property
    def store(self) -> RelayStore:
        """The relay store under test, on an empty outbox."""
        ...

    def add(self, messages: Sequence[OutboxMessage]) -> None:
        """Store ``messages`` in the outbox as a committed unit of work would."""
        ...


def message(aggregate: str, version: int | None, *, at: datetime = T0) -> OutboxMessage:
    """An outbox message of the aggregate ``aggregate`` at ``version`` (text no store mangles)."""
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="Job",
        aggregate_id=aggregate,
        aggregate_version=version,
        event_type="JobStepped",
        schema_version=1,
        payload={"step": version, "text": "\u00e9\u2028"},
        headers={"correlation_id": "c-1"},
        occurred_at=at,
    )


def by_id(message: OutboxMessage) -> UUID:
    """Sort key: the message's id."""
    return message.id


def ids(claimed: Sequence[ClaimedMessage]) -> list[UUID]:
    """The ids of claimed messages, in order."""
    return [item.message.id for item in claimed]


async def claim(
    store: RelayStore, relay: str, *, limit: int = 100, now: datetime = T0
) -> list[ClaimedMessage]:
    """Claim for ``relay`` at ``now`` with the suite's lease."""
    return await store.claim(relay, limit=limit, now=now, lease_until=now + LEASE)
