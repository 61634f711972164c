"""Unit tests of units of work: the block, repositories, commits, rollbacks and events."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeVar

import pytest
from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.application import (
    AsyncRepository,
    CommitError,
    DocumentRepository,
    RequestContext,
    project,
    use_context,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    DomainEvent,
    Identity,
    where,
)
from creativeflow_shared.testing import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from creativeflow_shared.application import (
        OutboxMessage,
        UnitOfWork,
    )
    from creativeflow_shared.application.ports import (
        Runner,
    )
    from creativeflow_shared.testing._in_memory import _Stores

T = TypeVar("T")


class BoxId(Identity):
    """The id of a box."""


class BoxFilled(DomainEvent, event_type="unit_app.uow.box_filled"):
    items: int


class BoxesCounted(DomainEvent, event_type="unit_app.uow.boxes_counted"):
    total: int


class Box(AggregateRoot[BoxId], aggregate_type="box"):
    label: str
    items: int = 0

    def fill(self, items: int) -> None:
        self.items += items
        self.record(BoxFilled(items=items))


class BoxRepository(DocumentRepository[Box, BoxId]):
    projections = (project("label", unique=True),)


class ShelfRepository(DocumentRepository[Box, BoxId]):
    """A second repository of boxes, to tell repositories apart by type."""


class RecordingUnitOfWork(InMemoryUnitOfWork):
    """The in-memory unit of work, noting which transaction hooks ran."""

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        super().__init__(database)
        self.calls: list[str] = []

    @override
    def _begin(self) -> _Stores:
        self.calls.append("begin")
        return super()._begin()

    @override
    def _commit_transaction(self) -> Result[None, CommitError]:
        self.calls.append("commit")
        return super()._commit_transaction()

    @override
    def _rollback_transaction(self) -> None:
        self.calls.append("rollback")
        super()._rollback_transaction()

    @override
    def _end(self) -> None:
        self.calls.append("end")
        super()._end()


class FailingEndUnitOfWork(RecordingUnitOfWork):
    """Loses its connection while releasing the transaction."""

    @override
    def _end(self) -> None:
        super()._end()
        raise ConnectionError


def _box(label: str, items: int = 0) -> Box:
    return Box(id=BoxId.new(), label=label, items=items)


def _stored(database: InMemoryDatabase, *boxes: Box) -> None:
    with InMemoryUnitOfWork(database) as uow:
        for box in boxes:
            uow.repository(BoxRepository).add(box)
        assert uow.commit() == Success(None)
    database.outbox.clear()


def _kinds(outbox: list[OutboxMessage]) -> list[tuple[str, str, int | None]]:
    return [(m.event_type, m.aggregate_type, m.aggregate_version) for m in outbox]


def _run(coroutine: Coroutine[object, object, T]) -> T:
    return asyncio.run(coroutine)


# -- the block ----------------------------------------------------------------------------------
def test_entering_a_unit_of_work_that_is_in_use_is_refused() -> None:
    with InMemoryUnitOfWork() as uow, pytest.raises(RuntimeError, match="already in use"):
        uow.__enter__()


def test_a_unit_of_work_can_run_one_block_after_another() -> None:
    uow = RecordingUnitOfWork()

    with uow:
        pass
    with uow:
        pass

    assert uow.calls == ["begin", "end"] * 2


def test_a_repository_outside_a_block_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        InMemoryUnitOfWork().repository(BoxRepository)


def test_a_repository_after_the_block_is_refused() -> None:
    uow = InMemoryUnitOfWork()
    with uow:
        pass

    with pytest.raises(RuntimeError, match="inside a `with` block"):
        uow.repository(BoxRepository)


def test_a_block_keeps_one_repository_instance_per_type() -> None:
    with InMemoryUnitOfWork() as uow:
        first, second = uow.repository(BoxRepository), uow.repository(BoxRepository)
        other = uow.repository(ShelfRepository)

    assert first is second
    assert type(other) is ShelfRepository


def test_every_block_gets_new_repositories() -> None:
    uow = InMemoryUnitOfWork()
    with uow:
        first = uow.repository(BoxRepository)
    with uow:
        second = uow.repository(BoxRepository)

    assert first is not second


def test_leaving_a_block_without_commit_discards_the_changes() -> None:
    database = InMemoryDatabase()
    uow = RecordingUnitOfWork(database)

    with uow:
        uow.repository(BoxRepository).add(_box("a"))

    assert database.records[BoxRepository.storage] == {}
    assert uow.calls == ["begin", "end"]


def test_leaving_a_block_by_an_exception_discards_the_changes_and_lets_it_through() -> None:
    database = InMemoryDatabase()
    uow = RecordingUnitOfWork(database)

    def add_then_fail() -> None:
        with uow:
            uow.repository(BoxRepository).add(_box("a"))
            raise LookupError

    with pytest.raises(LookupError):
        add_then_fail()

    assert database.records[BoxRepository.storage] == {}
    assert uow.calls == ["begin", "end"]


def test_a_failing_release_still_frees_the_unit_of_work() -> None:
    uow = FailingEndUnitOfWork()

    with pytest.raises(ConnectionError), uow:
        pass

    assert uow.calls == ["begin", "end"]
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        uow.repository(BoxRepository)


# -- commit -------------------------------------------------------------------------------------
def test_commit_writes_changes_and_their_events_to_the_outbox_in_one_transaction() -> None:
    database = InMemoryDatabase()
    kept, changed, doomed = _box("kept"), _box("changed"), _box("doomed")
    _stored(database, kept, changed, doomed)
    added = _box("added")
    uow = RecordingUnitOfWork(database)

    with uow:
        repository = uow.repository(BoxRepository)
        repository.get(kept.id).unwrap()
        repository.get(changed.id).unwrap().fill(2)
        repository.remove(repository.get(doomed.id).unwrap())
        repository.add(added)
        added.fill(1)
        committed = uow.commit()

    assert committed == Success(None)
    assert uow.calls == ["begin", "commit", "end"]
    stored = database.records[BoxRepository.storage]
    assert {box_id: d.version for box_id, d in stored.items()} == {
        kept.id.root: 1,
        changed.id.root: 2,
        added.id.root: 1,
    }
    assert _kinds(database.outbox) == [
        ("unit_app.uow.box_filled", "box", 2),
        ("unit_app.uow.box_filled", "box", 1),
    ]


def test_commit_writes_the_events_of_a_removed_aggregate_without_a_version() -> None:
    database = InMemoryDatabase()
    doomed = _box("doomed")
    _stored(database, doomed)

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(BoxRepository)
        loaded = repository.get(doomed.id).unwrap()
        loaded.fill(1)
        repository.remove(loaded)
        assert uow.commit() == Success(None)

    assert _kinds(database.outbox) == [("unit_app.uow.box_filled", "box", None)]


def test_commit_writes_recorded_events_without_an_aggregate() -> None:
    database = InMemoryDatabase()
    event = BoxesCounted(total=3)

    with use_context(RequestContext(correlation_id="c-7")), InMemoryUnitOfWork(database) as uow:
        uow.record(event)
        committed = uow.commit()
        released = uow.collect_committed_events()

    assert committed == Success(None)
    assert [(m.id, m.aggregate_type, m.headers) for m in database.outbox] == [
        (event.event_id, "none", {"correlation_id": "c-7"})
    ]
    assert released == (event,)


def test_commit_without_changes_writes_nothing() -> None:
    database = InMemoryDatabase()
    box = _box("a")
    _stored(database, box)

    with InMemoryUnitOfWork(database) as uow:
        loaded = uow.repository(BoxRepository).get(box.id).unwrap()
        committed = uow.commit()

    assert committed == Success(None)
    assert loaded.version == 1
    assert database.outbox == []


def test_an_aggregate_that_only_recorded_events_is_saved_as_its_next_version() -> None:
    database = InMemoryDatabase()
    box = _box("a")
    _stored(database, box)

    with InMemoryUnitOfWork(database) as uow:
        loaded = uow.repository(BoxRepository).get(box.id).unwrap()
        loaded.record(BoxesCounted(total=1))
        committed = uow.commit()

    assert committed == Success(None)
    assert (loaded.version, database.records[BoxRepository.storage][box.id.root].version) == (2, 2)
    assert _kinds(database.outbox) == [("unit_app.uow.boxes_counted", "box", 2)]


def test_new_aggregates_of_two_repositories_are_all_inserted() -> None:
    database = InMemoryDatabase()
    boxes, shelved = [_box("a"), _box("b")], _box("c")

    with InMemoryUnitOfWork(database) as uow:
        for box in boxes:
            uow.repository(BoxRepository).add(box)
        uow.repository(ShelfRepository).add(shelved)
        committed = uow.commit()

    assert committed == Success(None)
    assert set(database.records[BoxRepository.storage]) == {b.id.root for b in boxes}
    assert list(database.records[ShelfRepository.storage]) == [shelved.id.root]
    assert [b.version for b in (*boxes, shelved)] == [1, 1, 1]


def test_a_failed_commit_rolls_back_and_writes_nothing() -> None:
    database = InMemoryDatabase()
    taken = _box("taken")
    _stored(database, taken)
    uow = RecordingUnitOfWork(database)

    with uow:
        repository = uow.repository(BoxRepository)
        fresh = _box("fresh")
        repository.add(fresh)
        fresh.fill(1)
        repository.add(_box("taken"))
        actual = uow.commit()
        after = repository.get(fresh.id)

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), AlreadyExistsError)
    assert uow.calls == ["begin", "rollback", "end"]
    assert list(database.records[BoxRepository.storage]) == [taken.id.root]
    assert database.outbox == []
    # The work it could not store is still the unit of work's, as before the commit.
    assert after == Success(fresh)
    assert (fresh.version, [type(e) for e in fresh.pending_events]) == (0, [BoxFilled])


def test_a_failed_commit_gives_back_the_versions_of_the_aggregates_it_had_saved() -> None:
    database = InMemoryDatabase()
    saved, stale = _box("a"), _box("b")
    _stored(database, saved, stale)

    with InMemoryUnitOfWork(database) as uow, InMemoryUnitOfWork(database) as other:
        repository = uow.repository(BoxRepository)
        first, second = repository.get(saved.id).unwrap(), repository.get(stale.id).unwrap()
        other.repository(BoxRepository).get(stale.id).unwrap().fill(9)
        assert other.commit() == Success(None)
        first.fill(1)  # saved first, as version 2, before ...
        second.fill(1)  # ... this one conflicts
        actual = uow.commit()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), ConcurrencyConflictError)
    assert (first.version, second.version) == (1, 1)
    assert database.records[BoxRepository.storage][saved.id.root].version == 1


def test_a_removal_frees_a_unique_value_for_an_aggregate_added_in_the_same_commit() -> None:
    database = InMemoryDatabase()
    old = _box("label")
    _stored(database, old)
    new = _box("label")

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(BoxRepository)
        repository.add(new)
        repository.remove(repository.get(old.id).unwrap())
        actual = uow.commit()

    assert actual == Success(None)
    assert list(database.records[BoxRepository.storage]) == [new.id.root]


def test_a_change_frees_a_unique_value_for_an_aggregate_added_in_the_same_commit() -> None:
    database = InMemoryDatabase()
    old = _box("label")
    _stored(database, old)
    new = _box("label")

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(BoxRepository)
        repository.add(new)
        repository.get(old.id).unwrap().label = "relabelled"
        actual = uow.commit()

    assert actual == Success(None)
    labels = {d.projections["label"] for d in database.records[BoxRepository.storage].values()}
    assert labels == {"label", "relabelled"}


def test_a_conflicting_commit_keeps_the_work_until_rollback_forgets_it() -> None:
    database = InMemoryDatabase()
    box = _box("a")
    _stored(database, box)

    with InMemoryUnitOfWork(database) as first, InMemoryUnitOfWork(database) as second:
        first.repository(BoxRepository).get(box.id).unwrap().fill(1)
        stale = second.repository(BoxRepository).get(box.id).unwrap()
        stale.fill(5)
        assert first.commit() == Success(None)
        actual = second.commit()
        still = second.repository(BoxRepository).get(box.id).unwrap()
        retried = second.commit()
        second.rollback()
        reloaded = second.repository(BoxRepository).get(box.id).unwrap()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), ConcurrencyConflictError)
    assert still is stale
    assert retried == actual  # the same work fails the same way: never a false success
    assert reloaded is not stale
    assert (reloaded.items, reloaded.version) == (1, 2)


def test_changes_after_a_commit_are_committed_by_the_next_commit() -> None:
    database = InMemoryDatabase()
    box = _box("a")

    with InMemoryUnitOfWork(database) as uow:
        uow.repository(BoxRepository).add(box)
        first = uow.commit()
        box.fill(4)
        second = uow.commit()
        released = uow.collect_committed_events()

    assert (first, second) == (Success(None), Success(None))
    assert box.version == 2
    assert database.records[BoxRepository.storage][box.id.root].version == 2
    assert [type(e) for e in released] == [BoxFilled]


def test_committed_events_are_collected_once_in_commit_order() -> None:
    first, second = BoxesCounted(total=1), BoxesCounted(total=2)

    with InMemoryUnitOfWork() as uow:
        uow.record(first)
        uow.commit()
        uow.record(second)
        uow.commit()
        actual = (uow.collect_committed_events(), uow.collect_committed_events())

    assert actual == ((first, second), ())


def test_events_of_a_rolled_back_unit_of_work_are_not_released() -> None:
    with InMemoryUnitOfWork() as uow:
        uow.record(BoxesCounted(total=1))
        uow.rollback()
        committed = uow.commit()
        actual = uow.collect_committed_events()

    assert committed == Success(None)
    assert actual == ()


# -- the async flavour --------------------------------------------------------------------------
def test_an_async_unit_of_work_commits_through_its_runner() -> None:
    database = InMemoryDatabase()
    box = _box("a")

    async def scenario() -> tuple[object, tuple[DomainEvent, ...]]:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(BoxRepository)
            repository.add(box)
            box.fill(2)
            committed = await uow.commit()
            return committed, uow.collect_committed_events()

    committed, released = _run(scenario())

    assert committed == Success(None)
    assert [type(e) for e in released] == [BoxFilled]
    assert database.records[BoxRepository.storage][box.id.root].version == 1


def test_an_async_unit_of_work_returns_typed_async_repositories() -> None:
    async def scenario() -> tuple[object, object]:
        async with AsyncInMemoryUnitOfWork() as uow:
            return uow.repository(BoxRepository), uow.repository(BoxRepository)

    first, second = _run(scenario())

    assert isinstance(first, AsyncRepository)
    assert isinstance(second, AsyncRepository)


def test_an_async_unit_of_work_discards_the_changes_on_leaving_without_commit() -> None:
    database = InMemoryDatabase()

    async def scenario() -> None:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            uow.repository(BoxRepository).add(_box("a"))

    _run(scenario())

    assert database.records[BoxRepository.storage] == {}


def test_an_async_rollback_discards_the_changes_so_far() -> None:
    database = InMemoryDatabase()

    async def scenario() -> object:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            uow.repository(BoxRepository).add(_box("a"))
            uow.record(BoxesCounted(total=1))
            await uow.rollback()
            return await uow.commit()

    committed = _run(scenario())

    assert committed == Success(None)
    assert (database.records[BoxRepository.storage], database.outbox) == ({}, [])


def test_an_async_unit_of_work_runs_custom_repository_code_in_its_transaction() -> None:
    database = InMemoryDatabase()
    box = _box("a", items=3)
    _stored(database, box)

    async def scenario() -> int:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            return await uow.run(BoxRepository, lambda r: r.count(where(Box).label.eq("a")))

    assert _run(scenario()) == 1


def test_an_async_unit_of_work_stores_recorded_events_without_an_aggregate() -> None:
    database = InMemoryDatabase()
    event = BoxesCounted(total=9)

    async def scenario() -> None:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            uow.record(event)
            await uow.commit()

    _run(scenario())

    assert [m.id for m in database.outbox] == [event.event_id]


def test_an_async_unit_of_work_releases_committed_events_after_the_block() -> None:
    event = BoxesCounted(total=1)
    uow = AsyncInMemoryUnitOfWork()

    async def scenario() -> None:
        async with uow:
            uow.record(event)
            await uow.commit()

    _run(scenario())

    assert (uow.collect_committed_events(), uow.collect_committed_events()) == ((event,), ())


def test_an_async_unit_of_work_outside_its_block_is_refused() -> None:
    uow = AsyncInMemoryUnitOfWork()

    with pytest.raises(RuntimeError, match="inside an `async with` block"):
        uow.repository(BoxRepository)
    with pytest.raises(RuntimeError, match="inside an `async with` block"):
        uow.record(BoxesCounted(total=1))
    with pytest.raises(RuntimeError, match="inside an `async with` block"):
        _run(uow.commit())
    with pytest.raises(RuntimeError, match="inside an `async with` block"):
        _run(uow.rollback())
    with pytest.raises(RuntimeError, match="inside an `async with` block"):
        _run(uow.__aexit__(None, None, None))


def test_an_async_unit_of_work_closes_its_connection_even_when_the_release_fails() -> None:
    closed: list[bool] = []

    class Failing(AsyncInMemoryUnitOfWork):
        @override
        async def _open(self) -> tuple[UnitOfWork, Runner]:
            _, run = await super()._open()
            return FailingEndUnitOfWork(self.database), run

        @override
        async def _close(self) -> None:
            closed.append(True)

    uow = Failing()

    async def scenario() -> None:
        async with uow:
            pass

    with pytest.raises(ConnectionError):
        _run(scenario())

    assert closed == [True]
    with pytest.raises(RuntimeError):
        uow.repository(BoxRepository)


class FailingEnterUnitOfWork(InMemoryUnitOfWork):
    """Cannot start its transaction."""

    @override
    def _begin(self) -> _Stores:
        raise ConnectionError("no database")


class ClosingAsyncUnitOfWork(AsyncInMemoryUnitOfWork):
    """Notes whether it released its session."""

    closed = False

    @override
    async def _open(self) -> tuple[UnitOfWork, Runner]:
        _, run = await super()._open()
        return FailingEnterUnitOfWork(self.database), run

    @override
    async def _close(self) -> None:
        self.closed = True


def test_an_async_unit_of_work_releases_its_session_when_it_cannot_start() -> None:
    uow = ClosingAsyncUnitOfWork()

    async def enter() -> None:
        async with uow:
            pass  # never reached

    with pytest.raises(ConnectionError, match="no database"):
        asyncio.run(enter())
    assert uow.closed


class _CommitLostError(Exception):
    """The transaction could not be committed."""


class _RollbackLostError(Exception):
    """The transaction could not be rolled back either."""


class LosingUnitOfWork(RecordingUnitOfWork):
    """Fails at COMMIT, then fails to roll back: the worst a connection can do."""

    @override
    def _commit_transaction(self) -> Result[None, CommitError]:
        self.calls.append("commit")
        raise _CommitLostError

    @override
    def _rollback_transaction(self) -> None:
        self.calls.append("rollback")
        raise _RollbackLostError


def test_when_the_commit_and_the_rollback_both_fail_the_caller_sees_the_commits_error() -> None:
    box = _box("a")
    uow = LosingUnitOfWork()

    with uow:
        uow.repository(BoxRepository).add(box)
        box.fill(2)
        with pytest.raises(_CommitLostError) as raised:
            uow.commit()

    assert type(raised.value) is _CommitLostError
    assert uow.calls[:3] == ["begin", "commit", "rollback"]
    assert (box.version, [type(e) for e in box.pending_events]) == (0, [BoxFilled])


def test_an_unchanged_aggregate_stays_unwritten_through_several_commits() -> None:
    database = InMemoryDatabase()
    box, other = _box("a"), _box("b")
    _stored(database, box, other)

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(BoxRepository)
        loaded = repository.get(box.id).unwrap()
        repository.get(other.id).unwrap().fill(1)
        first = uow.commit()
        second = uow.commit()
        third = uow.commit()

    assert (first, second, third) == (Success(None),) * 3
    assert loaded.version == 1
    assert database.records[BoxRepository.storage][box.id.root].version == 1
    assert database.records[BoxRepository.storage][other.id.root].version == 2
