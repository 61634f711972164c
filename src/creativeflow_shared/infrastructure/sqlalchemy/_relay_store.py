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
import functools
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import (
    Engine,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)

from creativeflow_shared.application.ports import (
    ClaimableRow,
    ClaimedMessage,
    DeadLetter,
    OutboxStats,
    claim_runs,
    run_length,
)
from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo
from creativeflow_shared.infrastructure.sqlalchemy._outbox_store import outbox_message

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import Connection, Table
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

    __slots__ = ("_engine", "_table")

    def __init__(self, engine: Engine | AsyncEngine, table: Table) -> None:
        """Work on ``table`` (declared by ``outbox_table``) through ``engine``.

        A sync engine's calls run in a worker thread, so that they do not block the event
        loop the relay runs on.
        """
        self._engine = engine
        self._table = table

    async def claim(
        self, relay_id: str, *, limit: int, now: datetime, lease_until: datetime
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages to ``relay_id`` (see ``RelayStore.claim``)."""
        return await self._run(
            functools.partial(self._claim, relay_id, limit=limit, now=now, until=lease_until),
            relaxed=True,
        )

    async def mark_published(self, relay_id: str, ids: Sequence[UUID], *, now: datetime) -> None:
        """Mark the messages ``relay_id`` holds among ``ids`` as published at ``now``."""
        c = self._table.c
        statement = (
            update(self._table)
            .where(c.id.in_(list(ids)), c.leased_by == relay_id)
            .values(status=_PUBLISHED, published_at=now, leased_by=None, leased_until=None)
        )
        await self._run(lambda connection: connection.execute(statement), relaxed=True)

    async def mark_failed(self, relay_id: str, failures: Sequence[FailedMessage]) -> None:
        """Count a failed attempt of each message ``relay_id`` holds; retry or dead-letter."""
        c = self._table.c
        statement = (
            update(self._table)
            .where(c.id == bindparam("b_id"), c.leased_by == relay_id)
            .values(
                attempts=c.attempts + 1,
                last_error=bindparam("b_error"),
                status=bindparam("b_status"),
                available_at=func.coalesce(
                    bindparam("b_retry_at", type_=c.available_at.type), c.available_at
                ),
                leased_by=None,
                leased_until=None,
            )
        )
        rows = [
            {
                "b_id": failure.id,
                "b_error": failure.error,
                "b_status": _DEAD if failure.retry_at is None else _PENDING,
                "b_retry_at": failure.retry_at,
            }
            for failure in failures
        ]
        await self._run(lambda connection: connection.execute(statement, rows), relaxed=True)

    async def release(self, relay_id: str, ids: Sequence[UUID]) -> None:
        """Give back ``relay_id``'s leases on ``ids``, attempts unchanged."""
        c = self._table.c
        statement = (
            update(self._table)
            .where(c.id.in_(list(ids)), c.leased_by == relay_id)
            .values(leased_by=None, leased_until=None)
        )
        await self._run(lambda connection: connection.execute(statement), relaxed=True)

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

    def _claim(
        self, relay_id: str, connection: Connection, *, limit: int, now: datetime, until: datetime
    ) -> list[ClaimedMessage]:
        statements = _CLAIMS.get(self._table.info, lambda: _Claims(self._table))
        heads_params = {"b_now": now, "b_limit": limit}
        heads = [(row[0], row[1]) for row in connection.execute(statements.heads, heads_params)]
        if not heads:
            return []
        pending: dict[tuple[str, str], list[ClaimableRow]] = {}
        rows_params = {"b_keys": heads, "b_run": run_length(len(heads), limit)}
        for row in connection.execute(statements.runs, rows_params):
            pending.setdefault((row.aggregatetype, row.aggregateid), []).append(
                ClaimableRow(
                    id=row.id,
                    attempts=row.attempts,
                    available_at=row.available_at,
                    leased_until=row.leased_until,
                )
            )
        chosen = claim_runs(heads, pending, limit=limit, now=now)
        lease = {"b_ids": [row.id for row in chosen], "b_relay": relay_id, "b_until": until}
        leased = {
            row.id: outbox_message(row) for row in connection.execute(statements.lease, lease)
        }
        return [ClaimedMessage(message=leased[row.id], attempts=row.attempts) for row in chosen]

    async def _run(self, work: Callable[[Connection], T], *, relaxed: bool = False) -> T:
        """Run ``work`` in a transaction of its own.

        ``relaxed``: the write need not survive a crash of the database server, so on
        PostgreSQL its commit does not wait for the disk (``synchronous_commit = off``). A
        claim, a mark or a release that is lost only makes the relay publish a message again,
        which at-least-once delivery allows; the outbox row itself was written durably by
        the unit of work.
        """
        if relaxed:
            work = functools.partial(_without_waiting_for_disk, work)
        engine = self._engine
        if isinstance(engine, Engine):
            return await asyncio.to_thread(_in_transaction, engine, work)
        async with engine.begin() as connection:
            return await connection.run_sync(work)


class _Claims:
    """The statements of a claim on one outbox table, built once (their SQL is cached)."""

    def __init__(self, table: Table) -> None:
        o = table.c
        e = table.alias("earlier").c
        blocked = exists().where(  # an earlier row of the aggregate is not published
            e.aggregatetype == o.aggregatetype,
            e.aggregateid == o.aggregateid,
            e.status != _PUBLISHED,
            tuple_(func.coalesce(e.aggregateversion, 0), e.id)
            < tuple_(func.coalesce(o.aggregateversion, 0), o.id),
        )
        now = bindparam("b_now", type_=o.available_at.type)
        self.heads = (
            select(o.aggregatetype, o.aggregateid)
            .where(
                o.status == _PENDING,
                o.available_at <= now,
                or_(o.leased_until.is_(None), o.leased_until <= now),
                ~blocked,
            )
            .order_by(o.available_at, o.id)
            .limit(bindparam("b_limit"))
            .with_for_update(skip_locked=True, of=table)
        )
        # Each head and, behind it, its share of the batch: the light columns only.
        position = func.row_number().over(
            partition_by=(o.aggregatetype, o.aggregateid),
            order_by=(func.coalesce(o.aggregateversion, 0), o.id),
        )
        keys = tuple_(o.aggregatetype, o.aggregateid).in_(bindparam("b_keys", expanding=True))
        ranked = (
            select(
                o.id,
                o.aggregatetype,
                o.aggregateid,
                o.attempts,
                o.available_at,
                o.leased_until,
                position.label("position"),
            )
            .where(o.status == _PENDING, keys)
            .subquery()
        )
        r = ranked.c
        self.runs = (
            select(r.id, r.aggregatetype, r.aggregateid, r.attempts, r.available_at, r.leased_until)
            .where(r.position <= bindparam("b_run"))
            .order_by(r.aggregatetype, r.aggregateid, r.position)
        )
        # The lease, and the whole messages of the claimed rows, in one statement.
        self.lease = (
            update(table)
            .where(o.id.in_(bindparam("b_ids", expanding=True)))
            .values(leased_by=bindparam("b_relay"), leased_until=bindparam("b_until"))
            .returning(*table.c)
        )


_CLAIMS: Memo[_Claims] = Memo("relay claims")


def _without_waiting_for_disk(work: Callable[[Connection], T], connection: Connection) -> T:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    return work(connection)


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.begin() as connection:
        return work(connection)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0))
