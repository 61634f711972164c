"""Unit tests of the unit of work on a SQLAlchemy ``AsyncConnection`` (aiosqlite)."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, TypeVar

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import AggregateRoot, DomainEvent, Identity, NotFoundError, where
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

T = TypeVar("T")


class BinId(Identity):
    """The id of a bin."""


class BinEmptied(DomainEvent, event_type="unit_infra.async_uow.bin_emptied"):
    pass


class BinsCounted(DomainEvent, event_type="unit_infra.async_uow.bins_counted"):
    total: int


class Bin(AggregateRoot[BinId]):
    label: str
    load: int = 0

    def empty(self) -> None:
        self.load = 0
        self.record(BinEmptied())


class BinRepository(DocumentRepository[Bin, BinId]):
    projections = (project("label", unique=True), project("load"))


_METADATA = MetaData()
_BINS = document_table(_METADATA, BinRepository, name="unit_async_bins")
_OUTBOX = outbox_table(_METADATA, name="unit_async_outbox")


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A fresh aiosqlite database file."""
    return f"sqlite+aiosqlite:///{tmp_path / 'async.sqlite3'}"


def _run(url: str, scenario: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``scenario`` on an engine with the tables, disposed of in the same event loop."""

    async def main() -> T:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_METADATA.create_all)
            return await scenario(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _count(engine: AsyncEngine, table_name: str) -> int:
    table = _METADATA.tables[table_name]
    async with engine.connect() as connection:
        counted = await connection.execute(select(func.count()).select_from(table))
        return int(counted.scalar_one())


async def _store(engine: AsyncEngine, *bins: Bin) -> None:
    async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(BinRepository)
        for bin_ in bins:
            repository.add(bin_)
        assert await uow.commit() == Success(None)


def _bins(*loads: int) -> list[Bin]:
    return [Bin(id=BinId.new(), label=f"b-{n}", load=load) for n, load in enumerate(loads)]


def test_commit_stores_the_aggregate_and_its_events(url: str) -> None:
    (bin_,) = _bins(3)

    async def scenario(engine: AsyncEngine) -> tuple[object, int, int, int]:
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            uow.repository(BinRepository).add(bin_)
            bin_.empty()
            uow.record(BinsCounted(total=1))
            committed = await uow.commit()
            released = len(uow.collect_committed_events())
        return (
            committed,
            released,
            await _count(engine, "unit_async_bins"),
            await _count(engine, "unit_async_outbox"),
        )

    assert _run(url, scenario) == (Success(None), 2, 1, 2)
    assert bin_.version == 1


def test_the_async_repository_reads_what_was_stored(url: str) -> None:
    bins = _bins(5, 1, 3)

    async def scenario(engine: AsyncEngine) -> tuple[object, ...]:
        await _store(engine, *bins)
        order = [where(Bin).load.asc()]
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            repository = uow.repository(BinRepository)
            loaded = (await repository.get(bins[0].id)).unwrap()
            first = (await repository.page_after(order_by=order, limit=2)).unwrap()
            rest = (await repository.page_after(first.next_cursor, order_by=order)).unwrap()
            page = await repository.page(where(Bin).load.ge(3), order_by=order, limit=1)
            return (
                loaded.load,
                await repository.exists(bins[1].id),
                [b.load for b in await repository.find(order_by=order, limit=2)],
                await repository.count(where(Bin).load.gt(1)),
                [b.load for b in (*first.items, *rest.items)],
                ([b.load for b in page.items], page.total),
                await uow.run(BinRepository, lambda r: len(r.find())),
            )

    assert _run(url, scenario) == (5, True, [1, 3], 2, [1, 3, 5], ([3], 2), 3)


def test_a_removed_aggregate_is_deleted_on_commit(url: str) -> None:
    (bin_,) = _bins(1)

    async def scenario(engine: AsyncEngine) -> tuple[object, int]:
        await _store(engine, bin_)
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            repository = uow.repository(BinRepository)
            repository.remove((await repository.get(bin_.id)).unwrap())
            assert await uow.commit() == Success(None)
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            missing = await uow.repository(BinRepository).get(bin_.id)
        return missing, await _count(engine, "unit_async_bins")

    missing, count = _run(url, scenario)

    assert isinstance(missing, Failure)
    assert isinstance(missing.failure(), NotFoundError)
    assert count == 0


def test_leaving_without_commit_or_after_a_rollback_writes_nothing(url: str) -> None:
    async def scenario(engine: AsyncEngine) -> tuple[int, int]:
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            uow.repository(BinRepository).add(_bins(1)[0])
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            uow.repository(BinRepository).add(_bins(1)[0])
            uow.record(BinsCounted(total=1))
            await uow.rollback()
            assert await uow.commit() == Success(None)
        return await _count(engine, "unit_async_bins"), await _count(engine, "unit_async_outbox")

    assert _run(url, scenario) == (0, 0)


def test_a_failed_commit_is_a_failure_and_writes_nothing(url: str) -> None:
    taken = _bins(1)[0]

    async def scenario(engine: AsyncEngine) -> tuple[object, int]:
        await _store(engine, taken)
        async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
            uow.repository(BinRepository).add(Bin(id=BinId.new(), label=taken.label))
            actual = await uow.commit()
        return actual, await _count(engine, "unit_async_bins")

    actual, count = _run(url, scenario)

    assert isinstance(actual, Failure)
    assert count == 1


def test_an_exception_in_the_block_discards_the_changes_and_returns_the_connection(
    url: str,
) -> None:
    async def scenario(engine: AsyncEngine) -> tuple[object, int]:
        uow = AsyncSQLAlchemyUnitOfWork(engine, _METADATA)

        async def add_then_fail() -> None:
            async with uow:
                uow.repository(BinRepository).add(_bins(1)[0])
                raise LookupError

        with pytest.raises(LookupError):
            await add_then_fail()
        return uow._async_connection, await _count(engine, "unit_async_bins")

    assert _run(url, scenario) == (None, 0)


def test_closing_without_a_connection_does_nothing(url: str) -> None:
    async def scenario(engine: AsyncEngine) -> object:
        uow = AsyncSQLAlchemyUnitOfWork(engine, _METADATA)
        await uow._close()
        return uow._async_connection

    assert _run(url, scenario) is None


def test_the_async_unit_of_work_outside_its_block_is_refused(url: str) -> None:
    async def scenario(engine: AsyncEngine) -> None:
        uow = AsyncSQLAlchemyUnitOfWork(engine, _METADATA)
        with pytest.raises(RuntimeError, match="inside an `async with` block"):
            uow.repository(BinRepository)

    _run(url, scenario)


def test_a_borrowed_connection_is_used_and_left_open_with_the_uncommitted_rolled_back(
    url: str,
) -> None:
    kept, dropped = _bins(1, 2)

    async def scenario(engine: AsyncEngine) -> tuple[object, ...]:
        async with engine.connect() as connection:
            async with AsyncSQLAlchemyUnitOfWork(connection, _METADATA) as uow:
                uow.repository(BinRepository).add(kept)
                committed = await uow.commit()
            async with AsyncSQLAlchemyUnitOfWork(connection, _METADATA) as uow:
                bins = uow.repository(BinRepository)
                read = await bins.get(kept.id)  # begins the connection's transaction
                bins.add(dropped)  # never committed
            open_after = not connection.closed
            pending = connection.in_transaction()
            async with AsyncSQLAlchemyUnitOfWork(connection, _METADATA) as uow:
                found = await uow.repository(BinRepository).find()
        return committed, read.map(lambda b: b.id), open_after, pending, [b.id for b in found]

    assert _run(url, scenario) == (Success(None), Success(kept.id), True, False, [kept.id])


def test_without_greenlet_the_unit_of_work_names_the_extras_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from creativeflow_shared.infrastructure.sqlalchemy import _unit_of_work  # noqa: PLC0415

    monkeypatch.setitem(sys.modules, "greenlet", None)  # makes the import fail
    _unit_of_work._require_greenlet.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"creativeflow-shared-backend\[sqlite-async\]"):
            AsyncSQLAlchemyUnitOfWork(create_async_engine("sqlite+aiosqlite://"), MetaData())
    finally:
        _unit_of_work._require_greenlet.cache_clear()
