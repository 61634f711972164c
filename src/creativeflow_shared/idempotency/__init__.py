"""Idempotency keys for unsafe requests (the IETF ``Idempotency-Key`` draft), framework-free.

A client that sends ``POST`` or ``PATCH`` with an ``Idempotency-Key`` may retry it safely:
the first request runs and its response is stored; a retry with the same key and the same
request gets the stored response without running again; the same key with another request
is refused (``IdempotencyKeyReusedError``, 422), and so is a retry while the first is still
running (``IdempotencyKeyInFlightError``, 409). Keys are scoped (per tenant or client) and
expire.

- Service authors: ``parse_idempotency_key``, ``request_fingerprint`` and the errors; the
  FastAPI integration (``creativeflow_shared.fastapi``) does the rest.
- Adapter writers: the ``IdempotencyStore`` port, what it stores (``IdempotencyRecord``,
  ``StoredResponse``, ``IdempotencyClaim``) and the rule every store follows (``answer``).
  The SQLAlchemy store is in ``creativeflow_shared.infrastructure.sqlalchemy``, the
  in-memory one in ``creativeflow_shared.testing``. The decisions are recorded in ADR 0032.
"""

from creativeflow_shared.idempotency._errors import (
    IDEMPOTENCY_KEY_HEADER,
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
)
from creativeflow_shared.idempotency._key import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    parse_idempotency_key,
    request_fingerprint,
)
from creativeflow_shared.idempotency._store import (
    IDEMPOTENCY_SCOPE_MAX_LENGTH,
    IdempotencyClaim,
    IdempotencyRecord,
    IdempotencyStore,
    KeyRefusal,
    StoredResponse,
    answer,
)

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "IDEMPOTENCY_SCOPE_MAX_LENGTH",
    "IdempotencyClaim",
    "IdempotencyKeyInFlightError",
    "IdempotencyKeyReusedError",
    "IdempotencyRecord",
    "IdempotencyStore",
    "InvalidIdempotencyKeyError",
    "KeyRefusal",
    "StoredResponse",
    "answer",
    "parse_idempotency_key",
    "request_fingerprint",
]
