"""Units of work on SQLAlchemy sessions: sync ``Session`` and ``AsyncSession``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typing_extensions import override

from creativeflow_shared.application import AsyncUnitOfWork, UnitOfWork
from creativeflow_shared.infrastructure.sqlalchemy._document_store import SQLAlchemyDocumentStore
from creativeflow_shared.infrastructure.sqlalchemy._errors import translate_error
from creativeflow_shared.infrastructure.sqlalchemy._outbox_store import SQLAlchemyOutboxStore
from creativeflow_shared.infrastructure.sqlalchemy._tables import document_tables, outbox_of

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy import Engine, MetaData
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application import (
        DocumentRepository,
        DocumentStore,
        OutboxStore,
        Runner,
    )

__all__ = ["AsyncSQLAlchemyUnitOfWork", "SQLAlchemyUnitOfWork"]

T = TypeVar("T")


class _SessionStores:
    """The stores of one session's transaction."""

    __slots__ = ("_metadata", "_session")

    def __init__(self, session: Session, metadata: MetaData) -> None:
        self._session = session
        self._metadata = metadata

    def document_store(self, repository: type[DocumentRepository[Any, Any]]) -> DocumentStore:
        table = document_tables(self._metadata).get(repository)
        if table is None:
            msg = f"declare its table first: document_table(metadata, {repository.__name__})"
            raise LookupError(msg)
        return SQLAlchemyDocumentStore(self._session, table, repository)

    def outbox_store(self) -> OutboxStore:
        return SQLAlchemyOutboxStore(self._session, outbox_of(self._metadata))


class SQLAlchemyUnitOfWork(UnitOfWork):
    """A unit of work on a SQLAlchemy ``Session`` (SQLite, PostgreSQL, ...).

    Give it an ``Engine`` to open (and close) a session per block, or an existing ``Session``
    to take part in a transaction someone else manages. ``metadata`` holds the document tables
    and the outbox table (see :func:`document_table` and :func:`outbox_table`).

    Examples:
        >>> from sqlalchemy import MetaData, create_engine
        >>> metadata = MetaData()
        >>> _ = outbox_table(metadata)
        >>> engine = create_engine("sqlite://")
        >>> metadata.create_all(engine)
        >>> with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        ...     uow.commit()
        <Success: None>
    """

    def __init__(self, bind: Engine | Session, metadata: MetaData) -> None:
        """Work with ``bind`` (an engine, or a session to borrow) and the tables of ``metadata``."""
        super().__init__()
        self._bind = bind
        self._metadata = metadata
        self._session: Session | None = bind if isinstance(bind, Session) else None

    @property
    def session(self) -> Session:
        """The session of the current block (for queries the repositories do not cover)."""
        if self._session is None:
            msg = "use the unit of work inside a `with` block"
            raise RuntimeError(msg)
        return self._session

    @override
    def _begin(self) -> _SessionStores:
        if not isinstance(self._bind, Session):
            self._session = Session(self._bind, expire_on_commit=False, autoflush=False)
        return _SessionStores(self.session, self._metadata)

    @override
    def _commit_transaction(self) -> None:
        try:
            self.session.commit()
        except DBAPIError as exc:
            error = translate_error(exc, "transaction", "commit")
            raise (error or exc) from exc

    @override
    def _rollback_transaction(self) -> None:
        self.session.rollback()

    @override
    def _end(self) -> None:
        if not isinstance(self._bind, Session):
            self.session.close()
            self._session = None


class AsyncSQLAlchemyUnitOfWork(AsyncUnitOfWork):
    """A unit of work on a SQLAlchemy ``AsyncSession`` (aiosqlite, psycopg async, ...).

    It runs the very same steps as :class:`SQLAlchemyUnitOfWork`, through
    ``AsyncSession.run_sync``: the async driver does the I/O, the logic is not duplicated.
    """

    def __init__(self, engine: AsyncEngine, metadata: MetaData) -> None:
        """Open a session of ``engine`` per block, with the tables of ``metadata``."""
        super().__init__()
        self._engine = engine
        self._metadata = metadata
        self._async_session: Any = None

    @override
    async def _open(self) -> tuple[UnitOfWork, Runner]:
        from sqlalchemy.ext.asyncio import AsyncSession  # noqa: PLC0415 (needs greenlet, at use)

        session = AsyncSession(self._engine, expire_on_commit=False, autoflush=False)
        self._async_session = session
        inner = SQLAlchemyUnitOfWork(session.sync_session, self._metadata)

        def run(step: Callable[[], T]) -> Awaitable[T]:
            return session.run_sync(lambda _: step())

        return inner, run

    @override
    async def _close(self) -> None:
        session, self._async_session = self._async_session, None
        if session is not None:
            await session.close()
