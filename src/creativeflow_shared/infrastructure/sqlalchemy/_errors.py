"""Driver errors translated into the kernel's error types at the adapter boundary."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    InvalidInputError,
    KernelError,
    UnavailableError,
)

__all__ = ["ReferenceViolationError", "execute", "name_the_key", "translate_error", "translated"]

# PostgreSQL SQLSTATE codes and SQLite extended result code names, by meaning.
_UNIQUE = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
_FOREIGN_KEY = frozenset({"23503", "SQLITE_CONSTRAINT_FOREIGNKEY"})
# Serialization failure, deadlock, lock time-out, and a statement cancelled by
# ``statement_timeout`` (or by an operator): retrying may succeed.
_TRANSIENT = frozenset({"40001", "40P01", "55P03", "57014"})
# PostgreSQL's class 22, "data exception": a value the column or the server cannot hold.
_DATA_EXCEPTION_CLASS = "22"
_TRANSIENT_PREFIXES = ("SQLITE_BUSY", "SQLITE_LOCKED")  # and their extended codes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from sqlalchemy import Connection
    from sqlalchemy.engine import CursorResult
    from sqlalchemy.sql import Executable

    from creativeflow_shared.application.ports import Projection


T = TypeVar("T")


class ReferenceViolationError(BusinessRuleViolationError):
    """A write refers to a row that does not exist (a foreign key violation)."""

    code = "reference_violation"


def translate_error(error: DBAPIError, resource: str, identifier: object) -> KernelError | None:
    """Return the kernel error a driver error means, or ``None`` when it is a plain fault.

    Duplicate keys become ``AlreadyExistsError``; foreign key violations
    ``ReferenceViolationError``; serialization failures, deadlocks, lock and statement
    time-outs and a busy SQLite database ``UnavailableError`` (transient: retrying may
    succeed); a lost connection ``UnavailableError`` too; a value the database cannot hold (a
    data exception: too long, out of range, an invalid character) ``InvalidInputError``,
    without the driver's message (it may quote the value). Callers raise the result ``from``
    the driver error.
    """
    code = _code_of(error)
    if identifier is None:
        diagnostics = getattr(error.orig, "diag", None)
        identifier = getattr(diagnostics, "constraint_name", None) or "unknown"
    if code in _UNIQUE:
        return AlreadyExistsError(resource, identifier)
    if code in _FOREIGN_KEY:
        return ReferenceViolationError(f"{resource} '{identifier}' refers to a missing record")
    # A data exception, from the server (SQLSTATE class 22) or from the driver refusing to
    # send a value (psycopg's DataError for a NUL character carries no code).
    data_exception = code is not None and code.startswith(_DATA_EXCEPTION_CLASS)
    if data_exception or isinstance(error, DataError):
        return InvalidInputError.single(f"{resource} holds a value the database cannot keep")
    transient = code in _TRANSIENT or (code or "").startswith(_TRANSIENT_PREFIXES)
    # An operational error without a code is the connection itself failing (refused, reset).
    lost = isinstance(error, OperationalError) and (error.connection_invalidated or code is None)
    if transient or lost:
        return UnavailableError("database")
    return None


def execute(
    connection: Connection,
    statement: Executable,
    params: object,
    resource: str,
    subject: object = None,
) -> CursorResult[Any]:
    """Execute ``statement``, raising driver errors as the kernel's errors (``from`` them).

    Errors that mean nothing to the kernel are re-raised as the driver raised them.
    """
    return translated(lambda: connection.execute(statement, cast("Any", params)), resource, subject)


def translated(step: Callable[[], T], resource: str, subject: object = None) -> T:
    """Run ``step`` (any database work), raising driver errors as the kernel's errors.

    Errors that mean nothing to the kernel are re-raised as the driver raised them.
    """
    try:
        return step()
    except DBAPIError as exc:
        error = translate_error(exc, resource, subject)
        if error is None:
            raise
        raise error from exc


def name_the_key(
    error: AlreadyExistsError, keys: Mapping[frozenset[str], Projection], tenant_column: str
) -> AlreadyExistsError:
    """Return ``error`` naming the unique key that clashed, where the database says which.

    ``keys`` maps the columns of each unique key (without the tenant column) to the projection
    they hold. A clash of the id, or of a key the database does not name, is left as it is.
    """
    cause = error.__cause__
    columns = _clashing_columns(cause) if isinstance(cause, DBAPIError) else None
    projection = None if columns is None else keys.get(columns - {tenant_column})
    if projection is None:
        return error
    named = AlreadyExistsError(
        error.resource,
        error.identifier,
        key=".".join(projection.path),
        per_tenant=projection.per_tenant,
    )
    named.__cause__ = cause
    return named


def name_the_record(
    error: AlreadyExistsError,
    table: str,
    candidates: Iterable[tuple[object, Callable[[str], object]]],
) -> AlreadyExistsError:
    """Return ``error`` naming which new record of a batch clashed, where the database says it.

    PostgreSQL quotes the clashing key's values (``Key (tenant_id, sku)=(t-1, abc) already
    exists.``) and names its table; for a key of ``table``, each candidate (its id, and a
    function from a column name of ``table`` to the value it inserts) is rendered as
    PostgreSQL renders it and compared with the quote, and the one that matches names the
    error. A key of another table (a child row's) names no candidate. The values are
    compared, never copied into the error. SQLite does not quote them, a value PostgreSQL
    renders otherwise (a timestamp, JSON) is not compared, and then the error still speaks
    of the batch.
    """
    cause = error.__cause__
    quoted = _clashing_values(cause, table) if isinstance(cause, DBAPIError) else None
    if quoted is None:
        return error
    columns, values = quoted
    matches = [
        identifier
        for identifier, value_of in candidates
        if _rendered([value_of(column) for column in columns]) == values
    ]
    if len(matches) != 1:
        return error
    named = AlreadyExistsError(
        error.resource, matches[0], key=error.key, per_tenant=error.per_tenant
    )
    named.__cause__ = cause
    return named


def _clashing_values(error: DBAPIError, table: str) -> tuple[list[str], str] | None:
    """Return the columns and the quoted values of the key of ``table`` that clashed."""
    if getattr(getattr(error.orig, "diag", None), "table_name", None) != table:
        return None
    return _postgresql_key(error)


def _postgresql_key(error: DBAPIError) -> tuple[list[str], str] | None:
    """Return the columns and the quoted values of the key PostgreSQL says clashed."""
    detail = getattr(getattr(error.orig, "diag", None), "message_detail", None)
    found = _POSTGRESQL_KEY.fullmatch(detail) if isinstance(detail, str) else None
    if found is None:
        return None
    columns = [column.strip().strip('"') for column in found["columns"].split(",")]
    return columns, found["values"]


def _rendered(values: list[object]) -> str | None:
    """The values as PostgreSQL quotes a key of them, or ``None`` if one renders otherwise."""
    texts: list[str] = []
    for value in values:
        if isinstance(value, bool):
            texts.append("t" if value else "f")
        elif isinstance(value, str | int | UUID):
            texts.append(str(value))
        else:
            return None
    return ", ".join(texts)


def _clashing_columns(error: DBAPIError) -> frozenset[str] | None:
    """Return the columns of the unique key a driver error names (PostgreSQL, SQLite)."""
    quoted = _postgresql_key(error)
    if quoted is not None:
        return frozenset(quoted[0])
    text = str(error.orig)
    if text.startswith(_SQLITE_UNIQUE):
        columns = text.removeprefix(_SQLITE_UNIQUE).split(",")
        return frozenset(column.strip().rpartition(".")[2] for column in columns)
    return None


#: "Key (tenant_id, sku)=(t-1, abc) already exists." The values are only ever compared with
#: the new records' (``name_the_record``), never copied into an error: they may be secret.
_POSTGRESQL_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) already exists\.")
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def _code_of(error: DBAPIError) -> str | None:
    original = error.orig
    for attribute in ("sqlstate", "sqlite_errorname"):
        code = getattr(original, attribute, None)
        if isinstance(code, str):
            return code
    return None
