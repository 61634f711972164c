"""What only PostgreSQL's text types show: collations and native enum types in mapped columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from sqlalchemy import Enum, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

from creativeflow_shared.domain import AggregateRoot, where
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    SQLAlchemyUnitOfWork,
    outbox_table,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from sqlalchemy import Engine


class Tile(AggregateRoot[str]):
    colour: str
    rank: int = 0


class _Rows(DeclarativeBase):
    metadata = MetaData()


class TileRow(_Rows):
    __tablename__ = "dm_pg_text_tiles"

    # A linguistic collation orders "B" between "a" and "c"; the code-point order does not.
    id: Mapped[str] = mapped_column(String(8, collation="en-US-x-icu"), primary_key=True)
    version: Mapped[int]
    colour: Mapped[str] = mapped_column(Enum("red", "blue", "green", name="dm_pg_text_colour"))
    rank: Mapped[int]


outbox_table(_Rows.metadata, name="dm_pg_text_outbox")


class TileRepository(DataMapperRepository[Tile, str, TileRow]):
    columns: ClassVar[Mapping[str, Any]] = {"colour": TileRow.colour, "rank": TileRow.rank}

    @override
    def to_row(self, aggregate: Tile) -> TileRow:
        return TileRow(id=aggregate.id, colour=aggregate.colour, rank=aggregate.rank)

    @override
    def to_domain(self, row: TileRow) -> Tile:
        return Tile(id=row.id, colour=row.colour, rank=row.rank)


TILE = where(Tile)


@pytest.fixture
def engine(unit_postgres_engine: Engine) -> Iterator[Engine]:
    """PostgreSQL with the tiles' tables, when it has the ICU collation the rows declare."""
    with unit_postgres_engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_collation WHERE collname = 'en-US-x-icu'")
        ).scalar_one()
    if not found:
        pytest.skip("this PostgreSQL server has no ICU collations")
    _Rows.metadata.drop_all(unit_postgres_engine)
    _Rows.metadata.create_all(unit_postgres_engine)
    yield unit_postgres_engine
    _Rows.metadata.drop_all(unit_postgres_engine)


def _store(engine: Engine, *tiles: Tile) -> None:
    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        for tile in tiles:
            uow.repository(TileRepository).add(tile)
        uow.commit().unwrap()


def test_keyset_pages_break_ties_by_text_ids_in_code_point_order_whatever_the_collation(
    engine: Engine,
) -> None:
    _store(engine, *(Tile(id=key, colour="red") for key in ["a", "B", "c", "D", "e", "F"]))
    seen: list[str] = []

    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        tiles = uow.repository(TileRepository)
        page = tiles.page_after(order_by=[TILE.rank.asc()], limit=2).unwrap()
        seen += [tile.id for tile in page.items]
        while page.next_cursor is not None:
            cursor = page.next_cursor
            page = tiles.page_after(cursor, order_by=[TILE.rank.asc()], limit=2).unwrap()
            seen += [tile.id for tile in page.items]

    assert seen == sorted(seen) == ["B", "D", "F", "a", "c", "e"]


def test_a_native_enum_column_is_compared_and_ordered_as_its_values_are_in_memory(
    engine: Engine,
) -> None:
    _store(
        engine,
        Tile(id="t1", colour="red"),
        Tile(id="t2", colour="blue"),
        Tile(id="t3", colour="green"),
    )

    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        tiles = uow.repository(TileRepository)
        ordered = [t.id for t in tiles.find(order_by=[TILE.colour.desc()])]
        not_red = [t.id for t in tiles.find(TILE.colour.ne("red"), order_by=[TILE.colour.asc()])]
        after_blue = tiles.count(TILE.colour.gt("blue"))  # green and red, as text

    # Not by the enum type's declared order (red, blue, green): by the text, as in memory.
    assert ordered == ["t1", "t3", "t2"]
    assert not_red == ["t2", "t3"]
    assert after_blue == 2
