"""An in-memory ``IdempotencyStore``: the SQL store's behaviour, for a service's tests."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from uuid import uuid4

from returns.result import Result, Success

from creativeflow_shared.idempotency import (
    IdempotencyClaim,
    IdempotencyRecord,
    KeyRefusal,
    StoredResponse,
    answer,
)

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["InMemoryIdempotencyStore"]


class InMemoryIdempotencyStore:
    """An ``IdempotencyStore`` in a dictionary, for one event loop.

    Each method runs without awaiting anything, so on one event loop it is atomic, as the
    SQL store's transactions are.

    Examples:
        >>> import asyncio
        >>> from datetime import UTC, datetime, timedelta
        >>> store = InMemoryIdempotencyStore()
        >>> now = datetime(2026, 1, 1, tzinfo=UTC)
        >>> begun = asyncio.run(
        ...     store.begin(
        ...         "t-1",
        ...         "k-1",
        ...         "f",
        ...         now=now,
        ...         expires_at=now + timedelta(days=1),
        ...         lease_until=now + timedelta(minutes=1),
        ...     )
        ... )
        >>> type(begun.unwrap()).__name__
        'IdempotencyClaim'
    """

    __slots__ = ("records",)

    def __init__(self) -> None:
        """Start with no key."""
        #: Each key's record, by scope and key.
        self.records: dict[tuple[str, str], IdempotencyRecord] = {}

    async def begin(  # noqa: PLR0913 (the key, its scope and request, and three instants)
        self,
        scope: str,
        key: str,
        fingerprint: str,
        *,
        now: datetime,
        expires_at: datetime,
        lease_until: datetime,
    ) -> Result[IdempotencyClaim | StoredResponse, KeyRefusal]:
        """Claim the key, or say why the request may not run (see ``IdempotencyStore``)."""
        record = self.records.get((scope, key))
        if record is not None and not record.stale(now):
            return answer(record, key, fingerprint)
        claim = IdempotencyClaim(scope, key, str(uuid4()))
        self.records[scope, key] = IdempotencyRecord(
            fingerprint=fingerprint,
            token=claim.token,
            expires_at=expires_at,
            lease_until=lease_until,
            response=None,
        )
        return Success(claim)

    async def complete(self, claim: IdempotencyClaim, response: StoredResponse) -> bool:
        """Store the response of the claimed request; ``False`` if the claim was lost."""
        record = self._held(claim)
        if record is None:
            return False
        self.records[claim.scope, claim.key] = dataclasses.replace(record, response=response)
        return True

    async def abandon(self, claim: IdempotencyClaim) -> None:
        """Forget the claimed key, so that a retry runs the request."""
        if self._held(claim) is not None:
            del self.records[claim.scope, claim.key]

    async def purge(self, *, now: datetime) -> int:
        """Forget every key that expired by ``now``; return how many."""
        expired = [name for name, record in self.records.items() if record.expires_at <= now]
        for name in expired:
            del self.records[name]
        return len(expired)

    def _held(self, claim: IdempotencyClaim) -> IdempotencyRecord | None:
        record = self.records.get((claim.scope, claim.key))
        return record if record is not None and record.token == claim.token else None
