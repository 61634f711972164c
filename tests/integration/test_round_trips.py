"""PostgreSQL in as few round trips as the work allows, with every guarantee kept (ADR 0025).

Round trips are counted through a loopback proxy that adds latency (``benchmarks._latency``):
an operation timed with 50 ms added per round trip takes ``n * 50 ms`` longer, whatever the
noise of a shared machine. A unit of work reads outside a transaction and sends a commit's
writes in one pipeline; the rest of the module shows that nothing is lost by it: conflicts,
clashes and failures are reported as before, a block that only read leaves the connection as
it found it, a stricter isolation level and the unit of work's own connection keep their
transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from benchmarks._latency import count_round_trips
from returns.result import Success
from sqlalchemy import MetaData, create_engine, func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    DomainEvent,
    Identity,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.infrastructure.sqlalchemy import _transactions as transactions_module
from creativeflow_shared.testing import AsyncHarness, SyncHarness

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator

    from sqlalchemy import Engine

    from creativeflow_shared.testing import UnitOfWorkHarness


class RenderId(Identity):
    pass


class RenderQueued(DomainEvent, event_type="tests.round_trips.render_queued"):
    step: int


class Render(AggregateRoot[RenderId]):
    name: str
    steps: int = 0

    def advance(self) -> None:
        self.steps += 1
        self.record(RenderQueued(step=self.steps))
        self.record(RenderQueued(step=self.steps))


class RenderRepository(DocumentRepository[Render, RenderId]):
    projections = (project("name", unique=True),)


METADATA = MetaData()
RENDERS = document_table(METADATA, RenderRepository, name="round_trip_renders")
OUTBOX = outbox_table(METADATA, name="round_trip_outbox")


@pytest.fixture
def engine(postgres_engine: Engine) -> Iterator[Engine]:
    METADATA.drop_all(postgres_engine)
    METADATA.create_all(postgres_engine)
    yield postgres_engine
    METADATA.drop_all(postgres_engine)


def _stored(engine: Engine, name: str) -> Render:
    render = Render(id=RenderId.new(), name=name)
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(RenderRepository).add(render)
        assert uow.commit() == Success(None)
    return render


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


# -- counted round trips ----------------------------------------------------------------------
def _operations(render: Render) -> dict[str, tuple[Callable[[Any], Any], int]]:
    """Each operation on a repository, and the round trips it may take at most."""

    def get(repository: Any) -> object:
        return repository.get(render.id)

    def find(repository: Any) -> object:
        return repository.find()

    def page(repository: Any) -> object:
        return repository.page()

    return {"get": (get, 1), "find": (find, 1), "page": (page, 2)}


@pytest.mark.parametrize("operation", ["get", "find", "page", "add and commit", "load and save"])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_each_operation_takes_the_round_trips_it_must_and_no_more(
    engine: Engine, operation: str, flavour: str
) -> None:
    render = _stored(engine, "counted")
    reads = _operations(render)
    # A commit of one aggregate with two events is one round trip; a load and a commit, two.
    expected = {"add and commit": 1, "load and save": 2} | {k: v[1] for k, v in reads.items()}

    def unit(harness: UnitOfWorkHarness) -> None:
        with harness.open() as uow:
            repository = uow.repository(RenderRepository)
            if operation in reads:
                reads[operation][0](repository)
            elif operation == "add and commit":
                fresh = Render(id=RenderId.new(), name=f"fresh-{RenderId.new()}")
                fresh.advance()
                repository.add(fresh)
                assert uow.commit() == Success(None)
            else:
                repository.get(render.id).unwrap().advance()
                assert uow.commit() == Success(None)

    @contextmanager
    def through(port: int) -> Generator[Callable[[], object]]:
        # One body for both flavours: the async harness awaits each call of the real API.
        url = engine.url.set(host="127.0.0.1", port=port)
        if flavour == "sync":
            bound = create_engine(url)
            yield lambda: unit(SyncHarness.sqlalchemy(bound, METADATA))
            bound.dispose()
            return
        async_engine = create_async_engine(url)
        harness = AsyncHarness.sqlalchemy(async_engine, METADATA)
        yield lambda: unit(harness)
        harness.run(async_engine.dispose())
        harness.close()

    target = (engine.url.host or "127.0.0.1", engine.url.port or 5432)
    counted = count_round_trips(through, target=target)

    assert round(counted) == expected[operation], f"{counted:.2f} round trips"


# -- every guarantee kept ---------------------------------------------------------------------
def test_a_block_that_only_read_and_failed_leaves_the_connection_as_it_found_it(
    engine: Engine,
) -> None:
    render = _stored(engine, "read-only")

    def read_and_fail() -> None:
        with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
            uow.repository(RenderRepository).get(render.id).unwrap()
            raise RuntimeError

    for _ in range(3):  # the pool hands the same connection back each time
        with pytest.raises(RuntimeError):
            read_and_fail()
    # Plain SQLAlchemy code on the pool's connection is in a transaction again: its
    # uncommitted insert is rolled back, not written on the spot.
    with engine.connect() as connection:
        connection.execute(
            insert(RENDERS),
            [
                {
                    "id": RenderId.new().value,
                    "version": 1,
                    "data": {},
                    "name": "never",
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
        connection.rollback()

    assert _count(engine, RENDERS) == 1


def test_a_write_after_reads_still_meets_a_concurrent_change_and_writes_nothing(
    engine: Engine,
) -> None:
    render = _stored(engine, "contested")
    bystander = Render(id=RenderId.new(), name="bystander")

    with SQLAlchemyUnitOfWork(engine, METADATA) as mine:
        repository = mine.repository(RenderRepository)
        loaded = repository.get(render.id).unwrap()
        with SQLAlchemyUnitOfWork(engine, METADATA) as theirs:
            theirs.repository(RenderRepository).get(render.id).unwrap().advance()
            assert theirs.commit() == Success(None)
        loaded.advance()
        repository.add(bystander)
        lost = mine.commit()

    conflict = lost.failure()
    assert isinstance(conflict, ConcurrencyConflictError)
    assert conflict.expected_version == 1
    assert _count(engine, RENDERS) == 1  # the bystander was not written
    assert _count(engine, OUTBOX) == 2  # theirs, not mine


def test_a_unique_clash_in_a_pipelined_commit_is_named_and_writes_nothing(
    engine: Engine,
) -> None:
    _stored(engine, "taken")
    copycat = Render(id=RenderId.new(), name="taken")
    copycat.advance()

    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(RenderRepository).add(copycat)
        clash = uow.commit()

    error = clash.failure()
    assert isinstance(error, AlreadyExistsError)
    assert (error.key, error.identifier) == ("name", str(copycat.id))
    assert (_count(engine, RENDERS), _count(engine, OUTBOX)) == (1, 0)


@pytest.mark.parametrize(("isolation_level", "seen_later"), [(None, 2), ("REPEATABLE READ", 1)])
def test_reads_see_what_is_committed_unless_a_stricter_isolation_level_is_asked(
    engine: Engine, isolation_level: str | None, seen_later: int
) -> None:
    # Each statement sees what is committed when it starts, as under READ COMMITTED; a
    # block at REPEATABLE READ keeps the snapshot of its first statement.
    render = _stored(engine, "watched")

    with SQLAlchemyUnitOfWork(engine, METADATA, isolation_level=isolation_level) as uow:
        first = uow.repository(RenderRepository).count()
        with SQLAlchemyUnitOfWork(engine, METADATA) as other:
            other.repository(RenderRepository).get(render.id).unwrap()
            other.repository(RenderRepository).add(Render(id=RenderId.new(), name="another"))
            assert other.commit() == Success(None)
        second = uow.repository(RenderRepository).count()

    assert (first, second) == (1, seen_later)


def test_statements_on_the_unit_of_works_own_connection_run_in_its_transaction(
    engine: Engine,
) -> None:
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.connection.execute(text("SET LOCAL statement_timeout = '1234ms'"))
        setting = uow.connection.execute(text("SHOW statement_timeout")).scalar_one()
        uow.connection.execute(
            insert(RENDERS),
            [
                {
                    "id": RenderId.new().value,
                    "version": 1,
                    "data": {},
                    "name": "raw",
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
        uow.rollback()  # the block's transaction: the raw insert goes with it

    assert setting == "1234ms"
    assert _count(engine, RENDERS) == 0


class _Interrupted(BaseException):
    """What a KeyboardInterrupt is to the unit of work: not an error to replay."""


def test_an_interrupt_in_the_middle_of_a_pipelined_commit_leaves_nothing_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = Render(id=RenderId.new(), name="interrupted")
    fresh.advance()

    def interrupt(*_: object) -> None:
        raise _Interrupted

    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(RenderRepository).add(fresh)
        with monkeypatch.context() as patched:
            patched.setattr(SQLAlchemyOutboxStore, "append", interrupt)
            with pytest.raises(_Interrupted):
                uow.commit()  # the insert is in the pipeline when the outbox write is cut
        retried = uow.commit()  # the block goes on: the same work, committed whole

    assert retried == Success(None)
    assert (_count(engine, RENDERS), _count(engine, OUTBOX)) == (1, 2)


def test_without_pipeline_mode_a_commit_is_written_checked_with_the_same_outcomes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # psycopg built on a libpq older than 14 has no pipeline mode: commits go out one by one.
    monkeypatch.setattr(transactions_module, "_pipelines", lambda: False)
    render = _stored(engine, "plain")

    with (
        SQLAlchemyUnitOfWork(engine, METADATA) as first,
        SQLAlchemyUnitOfWork(engine, METADATA) as second,
    ):
        first.repository(RenderRepository).get(render.id).unwrap().advance()
        second.repository(RenderRepository).get(render.id).unwrap().advance()
        outcomes = first.commit(), second.commit()

    assert outcomes[0] == Success(None)
    assert isinstance(outcomes[1].failure(), ConcurrencyConflictError)
    assert _count(engine, OUTBOX) == 2


@pytest.mark.parametrize("take_the_connection", [False, True])
def test_an_engines_autocommit_is_handed_back_as_it_was(
    postgres_engine: Engine, take_the_connection: bool
) -> None:
    # Set once per connection by the engine (not again at each checkout): ours to restore.
    autocommitting = create_engine(postgres_engine.url, isolation_level="AUTOCOMMIT", pool_size=1)
    METADATA.create_all(postgres_engine)
    try:
        with SQLAlchemyUnitOfWork(autocommitting, METADATA) as uow:
            if take_the_connection:
                uow.connection.execute(text("SELECT 1"))
            uow.repository(RenderRepository).find()
        with autocommitting.connect() as connection:
            autocommit = connection.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
    finally:
        autocommitting.dispose()
        METADATA.drop_all(postgres_engine)

    assert autocommit is True
