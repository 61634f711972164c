"""Driver errors translated into the kernel's error types at the adapter boundary."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    KernelError,
    UnavailableError,
)

__all__ = ["ReferenceViolationError", "translate_error"]

# PostgreSQL SQLSTATE codes and SQLite extended result code names, by meaning.
_UNIQUE = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
_FOREIGN_KEY = frozenset({"23503", "SQLITE_CONSTRAINT_FOREIGNKEY"})
_TRANSIENT = frozenset({"40001", "40P01", "55P03", "SQLITE_BUSY", "SQLITE_LOCKED"})


class ReferenceViolationError(BusinessRuleViolationError):
    """A write refers to a row that does not exist (a foreign key violation)."""

    code = "reference_violation"


def translate_error(error: DBAPIError, resource: str, identifier: object) -> KernelError | None:
    """Return the kernel error a driver error means, or ``None`` when it is a plain fault.

    Duplicate keys become ``AlreadyExistsError``; foreign key violations
    ``ReferenceViolationError``; serialization failures, deadlocks, lock time-outs and a busy
    SQLite database ``UnavailableError`` (transient: retrying may succeed); a lost connection
    ``UnavailableError`` too. Callers raise the result ``from`` the driver error.
    """
    code = _code_of(error)
    if code in _UNIQUE:
        return AlreadyExistsError(resource, identifier)
    if code in _FOREIGN_KEY:
        return ReferenceViolationError(f"{resource} '{identifier}' refers to a missing record")
    if code in _TRANSIENT or (isinstance(error, OperationalError) and error.connection_invalidated):
        return UnavailableError("database")
    return None


def _code_of(error: DBAPIError) -> str | None:
    original = error.orig
    for attribute in ("sqlstate", "sqlite_errorname"):
        code = getattr(original, attribute, None)
        if isinstance(code, str):
            return code
    return None
