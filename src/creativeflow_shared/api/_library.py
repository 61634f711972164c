"""The library's rows of the mapping table: one per error category, and the leaves' members."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

from creativeflow_shared.api._error_mapping import PROBLEM_TYPE_BASE, ErrorMapping
from creativeflow_shared.api._pointers import location_of, pointer_to
from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    CurrencyMismatchError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
    UnknownEventTypeError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import JsonValue

    from creativeflow_shared.api._problem import Problem

__all__ = ["EXTRA_STATUSES", "UNEXPECTED_DETAIL", "library_rows"]

#: What an unexpected error says: nothing about itself.
UNEXPECTED_DETAIL = (
    "An unexpected error occurred. Quote the correlation id when you report the problem."
)
_UNAVAILABLE_DETAIL = "The service is temporarily unavailable. Try again later."
#: What an unknown resource or id reads as, in a problem that does not name it.
_UNNAMED = "unknown"


def _type(code: str) -> str:
    return PROBLEM_TYPE_BASE + code.replace("_", "-")


def _located(
    e: NotFoundError | AlreadyExistsError | ConcurrencyConflictError,
) -> dict[str, JsonValue]:
    return {"resource": e.resource, "resourceId": e.identifier}


def _not_found_detail(e: NotFoundError) -> str:
    return f"{e.resource} '{e.identifier}' was not found"


def _already_exists_detail(e: AlreadyExistsError) -> str:
    if e.key is None:
        return f"{e.resource} '{e.identifier}' already exists"
    scope = " of the tenant" if e.per_tenant else ""
    return f"Another {e.resource}{scope} holds this {e.key} already"


def _already_exists_members(e: AlreadyExistsError) -> Mapping[str, JsonValue]:
    if e.key is None:
        return _located(e)
    return _located(e) | {"key": e.key, "perTenant": e.per_tenant}


def _conflict_members(e: ConcurrencyConflictError) -> Mapping[str, JsonValue]:
    return _located(e) | {"expectedVersion": e.expected_version}


def _field_errors(e: InvalidInputError) -> Mapping[str, JsonValue]:
    return {
        "errors": [
            {"pointer": pointer_to(f.loc), "detail": f.message, "code": f.type}
            for f in e.field_errors
        ]
    }


def _retry_after(e: UnavailableError) -> Mapping[str, JsonValue]:
    seconds = e.retry_after
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return {}
    # Retry-After counts whole seconds; rounding up never invites a retry too early.
    return {"retryAfter": math.ceil(seconds)}


def _message(e: KernelError) -> str:
    return e.message


# -- reading problems back ------------------------------------------------------------------------
def _named(value: str | None) -> str:
    return _UNNAMED if value is None else value


def _restore_not_found(p: Problem, _: str) -> NotFoundError:
    return NotFoundError(_named(p.resource), _named(p.resource_id))


def _restore_already_exists(p: Problem, _: str) -> AlreadyExistsError:
    return AlreadyExistsError(
        _named(p.resource),
        _named(p.resource_id),
        key=p.key,
        per_tenant=bool(p.per_tenant),
    )


def _restore_invalid_input(p: Problem, _: str) -> InvalidInputError:
    errors = [FieldError(location_of(e.pointer) or (), e.detail, e.code) for e in p.errors or ()]
    return InvalidInputError(errors, "The input is invalid" if p.detail is None else p.detail)


def _restore_unknown_event_type(p: Problem, _: str) -> UnknownEventTypeError | None:
    event_type = p.extensions.get("eventType")
    errors = p.errors or ()
    if not isinstance(event_type, str) or len(errors) != 1:
        return None
    reason = errors[0].detail.removesuffix(f" for event type {event_type!r}")
    return UnknownEventTypeError(event_type, reason)


def _restore_business_rule(p: Problem, _: str) -> BusinessRuleViolationError:
    message = p.detail if p.detail is not None else p.title or "A business rule was violated"
    # A service's own rule arrives as its category; its code stays readable in the details.
    rule = p.code if p.code not in {None, BusinessRuleViolationError.code} else None
    return BusinessRuleViolationError(message, details={"code": rule} if rule else None)


def _restore_currency_mismatch(p: Problem, _: str) -> CurrencyMismatchError | None:
    left, right = p.extensions.get("left"), p.extensions.get("right")
    if not isinstance(left, str) or not isinstance(right, str):
        return None
    return CurrencyMismatchError(left, right)


def _restore_conflict(p: Problem, _: str) -> ConcurrencyConflictError:
    return ConcurrencyConflictError(
        _named(p.resource), _named(p.resource_id), expected_version=p.expected_version
    )


def _restore_unauthorized(p: Problem, _: str) -> UnauthorizedError:
    return UnauthorizedError() if p.detail is None else UnauthorizedError(p.detail)


def _restore_forbidden(p: Problem, _: str) -> ForbiddenError:
    return ForbiddenError() if p.detail is None else ForbiddenError(p.detail)


def _restore_unavailable(p: Problem, service: str) -> UnavailableError:
    retry_after = None if p.retry_after is None else float(p.retry_after)
    return UnavailableError(service, retry_after=retry_after)


def library_rows() -> dict[type[KernelError], ErrorMapping[KernelError]]:
    """Return the library's table, root first, each category before its leaves."""
    rows: list[tuple[type[KernelError], object]] = [
        (
            KernelError,
            ErrorMapping[KernelError](
                status=500,
                type="about:blank",
                title="Internal Server Error",
                detail=lambda _: UNEXPECTED_DETAIL,
            ),
        ),
        (
            NotFoundError,
            ErrorMapping[NotFoundError](
                status=404,
                type=_type(NotFoundError.code),
                title="Resource not found",
                detail=_not_found_detail,
                members=_located,
                restore=_restore_not_found,
            ),
        ),
        (
            AlreadyExistsError,
            ErrorMapping[AlreadyExistsError](
                status=409,
                type=_type(AlreadyExistsError.code),
                title="Resource already exists",
                detail=_already_exists_detail,
                members=_already_exists_members,
                restore=_restore_already_exists,
            ),
        ),
        (
            ConcurrencyConflictError,
            ErrorMapping[ConcurrencyConflictError](
                status=409,
                type=_type(ConcurrencyConflictError.code),
                title="Concurrency conflict",
                detail=lambda e: f"{e.resource} '{e.identifier}' was changed concurrently",
                members=_conflict_members,
                restore=_restore_conflict,
            ),
        ),
        (
            InvalidInputError,
            ErrorMapping[InvalidInputError](
                status=422,
                type=_type(InvalidInputError.code),
                title="Invalid input",
                detail=_message,
                members=_field_errors,
                restore=_restore_invalid_input,
            ),
        ),
        (
            UnknownEventTypeError,
            ErrorMapping[UnknownEventTypeError](
                members=lambda e: {"eventType": e.event_type},
                restore=_restore_unknown_event_type,
            ),
        ),
        (
            BusinessRuleViolationError,
            ErrorMapping[BusinessRuleViolationError](
                status=422,
                type=_type(BusinessRuleViolationError.code),
                title="Business rule violated",
                detail=_message,
                restore=_restore_business_rule,
            ),
        ),
        (
            CurrencyMismatchError,
            ErrorMapping[CurrencyMismatchError](
                members=lambda e: {
                    "left": str(e.details["left"]),
                    "right": str(e.details["right"]),
                },
                restore=_restore_currency_mismatch,
            ),
        ),
        (
            UnauthorizedError,
            ErrorMapping[UnauthorizedError](
                status=401,
                type=_type(UnauthorizedError.code),
                title="Authentication required",
                detail=_message,
                restore=_restore_unauthorized,
            ),
        ),
        (
            ForbiddenError,
            ErrorMapping[ForbiddenError](
                status=403,
                type=_type(ForbiddenError.code),
                title="Forbidden",
                detail=_message,
                restore=_restore_forbidden,
            ),
        ),
        (
            UnavailableError,
            ErrorMapping[UnavailableError](
                status=503,
                type=_type(UnavailableError.code),
                title="Service unavailable",
                detail=lambda _: _UNAVAILABLE_DETAIL,
                members=_retry_after,
                restore=_restore_unavailable,
            ),
        ),
    ]
    # Each row is typed by its own class above; the table holds them side by side.
    return cast("dict[type[KernelError], ErrorMapping[KernelError]]", dict(rows))


#: How a status is read back when neither the problem's code nor its type is known: these
#: first, then the first row with the status. A bare 409 is more often a lost race than a
#: clash of keys.
EXTRA_STATUSES: Mapping[int, type[KernelError]] = {
    400: InvalidInputError,
    409: ConcurrencyConflictError,
    412: ConcurrencyConflictError,
    429: UnavailableError,
    502: UnavailableError,
    504: UnavailableError,
}
