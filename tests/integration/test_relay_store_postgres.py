"""What only PostgreSQL shows of the relay store: how its transactions commit, what a claim reads.

The relay's own writes (claims, marks, failures, releases) commit asynchronously
(``synchronous_commit = off``), set inside their statements rather than in a round trip of
their own, so that it holds outside a transaction block too; operator commands (replay,
purge) keep the server's setting, and nothing leaks into the pooled connections. A claim is one
statement that walks the aggregates with unpublished rows and reads each head's run through
``LATERAL``: it takes the right rows behind long backlogs whose versions run against their ids.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData, delete, event, select, text, update

from creativeflow_shared.application.ports import FailedMessage
from creativeflow_shared.domain import uuid7
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyRelayStore,
    outbox_table,
)
from creativeflow_shared.infrastructure.sqlalchemy._relay_statements import relay_statements
from creativeflow_shared.testing._relay_contract_support import message

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from sqlalchemy import Connection, Engine, Table

    from creativeflow_shared.application import OutboxMessage
    from creativeflow_shared.application.ports import ClaimedMessage

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
LEASE = NOW + timedelta(seconds=30)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    metadata = MetaData()
    outbox_table(metadata, name="relay_pg_outbox")
    return metadata


@pytest.fixture
def outbox(postgres_tables: Engine, metadata: MetaData) -> Table:
    table = metadata.tables["relay_pg_outbox"]
    with postgres_tables.begin() as connection:
        connection.execute(delete(table))
    return table


def _add(engine: Engine, table: Table, messages: list[OutboxMessage]) -> None:
    with engine.begin() as connection:
        SQLAlchemyOutboxStore(connection, table).append(messages)


class _CommitModes:
    """The ``synchronous_commit`` setting each commit on an engine ran with, in order."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "commit", self._record)
        self._engine = engine

    def _record(self, connection: Connection) -> None:
        self.seen.append(_setting(connection))

    def remove(self) -> None:
        event.remove(self._engine, "commit", self._record)


def _setting(connection: Connection) -> str:
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    cursor.execute("SHOW synchronous_commit")
    row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _failure() -> dict[str, object]:
    return {
        "b_id": uuid7(),
        "b_relay": "r1",
        "b_error": "refused",
        "b_status": "pending",
        "b_retry_at": NOW,
    }


def test_each_relay_write_makes_its_own_transaction_commit_asynchronously(
    postgres_tables: Engine, outbox: Table
) -> None:
    # The store sends these outside a transaction block, where each statement is a
    # transaction of its own: run here inside one, each shows what it set for its commit.
    _add(postgres_tables, outbox, [message("a", 1)])
    statements = relay_statements(outbox, "postgresql")
    held = {"b_relay": "r1", "b_ids": [uuid7()], "b_now": NOW}
    writes: list[tuple[str, Callable[[Connection], object]]] = [
        ("claim", lambda c: statements.claim(c, "r1", limit=5, now=NOW, until=LEASE)),
        ("mark", lambda c: c.execute(statements.mark_published, held)),
        ("release", lambda c: c.execute(statements.release, held)),
        ("failure", lambda c: c.execute(statements.mark_failed, [_failure()])),
    ]
    settings: dict[str, str] = {}
    for name, write in writes:
        with postgres_tables.connect() as connection:
            assert _setting(connection) != "off"
            write(connection)
            settings[name] = _setting(connection)
            connection.rollback()
    assert settings == {"claim": "off", "mark": "off", "release": "off", "failure": "off"}


def test_the_relay_leaves_the_setting_alone_and_operator_commands_stay_durable(
    postgres_tables: Engine, outbox: Table
) -> None:
    messages = [message("a", 1), message("b", 1), message("c", 1)]
    _add(postgres_tables, outbox, messages)
    with postgres_tables.connect() as connection:
        durable = _setting(connection)
    assert durable != "off"  # the server's own setting, which the operator commands keep
    store = SQLAlchemyRelayStore(postgres_tables, outbox)
    modes = _CommitModes(postgres_tables)
    try:

        async def relay_then_operate() -> None:
            claimed = await store.claim("r1", limit=10, now=NOW, lease_until=LEASE)
            assert len(claimed) == 3
            a, b, c = (item.message.id for item in claimed)
            await store.mark_published("r1", [a], now=NOW)
            await store.mark_failed("r1", [FailedMessage(id=b, error="refused", retry_at=NOW)])
            await store.release("r1", [c])
            modes.seen.clear()  # the relay's own commits: checked statement by statement above
            await store.replay(None, now=NOW)
            await store.purge(published_before=NOW)

        asyncio.run(relay_then_operate())
        with postgres_tables.connect() as connection:
            assert _setting(connection) == durable  # nothing leaked into the pooled connection
    finally:
        modes.remove()
    assert modes.seen == [durable, durable]  # replay and purge stay durable


def test_a_claim_behind_long_backlogs_reads_each_heads_run_in_version_order(
    postgres_tables: Engine, outbox: Table
) -> None:
    backlog = 300
    stored: dict[str, list[OutboxMessage]] = {}
    for aggregate in ("a", "b", "c"):
        versions = list(range(backlog, 0, -1))  # the newest version gets the smallest id
        stored[aggregate] = [message(aggregate, version) for version in versions]
        _add(postgres_tables, outbox, stored[aggregate])
    store = SQLAlchemyRelayStore(postgres_tables, outbox)

    claimed = asyncio.run(store.claim("r1", limit=9, now=NOW, lease_until=LEASE))

    by_aggregate: dict[str, list[int | None]] = {}
    for item in claimed:
        by_aggregate.setdefault(item.message.aggregate_id, []).append(
            item.message.aggregate_version
        )
    assert by_aggregate == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}


def test_a_row_another_claim_took_meanwhile_cuts_the_run_and_what_follows_is_released(
    postgres_tables: Engine, outbox: Table
) -> None:
    first, second, third = message("a", 1), message("a", 2), message("a", 3)
    _add(postgres_tables, outbox, [first, second, third])
    store = SQLAlchemyRelayStore(postgres_tables, outbox)
    c = outbox.c
    claimed: list[list[UUID]] = []
    with postgres_tables.connect() as other:
        # Another relay's claim of ``second``, not committed yet: the claim below does not see
        # it, chooses all three rows, and waits at ``second`` until it commits.
        other.execute(
            update(outbox).where(c.id == second.id).values(leased_by="r2", leased_until=LEASE)
        )
        claiming = threading.Thread(
            target=lambda: claimed.append(
                [m.message.id for m in asyncio.run(_claim(store, limit=3))]
            )
        )
        claiming.start()
        _wait_until_a_backend_waits_for_a_lock(postgres_tables)
        other.commit()
        claiming.join(timeout=10)
    assert claimed == [[first.id]]  # not ``third``: it would overtake ``second``
    with postgres_tables.connect() as connection:
        leases = {row.id: row.leased_by for row in connection.execute(select(c.id, c.leased_by))}
    assert leases == {first.id: "r1", second.id: "r2", third.id: None}  # ``third`` released


async def _claim(store: SQLAlchemyRelayStore, *, limit: int) -> list[ClaimedMessage]:
    return await store.claim("r1", limit=limit, now=NOW, lease_until=LEASE)


def _wait_until_a_backend_waits_for_a_lock(engine: Engine) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    with engine.connect() as connection:
        while connection.execute(waiting).scalar_one() == 0:
            assert time.monotonic() < deadline, "the claim never waited for the row"
            connection.rollback()
            time.sleep(0.01)
