"""The sync-style facade the contract suites are written against, and the harness that serves it.

Each contract test is written once, against ``UnitOfWorkFacade`` and ``RepositoryFacade``:
a unit of work and a repository seen synchronously, whichever flavour stands behind them. A
``UnitOfWorkHarness`` opens units of work of one backend and hands out that facade (see
``SyncHarness`` and ``AsyncHarness``).

``RepositoryFacade`` is the repository surface the suites call, which ``Repository`` alone
declares: a sync repository is one, and the async harness forwards each of its methods to an
``AsyncRepository``, running what that returns to completion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from creativeflow_shared.application import Repository
from creativeflow_shared.domain import AggregateRoot

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from returns.result import Result

    from creativeflow_shared.application import CommitError, OutboxMessage
    from creativeflow_shared.domain import DomainEvent

__all__ = ["RepositoryFacade", "UnitOfWorkFacade", "UnitOfWorkHarness"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)


#: A repository seen synchronously, whichever flavour of unit of work stands behind it: the
#: repository's own surface, declared once, by ``Repository``. A sync unit of work hands out its
#: repositories as they are; the async harness forwards each call to an ``AsyncRepository`` and
#: runs what that returns to completion.
RepositoryFacade: TypeAlias = Repository[A, I]


class UnitOfWorkFacade(Protocol):
    """A unit of work seen synchronously, whichever flavour stands behind it."""

    def repository(self, kind: type[Repository[A, I]], /) -> RepositoryFacade[A, I]:
        """Return repository ``kind`` bound to this unit of work."""
        ...

    def record(self, event: DomainEvent, /) -> None:
        """Queue an event that belongs to no aggregate."""
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
