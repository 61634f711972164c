"""Unit tests of the async view of a document repository (over the in-memory store)."""

from __future__ import annotations

import asyncio

from returns.result import Success

from creativeflow_shared.application import DEFAULT_PAGE_SIZE, DocumentRepository, project
from creativeflow_shared.domain import AggregateRoot, Identity, where
from creativeflow_shared.testing import AsyncInMemoryUnitOfWork, InMemoryDatabase


class CrateId(Identity):
    """The id of a crate."""


class Crate(AggregateRoot[CrateId]):
    weight: int


class CrateRepository(DocumentRepository[Crate, CrateId]):
    projections = (project("weight"),)


def _database_with(*weights: int) -> tuple[InMemoryDatabase, list[Crate]]:
    database = InMemoryDatabase()
    crates = [Crate(id=CrateId.new(), weight=weight) for weight in weights]

    async def store() -> None:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(CrateRepository)
            for crate in crates:
                repository.add(crate)
            assert await uow.commit() == Success(None)

    asyncio.run(store())
    return database, crates


def test_get_and_exists_read_a_stored_aggregate() -> None:
    database, (crate,) = _database_with(5)

    async def read() -> tuple[int, bool, bool]:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(CrateRepository)
            loaded = (await repository.get(crate.id)).unwrap()
            return (
                loaded.weight,
                await repository.exists(crate.id),
                await repository.exists(CrateId.new()),
            )

    assert asyncio.run(read()) == (5, True, False)


def test_find_and_count_apply_the_specification() -> None:
    database, (_, middle, heavy) = _database_with(1, 5, 9)
    heavier = where(Crate).weight.ge(5)

    async def read() -> tuple[list[CrateId], int]:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(CrateRepository)
            found = await repository.find(heavier, order_by=[where(Crate).weight.desc()], limit=5)
            return [c.id for c in found], await repository.count(heavier)

    assert asyncio.run(read()) == ([heavy.id, middle.id], 2)


def test_page_returns_a_window_with_the_total() -> None:
    database, crates = _database_with(1, 2, 3)

    async def read() -> tuple[list[CrateId], int]:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            page = await uow.repository(CrateRepository).page(
                order_by=[where(Crate).weight.asc()], offset=1, limit=1
            )
            return [c.id for c in page.items], page.total

    assert asyncio.run(read()) == ([crates[1].id], 3)


def test_page_after_follows_the_cursor() -> None:
    database, crates = _database_with(1, 2, 3)
    order = [where(Crate).weight.asc()]

    async def read() -> list[CrateId]:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(CrateRepository)
            first = (await repository.page_after(order_by=order, limit=2)).unwrap()
            rest = (
                await repository.page_after(
                    first.next_cursor, where(Crate).weight.gt(0), order_by=order
                )
            ).unwrap()
            return [c.id for c in (*first.items, *rest.items)]

    assert asyncio.run(read()) == [crate.id for crate in crates]


def test_add_and_remove_are_written_on_commit() -> None:
    database, (doomed,) = _database_with(1)
    added = Crate(id=CrateId.new(), weight=2)

    async def write() -> None:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(CrateRepository)
            repository.remove((await repository.get(doomed.id)).unwrap())
            repository.add(added)
            assert await uow.commit() == Success(None)

    asyncio.run(write())

    assert list(database.records[CrateRepository.storage]) == [added.id.root]


def test_pages_hold_the_default_page_size_unless_asked_otherwise() -> None:
    database, crates = _database_with(*range(DEFAULT_PAGE_SIZE + 1))
    by_weight = [where(Crate).weight.asc()]

    async def read() -> tuple[int, int, int, int]:
        async with AsyncInMemoryUnitOfWork(database) as uow:
            repository = uow.repository(CrateRepository)
            page = await repository.page(order_by=by_weight)
            keyset = (await repository.page_after(order_by=by_weight)).unwrap()
            return page.offset, page.limit, len(page.items), len(keyset.items)

    assert asyncio.run(read()) == (0, DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE)
    assert len(crates) == DEFAULT_PAGE_SIZE + 1
