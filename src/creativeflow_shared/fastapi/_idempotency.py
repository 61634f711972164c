"""The ``Idempotency-Key`` dependency: claim the key, replay a stored answer, or refuse.

The dependency claims the key before the handler runs; the edge middleware (``install``)
sees the response the request ends with and stores it, or abandons the claim when the
request failed, so that a retry runs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import Header, Request, Response, params
from returns.result import Failure

from creativeflow_shared.application import current_context
from creativeflow_shared.domain import current_clock
from creativeflow_shared.idempotency import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_SCOPE_MAX_LENGTH,
    IdempotencyClaim,
    IdempotencyStore,
    InvalidIdempotencyKeyError,
    StoredResponse,
    parse_idempotency_key,
    request_fingerprint,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import JsonValue
    from starlette.types import Scope

    from creativeflow_shared.domain import Clock

__all__ = [
    "REPLAYED_HEADER",
    "Pending",
    "Replayed",
    "idempotency_dependency",
    "pending_of",
    "start_pending",
]

#: Set to ``true`` on a response replayed from the store.
REPLAYED_HEADER = "Idempotent-Replayed"
#: Where the edge middleware keeps what a request's dependency claimed.
_SCOPE_KEY = "creativeflow.idempotency"
#: The methods the key guards: the others are idempotent already (or safe).
_METHODS = frozenset({"POST", "PATCH"})
#: Statuses that invite a retry: a retry with the key runs again rather than replaying them.
_RETRYABLE = frozenset({408, 409, 425, 429})
#: Headers of one exchange, not of the answer: never stored, never replayed.
_UNSTORED = frozenset({"x-correlation-id", "content-length", "date", "server"})
#: The key as the OpenAPI description shows it (documentation only: the dependency checks
#: the header itself, so that a malformed key is a 400 problem, not a validation error).
_DOCUMENTED_KEY: dict[str, JsonValue] = {
    "minLength": 1,
    "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
    "pattern": "^[!#-~]+$",
    "description": "Makes a POST or PATCH safe to retry (IETF Idempotency-Key draft).",
}


class Replayed(Exception):  # noqa: N818 (it carries an answer, it is no error)
    """Raised by the dependency to answer with a stored response instead of the handler."""

    def __init__(self, stored: StoredResponse) -> None:
        """Carry the stored response."""
        super().__init__("replayed")
        self.stored = stored

    def response(self) -> Response:
        """Return the stored response, marked as replayed."""
        headers = [(name, value) for name, value in self.stored.headers]
        response = Response(self.stored.body, status_code=self.stored.status)
        for name, value in headers:
            response.headers.append(name, value)
        response.headers[REPLAYED_HEADER] = "true"
        return response


@dataclass(slots=True)
class Pending:
    """The claim a request holds on its key, until its response is stored or it failed.

    Attributes:
        held: The store and the claim, once the dependency claimed the key.
    """

    held: tuple[IdempotencyStore, IdempotencyClaim] | None = None

    async def settle(
        self,
        held: tuple[IdempotencyStore, IdempotencyClaim],
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        """Store the response the request ended with, or abandon the claim if it failed."""
        self.held = None
        store, claim = held
        if status >= 500 or status in _RETRYABLE:  # noqa: PLR2004 (the server error class)
            await store.abandon(claim)
            return
        kept = tuple(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in headers
            if name.decode("latin-1").lower() not in _UNSTORED
        )
        await store.complete(claim, StoredResponse(status, kept, body))

    async def release(self) -> None:
        """Abandon a claim the request still holds: it ended without a complete response."""
        held, self.held = self.held, None
        if held is not None:
            store, claim = held
            await store.abandon(claim)


def pending_of(scope: Scope) -> Pending:
    """Return the request's ``Pending``, put there by the edge middleware.

    Raises:
        RuntimeError: If the app was not set up with ``install``.
    """
    pending = scope.get(_SCOPE_KEY)
    if not isinstance(pending, Pending):
        msg = "the request did not pass the kernel's middleware: call install(app) first"
        raise RuntimeError(msg)  # noqa: TRY004 (a missing set-up, not a wrong type)
    return pending


def start_pending(scope: Scope) -> Pending:
    """Put a fresh ``Pending`` into the request's scope and return it."""
    pending = scope[_SCOPE_KEY] = Pending()
    return pending


def _tenant_scope(_: Request) -> str:
    return current_context().tenant_id or ""


def idempotency_dependency(  # noqa: PLR0913 (each option has its default)
    store: IdempotencyStore,
    *,
    ttl: timedelta = timedelta(hours=24),
    lease: timedelta = timedelta(minutes=1),
    required: bool = False,
    scope: Callable[[Request], str] = _tenant_scope,
    clock: Clock | None = None,
) -> params.Depends:
    """Return the dependency that makes ``POST`` and ``PATCH`` retryable with a key.

    Put it among the route's (or the router's) ``dependencies``, which run before the
    handler's own: a request with a stored answer then runs no other dependency (no unit of
    work is opened for it). On other methods it does nothing.

    Args:
        store: Where keys are remembered (``SQLAlchemyIdempotencyStore``, or the in-memory
            one of the testing kit).
        ttl: How long a key is remembered after its first use.
        lease: How long an unfinished request holds its key; after that it is taken to have
            crashed and the next request with the key runs. Make it longer than the
            slowest request.
        required: Whether a request without the header is refused (400).
        scope: Whose key it is: the request context's tenant (``""`` without one) unless
            given, e.g. the tenant and the client's id. At most 255 characters.
        clock: The clock that dates keys (the current clock if ``None``).
    """

    async def idempotency_key(
        request: Request,
        header: Annotated[
            str | None, Header(alias=IDEMPOTENCY_KEY_HEADER, json_schema_extra=_DOCUMENTED_KEY)
        ] = None,
    ) -> str | None:
        """Claim the request's key, or answer it with the stored response, or refuse it."""
        if request.method not in _METHODS:
            return None
        if header is None:
            if required:
                reason = "is required"
                raise InvalidIdempotencyKeyError(reason)
            return None
        parsed = parse_idempotency_key(header)
        if isinstance(parsed, Failure):
            raise parsed.failure()
        key = parsed.unwrap()
        pending = pending_of(request.scope)
        owner = scope(request)
        if len(owner) > IDEMPOTENCY_SCOPE_MAX_LENGTH:
            msg = f"an idempotency scope is at most {IDEMPOTENCY_SCOPE_MAX_LENGTH} characters"
            raise ValueError(msg)
        fingerprint = request_fingerprint(request.method, _target(request), await request.body())
        now = (clock or current_clock()).now()
        begun = await store.begin(
            owner, key, fingerprint, now=now, expires_at=now + ttl, lease_until=now + lease
        )
        if isinstance(begun, Failure):
            raise begun.failure()
        outcome = begun.unwrap()
        if isinstance(outcome, StoredResponse):
            raise Replayed(outcome)
        pending.held = (store, outcome)
        return key

    return params.Depends(idempotency_key)


def _target(request: Request) -> str:
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path
