"""What a repository checks before a store sees a query: values, sort keys, windows, cursors.

A specification, sort key, page window or cursor that no store could answer is refused here,
once for every store, so that every adapter gives the same answer (see ADR 0019).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from returns.result import Failure, Result, Success

from creativeflow_shared.application._guards import request_tenant
from creativeflow_shared.application._pagination import MAX_PAGE_SIZE, decode_cursor
from creativeflow_shared.application._storable import storable, unstorable_fields
from creativeflow_shared.application.ports import RecordQuery
from creativeflow_shared.domain import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application.ports import Storage
    from creativeflow_shared.domain import SortKey, Specification

__all__ = [
    "INT64_MAX",
    "MAX_COMPARED_VALUES",
    "check_window",
    "ordering_of",
    "parse_cursor",
    "query_for",
]

INT64_MAX = 2**63 - 1
#: The most values one specification may compare with (the members of its ``IN`` lists
#: included): a statement holds 65,535 parameters at most on PostgreSQL.
MAX_COMPARED_VALUES = 10_000


def query_for(
    storage: Storage,
    specification: Specification[Any] | None,
    order_by: Sequence[SortKey[Any]],
    *,
    offset: int = 0,
    limit: int | None = None,
) -> RecordQuery:
    """Return the query of the request's tenant for ``specification`` in ``order_by``.

    Raises:
        InvalidInputError: If the specification compares with a value no store can hold,
            or with more than ``MAX_COMPARED_VALUES`` values.
        TypeError: If a sort key is kept in no column.
    """
    if specification is not None:
        compared = specification.compared_values()
        if len(compared) > MAX_COMPARED_VALUES:
            msg = f"A specification compares {MAX_COMPARED_VALUES} values at most"
            raise InvalidInputError.single(msg, error_type="too_long")
        problems = [
            problem for path, value in compared for problem in unstorable_fields(value, *path)
        ]
        if problems:
            raise InvalidInputError(problems, "The specification compares unstorable values")
    for key in order_by:
        if key.path not in storage.sortable_paths:
            msg = (
                f"cannot order by {'.'.join(key.path)}: {storage.repository_name} keeps it in "
                "no column (project it, or map it in a data-mapper repository's columns)"
            )
            raise TypeError(msg)
    return RecordQuery(specification, request_tenant(storage), tuple(order_by), None, offset, limit)


def check_window(
    offset: int, limit: int, *, max_limit: int = MAX_PAGE_SIZE, min_limit: int = 1
) -> None:
    """Refuse an offset beyond 64 bits or below 0, or a limit out of its bounds.

    Raises:
        ValueError: If either is out of bounds.
    """
    if not 0 <= offset <= INT64_MAX or not min_limit <= limit <= max_limit:
        msg = (
            f"offset must be between 0 and 2**63 - 1, and limit between {min_limit} and {max_limit}"
        )
        raise ValueError(msg)


def ordering_of(keys: Sequence[SortKey[Any]]) -> str:
    """Name an ordering, so that a cursor written for one is refused for another."""
    return ",".join(("-" if key.descending else "+") + ".".join(key.path) for key in keys)


def parse_cursor(
    storage: Storage, cursor: str, ordering: str, keys: tuple[SortKey[Any], ...]
) -> Result[tuple[object, ...], InvalidInputError]:
    """Return the sort values and id a cursor holds, if it was written for ``ordering``.

    Returns:
        ``Success`` with the values, or ``Failure`` with ``InvalidInputError`` for a cursor
        not written by a page of ``storage``'s repository in this ordering.
    """
    invalid = Failure(InvalidInputError.single("The cursor is not valid", loc=("cursor",)))
    decoded = decode_cursor(cursor, len(keys) + 2)
    if isinstance(decoded, Failure):
        return decoded
    written_for, *values = decoded.unwrap()
    if written_for != ordering:
        return Failure(
            InvalidInputError.single("The cursor was written for another ordering", loc=("cursor",))
        )
    all_keys: tuple[SortKey[Any], ...] = (*keys, storage.id_sort_key)
    try:
        parsed = [key.parse(value) for key, value in zip(all_keys, values, strict=True)]
    except ValidationError:
        return invalid
    # A value no store holds was written by no page of ours (and would make a driver raise).
    if not all(storable(value) for value in parsed):
        return invalid
    return Success(tuple(parsed))
