"""The harnesses that open units of work for the contract suites, sync and async.

``SyncHarness`` hands out a ``UnitOfWork`` itself, which already is the sync facade, and
``AsyncHarness`` drives an ``AsyncUnitOfWork`` through its real ``async`` API on an event loop
of its own, so async adapters are exercised for real, not through their sync core.
"""

from __future__ import annotations

import asyncio
import inspect
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from creativeflow_shared.domain import AggregateRoot
from creativeflow_shared.testing._in_memory import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator, Sequence

    from returns.result import Result
    from sqlalchemy import Engine, MetaData
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application import (
        AsyncUnitOfWork,
        CommitError,
        OutboxMessage,
        Repository,
        UnitOfWork,
    )
    from creativeflow_shared.domain import DomainEvent
    from creativeflow_shared.testing._facade import RepositoryFacade, UnitOfWorkFacade

__all__ = ["AsyncHarness", "SyncHarness"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
T = TypeVar("T")


class SyncHarness:
    """Runs the contracts against a synchronous ``UnitOfWork``.

    Args:
        factory: Returns a new, unentered unit of work (one per ``open``).
        outbox: Returns the committed outbox messages, oldest first.
    """

    def __init__(
        self, factory: Callable[[], UnitOfWork], outbox: Callable[[], Sequence[OutboxMessage]]
    ) -> None:
        """Open units of work from ``factory`` and read the outbox through ``outbox``."""
        self._factory = factory
        self._outbox = outbox

    @classmethod
    def in_memory(cls, database: InMemoryDatabase | None = None) -> SyncHarness:
        """Return a harness of ``InMemoryUnitOfWork`` over ``database`` (or a new one)."""
        shared = database if database is not None else InMemoryDatabase()
        return cls(lambda: InMemoryUnitOfWork(shared), lambda: shared.outbox)

    @classmethod
    def sqlalchemy(cls, engine: Engine, metadata: MetaData) -> SyncHarness:
        """Return a harness of ``SQLAlchemyUnitOfWork`` on ``engine`` with ``metadata``'s tables."""
        from creativeflow_shared.infrastructure.sqlalchemy import (  # noqa: PLC0415 (keeps SQLAlchemy out of `import creativeflow_shared.testing`)
            SQLAlchemyOutboxStore,
            SQLAlchemyUnitOfWork,
            outbox_of,
        )

        table = outbox_of(metadata)

        def _stored() -> list[OutboxMessage]:
            with engine.connect() as connection:
                return SQLAlchemyOutboxStore(connection, table).messages()

        return cls(lambda: SQLAlchemyUnitOfWork(engine, metadata), _stored)

    @contextmanager
    def open(self) -> Generator[UnitOfWorkFacade]:
        """Start a unit of work; leaving the block ends it (rolling back what is uncommitted)."""
        with self._factory() as uow:
            yield uow

    def outbox_messages(self) -> list[OutboxMessage]:
        """Return every committed outbox message, oldest first."""
        return list(self._outbox())

    def close(self) -> None:
        """Nothing to release: the harness does not own the engine or the database."""


class AsyncHarness:
    """Runs the contracts against an ``AsyncUnitOfWork``, on an event loop of its own.

    Every facade call awaits the real async method (``await uow.commit()``,
    ``await repository.get(...)``) with ``loop.run_until_complete``. Call ``close`` when
    done: it closes the loop.

    Args:
        factory: Returns a new, unentered async unit of work (one per ``open``).
        outbox: Returns an awaitable of the committed outbox messages, oldest first.
    """

    def __init__(
        self,
        factory: Callable[[], AsyncUnitOfWork],
        outbox: Callable[[], Awaitable[Sequence[OutboxMessage]]],
    ) -> None:
        """Open units of work from ``factory`` and read the outbox through ``outbox``."""
        self._factory = factory
        self._outbox = outbox
        self._loop = asyncio.new_event_loop()

    @classmethod
    def in_memory(cls, database: InMemoryDatabase | None = None) -> AsyncHarness:
        """Return a harness of ``AsyncInMemoryUnitOfWork`` over ``database`` (or a new one)."""
        shared = database if database is not None else InMemoryDatabase()

        async def _stored() -> list[OutboxMessage]:
            return list(shared.outbox)

        return cls(lambda: AsyncInMemoryUnitOfWork(shared), _stored)

    @classmethod
    def sqlalchemy(cls, engine: AsyncEngine, metadata: MetaData) -> AsyncHarness:
        """Return a harness of ``AsyncSQLAlchemyUnitOfWork`` on ``engine`` with ``metadata``.

        Give the engine a ``NullPool`` (as the pytest plugin's async engines have) when it
        outlives the harness: pooled async connections belong to the loop that opened them.
        """
        from creativeflow_shared.infrastructure.sqlalchemy import (  # noqa: PLC0415 (keeps SQLAlchemy out of `import creativeflow_shared.testing`)
            AsyncSQLAlchemyUnitOfWork,
            SQLAlchemyOutboxStore,
            outbox_of,
        )

        table = outbox_of(metadata)

        async def _stored() -> list[OutboxMessage]:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: SQLAlchemyOutboxStore(sync, table).messages()
                )

        return cls(lambda: AsyncSQLAlchemyUnitOfWork(engine, metadata), _stored)

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` to completion on the harness's loop (for async test code)."""
        return self._loop.run_until_complete(awaitable)

    @contextmanager
    def open(self) -> Generator[UnitOfWorkFacade]:
        """Enter a new async unit of work (``async with``) and yield its sync-style facade."""
        uow = self._factory()
        self.run(uow.__aenter__())
        try:
            yield _AsyncUnitOfWork(uow, self._loop)
        except BaseException as exc:
            self.run(uow.__aexit__(type(exc), exc, exc.__traceback__))
            raise
        self.run(uow.__aexit__(None, None, None))

    def outbox_messages(self) -> list[OutboxMessage]:
        """Return every committed outbox message, oldest first."""
        return list(self.run(self._outbox()))

    def close(self) -> None:
        """Close the harness's event loop."""
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()


class _AsyncUnitOfWork:
    """The sync facade of an ``AsyncUnitOfWork``: each awaitable is run on the harness's loop."""

    __slots__ = ("_loop", "_uow")

    def __init__(self, uow: AsyncUnitOfWork, loop: asyncio.AbstractEventLoop) -> None:
        self._uow = uow
        self._loop = loop

    def repository(self, kind: type[Repository[A, I]], /) -> RepositoryFacade[A, I]:
        # ``RepositoryFacade`` declares the surface; the proxy only runs what each call returns.
        # The suites call every method of it on each async backend, so a drift shows there.
        proxy = _BlockingProxy(self._uow.repository(kind), self._loop.run_until_complete)
        return cast("RepositoryFacade[A, I]", proxy)

    def record(self, event: DomainEvent, /) -> None:
        self._uow.record(event)

    def received(self, message_id: str, consumer: str, /) -> bool:
        return self._loop.run_until_complete(self._uow.received(message_id, consumer))

    def receive(self, message_id: str, consumer: str, /) -> None:
        self._uow.receive(message_id, consumer)

    def commit(self) -> Result[None, CommitError]:
        return self._loop.run_until_complete(self._uow.commit())

    def rollback(self) -> None:
        self._loop.run_until_complete(self._uow.rollback())

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        return self._uow.collect_committed_events()


class _BlockingProxy:
    """Forwards every call to an async object and runs each awaitable it returns to completion.

    It declares no method of its own: the protocol it is cast to says which calls there are
    and what they return, once for the sync and the async flavour.
    """

    __slots__ = ("_run", "_target")

    def __init__(self, target: object, run: Callable[[Awaitable[object]], object]) -> None:
        self._target = target
        self._run = run

    def __getattr__(self, name: str) -> Callable[..., object]:
        method = getattr(self._target, name)

        def call(*args: object, **kwargs: object) -> object:
            result: object = method(*args, **kwargs)
            return self._run(result) if inspect.isawaitable(result) else result

        return call
