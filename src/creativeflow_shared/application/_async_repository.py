"""The async view of a repository: every call runs the synchronous logic through a runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from creativeflow_shared.application._pagination import DEFAULT_PAGE_SIZE
from creativeflow_shared.domain import AggregateRoot

if TYPE_CHECKING:
    from collections.abc import Sequence

    from returns.result import Result

    from creativeflow_shared.application._pagination import CursorPage, Page
    from creativeflow_shared.application._repository import Repository
    from creativeflow_shared.application.ports import Runner
    from creativeflow_shared.domain import (
        InvalidInputError,
        NotFoundError,
        SortKey,
        Specification,
    )

__all__ = ["AsyncRepository"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)


class AsyncRepository(Generic[A, I]):
    """Awaitable access to a repository inside an async unit of work.

    Each method awaits the same synchronous method, run by the unit of work's runner; see
    ``Repository`` for what each one does.
    """

    __slots__ = ("_repository", "_run")

    def __init__(self, repository: Repository[A, I], run: Runner) -> None:
        """Wrap ``repository``; ``run`` executes its steps (the unit of work provides both)."""
        self._repository = repository
        self._run = run

    @overload
    async def get(self, id_: I) -> Result[A, NotFoundError]: ...
    @overload
    async def get(self, id_: str) -> Result[A, NotFoundError | InvalidInputError]: ...
    async def get(self, id_: I | str) -> Result[A, NotFoundError | InvalidInputError]:
        """Load the aggregate with ``id_`` (an id of the repository's type, or its text).

        Returns:
            ``Success`` with the aggregate, or ``Failure`` with ``NotFoundError`` or, for
            text that spells no id of the repository's type (or a value of another type),
            ``InvalidInputError``.
        """
        return await self._run(lambda: self._repository.get(id_))

    async def exists(self, id_: I | str) -> bool:
        """Whether an aggregate with ``id_`` exists (for the current tenant)."""
        return await self._run(lambda: self._repository.exists(id_))

    async def find(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int | None = None,
    ) -> list[A]:
        """Return the aggregates that satisfy ``specification``."""
        return await self._run(
            lambda: self._repository.find(specification, order_by=order_by, limit=limit)
        )

    async def count(self, specification: Specification[A] | None = None) -> int:
        """Return how many aggregates satisfy ``specification``."""
        return await self._run(lambda: self._repository.count(specification))

    async def page(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[A]:
        """Return one offset page of matches with the total count."""
        return await self._run(
            lambda: self._repository.page(
                specification, order_by=order_by, offset=offset, limit=limit
            )
        )

    async def page_after(
        self,
        cursor: str | None = None,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Result[CursorPage[A], InvalidInputError]:
        """Return the keyset page that follows ``cursor``.

        Returns:
            ``Success`` with the page, or ``Failure`` with ``InvalidInputError`` for a bad
            cursor.
        """
        return await self._run(
            lambda: self._repository.page_after(
                cursor, specification, order_by=order_by, limit=limit
            )
        )

    def add(self, aggregate: A) -> None:
        """Add a new aggregate (no I/O until commit)."""
        self._repository.add(aggregate)

    def remove(self, aggregate: A) -> None:
        """Remove an aggregate (no I/O until commit)."""
        self._repository.remove(aggregate)
