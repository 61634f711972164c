"""The port that remembers idempotency keys, and the rules every store of it follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias

from returns.result import Failure, Result, Success

from creativeflow_shared.idempotency._errors import (
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
)

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "IDEMPOTENCY_SCOPE_MAX_LENGTH",
    "IdempotencyClaim",
    "IdempotencyRecord",
    "IdempotencyStore",
    "KeyRefusal",
    "StoredResponse",
    "answer",
]

#: The longest scope kept (what the stores' scope column holds).
IDEMPOTENCY_SCOPE_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The response a completed request gave, replayed to every retry with its key.

    Attributes:
        status: The HTTP status code.
        headers: The response's headers, in order, as ``(name, value)`` pairs.
        body: The response's body, byte for byte.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The right to run the request of a key: held until completed, abandoned or lapsed.

    Attributes:
        scope: Whose key it is (a tenant, a client).
        key: The key, as the client sent it.
        token: Tells this claim from a later one on the same key: a claim whose lease lapsed
            may be taken over, and the first holder's ``complete`` then changes nothing.
    """

    scope: str
    key: str
    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotencyRecord:
    """What a store keeps for one key: the request's fingerprint and, once done, its response.

    Attributes:
        fingerprint: The fingerprint of the request that first used the key.
        token: The token of the claim that holds the key.
        expires_at: When the key is forgotten and may be used again.
        lease_until: Until when an unfinished request holds the key; after that it is
            taken to have crashed, and the next request with the key runs.
        response: The response, once the request completed; ``None`` while in flight.
    """

    fingerprint: str
    token: str
    expires_at: datetime
    lease_until: datetime
    response: StoredResponse | None

    def stale(self, now: datetime) -> bool:
        """Whether the record no longer holds its key: it expired, or its lease lapsed."""
        return self.expires_at <= now or (self.response is None and self.lease_until <= now)


#: Why a request may not run with its key.
KeyRefusal: TypeAlias = IdempotencyKeyInFlightError | IdempotencyKeyReusedError


def answer(
    record: IdempotencyRecord, key: str, fingerprint: str
) -> Result[StoredResponse, KeyRefusal]:
    """Return what a request meets when a live record holds its key.

    Returns:
        ``Success`` with the stored response to replay, or ``Failure`` with
        ``IdempotencyKeyReusedError`` (another request used the key: checked first, in
        flight or not) or ``IdempotencyKeyInFlightError`` (the same request is still running).
    """
    if record.fingerprint != fingerprint:
        return Failure(IdempotencyKeyReusedError())
    if record.response is None:
        return Failure(IdempotencyKeyInFlightError(key))
    return Success(record.response)


class IdempotencyStore(Protocol):
    """Remembers each key's request and response, so that a retry is answered, not re-run.

    A key is unique within its scope. ``begin`` claims a new key (or one whose record is
    stale) for exactly one caller, even when many arrive at once; every other caller meets
    the record (``answer``). Every method is one transaction of its own.
    """

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
        """Claim the key for a request, or say why the request may not run.

        Returns:
            ``Success`` with an ``IdempotencyClaim`` (run the request, then ``complete``
            or ``abandon`` the claim) or with the ``StoredResponse`` to replay; or
            ``Failure`` with ``IdempotencyKeyReusedError`` or
            ``IdempotencyKeyInFlightError``.
        """
        ...

    async def complete(self, claim: IdempotencyClaim, response: StoredResponse) -> bool:
        """Store the response of the claimed request; ``False`` if the claim was lost."""
        ...

    async def abandon(self, claim: IdempotencyClaim) -> None:
        """Forget the claimed key, so that a retry runs the request (after a failure)."""
        ...

    async def purge(self, *, now: datetime) -> int:
        """Forget every key that expired by ``now``; return how many."""
        ...
