"""What can go wrong with an ``Idempotency-Key``: a malformed key, a reused key, a key in use."""

from __future__ import annotations

from typing import ClassVar

from creativeflow_shared.domain import (
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    FieldError,
    InvalidInputError,
)

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "IdempotencyKeyInFlightError",
    "IdempotencyKeyReusedError",
    "InvalidIdempotencyKeyError",
]

#: The request header that carries the key (the IETF ``Idempotency-Key`` draft).
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"


class InvalidIdempotencyKeyError(InvalidInputError):
    """The ``Idempotency-Key`` header is missing where it is required, or malformed.

    Its one field error is located at ``("header", "Idempotency-Key")``.

    Examples:
        >>> InvalidIdempotencyKeyError("is required").field_errors[0].message
        'The Idempotency-Key header is required'
    """

    code: ClassVar[str] = "invalid_idempotency_key"

    def __init__(self, reason: str) -> None:
        """Say what is wrong with the header (``reason`` completes "The header ...")."""
        super().__init__(
            [
                FieldError(
                    ("header", IDEMPOTENCY_KEY_HEADER),
                    f"The {IDEMPOTENCY_KEY_HEADER} header {reason}",
                    self.code,
                )
            ],
            f"The {IDEMPOTENCY_KEY_HEADER} header {reason}",
        )


class IdempotencyKeyReusedError(BusinessRuleViolationError):
    """The key was used before with a different request (method, target or body).

    Examples:
        >>> IdempotencyKeyReusedError().code
        'idempotency_key_reused'
    """

    code: ClassVar[str] = "idempotency_key_reused"

    def __init__(self) -> None:
        """Create the error; it names no request, neither this one nor the first."""
        super().__init__(f"This {IDEMPOTENCY_KEY_HEADER} was used with a different request")


class IdempotencyKeyInFlightError(ConcurrencyConflictError):
    """A request with the same key is still being processed: retry later.

    Examples:
        >>> IdempotencyKeyInFlightError("k-1").resource
        'IdempotencyKey'
    """

    code: ClassVar[str] = "idempotency_key_in_flight"

    def __init__(self, key: str) -> None:
        """Name the key whose first request has not finished."""
        super().__init__("IdempotencyKey", key)
