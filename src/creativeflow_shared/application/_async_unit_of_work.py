"""The ``async with`` unit of work: the synchronous one, each step run through a runner.

For SQLAlchemy the runner is ``AsyncConnection.run_sync`` (the same statements, driven by the
async driver), for the in-memory fake a plain call. No step is written twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Self, TypeVar

from creativeflow_shared.application._async_repository import AsyncRepository
from creativeflow_shared.application._inbox import InboxEntry
from creativeflow_shared.application._repository import Repository

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from types import TracebackType

    from returns.result import Result

    from creativeflow_shared.application._unit_of_work import CommitError, UnitOfWork
    from creativeflow_shared.application.ports import Runner
    from creativeflow_shared.domain import AggregateRoot, DomainEvent

__all__ = ["AsyncUnitOfWork"]

A = TypeVar("A", bound="AggregateRoot[Any]")
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
R = TypeVar("R", bound=Repository[Any, Any])
T = TypeVar("T")


class AsyncUnitOfWork(ABC):
    """The ``async with`` flavour of ``UnitOfWork``, running its steps through a runner.

    Subclasses provide the synchronous unit of work and the runner when the block starts.
    """

    def __init__(self) -> None:
        """Create the unit of work; the transaction starts when the block starts."""
        self._inner: UnitOfWork | None = None
        self._run: Runner | None = None
        self._released: list[DomainEvent] = []
        self._receiving: list[tuple[str, str]] = []  # noted before the block started

    @abstractmethod
    async def _open(self) -> tuple[UnitOfWork, Runner]:
        """Start the backend's session; return the synchronous unit of work and its runner."""

    @abstractmethod
    async def _close(self) -> None:
        """Release the backend's session."""

    async def __aenter__(self) -> Self:
        """Start the transaction."""
        inner, run = await self._open()
        try:
            await run(inner.__enter__)
        except BaseException:
            await self._close()
            raise
        self._inner, self._run = inner, run
        self._hand_over(inner)
        return self

    def _hand_over(self, inner: UnitOfWork) -> None:
        for message_id, consumer in self._receiving:
            inner.receive(message_id, consumer)
        self._receiving.clear()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the transaction."""
        inner, run = self._parts()
        try:
            await run(lambda: inner.__exit__(exc_type, exc, traceback))
        finally:
            self._released.extend(inner.collect_committed_events())
            self._inner = self._run = None
            await self._close()

    def _parts(self) -> tuple[UnitOfWork, Runner]:
        if self._inner is None or self._run is None:
            msg = "use the unit of work inside an `async with` block"
            raise RuntimeError(msg)
        return self._inner, self._run

    def repository(self, kind: type[Repository[A, I]]) -> AsyncRepository[A, I]:
        """Return the async view of repository ``kind`` bound to this transaction.

        Raises:
            RuntimeError: Outside the ``async with`` block; the repository raises it too once
                the block has ended.
        """
        inner, _ = self._parts()
        return AsyncRepository(inner.repository(kind), self._run_in_block)

    def _run_in_block(self, step: Callable[[], T], /) -> Awaitable[T]:
        """Run ``step`` through the runner of the block in use (a ``Runner``)."""
        _, run = self._parts()
        return run(step)

    async def run(self, kind: type[R], step: Callable[[R], T]) -> T:
        """Run synchronous repository code (e.g. a custom query method) in this transaction."""
        inner, run = self._parts()
        return await run(lambda: step(inner.repository(kind)))

    def record(self, event: DomainEvent) -> None:
        """Queue an event that belongs to no aggregate; it is stored on commit."""
        self._parts()[0].record(event)

    async def received(self, message_id: str, consumer: str) -> bool:
        """Whether ``consumer`` handled the message already (see ``UnitOfWork.received``)."""
        inner, run = self._parts()
        return await run(lambda: inner.received(message_id, consumer))

    def receive(self, message_id: str, consumer: str) -> None:
        """Note the message the next commit handles, in the block or before it starts.

        See ``UnitOfWork.receive``.
        """
        InboxEntry(message_id, consumer)  # refused at once, as the sync flavour refuses it
        self._receiving.append((message_id, consumer))
        if self._inner is not None:
            self._hand_over(self._inner)

    async def commit(self) -> Result[None, CommitError]:
        """Write every change and its events in one transaction (see ``commit``).

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError``,
            ``NotFoundError``, ``AlreadyExistsError`` or ``InvalidInputError``; after a failure
            nothing is written and nothing changed (see ``UnitOfWork.commit``).
        """
        inner, run = self._parts()
        return await run(inner.commit)

    async def rollback(self) -> None:
        """Discard every uncommitted change."""
        inner, run = self._parts()
        await run(inner.rollback)

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        """Return the events of the commits so far, oldest first, and forget them.

        Works during the block and after it (the message bus collects after the block).
        """
        if self._inner is not None:
            self._released.extend(self._inner.collect_committed_events())
        events, self._released = tuple(self._released), []
        return events
