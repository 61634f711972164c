"""Response envelopes for the repositories' offset pages and cursor pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from creativeflow_shared.api._model import ApiModel

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.application import CursorPage, Page

__all__ = ["CursorPageResponse", "PageResponse"]

T = TypeVar("T")
S = TypeVar("S")


class PageResponse(ApiModel, Generic[T]):
    """One page of an offset-paginated list: ``{"items", "total", "offset", "limit", "hasNext"}``.

    Attributes:
        items: The items of this page, in order.
        total: How many items match in all.
        offset: How many matches precede this page.
        limit: The largest number of items a page holds.
        has_next: Whether more matches follow this page.

    Examples:
        >>> from creativeflow_shared.application import Page
        >>> page = Page(items=(1, 2), total=5, offset=0, limit=2)
        >>> PageResponse.from_page(page, str).model_dump_json()
        '{"items":["1","2"],"total":5,"offset":0,"limit":2,"hasNext":true}'
    """

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int
    has_next: bool

    @classmethod
    def from_page(cls, page: Page[S], convert: Callable[[S], T]) -> PageResponse[T]:
        """Build the envelope of ``page``, turning each item into its body with ``convert``."""
        return cls(
            items=tuple(convert(item) for item in page.items),
            total=page.total,
            offset=page.offset,
            limit=page.limit,
            has_next=page.has_next,
        )


class CursorPageResponse(ApiModel, Generic[T]):
    """One page of a keyset-paginated list: ``{"items", "nextCursor"}``.

    Attributes:
        items: The items of this page, in order.
        next_cursor: The opaque cursor of the following page; ``null`` on the last page.

    Examples:
        >>> from creativeflow_shared.application import CursorPage
        >>> page = CursorPage(items=("a",), next_cursor=None)
        >>> CursorPageResponse.from_page(page, str.upper).model_dump_json()
        '{"items":["A"],"nextCursor":null}'
    """

    items: tuple[T, ...]
    next_cursor: str | None

    @classmethod
    def from_page(cls, page: CursorPage[S], convert: Callable[[S], T]) -> CursorPageResponse[T]:
        """Build the envelope of ``page``, turning each item into its body with ``convert``."""
        return cls(items=tuple(convert(item) for item in page.items), next_cursor=page.next_cursor)
