"""How a unit of work talks to PostgreSQL: one round trip per read, one per commit (ADR 0025).

A read sends ``BEGIN``, the query and, at the end, ``ROLLBACK``, each waiting for the server;
a commit sends ``BEGIN``, every write and ``COMMIT`` the same way. On psycopg, a unit of work
that owns its connection instead reads outside a transaction (autocommit: each statement is
its own snapshot, as it is under READ COMMITTED anyway), and writes in a pipeline: ``BEGIN``,
the writes and ``COMMIT`` go out together and the server answers once. A write the unit of
work checks one by one (a conditional update's row count) becomes a *guarded* statement that
fails on the server when it matches no row, so that the pipelined ``COMMIT`` cannot commit
it; when anything in the pipeline fails the transaction is rolled back and the commit is
replayed checked, statement by statement, to give the same outcome and error as always.

Everything else (SQLite, another driver, a connection the caller owns, a stricter isolation
level) keeps the plain transaction of the driver.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy.util import await_only as await_

from creativeflow_shared.domain import UnavailableError

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["Transactions"]

#: psycopg's ``TransactionStatus.UNKNOWN``: the connection is broken.
_UNKNOWN = 4


class Transactions:
    """The transaction protocol of one unit of work's connection.

    Attributes:
        unchecked: Whether the writes now go out unchecked (stores then send guarded
            statements and take their success for granted until the commit answers).
    """

    __slots__ = (
        "_connection",
        "_explicit",
        "_found_autocommit",
        "_managed",
        "_pipeline",
        "_replayed",
        "_writing",
        "unchecked",
    )

    def __init__(self, connection: Connection, *, owned: bool, isolation_level: str | None) -> None:
        """Manage ``connection``'s transactions (``owned``: the unit of work checked it out)."""
        self._connection = connection
        self.unchecked = False
        self._pipeline: _Pipeline | None = None
        self._writing = False
        self._replayed = False
        self._explicit = False
        self._managed = False  # whether it set the driver's autocommit (``end`` restores it)
        self._found_autocommit = False
        if isolation_level is not None:
            connection.execution_options(isolation_level=isolation_level)
        elif owned and connection.dialect.driver == "psycopg":
            self._explicit = self._managed = True
            self._found_autocommit = bool(self._dbapi().autocommit)  # an engine's AUTOCOMMIT
            self._dbapi().autocommit = True  # reads: no BEGIN, no ROLLBACK

    def use_transaction(self) -> None:
        """From now on, run everything in the driver's own transaction (no autocommit reads).

        Code that takes the unit of work's connection for statements of its own expects them
        in the block's transaction (``SET LOCAL``, a write of its own): it gets it.
        """
        if self._explicit and not self._writing:
            self._explicit = False
            self._dbapi().autocommit = False

    def start_writes(self, *, can_pipeline: bool) -> None:
        """Begin the write transaction: pipelined when ``can_pipeline`` and not replaying.

        Otherwise the driver begins it with the first write and ends it at the driver's
        commit, as it does for a connection in a transaction all along.
        """
        if not self._explicit:
            return
        replayed, self._replayed = self._replayed, False
        if not can_pipeline or replayed or not _pipelines():
            self._dbapi().autocommit = False
            return
        self._pipeline = _Pipeline(self._driver(), is_async=self._connection.dialect.is_async)
        self.unchecked = True
        self._connection.exec_driver_sql("BEGIN")
        self._writing = True

    def committed(self) -> None:
        """After a commit: the next reads go outside a transaction again."""
        if self._explicit:
            self._dbapi().autocommit = True

    @property
    def writing(self) -> bool:
        """Whether a write transaction begun by ``start_writes`` is open."""
        return self._writing

    def commit(self) -> None:
        """Send ``COMMIT`` and, in a pipeline, wait for the one answer to everything.

        Raises:
            Exception: Whatever the server answered to a statement (the pipeline's first
                error, as the driver raises it).
        """
        self._writing = False
        self._connection.exec_driver_sql("COMMIT")
        self._close_pipeline()
        self.unchecked = False  # answered: every write matched

    def replay_checked(self) -> bool:
        """After a failure, roll an unchecked attempt back and answer whether to replay it.

        Raises:
            UnavailableError: If the connection broke during the unchecked attempt (the
                database may or may not have committed; a retry finds out).
        """
        if not self.unchecked:
            return False
        with contextlib.suppress(Exception):  # the failure is replayed: its answer is moot
            self._close_pipeline()
        if self._broken():  # the database may or may not have committed: a retry finds out
            dependency = "database"
            raise UnavailableError(dependency)
        self.rollback()
        self._replayed = True
        return True

    def rollback(self) -> None:
        """Roll back whatever is open (nothing to do when only reads happened)."""
        if self._pipeline is not None:
            with contextlib.suppress(Exception):  # what it would answer is rolled back
                self._close_pipeline()
        self._writing = False
        self.unchecked = False
        self._connection.rollback()
        if self._explicit and not self._broken():
            self._dbapi().autocommit = True  # a reconnected connection starts transactional

    def end(self) -> None:
        """Hand the connection back as the pool lent it (autocommit as it was)."""
        if self._managed:
            with contextlib.suppress(Exception):  # a broken connection is discarded anyway
                self._close_pipeline()
                self._connection.rollback()  # the block is over: what it left is discarded
                self._dbapi().autocommit = self._found_autocommit

    def _close_pipeline(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.close()

    def _broken(self) -> bool:
        if self._connection.invalidated:  # SQLAlchemy saw the connection go
            return True
        driver = self._driver()
        return bool(driver.closed) or int(driver.info.transaction_status) == _UNKNOWN

    def _dbapi(self) -> Any:  # noqa: ANN401 (the driver's connection)
        return self._connection.connection.dbapi_connection

    def _driver(self) -> Any:  # noqa: ANN401 (the driver's connection)
        return self._connection.connection.driver_connection


@functools.cache
def _pipelines() -> bool:
    """Whether psycopg's pipeline mode works here (it needs libpq 14 or later)."""
    import psycopg  # noqa: PLC0415 (the postgresql extra: only when psycopg is the driver)

    return bool(psycopg.Pipeline.is_supported())


class _Pipeline:
    """psycopg's pipeline mode on a connection, sync or async (through SQLAlchemy's bridge)."""

    __slots__ = ("_is_async", "_manager")

    def __init__(self, driver: Any, *, is_async: bool) -> None:  # noqa: ANN401 (psycopg's)
        self._manager = driver.pipeline()
        self._is_async = is_async
        if is_async:
            # The async unit of work runs this in SQLAlchemy's greenlet: it may await here.
            await_(self._manager.__aenter__())
        else:
            self._manager.__enter__()

    def close(self) -> None:
        """Leave pipeline mode, waiting for every answer (the first error is raised)."""
        if self._is_async:
            await_(self._manager.__aexit__(None, None, None))
        else:
            self._manager.__exit__(None, None, None)
