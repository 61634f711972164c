"""The statements of the relay store, built once per outbox table and dialect (ADR 0028).

How a claim is found differs per dialect (``_relay_claim_sql``); the writes are the same
everywhere. They name their rows by id: on PostgreSQL as one array parameter
(``id = ANY(...)``), so that the statement's text is the same for every batch and the driver
prepares it once; elsewhere as an expanded ``IN``.

The relay's own writes need not survive a crash of the database server: a claim, a mark or a
release that is lost only makes a relay publish a message again, which at-least-once delivery
allows (the outbox row itself was written durably by the unit of work). On PostgreSQL they
therefore commit asynchronously: each statement sets ``synchronous_commit`` to ``off`` for
its own transaction (an uncorrelated subquery, evaluated once), which costs no round trip of
its own and holds as well for a statement that runs outside a transaction block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Uuid, and_, any_, bindparam, func, literal_column, or_, select, true, update
from sqlalchemy.dialects import postgresql

from creativeflow_shared.application.ports import (
    ClaimableRow,
    ClaimedMessage,
    claim_runs,
    run_length,
)
from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo
from creativeflow_shared.infrastructure.sqlalchemy._outbox_store import outbox_message
from creativeflow_shared.infrastructure.sqlalchemy._relay_claim_sql import (
    postgresql_claim,
    sqlite_heads,
    sqlite_runs,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import ColumnElement, Connection, Table, Update
    from sqlalchemy.engine import Row

__all__ = ["RelayStatements", "relay_statements"]

_PENDING, _PUBLISHED, _DEAD = "pending", "published", "dead"


def relay_statements(table: Table, dialect: str) -> RelayStatements:
    """The relay store's statements on ``table`` for ``dialect``, built on first use."""
    return _MEMO.get(table.info, lambda: RelayStatements(table, dialect), dialect)


class RelayStatements:
    """The statements of a relay store on one outbox table and dialect (their SQL is cached).

    Attributes:
        one_statement_claim: Whether ``claim`` sends one statement (PostgreSQL): it and the
            single-statement writes (marks, releases) can then run outside a transaction
            block, each statement a transaction of its own.
        mark_published: Mark the rows ``b_ids`` that ``b_relay`` holds published at ``b_now``.
        mark_failed: Count a failed attempt of row ``b_id`` held by ``b_relay`` (one parameter
            set per row: ``b_error``, ``b_status``, ``b_retry_at``).
        release: Give back ``b_relay``'s leases on the rows ``b_ids``.
    """

    __slots__ = (
        "_claim",
        "_heads",
        "_lease",
        "_runs",
        "mark_failed",
        "mark_published",
        "one_statement_claim",
        "release",
    )

    def __init__(self, table: Table, dialect: str) -> None:
        """Build the statements for ``dialect`` (``postgresql`` or any other)."""
        postgresql_dialect = dialect == "postgresql"
        self.one_statement_claim = postgresql_dialect
        o = table.c
        now = bindparam("b_now", type_=o.available_at.type)
        due = and_(
            o.status == literal_column(f"'{_PENDING}'"),
            o.available_at <= now,
            or_(o.leased_until.is_(None), o.leased_until <= now),
        )
        relaxed = _without_waiting_for_disk(dialect)
        ids = (
            o.id == any_(bindparam("b_ids", type_=postgresql.ARRAY(Uuid)))
            if postgresql_dialect
            else o.id.in_(bindparam("b_ids", expanding=True))
        )
        if postgresql_dialect:
            self._claim = postgresql_claim(table, due, relaxed)
        else:
            self._heads = sqlite_heads(table, due)
            self._runs = sqlite_runs(table)
            self._lease = (  # the lease, and the whole messages of the claimed rows
                update(table)
                .where(ids)
                .values(leased_by=bindparam("b_relay"), leased_until=bindparam("b_until"))
                .returning(*table.c)
            )
        held = and_(ids, o.leased_by == bindparam("b_relay"), relaxed)
        self.mark_published: Update = (
            update(table)
            .where(held)
            .values(
                status=_PUBLISHED,
                published_at=bindparam("b_now", type_=o.published_at.type),
                leased_by=None,
                leased_until=None,
            )
        )
        self.release: Update = update(table).where(held).values(leased_by=None, leased_until=None)
        self.mark_failed: Update = (
            update(table)
            .where(o.id == bindparam("b_id"), o.leased_by == bindparam("b_relay"), relaxed)
            .values(
                attempts=o.attempts + 1,
                last_error=bindparam("b_error"),
                status=bindparam("b_status"),
                available_at=func.coalesce(
                    bindparam("b_retry_at", type_=o.available_at.type), o.available_at
                ),
                leased_by=None,
                leased_until=None,
            )
        )

    def claim(
        self, connection: Connection, relay_id: str, *, limit: int, now: datetime, until: datetime
    ) -> list[ClaimedMessage]:
        """Lease up to ``limit`` due messages to ``relay_id`` (see ``RelayStore.claim``).

        Outside PostgreSQL it sends several statements: run it in a transaction.
        """
        params: dict[str, Any] = {"b_now": now, "b_limit": limit}
        lease: dict[str, Any] = {"b_relay": relay_id, "b_until": until}
        if self.one_statement_claim:
            rows = sorted(
                connection.execute(self._claim, params | lease),
                key=lambda row: (row.serving, row.position),
            )
            claimed, taken = _unbroken(rows)
            if taken:  # another claim took rows of these runs meanwhile: give back what follows
                lease["b_ids"] = taken
                connection.execute(self.release, lease)
            return claimed
        heads = [
            (row.aggregatetype, row.aggregateid) for row in connection.execute(self._heads, params)
        ]
        if not heads:
            return []
        runs = {"b_keys": heads, "b_run": run_length(len(heads), limit)}
        pending = _grouped(connection.execute(self._runs, runs))
        chosen = claim_runs(heads, pending, limit=limit, now=now)
        lease["b_ids"] = [row.id for row in chosen]
        leased = {row.id: outbox_message(row) for row in connection.execute(self._lease, lease)}
        return [ClaimedMessage(message=leased[row.id], attempts=row.attempts) for row in chosen]


def _without_waiting_for_disk(dialect: str) -> ColumnElement[bool]:
    """On PostgreSQL, a condition that makes its statement's transaction commit asynchronously.

    Other dialects: no condition.
    """
    if dialect != "postgresql":
        return true()
    setting = func.set_config(
        literal_column("'synchronous_commit'"), literal_column("'off'"), true()
    )
    return select(setting).scalar_subquery() == literal_column("'off'")


def _unbroken(rows: list[Row[Any]]) -> tuple[list[ClaimedMessage], list[UUID]]:
    """The leased rows up to the first gap in each run, and the ids of the rows past a gap.

    A gap is a row another claim took between the statement's snapshot and its update:
    publishing what follows it would overtake that row.
    """
    claimed: list[ClaimedMessage] = []
    past_gap: list[UUID] = []
    expected: tuple[int, int] = (-1, 0)
    for row in rows:
        serving, position = row.serving, row.position
        if serving != expected[0]:
            expected = (serving, 1)
        if position == expected[1]:
            claimed.append(ClaimedMessage(message=outbox_message(row), attempts=row.attempts))
            expected = (serving, position + 1)
        else:
            past_gap.append(row.id)
    return claimed, past_gap


def _grouped(rows: Iterable[Row[Any]]) -> dict[tuple[str, str], list[ClaimableRow]]:
    """Pending rows by aggregate, each aggregate's in the order read."""
    pending: dict[tuple[str, str], list[ClaimableRow]] = {}
    for row in rows:
        pending.setdefault((row.aggregatetype, row.aggregateid), []).append(
            ClaimableRow(
                id=row.id,
                attempts=row.attempts,
                available_at=row.available_at,
                leased_until=row.leased_until,
                dead=row.status == _DEAD,
            )
        )
    return pending


_MEMO: Memo[RelayStatements] = Memo("relay statements")
