"""The kernel's one error tree.

Every error the library reports derives from ``KernelError``, carries a stable machine
``code``, a human ``message`` and structured ``details``::

    KernelError                       error
    ├── NotFoundError                 not_found
    ├── AlreadyExistsError            already_exists
    ├── InvalidInputError             invalid_input            (every FieldError)
    │   └── UnknownEventTypeError     unknown_event_type
    ├── BusinessRuleViolationError    business_rule_violation
    │   └── CurrencyMismatchError     currency_mismatch
    ├── ConcurrencyConflictError      concurrency_conflict
    ├── UnauthorizedError             unauthorized
    ├── ForbiddenError                forbidden
    └── UnavailableError              unavailable              (transient)

Expected failures travel as ``Failure(error)`` values; the errors are still ``Exception``
subclasses so that the service edge may raise them. Services subclass a category and give the
subclass its own snake_case ``code``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, final

from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pydantic import ValidationError

__all__ = [
    "AlreadyExistsError",
    "BusinessRuleViolationError",
    "ConcurrencyConflictError",
    "CurrencyMismatchError",
    "FieldError",
    "ForbiddenError",
    "InvalidInputError",
    "KernelError",
    "NotFoundError",
    "UnauthorizedError",
    "UnavailableError",
    "UnknownEventTypeError",
]

_CODE = re.compile(r"[a-z][a-z0-9_]*")
_EMPTY: Mapping[str, object] = MappingProxyType({})


class KernelError(Exception):
    """The root of every error the kernel and its services report.

    Attributes:
        code: A stable snake_case identifier for machines (API clients, metrics, logs).
        transient: Whether retrying the same operation later may succeed.

    Examples:
        >>> error = KernelError("Something went wrong", details={"step": 2})
        >>> error.code, error.message, dict(error.details)
        ('error', 'Something went wrong', {'step': 2})
    """

    code: ClassVar[str] = "error"
    transient: ClassVar[bool] = False

    def __init__(self, message: str, *, details: Mapping[str, object] | None = None) -> None:
        """Create the error with a human message and optional structured details."""
        super().__init__(message)
        self._message = message
        self._details: Mapping[str, object] = MappingProxyType(dict(details)) if details else _EMPTY

    @override
    def __init_subclass__(cls, **kwargs: object) -> None:
        """Check that each error class keeps a snake_case ``code``."""
        super().__init_subclass__(**kwargs)
        if _CODE.fullmatch(cls.code) is None:
            msg = f"{cls.__qualname__}.code must be snake_case, got {cls.code!r}"
            raise TypeError(msg)

    @property
    def message(self) -> str:
        """The human-readable description of what went wrong."""
        return self._message

    @property
    def details(self) -> Mapping[str, object]:
        """Structured, read-only facts about the failure (never secrets or internals)."""
        return self._details

    @override
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KernelError) or type(other) is not type(self):
            return NotImplemented
        return self._message == other._message and self._details == other._details

    @override
    def __hash__(self) -> int:
        return hash((type(self), self._message))

    @override
    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take their own constructor arguments, so rebuild from the state instead of
        # calling ``type(self)(*self.args)``: pickling and ``copy`` then work for every error.
        state = {k: v for k, v in self.__dict__.items() if k not in {"_message", "_details"}}
        return (_restore, (type(self), self._message, dict(self._details), state))

    @override
    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self._message!r})"

    @override
    def __str__(self) -> str:
        return self._message


def _restore(
    cls: type[KernelError],
    message: str,
    details: dict[str, object],
    state: dict[str, object],
) -> KernelError:
    error = cls.__new__(cls)
    KernelError.__init__(error, message, details=details)
    error.__dict__.update(state)
    return error


class NotFoundError(KernelError):
    """The requested resource does not exist (or is not visible to the caller).

    Examples:
        >>> NotFoundError("GenerationJob", "42").message
        "GenerationJob '42' was not found"
    """

    code: ClassVar[str] = "not_found"

    def __init__(self, resource: str, identifier: object) -> None:
        """Describe the missing ``resource`` by its type name and identifier."""
        super().__init__(
            f"{resource} '{identifier}' was not found",
            details={"resource": resource, "id": str(identifier)},
        )
        self.resource = resource
        self.identifier = str(identifier)


class AlreadyExistsError(KernelError):
    """A resource with the same identity or unique key exists already.

    ``key`` names the unique key that clashed when it is not the id, so that a caller can tell
    "this one exists" from "another one holds this value" (and return the existing one, say).

    Examples:
        >>> AlreadyExistsError("Notification", "n-1").message
        "Notification 'n-1' already exists"
        >>> error = AlreadyExistsError("Notification", "n-2", key="address", per_tenant=True)
        >>> error.message
        'Another Notification of the tenant holds this address already'
        >>> dict(error.details)
        {'resource': 'Notification', 'id': 'n-2', 'key': 'address', 'per_tenant': True}
    """

    code: ClassVar[str] = "already_exists"

    def __init__(
        self,
        resource: str,
        identifier: object,
        *,
        key: str | None = None,
        per_tenant: bool = False,
    ) -> None:
        """Describe the clash: ``resource``'s ``identifier`` is taken, or its unique ``key`` is.

        ``per_tenant`` says that ``key`` is unique within each tenant.
        """
        details: dict[str, object] = {"resource": resource, "id": str(identifier)}
        if key is None:
            message = f"{resource} '{identifier}' already exists"
        else:
            scope = " of the tenant" if per_tenant else ""
            message = f"Another {resource}{scope} holds this {key} already"
            details |= {"key": key, "per_tenant": per_tenant}
        super().__init__(message, details=details)
        self.resource = resource
        self.identifier = str(identifier)
        self.key = key
        self.per_tenant = per_tenant


@final
@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one part of an input.

    Attributes:
        loc: Where the problem is: field names and list indexes from the input's root.
        message: What is wrong, for humans.
        type: A stable machine-readable kind of problem (pydantic's error types, or our own).
    """

    loc: tuple[str | int, ...]
    message: str
    type: str = "value_error"

    def prefixed(self, *loc: str | int) -> FieldError:
        """Return the same error located under ``loc``.

        Examples:
            >>> FieldError(("street",), "required", "missing").prefixed("address").loc
            ('address', 'street')
        """
        return FieldError((*loc, *self.loc), self.message, self.type)


class InvalidInputError(KernelError):
    """The input is malformed; carries *every* problem found, each with its location.

    Examples:
        >>> error = InvalidInputError([FieldError(("email",), "not an email")])
        >>> [e.loc for e in error.field_errors]
        [('email',)]
    """

    code: ClassVar[str] = "invalid_input"

    def __init__(
        self, field_errors: Iterable[FieldError], message: str = "The input is invalid"
    ) -> None:
        """Collect the field errors that make the input invalid."""
        errors = tuple(field_errors)
        super().__init__(
            message,
            details={
                "errors": tuple(
                    {"loc": list(e.loc), "message": e.message, "type": e.type} for e in errors
                )
            },
        )
        self.field_errors = errors

    @classmethod
    def single(
        cls, message: str, *, loc: tuple[str | int, ...] = (), error_type: str = "value_error"
    ) -> InvalidInputError:
        """Build an error with one field error."""
        return InvalidInputError([FieldError(loc, message, error_type)])

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> InvalidInputError:
        """Translate pydantic's ``ValidationError``, keeping every error and its location.

        The offending input values are deliberately left out: they may hold secrets.
        """
        return InvalidInputError(
            FieldError(tuple(e["loc"]), e["msg"].removeprefix("Value error, "), e["type"])
            for e in error.errors()
        )

    def prefixed(self, *loc: str | int) -> InvalidInputError:
        """Return the same error with every field error located under ``loc``."""
        return InvalidInputError((e.prefixed(*loc) for e in self.field_errors), self.message)

    def merge(self, *others: InvalidInputError) -> InvalidInputError:
        """Return one error that carries the field errors of this one and of ``others``."""
        errors = list(self.field_errors)
        for other in others:
            errors.extend(other.field_errors)
        return InvalidInputError(errors, self.message)

    @override
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InvalidInputError) or type(other) is not type(self):
            return NotImplemented
        return self.message == other.message and self.field_errors == other.field_errors

    @override
    def __hash__(self) -> int:
        return hash((type(self), self.message, self.field_errors))


class UnknownEventTypeError(InvalidInputError):
    """A serialized event names a type (or schema version) that no registered class handles."""

    code: ClassVar[str] = "unknown_event_type"

    def __init__(self, event_type: str, reason: str = "no event class is registered") -> None:
        """Describe the unknown ``event_type`` and why it cannot be read."""
        super().__init__(
            [FieldError(("event_type",), f"{reason} for event type {event_type!r}", self.code)],
            f"Unknown event type {event_type!r}",
        )
        self.event_type = event_type


class BusinessRuleViolationError(KernelError):
    """A command is well-formed but breaks a rule of the domain.

    Services subclass it for each rule, e.g. ``InsufficientCreditsError``.
    """

    code: ClassVar[str] = "business_rule_violation"


class CurrencyMismatchError(BusinessRuleViolationError):
    """Two amounts in different currencies were combined.

    Examples:
        >>> CurrencyMismatchError("EUR", "USD").message
        'Cannot combine EUR with USD'
    """

    code: ClassVar[str] = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        """Name the two currencies that do not match."""
        super().__init__(
            f"Cannot combine {left} with {right}", details={"left": left, "right": right}
        )


class ConcurrencyConflictError(KernelError):
    """Someone else changed the resource since it was read (optimistic concurrency)."""

    code: ClassVar[str] = "concurrency_conflict"

    def __init__(
        self, resource: str, identifier: object, *, expected_version: int | None = None
    ) -> None:
        """Describe the resource whose stored version is no longer ``expected_version``."""
        super().__init__(
            f"{resource} '{identifier}' was changed concurrently",
            details={
                "resource": resource,
                "id": str(identifier),
                "expected_version": expected_version,
            },
        )
        self.resource = resource
        self.identifier = str(identifier)
        self.expected_version = expected_version


class UnauthorizedError(KernelError):
    """The caller is not authenticated (missing, expired or invalid credentials)."""

    code: ClassVar[str] = "unauthorized"

    def __init__(self, message: str = "Authentication is required") -> None:
        """Create the error; the default message never says which credential failed."""
        super().__init__(message)


class ForbiddenError(KernelError):
    """The caller is authenticated but not allowed to do this."""

    code: ClassVar[str] = "forbidden"

    def __init__(self, message: str = "This action is not allowed") -> None:
        """Create the error with a message safe to show to the caller."""
        super().__init__(message)


class UnavailableError(KernelError):
    """A dependency (database, broker, another service) failed; retrying later may work."""

    code: ClassVar[str] = "unavailable"
    transient: ClassVar[bool] = True

    def __init__(self, dependency: str, *, retry_after: float | None = None) -> None:
        """Name the failing ``dependency`` and, when known, how many seconds to wait."""
        super().__init__(
            f"{dependency} is unavailable",
            details={"dependency": dependency, "retry_after": retry_after},
        )
        self.dependency = dependency
        self.retry_after = retry_after
