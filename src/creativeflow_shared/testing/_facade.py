"""The sync-style facade the contract suites are written against, and the harness that serves it.

Each contract test is written once, against ``UnitOfWorkFacade`` and ``RepositoryFacade``:
a unit of work and a repository seen synchronously, whichever flavour stands behind them. A
``UnitOfWorkHarness`` opens units of work of one backend and hands out that facade (see
``SyncHarness`` and ``AsyncHarness``).

``RepositoryFacade`` is the one declaration of the repository surface the suites call: a sync
``Repository`` satisfies it as it is, and the async harness forwards each of its methods to an
``AsyncRepository``, running what that returns to completion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from creativeflow_shared.application import DEFAULT_PAGE_SIZE
from creativeflow_shared.domain import AggregateRoot

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager

    from returns.result import Result

    from creativeflow_shared.application import (
        CommitError,
        CursorPage,
        OutboxMessage,
        Page,
        Repository,
    )
    from creativeflow_shared.domain import (
        DomainEvent,
        InvalidInputError,
        NotFoundError,
        SortKey,
        Specification,
    )

__all__ = ["RepositoryFacade", "UnitOfWorkFacade", "UnitOfWorkHarness"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
I_contra = TypeVar("I_contra", contravariant=True)


class RepositoryFacade(Protocol[A, I_contra]):
    """A repository seen synchronously, whichever flavour of unit of work stands behind it."""

    @overload
    def get(self, id_: I_contra, /) -> Result[A, NotFoundError]: ...
    @overload
    def get(self, id_: str, /) -> Result[A, NotFoundError | InvalidInputError]: ...
    def get(self, id_: I_contra | str, /) -> Result[A, NotFoundError | InvalidInputError]:
        """See ``Repository.get``."""
        ...

    def exists(self, id_: I_contra | str, /) -> bool:
        """See ``Repository.exists``."""
        ...

    def find(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int | None = None,
    ) -> list[A]:
        """See ``Repository.find``."""
        ...

    def count(self, specification: Specification[A] | None = None) -> int:
        """See ``Repository.count``."""
        ...

    def page(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[A]:
        """See ``Repository.page``."""
        ...

    def page_after(
        self,
        cursor: str | None = None,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Result[CursorPage[A], InvalidInputError]:
        """See ``Repository.page_after``."""
        ...

    def add(self, aggregate: A, /) -> None:
        """See ``Repository.add``."""
        ...

    def remove(self, aggregate: A, /) -> None:
        """See ``Repository.remove``."""
        ...


class UnitOfWorkFacade(Protocol):
    """A unit of work seen synchronously, whichever flavour stands behind it."""

    def repository(self, kind: type[Repository[A, I]], /) -> RepositoryFacade[A, I]:
        """Return repository ``kind`` bound to this unit of work."""
        ...

    def record(self, event: DomainEvent, /) -> None:
        """Queue an event that belongs to no aggregate."""
        ...

    def received(self, message_id: str, consumer: str, /) -> bool:
        """See ``UnitOfWork.received``."""
        ...

    def receive(self, message_id: str, consumer: str, /) -> None:
        """See ``UnitOfWork.receive``."""
        ...

    def commit(self) -> Result[None, CommitError]:
        """Commit (see ``UnitOfWork.commit``)."""
        ...

    def rollback(self) -> None:
        """Discard every uncommitted change."""
        ...

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        """Return the events of the commits so far and forget them."""
        ...


class UnitOfWorkHarness(Protocol):
    """Opens units of work of one backend for the contract suites, and shows its outbox."""

    def open(self) -> AbstractContextManager[UnitOfWorkFacade]:
        """Start a unit of work; leaving the block ends it (rolling back what is uncommitted)."""
        ...

    def outbox_messages(self) -> list[OutboxMessage]:
        """Return every committed outbox message, oldest first."""
        ...

    def close(self) -> None:
        """Release what the harness holds (an event loop, for instance)."""
        ...
