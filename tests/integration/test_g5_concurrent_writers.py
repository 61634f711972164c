"""G5: of concurrent writers of one aggregate version, exactly one wins; nothing else commits.

Both storage styles are held to it: documents, and data-mapper rows whose writers each change
only a child row of the contested aggregate, which its root's version covers.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

import pytest
from returns.result import Failure, Success
from sqlalchemy import ForeignKey, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.domain import (
    AggregateRoot,
    ConcurrencyConflictError,
    DomainEvent,
    Identity,
    ValueObject,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    DataMapperRepository,
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


# -- the data-mapper aggregate: a board whose slots are child rows -----------------------------
class BoardId(Identity):
    """The id of a board."""


class Slot(ValueObject):
    mark: str


class SlotMarked(DomainEvent, event_type="g5.slot_marked"):
    slot: int
    mark: str


class Board(AggregateRoot[BoardId], aggregate_type="g5.board"):
    title: str
    slots: tuple[Slot, ...] = ()

    @classmethod
    def new(cls, title: str, slots: int = 0) -> Board:
        return cls(id=BoardId.new(), title=title, slots=(Slot(mark="blank"),) * slots)

    def mark(self, slot: int, mark: str) -> None:
        """Re-mark one slot and append another: an update and an insert of child rows."""
        slots = list(self.slots)
        slots[slot] = Slot(mark=mark)
        self.slots = (*slots, Slot(mark=f"after {mark}"))
        self.record(SlotMarked(slot=slot, mark=mark))


_METADATA = MetaData()
document_table(_METADATA, ContractItemRepository, name="g5_items")
outbox_table(_METADATA, name="g5_outbox")


class _Rows(DeclarativeBase):
    metadata = _METADATA


class SlotRow(_Rows):
    __tablename__ = "dm_g5_slots"

    board_id: Mapped[UUID] = mapped_column(ForeignKey("dm_g5_boards.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    mark: Mapped[str] = mapped_column(String(32))


class BoardRow(_Rows):
    __tablename__ = "dm_g5_boards"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(32))
    slots: Mapped[list[SlotRow]] = relationship(
        cascade="all, delete-orphan", order_by=SlotRow.position
    )


class BoardRepository(DataMapperRepository[Board, BoardId, BoardRow]):
    @override
    def to_row(self, aggregate: Board) -> BoardRow:
        id_ = aggregate.id.value
        return BoardRow(
            id=id_,
            title=aggregate.title,
            slots=[
                SlotRow(board_id=id_, position=position, mark=slot.mark)
                for position, slot in enumerate(aggregate.slots)
            ],
        )

    @override
    def to_domain(self, row: BoardRow) -> Board:
        slots = tuple(Slot(mark=slot.mark) for slot in row.slots)
        return Board(id=BoardId(row.id), title=row.title, slots=slots)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    """The document table, the board rows and the outbox."""
    return _METADATA


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


# -- the data-mapper style: each writer changes only child rows of the contested board ---------
@dataclass(frozen=True)
class _BoardContest:
    """What the writers of one round share: the board they fight over and their receipts."""

    board: Board
    receipts: Sequence[Board]
    round_: int


def _mark(round_: int, writer: int) -> str:
    return f"r{round_}-w{writer}"


def _board_contest(board: Board, round_: int) -> _BoardContest:
    receipts = [Board.new(f"receipt-{round_}-{writer}") for writer in range(WRITERS)]
    return _BoardContest(board, receipts, round_)


def _stored_board(harness: UnitOfWorkHarness, board: Board) -> None:
    with harness.open() as uow:
        uow.repository(BoardRepository).add(board)
        assert uow.commit() == Success(None)


def _slot_rows(engine: Engine, board: Board) -> int:
    """Count the board's child rows in the table itself, past the repository."""
    query = select(func.count()).where(SlotRow.board_id == board.id.value)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _replayed(board: Board, winners: Sequence[int]) -> tuple[Slot, ...]:
    """The slots the board must hold: the winners' changes alone, in order."""
    expected = Board.new(board.title, WRITERS)
    for round_, winner in enumerate(winners):
        expected.mark(winner, _mark(round_, winner))
    return expected.slots


def _board_winner_of_round(
    harness: UnitOfWorkHarness,
    engine: Engine,
    contest: _BoardContest,
    results: Sequence[Result[None, CommitError]],
    winners: list[int],
) -> None:
    """Check what one round of writers left behind and record its winner."""
    won = [writer for writer, result in enumerate(results) if result == Success(None)]
    losses = [result.failure() for result in results if isinstance(result, Failure)]
    assert len(won) == 1
    assert len(losses) == WRITERS - 1
    assert all(isinstance(loss, ConcurrencyConflictError) for loss in losses)
    winners += won
    with harness.open() as uow:
        boards = uow.repository(BoardRepository)
        stored = boards.get(contest.board.id).unwrap()
        kept = [boards.exists(receipt.id) for receipt in contest.receipts]
    # One version per winner; the winners' child writes, and no loser's, are stored.
    assert stored.version == contest.round_ + 2
    assert stored.slots == _replayed(contest.board, winners)
    assert _slot_rows(engine, contest.board) == WRITERS + len(winners)
    assert kept == [writer == won[0] for writer in range(WRITERS)]


def _check_board_outbox(harness: UnitOfWorkHarness, board: Board, winners: list[int]) -> None:
    actual = [
        (m.aggregate_id, m.aggregate_version, m.payload["slot"], m.payload["mark"])
        for m in harness.outbox_messages()
    ]
    expected = [(str(board.id), r + 2, w, _mark(r, w)) for r, w in enumerate(winners)]
    assert actual == expected


def _write_board(
    engine: Engine, contest: _BoardContest, writer: int, barrier: threading.Barrier
) -> Result[None, CommitError]:
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        boards = uow.repository(BoardRepository)
        boards.add(contest.receipts[writer])
        mine = boards.get(contest.board.id).unwrap()
        barrier.wait()  # every writer has loaded the same version
        mine.mark(writer, _mark(contest.round_, writer))
        return uow.commit()


def test_g5_concurrent_writers_of_child_rows_one_winner_per_version(
    postgres_tables: Engine, make_harness: Callable[[str], UnitOfWorkHarness]
) -> None:
    harness = make_harness("postgresql")
    board = Board.new("contested", WRITERS)
    _stored_board(harness, board)
    winners: list[int] = []

    for round_ in range(ROUNDS):
        contest = _board_contest(board, round_)
        barrier = threading.Barrier(WRITERS, timeout=30)
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            futures = [
                pool.submit(_write_board, postgres_tables, contest, writer, barrier)
                for writer in range(WRITERS)
            ]
            results = [future.result() for future in futures]

        _board_winner_of_round(harness, postgres_tables, contest, results, winners)

    _check_board_outbox(harness, board, winners)


async def _write_board_async(
    engine: AsyncEngine, contest: _BoardContest, writer: int, barrier: asyncio.Barrier
) -> Result[None, CommitError]:
    async with AsyncSQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        boards = uow.repository(BoardRepository)
        boards.add(contest.receipts[writer])
        mine = (await boards.get(contest.board.id)).unwrap()
        await barrier.wait()  # every writer has loaded the same version
        mine.mark(writer, _mark(contest.round_, writer))
        return await uow.commit()


async def _board_round(
    engine: AsyncEngine, contest: _BoardContest
) -> list[Result[None, CommitError]]:
    barrier = asyncio.Barrier(WRITERS)
    return await asyncio.gather(
        *(_write_board_async(engine, contest, writer, barrier) for writer in range(WRITERS))
    )


def test_g5_concurrent_async_writers_of_child_rows_one_winner_per_version(
    async_postgres_engine: AsyncEngine,
    postgres_tables: Engine,
    make_harness: Callable[[str], UnitOfWorkHarness],
) -> None:
    harness = make_harness("postgresql-async")
    assert isinstance(harness, AsyncHarness)
    board = Board.new("contested", WRITERS)
    _stored_board(harness, board)
    winners: list[int] = []

    for round_ in range(ROUNDS):
        contest = _board_contest(board, round_)
        results = harness.run(_board_round(async_postgres_engine, contest))

        _board_winner_of_round(harness, postgres_tables, contest, results, winners)

    _check_board_outbox(harness, board, winners)
