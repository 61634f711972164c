"""G5: of concurrent writers of one aggregate version, exactly one wins; nothing else commits."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData

from creativeflow_shared.domain import ConcurrencyConflictError
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.testing import AsyncHarness, ContractItem, ContractItemRepository

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from returns.result import Result
    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.testing import UnitOfWorkHarness

WRITERS = 8
ROUNDS = 3


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="g5_items")
    outbox_table(tables, name="g5_outbox")
    return tables


@dataclass(frozen=True)
class _Contest:
    """What the writers of one round share: where they write and which aggregate they fight over."""

    metadata: MetaData
    item: ContractItem
    receipts: Sequence[ContractItem]
    round_: int


def _rank(round_: int, writer: int) -> int:
    return 100 * (round_ + 1) + writer


def _receipts(round_: int) -> list[ContractItem]:
    return [ContractItem.new(f"receipt-{round_}-{writer}") for writer in range(WRITERS)]


def _stored(harness: UnitOfWorkHarness, item: ContractItem) -> None:
    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(item)
        assert uow.commit() == Success(None)


def _winner_of_round(
    harness: UnitOfWorkHarness, contest: _Contest, results: Sequence[Result[None, CommitError]]
) -> int:
    """Check what one round of writers left behind and return the winner."""
    winners = [writer for writer, result in enumerate(results) if result == Success(None)]
    losses = [result.failure() for result in results if isinstance(result, Failure)]
    assert len(winners) == 1
    (winner,) = winners
    assert len(losses) == WRITERS - 1
    assert all(isinstance(loss, ConcurrencyConflictError) for loss in losses)
    with harness.open() as uow:
        items = uow.repository(ContractItemRepository)
        stored = items.get(contest.item.id).unwrap()
        # Each writer added a receipt before its conflicting update: only the winner's stays.
        kept = [items.exists(receipt.id) for receipt in contest.receipts]
    assert (stored.version, stored.rank) == (contest.round_ + 2, _rank(contest.round_, winner))
    assert kept == [writer == winner for writer in range(WRITERS)]
    return winner


def _check_outbox(harness: UnitOfWorkHarness, item: ContractItem, winners: list[int]) -> None:
    actual = [
        (m.aggregate_id, m.aggregate_version, m.payload["rank"]) for m in harness.outbox_messages()
    ]
    expected = [(str(item.id), r + 2, _rank(r, w)) for r, w in enumerate(winners)]
    assert actual == expected


# -- threads, each with its own SQLAlchemyUnitOfWork -------------------------------------------
def _write(
    engine: Engine, contest: _Contest, writer: int, barrier: threading.Barrier
) -> Result[None, CommitError]:
    with SQLAlchemyUnitOfWork(engine, contest.metadata) as uow:
        items = uow.repository(ContractItemRepository)
        items.add(contest.receipts[writer])
        mine = items.get(contest.item.id).unwrap()
        barrier.wait()  # every writer has loaded the same version
        mine.rerank(_rank(contest.round_, writer))
        return uow.commit()


def test_g5_concurrent_writers_one_winner_per_version(
    postgres_tables: Engine,
    metadata: MetaData,
    make_harness: Callable[[str], UnitOfWorkHarness],
) -> None:
    harness = make_harness("postgresql")
    item = ContractItem.new("contested")
    _stored(harness, item)
    winners: list[int] = []

    for round_ in range(ROUNDS):
        contest = _Contest(metadata, item, _receipts(round_), round_)
        barrier = threading.Barrier(WRITERS, timeout=30)
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            futures = [
                pool.submit(_write, postgres_tables, contest, writer, barrier)
                for writer in range(WRITERS)
            ]
            results = [future.result() for future in futures]

        winners.append(_winner_of_round(harness, contest, results))

    _check_outbox(harness, item, winners)


# -- coroutines on one loop, each with its own AsyncSQLAlchemyUnitOfWork -----------------------
async def _write_async(
    engine: AsyncEngine, contest: _Contest, writer: int, barrier: asyncio.Barrier
) -> Result[None, CommitError]:
    async with AsyncSQLAlchemyUnitOfWork(engine, contest.metadata) as uow:
        items = uow.repository(ContractItemRepository)
        items.add(contest.receipts[writer])
        mine = (await items.get(contest.item.id)).unwrap()
        await barrier.wait()  # every writer has loaded the same version
        mine.rerank(_rank(contest.round_, writer))
        return await uow.commit()


async def _round(engine: AsyncEngine, contest: _Contest) -> list[Result[None, CommitError]]:
    barrier = asyncio.Barrier(WRITERS)
    return await asyncio.gather(
        *(_write_async(engine, contest, writer, barrier) for writer in range(WRITERS))
    )


def test_g5_concurrent_async_writers_one_winner_per_version(
    async_postgres_engine: AsyncEngine,
    metadata: MetaData,
    make_harness: Callable[[str], UnitOfWorkHarness],
) -> None:
    harness = make_harness("postgresql-async")
    assert isinstance(harness, AsyncHarness)
    item = ContractItem.new("contested")
    _stored(harness, item)
    winners: list[int] = []

    for round_ in range(ROUNDS):
        contest = _Contest(metadata, item, _receipts(round_), round_)
        results = harness.run(_round(async_postgres_engine, contest))

        winners.append(_winner_of_round(harness, contest, results))

    _check_outbox(harness, item, winners)
