"""The outbox table as the relay works on it: claims under a lease, marks, dead letters.

Each call is one transaction of its own on the engine (sync or async: the statements are
written once, on a sync ``Connection``, and an async engine runs them through ``run_sync``).

Claiming (ADR 0028) takes, in one transaction, the *heads* that are due: pending rows with no
live lease, available now, with no earlier unpublished row of their aggregate. On PostgreSQL
they are locked ``FOR UPDATE SKIP LOCKED``, so concurrent relays take different aggregates and
a row another relay is claiming (or marking) is skipped rather than waited for; the row's own
conditions are checked again on the newest version of a row that changed meanwhile. Then each
head's due rows right behind it join the claim (``claim_runs``), and every claimed row gets
the relay's lease. Only a relay holding the head of an aggregate claims that aggregate's rows,
so an aggregate's rows are never in the hands of two relays while the leases live. SQLite has
no row locks: one relay per database there.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, delete, func, select, update

from creativeflow_shared.application.ports import (
    ClaimedMessage,
    DeadLetter,
    OutboxStats,
)
from creativeflow_shared.infrastructure.sqlalchemy._outbox_store import outbox_message
from creativeflow_shared.infrastructure.sqlalchemy._relay_statements import (
    relay_statements,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import Connection, Table, Update
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application.ports import FailedMessage

__all__ = ["SQLAlchemyRelayStore"]

T = TypeVar("T")

_PENDING, _PUBLISHED, _DEAD = "pending", "published", "dead"


class SQLAlchemyRelayStore:
    """The ``RelayStore`` of an outbox table, on a sync or an async engine.

    Examples:
        >>> from sqlalchemy import MetaData, create_engine
        >>> from creativeflow_shared.infrastructure.sqlalchemy import outbox_table
        >>> metadata = MetaData()
        >>> store = SQLAlchemyRelayStore(create_engine("sqlite://"), outbox_table(metadata))
    """

    __slots__ = ("_engine", "_statements", "_table")

    def __init__(self, engine: Engine | AsyncEngine, table: Table) -> None:
        """Work on ``table`` (declared by ``outbox_table``) through ``engine``.

        A sync engine's calls run in a worker thread, so that they do not block the event
        loop the relay runs on.
        """
        self._engine = engine
        self._table = table
        self._statements = relay_statements(table, engine.dialect.name)

    async def claim(
        self, relay_id: str, *, limit: int, now: datetime, lease_until: datetime
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages to ``relay_id`` (see ``RelayStore.claim``)."""
        statements = self._statements

        def claim(connection: Connection) -> list[ClaimedMessage]:
            """The claim, by the statements of the engine's dialect."""
            return statements.claim(connection, relay_id, limit=limit, now=now, until=lease_until)

        return await self._run(claim, one_statement=statements.one_statement_claim)

    async def mark_published(self, relay_id: str, ids: Sequence[UUID], *, now: datetime) -> None:
        """Mark the messages ``relay_id`` holds among ``ids`` as published at ``now``."""
        params = {"b_ids": list(ids), "b_relay": relay_id, "b_now": now}
        await self._write(self._statements.mark_published, params, one=True)

    async def mark_failed(self, relay_id: str, failures: Sequence[FailedMessage]) -> None:
        """Count a failed attempt of each message ``relay_id`` holds; retry or dead-letter."""
        rows = [
            {
                "b_id": failure.id,
                "b_relay": relay_id,
                "b_error": failure.error,
                "b_status": _DEAD if failure.retry_at is None else _PENDING,
                "b_retry_at": failure.retry_at,
            }
            for failure in failures
        ]
        await self._write(self._statements.mark_failed, rows)

    async def release(self, relay_id: str, ids: Sequence[UUID]) -> None:
        """Give back ``relay_id``'s leases on ``ids``, attempts unchanged."""
        params = {"b_ids": list(ids), "b_relay": relay_id}
        await self._write(self._statements.release, params, one=True)

    async def dead_letters(self, *, limit: int) -> list[DeadLetter]:
        """Return up to ``limit`` dead-lettered messages, oldest first."""
        c = self._table.c
        statement = select(self._table).where(c.status == _DEAD).order_by(c.id).limit(limit)

        def read(connection: Connection) -> list[DeadLetter]:
            """The dead letters, read in the store's transaction."""
            return [
                DeadLetter(
                    message=outbox_message(row), attempts=row.attempts, last_error=row.last_error
                )
                for row in connection.execute(statement)
            ]

        return await self._run(read)

    async def replay(self, ids: Sequence[UUID] | None, *, now: datetime) -> int:
        """Make dead-lettered messages (all when ``ids`` is None) due again; return how many."""
        c = self._table.c
        statement = update(self._table).where(c.status == _DEAD)
        if ids is not None:
            statement = statement.where(c.id.in_(list(ids)))
        statement = statement.values(status=_PENDING, attempts=0, available_at=now)
        return await self._run(lambda connection: _count(connection.execute(statement)))

    async def purge(self, *, published_before: datetime) -> int:
        """Delete the messages published before ``published_before``; return how many."""
        c = self._table.c
        statement = delete(self._table).where(
            c.status == _PUBLISHED, c.published_at < published_before
        )
        return await self._run(lambda connection: _count(connection.execute(statement)))

    async def stats(self) -> OutboxStats:
        """Return the pending and dead counts and the oldest pending message's time."""
        c = self._table.c
        statement = select(
            func.count().filter(c.status == _PENDING),
            func.count().filter(c.status == _DEAD),
            func.min(c.occurred_at).filter(c.status == _PENDING),
        ).where(c.status != _PUBLISHED)

        def read(connection: Connection) -> OutboxStats:
            """The counts, read in the store's transaction."""
            pending, dead, oldest = connection.execute(statement).one()
            return OutboxStats(pending=pending, dead=dead, oldest_pending=oldest)

        return await self._run(read)

    async def _write(
        self,
        statement: Update,
        params: dict[str, Any] | list[dict[str, Any]],
        *,
        one: bool = False,
    ) -> None:
        """Execute one of the relay's own writes (``one``: a single statement, see ``_run``)."""
        one_statement = one and self._statements.one_statement_claim
        await self._run(
            lambda connection: connection.execute(statement, params), one_statement=one_statement
        )

    async def _run(self, work: Callable[[Connection], T], *, one_statement: bool = False) -> T:
        """Run ``work`` in a transaction of its own.

        ``one_statement``: ``work`` sends a single statement, which PostgreSQL runs as a
        transaction of its own; it is sent outside a transaction block (autocommit), saving
        the round trips of ``BEGIN`` and ``COMMIT``. The relay's own writes commit without
        waiting for the disk on PostgreSQL: their statements say so themselves (see
        ``RelayStatements``).
        """
        engine = self._engine
        options = {"isolation_level": "AUTOCOMMIT"} if one_statement else {}
        if isinstance(engine, Engine):
            return await asyncio.to_thread(_in_transaction, engine, work, options)
        async with engine.connect() as connection:
            if options:
                await connection.execution_options(**options)
            async with connection.begin():
                return await connection.run_sync(work)


def _in_transaction(engine: Engine, work: Callable[[Connection], T], options: dict[str, str]) -> T:
    with engine.connect() as connection:
        if options:
            connection.execution_options(**options)
        with connection.begin():
            return work(connection)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0))
