"""Pages of results: offset pages with a total, and keyset pages behind an opaque cursor."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from pydantic_core import from_json, to_json
from returns.result import Failure, Result, Success

from creativeflow_shared.domain import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "CursorPage",
    "Page",
    "decode_cursor",
    "encode_cursor",
]

T = TypeVar("T")

#: The number of items a page holds unless the caller asks for another.
DEFAULT_PAGE_SIZE = 50
#: The largest number of items one page may hold.
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of an offset-paginated result, with the total number of matches.

    Attributes:
        items: The aggregates on this page, in order.
        total: How many aggregates match in all.
        offset: How many matches precede this page.
        limit: The largest number of items a page holds.
    """

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        """Whether more matches follow this page."""
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    """One page of a keyset-paginated result.

    Attributes:
        items: The aggregates on this page, in order.
        next_cursor: Pass it to get the following page; ``None`` on the last page.
    """

    items: tuple[T, ...]
    next_cursor: str | None


def encode_cursor(values: Sequence[object]) -> str:
    """Encode the sort values of the last item of a page into an opaque, URL-safe cursor."""
    return base64.urlsafe_b64encode(to_json(list(values))).decode().rstrip("=")


def decode_cursor(cursor: object, size: int) -> Result[list[object], InvalidInputError]:
    """Read a cursor written by ``encode_cursor`` holding ``size`` values.

    Returns:
        ``Success`` with the values, or ``Failure`` with ``InvalidInputError`` for any cursor
        this library did not write.
    """
    invalid = Failure(InvalidInputError.single("The cursor is not valid", loc=("cursor",)))
    if not isinstance(cursor, str) or not cursor.isascii():
        return invalid
    try:
        values = from_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        return invalid
    if not isinstance(values, list):
        return invalid
    checked = cast("list[object]", values)
    return Success(checked) if len(checked) == size else invalid
