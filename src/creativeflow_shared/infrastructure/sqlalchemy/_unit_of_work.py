"""Units of work on SQLAlchemy connections: sync ``Connection`` and ``AsyncConnection``.

Document and outbox stores issue Core statements, so a unit of work holds a plain connection
and its transaction rather than an ORM ``Session`` (whose bookkeeping cost about half the time
of a one-row transaction on SQLite, for an identity map nobody used). Only data-mapper
repositories, whose rows are the ORM's, get a ``Session``: made on first use and joined to the
connection's transaction.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, TypeVar

from returns.result import Failure, Result, Success
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typing_extensions import override

from creativeflow_shared.application import AsyncUnitOfWork, CommitError, UnitOfWork
from creativeflow_shared.domain import AlreadyExistsError
from creativeflow_shared.infrastructure.sqlalchemy._document_store import SQLAlchemyDocumentStore
from creativeflow_shared.infrastructure.sqlalchemy._errors import translate_error
from creativeflow_shared.infrastructure.sqlalchemy._inbox_store import SQLAlchemyInboxStore
from creativeflow_shared.infrastructure.sqlalchemy._outbox_store import SQLAlchemyOutboxStore
from creativeflow_shared.infrastructure.sqlalchemy._row_storage import RowStorage
from creativeflow_shared.infrastructure.sqlalchemy._row_store import SQLAlchemyRowStore
from creativeflow_shared.infrastructure.sqlalchemy._tables import inbox_of, outbox_of, table_of
from creativeflow_shared.infrastructure.sqlalchemy._transactions import Transactions

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy import Engine, MetaData
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from creativeflow_shared.application.ports import (
        InboxStore,
        OutboxStore,
        RecordCodec,
        RecordStore,
        Runner,
        Storage,
    )

__all__ = ["AsyncSQLAlchemyUnitOfWork", "SQLAlchemyUnitOfWork"]

T = TypeVar("T")


class _ConnectionStores:
    """The stores of one connection's transaction.

    Document tables and the outbox are written with Core on the connection; data-mapper
    repositories get an ORM ``Session`` joined to the same transaction, made on first use.
    """

    __slots__ = ("_metadata", "_session", "connection", "rows_used", "transactions")

    def __init__(
        self, connection: Connection, metadata: MetaData, transactions: Transactions
    ) -> None:
        self.connection = connection
        self._metadata = metadata
        self._session: Session | None = None
        self.transactions = transactions
        #: Whether a data-mapper repository is in use (its ORM writes are checked ones).
        self.rows_used = False

    def store(self, storage: Storage, codec: RecordCodec) -> RecordStore:  # noqa: ARG002 (SQL stores compare in SQL)
        table = table_of(self._metadata, storage)
        if table is not None:  # the common case first: one dict lookup per repository
            return SQLAlchemyDocumentStore(self.connection, table, storage, self.transactions)
        if isinstance(storage, RowStorage):
            self.rows_used = True
            return SQLAlchemyRowStore(self.session, storage)
        name = storage.repository_name
        msg = (
            f"nothing stores {name}'s aggregates here: declare its table first, "
            f"document_table(metadata, {name}), or make it a data-mapper repository"
        )
        raise LookupError(msg)

    def outbox_store(self) -> OutboxStore:
        return SQLAlchemyOutboxStore(self.connection, outbox_of(self._metadata))

    def inbox_store(self) -> InboxStore:
        return SQLAlchemyInboxStore(self.connection, inbox_of(self._metadata))

    def session(self) -> Session:
        """Return the session of this transaction, joining it on first use."""
        if self._session is None:
            if not self.connection.in_transaction():
                self.connection.begin()
            self._session = Session(
                bind=self.connection,
                join_transaction_mode="rollback_only",
                autoflush=False,
                expire_on_commit=False,
            )
        return self._session

    def discard_session(self) -> None:
        """Forget the session and whatever it holds (after a rollback, or at the end)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()


class SQLAlchemyUnitOfWork(UnitOfWork):
    """A unit of work on a SQLAlchemy connection (SQLite, PostgreSQL, ...).

    Give it an ``Engine`` to check out a connection per block (returned to the pool at the
    end), or a ``Connection`` to work on (it is left open). Each block is one transaction.
    ``metadata`` holds the document tables and the outbox table (``document_table`` and
    ``outbox_table``).

    Examples:
        >>> from sqlalchemy import MetaData, create_engine
        >>> from creativeflow_shared.infrastructure.sqlalchemy import outbox_table
        >>> metadata = MetaData()
        >>> _ = outbox_table(metadata)
        >>> engine = create_engine("sqlite://")
        >>> metadata.create_all(engine)
        >>> with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        ...     uow.commit()
        <Success: None>
        >>> engine.dispose()
    """

    def __init__(
        self,
        bind: Engine | Connection,
        metadata: MetaData,
        *,
        isolation_level: str | None = None,
    ) -> None:
        """Work with ``bind`` (an engine, or a connection to use) and ``metadata``'s tables.

        ``isolation_level`` (``"REPEATABLE READ"``, ``"SERIALIZABLE"``, ...) makes each block
        one transaction at that level, reads included. By default a block on PostgreSQL
        (psycopg) that checks out its own connection reads outside a transaction, each
        statement seeing what is committed, as under READ COMMITTED, and sends its commit's
        writes in one round trip (ADR 0025); versions still catch every concurrent change.
        """
        super().__init__()
        self._bind = bind
        self._metadata = metadata
        self._isolation_level = isolation_level
        self._owned = not isinstance(bind, Connection)
        self._connection: Connection | None = None
        self._connection_stores: _ConnectionStores | None = None

    @property
    def connection(self) -> Connection:
        """The connection of the current block (for queries the repositories do not cover).

        Statements sent through it run in the block's transaction, which commits or rolls
        back with the unit of work; once it is taken, the block's reads run in that
        transaction too (not outside one, see ADR 0025).
        """
        if self._connection is None:
            msg = "use the unit of work inside a `with` block"
            raise RuntimeError(msg)
        self._stores_in_use().transactions.use_transaction()
        return self._connection

    @override
    def _begin(self) -> _ConnectionStores:
        # The first statement begins the transaction (SQLAlchemy's autobegin): a block that
        # only reads pays for no explicit BEGIN.
        bind = self._bind
        self._connection = bind if isinstance(bind, Connection) else bind.connect()
        transactions = Transactions(
            self._connection, owned=self._owned, isolation_level=self._isolation_level
        )
        self._connection_stores = _ConnectionStores(self._connection, self._metadata, transactions)
        return self._connection_stores

    def _stores_in_use(self) -> _ConnectionStores:
        if self._connection_stores is None:
            msg = "use the unit of work inside a `with` block"
            raise RuntimeError(msg)
        return self._connection_stores

    @override
    def _start_writes(self) -> None:
        stores = self._stores_in_use()
        stores.transactions.start_writes(can_pipeline=not stores.rows_used)

    @override
    def _replay_checked(self) -> bool:
        return self._stores_in_use().transactions.replay_checked()

    @override
    def _commit_transaction(self) -> Result[None, CommitError]:
        connection = self._stores_in_use().connection
        # No transaction: nothing was written. An inactive one (a statement failed in it) is
        # not "nothing": committing it raises, as it must.
        if connection.get_transaction() is None:
            return Success(None)
        transactions = self._stores_in_use().transactions
        try:
            if transactions.writing:
                transactions.commit()  # COMMIT (and, in a pipeline, every answer at once)
            connection.commit()
        except DBAPIError as exc:
            # A deferred constraint is checked here, at COMMIT: name it by its constraint.
            error = translate_error(exc, "unique key", None)
            if isinstance(error, AlreadyExistsError):
                error.__cause__ = exc
                return Failure(error)
            if error is None:
                raise  # a plain fault: as the driver raised it (not chained to itself)
            raise error from exc
        # The session joined the transaction that just ended: the next one gets its own.
        self._stores_in_use().discard_session()
        transactions.committed()
        return Success(None)

    @override
    def _rollback_transaction(self) -> None:
        stores = self._stores_in_use()
        stores.discard_session()  # its rows may hold what was rolled back
        # Also when the transaction is no longer active (a lost connection, a failed COMMIT):
        # rolling it back is what lets the connection (reconnected if it was lost) be used
        # again. With no transaction at all this does nothing.
        stores.transactions.rollback()

    @override
    def _end(self) -> None:
        stores, self._connection_stores = self._connection_stores, None
        if stores is not None:
            stores.discard_session()
            stores.transactions.end()
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if isinstance(self._bind, Connection):
            connection.rollback()
        else:
            connection.close()  # the pool rolls back whatever was not committed


class AsyncSQLAlchemyUnitOfWork(AsyncUnitOfWork):
    """A unit of work on a SQLAlchemy ``AsyncConnection`` (aiosqlite, psycopg async, ...).

    It runs the very same steps as ``SQLAlchemyUnitOfWork``, through
    ``AsyncConnection.run_sync``: the async driver does the I/O, the logic is not duplicated.
    Give it an ``AsyncEngine`` to check out a connection per block (returned to the pool at the
    end), or an ``AsyncConnection`` to work on (it is left open, with whatever the block did
    not commit rolled back), as ``SQLAlchemyUnitOfWork`` takes an engine or a connection.
    """

    def __init__(self, bind: AsyncEngine | AsyncConnection, metadata: MetaData) -> None:
        """Work with ``bind`` (an engine, or a connection to use) and ``metadata``'s tables.

        Raises:
            ImportError: If ``greenlet`` (which SQLAlchemy's asyncio support runs on) is not
                installed; the message names the extras that install it.
        """
        _require_greenlet()
        super().__init__()
        self._bind = bind
        self._metadata = metadata
        self._async_connection: AsyncConnection | None = None

    @override
    async def _open(self) -> tuple[UnitOfWork, Runner]:
        from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: PLC0415 (the async extra's import)

        bind = self._bind
        connection = await bind.connect() if isinstance(bind, AsyncEngine) else bind
        self._async_connection = connection
        inner = _owned(connection.sync_connection, self._metadata, owned=bind is not connection)  # type: ignore[arg-type] # set once connected

        def run(step: Callable[[], T]) -> Awaitable[T]:
            return connection.run_sync(lambda _: step())

        return inner, run

    @override
    async def _close(self) -> None:
        connection, self._async_connection = self._async_connection, None
        if connection is not None and connection is not self._bind:
            await connection.close()


@cache
def _require_greenlet() -> None:
    """Raise an ``ImportError`` naming the extras if SQLAlchemy's asyncio cannot run."""
    try:
        import_module("greenlet")
    except ImportError as error:
        msg = (
            "AsyncSQLAlchemyUnitOfWork needs greenlet (SQLAlchemy's asyncio support): "
            "pip install 'creativeflow-shared-backend[sqlite-async]' for aiosqlite, or "
            "'creativeflow-shared-backend[postgresql]' for psycopg"
        )
        raise ImportError(msg, name="greenlet") from error


def _owned(connection: Connection, metadata: MetaData, *, owned: bool) -> SQLAlchemyUnitOfWork:
    """The unit of work an async one runs, on a connection it checked out itself if ``owned``."""
    unit_of_work = SQLAlchemyUnitOfWork(connection, metadata)
    unit_of_work._owned = owned  # noqa: SLF001  # pyright: ignore[reportPrivateUsage] (its module)
    return unit_of_work
