"""G1 under fault injection on PostgreSQL: a commit that fails changes nothing, and a retry
stores the state together with its events.

Three faults are injected for real: a trigger that refuses the outbox insert, a deferred
constraint trigger that fails the ``COMMIT`` itself, and the server terminating the session
just before ``COMMIT`` (a lost connection). After each, the same work is retried, the way a
retry-on-transient loop retries it: once with the same objects in a new unit of work, once in
the same unit of work. Every time the stored aggregates and the outbox must agree: one row per
committed event, none for what failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from returns.result import Success
from sqlalchemy import MetaData, create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError

from creativeflow_shared.domain import UnavailableError
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_of, outbox_table
from creativeflow_shared.testing import (
    AsyncHarness,
    ContractItem,
    ContractItemMapperRepository,
    ContractItemRepository,
    ContractItemRow,
    SyncHarness,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application import Repository
    from creativeflow_shared.testing import ContractItemId, UnitOfWorkHarness

_DOCUMENTS = MetaData()
document_table(_DOCUMENTS, ContractItemRepository, name="g1f_items")
outbox_table(_DOCUMENTS, name="g1f_outbox")

_STYLES = {
    "documents": (_DOCUMENTS, ContractItemRepository),
    "rows": (ContractItemRow.metadata, ContractItemMapperRepository),
}
_FAULTS = ["outbox insert", "deferred check at commit", "connection lost at commit"]
_Items = type["Repository[ContractItem, ContractItemId]"]

_FAULT_FUNCTIONS = """
CREATE TABLE IF NOT EXISTS g1f_faults (kind text PRIMARY KEY);
CREATE OR REPLACE FUNCTION g1f_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM g1f_faults WHERE kind = 'outbox insert') THEN
    RAISE EXCEPTION 'injected fault: outbox insert';
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION g1f_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM g1f_faults WHERE kind = 'deferred check at commit') THEN
    RAISE EXCEPTION 'injected fault: deferred check';
  END IF;
  RETURN NULL;
END $$;
"""


def _install_triggers(connection: Connection, outbox: str) -> None:
    connection.execute(
        text(
            f"CREATE TRIGGER g1f_insert BEFORE INSERT ON {outbox} "
            "FOR EACH ROW EXECUTE FUNCTION g1f_refuse_insert()"
        )
    )
    connection.execute(
        text(
            f"CREATE CONSTRAINT TRIGGER g1f_commit AFTER INSERT ON {outbox} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION g1f_refuse_commit()"
        )
    )


@pytest.fixture(scope="module")
def prepared(postgres_engine: Engine) -> Iterator[Engine]:
    """Both styles' tables with the fault triggers on their outboxes."""
    for metadata, _ in _STYLES.values():
        metadata.drop_all(postgres_engine)
        metadata.create_all(postgres_engine)
    with postgres_engine.begin() as connection:
        connection.execute(text(_FAULT_FUNCTIONS))
        connection.execute(text("DELETE FROM g1f_faults"))
        for metadata, _ in _STYLES.values():
            _install_triggers(connection, outbox_of(metadata).name)
    yield postgres_engine
    for metadata, _ in _STYLES.values():
        metadata.drop_all(postgres_engine)
    with postgres_engine.begin() as connection:
        connection.execute(text("DROP TABLE g1f_faults"))


class _Faults:
    """Arms one fault at a time; the lost connection is injected just before COMMIT is sent.

    COMMIT goes out as a statement in a unit of work's pipeline (ADR 0025) or as the
    driver's commit; whichever comes first terminates the backend, once.
    """

    def __init__(self, engine: Engine, watched: Engine) -> None:
        self._admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
        self._watched = watched
        self._terminate = False
        event.listen(watched, "commit", self._before_commit)
        event.listen(watched, "before_cursor_execute", self._before_statement)

    def _before_statement(
        self, connection: Connection, _cursor: object, statement: str, *_: object
    ) -> None:
        if statement == "COMMIT":
            self._before_commit(connection)

    def _before_commit(self, connection: Connection) -> None:
        if self._terminate:
            self._terminate = False
            # From the driver's connection info: a query here would join the pipeline.
            pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
            with self._admin.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def arm(self, fault: str) -> None:
        if fault == "connection lost at commit":
            self._terminate = True
            return
        with self._admin.connect() as admin:
            admin.execute(text("INSERT INTO g1f_faults VALUES (:kind)"), {"kind": fault})

    def disarm(self) -> None:
        self._terminate = False
        with self._admin.connect() as admin:
            admin.execute(text("DELETE FROM g1f_faults"))

    def close(self) -> None:
        self.disarm()
        event.remove(self._watched, "commit", self._before_commit)
        event.remove(self._watched, "before_cursor_execute", self._before_statement)
        self._admin.dispose()


@pytest.fixture(params=["sync", "async"], ids=["postgresql-sync", "postgresql-async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=list(_STYLES))
def style(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def setup(
    request: pytest.FixtureRequest, prepared: Engine, flavour: str, style: str
) -> Iterator[tuple[UnitOfWorkHarness, _Faults, _Items, Engine]]:
    metadata, repository = _STYLES[style]
    with prepared.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    harness: UnitOfWorkHarness
    if flavour == "sync":
        harness, watched = SyncHarness.sqlalchemy(prepared, metadata), prepared
    else:
        async_engine: AsyncEngine = request.getfixturevalue("async_postgres_engine")
        harness = AsyncHarness.sqlalchemy(async_engine, metadata)
        watched = async_engine.sync_engine
    faults = _Faults(prepared, watched)
    yield harness, faults, repository, prepared
    faults.close()
    harness.close()


def _outbox_of(engine: Engine, style: str, item: ContractItem) -> list[tuple[Any, ...]]:
    outbox = outbox_of(_STYLES[style][0])
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.aggregateversion, outbox.c.payload["rank"].as_integer())
            .where(outbox.c.aggregateid == str(item.id))
            .order_by(outbox.c.aggregateversion)
        )
        return [tuple(row) for row in rows]


def _stored(harness: UnitOfWorkHarness, repository: _Items, item: ContractItem) -> Any:
    with harness.open() as uow:
        found = uow.repository(repository).get(item.id).value_or(None)
    return None if found is None else (found.rank, found.version)


def _expected_failure(fault: str) -> type[Exception]:
    return UnavailableError if fault == "connection lost at commit" else DBAPIError


@pytest.mark.parametrize("fault", _FAULTS)
def test_g1_a_failed_commit_retried_with_the_same_objects_stores_state_and_events_together(
    setup: tuple[UnitOfWorkHarness, _Faults, _Items, Engine], style: str, fault: str
) -> None:
    harness, faults, repository, engine = setup
    outcomes: list[tuple[object, object, object]] = []

    for round_ in range(3):
        item = ContractItem.new(f"g1f-{style}-{round_}-{fault[:6]}")
        # Added and evented; the commit fails; a new unit of work retries the same object.
        faults.arm(fault)
        with harness.open() as uow:
            uow.repository(repository).add(item)
            item.rerank(1)
            with pytest.raises(_expected_failure(fault)):
                uow.commit()
        after_failure = (item.version, len(item.pending_events), _stored(harness, repository, item))
        faults.disarm()
        with harness.open() as uow:
            uow.repository(repository).add(item)
            added = uow.commit()
        # Changed and evented; the commit fails; the same unit of work commits again.
        with harness.open() as uow:
            loaded = uow.repository(repository).get(item.id).unwrap()
            loaded.rerank(2)
            faults.arm(fault)
            with pytest.raises(_expected_failure(fault)):
                uow.commit()
            faults.disarm()
            changed = uow.commit()
        outcomes.append((after_failure, (added, changed), _stored(harness, repository, item)))
        assert _outbox_of(engine, style, item) == [(1, 1), (2, 2)]

    assert outcomes == [((0, 1, None), (Success(None), Success(None)), (2, 2))] * 3


def test_g1_nothing_is_stored_when_the_connection_is_lost_and_the_work_is_dropped(
    setup: tuple[UnitOfWorkHarness, _Faults, _Items, Engine], style: str
) -> None:
    harness, faults, repository, engine = setup
    item = ContractItem.new(f"g1f-{style}-dropped")

    faults.arm("connection lost at commit")
    with harness.open() as uow:
        uow.repository(repository).add(item)
        item.rerank(1)
        with pytest.raises(UnavailableError):
            uow.commit()
        uow.rollback()
        empty = uow.commit()

    outbox = outbox_of(_STYLES[style][0])
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert empty == Success(None)
    assert (_stored(harness, repository, item), rows) == (None, 0)
