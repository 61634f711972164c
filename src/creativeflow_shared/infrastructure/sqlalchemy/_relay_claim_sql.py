"""The statements that find a relay's claim, per dialect (ADR 0028).

* **PostgreSQL**: one statement finds, locks and leases the whole claim, so that it runs as
  one round trip outside any transaction block. It walks the aggregates that have
  unpublished rows one index probe each (a recursive "skip scan" over the partial index
  ``ix_<outbox>_unpublished``), so that a claim costs in proportion to the number of such
  aggregates, not to the rows waiting behind their heads; locks the due heads
  ``FOR UPDATE SKIP LOCKED``; reads each head's run through ``LATERAL``; and leases what it
  chose. The run rule is ``claim_runs``'s, written in SQL (the relay store contract holds
  both to the same cases).
* **SQLite** (one relay per database, no row locks) finds the heads with an anti-join and
  reads each head's pending rows with a window function; ``claim_runs`` chooses, and the
  lease is a statement of its own, in one transaction.

The literal ``'published'`` and ``'pending'`` in the conditions let the planner use the
partial index (a bound parameter would hide that the index covers the rows asked for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    update,
)

if TYPE_CHECKING:
    from sqlalchemy import CTE, ColumnElement, FromClause, Select, Table, Update

__all__ = ["postgresql_claim", "sqlite_heads", "sqlite_runs", "unpublished_condition"]

_PENDING = "pending"


def unpublished_condition(table: FromClause) -> ColumnElement[bool]:
    """``status <> 'published'`` on ``table``, as the partial index's predicate reads it."""
    return table.c.status != literal_column("'published'")


def _publication_order(table: FromClause) -> tuple[ColumnElement[Any], ...]:
    """Version (absent last, as an index orders it on PostgreSQL), then id."""
    o = table.c
    return (o.aggregatetype, o.aggregateid, o.aggregateversion.asc().nulls_last(), o.id)


def postgresql_claim(
    table: Table, due: ColumnElement[bool], relaxed: ColumnElement[bool]
) -> Update:
    """PostgreSQL: find, lock and lease a claim in one statement; return the leased rows.

    ``due`` says a row of ``table`` may be taken (pending, available, no live lease);
    ``relaxed`` is a condition the statement evaluates once (for its commit's setting).
    Each returned row carries ``serving`` (its head's place in the claim) and ``position``
    (its place behind the head, from 1): ordered by both, the rows are the claim. A row that
    another claim took meanwhile is not leased again (the update checks ``due`` on the row as
    it is then), so a run may come back with a gap: what follows the gap is not the caller's.
    """
    o = table.c
    aggregates = _aggregates_with_unpublished_rows(table)
    # Each aggregate's first row, found through the primary key whatever the statistics say:
    # ``due`` is checked on the rows found, never used to find them (see ``_only_checked``).
    first_rows = func.array(select(aggregates.c.id).scalar_subquery())
    locked = (  # the due heads, oldest first, that no other relay is claiming right now
        select(o.id, o.aggregatetype, o.aggregateid, o.available_at)
        .where(o.id == any_(first_rows), _only_checked(due), relaxed)
        .order_by(o.available_at, o.id)
        .limit(bindparam("b_limit", type_=BigInteger))
        .with_for_update(skip_locked=True, of=table)
        .cte("locked")
    )
    k = locked.c
    heads = select(
        k.aggregatetype,
        k.aggregateid,
        (func.row_number().over(order_by=(k.available_at, k.id)) - 1).label("serving"),
        func.count().over().label("heads"),
    ).cte("heads")
    h = heads.c
    # claim_runs: each head takes 1 + share rows, the first ``extra`` heads one more, ...
    room = bindparam("b_limit", type_=BigInteger) - h.heads
    length = 1 + room // h.heads + case((h.serving < room % h.heads, 1), else_=0)
    behind = table.alias("behind")
    r = behind.c
    order = (r.aggregateversion.asc().nulls_last(), r.id)
    now = bindparam("b_now", type_=o.available_at.type)
    is_due = and_(  # a dead row is not due, and blocks what follows it
        r.status == literal_column(f"'{_PENDING}'"),
        r.available_at <= now,
        or_(r.leased_until.is_(None), r.leased_until <= now),
    )
    run = (
        select(
            r.id,
            func.row_number().over(order_by=order).label("position"),
            # ... and a run stops at the first row that is not due.
            func.bool_and(is_due).over(order_by=order).label("unbroken"),
        )
        .where(
            unpublished_condition(behind),
            r.aggregatetype == h.aggregatetype,
            r.aggregateid == h.aggregateid,
        )
        .order_by(*order)
        .limit(length)
        .lateral("run")
    )
    chosen = (
        select(run.c.id, h.serving, run.c.position)
        .select_from(heads.join(run, true()))
        .where(run.c.unbroken)
        .cte("chosen")
    )
    c = chosen.c
    return (
        update(table)
        .where(o.id == c.id, _only_checked(due))
        .values(leased_by=bindparam("b_relay"), leased_until=bindparam("b_until"))
        .returning(*table.c, c.serving, c.position)
    )


def _only_checked(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition``, in a form the planner checks on each row but cannot search an index by.

    Rows are found by primary key here. Without statistics, or with stale ones (a backlog
    that arrived since the last ``ANALYZE``), the planner would otherwise think the pending
    rows few and read all of them through ``ix_<outbox>_status_available_at`` for every head.
    On a row changed by another transaction meanwhile, the condition is checked again on its
    newest version, as any condition of the statement is.
    """
    return condition.is_(true())


def _aggregates_with_unpublished_rows(table: Table) -> CTE:
    """The first unpublished row of each aggregate that has one: a recursive skip scan.

    Each step is one probe of the partial index for the next aggregate's first row, so the
    walk costs one probe per aggregate with unpublished rows, whatever waits behind them.
    """
    o = table.c
    first = (
        select(o.id, o.aggregatetype, o.aggregateid)
        .where(unpublished_condition(table))
        .order_by(*_publication_order(table))
        .limit(1)
        .subquery("first_row")
    )
    aggregates = select(*first.c).cte("aggregates", recursive=True)
    previous = aggregates.alias("previous")
    step = table.alias("step")
    s = step.c
    following = (
        select(s.id, s.aggregatetype, s.aggregateid)
        .where(
            unpublished_condition(step),
            tuple_(s.aggregatetype, s.aggregateid)
            > tuple_(previous.c.aggregatetype, previous.c.aggregateid),
        )
        .order_by(*_publication_order(step))
        .limit(1)
        .lateral("following")
    )
    return aggregates.union_all(select(*following.c).select_from(previous.join(following, true())))


def sqlite_heads(table: Table, due: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """SQLite: the due heads, oldest first, by an anti-join on each row's earlier rows."""
    o = table.c
    e = table.alias("earlier").c
    blocked = exists().where(  # an earlier row of the aggregate is not published
        e.aggregatetype == o.aggregatetype,
        e.aggregateid == o.aggregateid,
        e.status != literal_column("'published'"),
        tuple_(_absent(e.aggregateversion), func.coalesce(e.aggregateversion, 0), e.id)
        < tuple_(_absent(o.aggregateversion), func.coalesce(o.aggregateversion, 0), o.id),
    )
    return (
        select(o.aggregatetype, o.aggregateid)
        .where(due, ~blocked)
        .order_by(o.available_at, o.id)
        .limit(bindparam("b_limit"))
    )


def _absent(version: ColumnElement[Any]) -> ColumnElement[int]:
    """1 where a row has no version: such rows come after the versioned ones."""
    return case((version.is_(None), 1), else_=0)


def sqlite_runs(table: Table) -> Select[*tuple[Any, ...]]:
    """SQLite: each head's unpublished rows up to ``b_run``, in publication order.

    Dead rows are read too: a run stops at one (``ClaimableRow.dead``).
    """
    o = table.c
    position = func.row_number().over(
        partition_by=(o.aggregatetype, o.aggregateid),
        order_by=(_absent(o.aggregateversion), o.aggregateversion, o.id),
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
            o.status,
            position.label("position"),
        )
        .where(unpublished_condition(table), keys)
        .subquery()
    )
    r = ranked.c
    return (
        select(
            r.id,
            r.aggregatetype,
            r.aggregateid,
            r.attempts,
            r.available_at,
            r.leased_until,
            r.status,
        )
        .where(r.position <= bindparam("b_run"))
        .order_by(r.aggregatetype, r.aggregateid, r.position)
    )
