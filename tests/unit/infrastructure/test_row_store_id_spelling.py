"""A store that matches ids case-insensitively still keeps one object per aggregate.

A data-mapper row may key text ids in a case-insensitive column (SQLite ``NOCASE``): the
store then answers a ``get`` under another spelling with the stored one. The identity map
must see through it: the aggregate read, or removed, under one spelling is the one read
under the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Success
from sqlalchemy import MetaData, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

from creativeflow_shared.domain import AggregateRoot, NotFoundError
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    SQLAlchemyUnitOfWork,
    outbox_table,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from returns.result import Result
    from sqlalchemy import Engine


class Tag(AggregateRoot[str]):
    label: str


class Base(DeclarativeBase):
    metadata = MetaData()


class TagRow(Base):
    __tablename__ = "spelling_tags"

    id: Mapped[str] = mapped_column(String(32, collation="NOCASE"), primary_key=True)
    version: Mapped[int]
    label: Mapped[str] = mapped_column(String(32))


outbox_table(Base.metadata)


class TagRepository(DataMapperRepository[Tag, str, TagRow]):
    @override
    def to_row(self, aggregate: Tag) -> TagRow:
        return TagRow(id=aggregate.id, label=aggregate.label)

    @override
    def to_domain(self, row: TagRow) -> Tag:
        return Tag(id=row.id, label=row.label)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with SQLAlchemyUnitOfWork(engine, Base.metadata) as uow:
        uow.repository(TagRepository).add(Tag(id="ABC", label="first"))
        assert uow.commit() == Success(None)
    yield engine
    engine.dispose()


def _label(engine: Engine) -> Result[str, NotFoundError]:
    with SQLAlchemyUnitOfWork(engine, Base.metadata) as uow:
        return uow.repository(TagRepository).get("ABC").map(lambda tag: tag.label)


def test_an_aggregate_read_under_another_spelling_is_the_one_tracked(engine: Engine) -> None:
    with SQLAlchemyUnitOfWork(engine, Base.metadata) as uow:
        tags = uow.repository(TagRepository)
        first = tags.get("ABC").unwrap()
        first.label = "changed"
        again = tags.get("abc").unwrap()
        committed = uow.commit()

    assert (again is first, committed, _label(engine)) == (True, Success(None), Success("changed"))


def test_an_aggregate_removed_is_not_found_under_another_spelling(engine: Engine) -> None:
    with SQLAlchemyUnitOfWork(engine, Base.metadata) as uow:
        tags = uow.repository(TagRepository)
        tags.remove(tags.get("ABC").unwrap())
        again = tags.get("abc")
        committed = uow.commit()

    assert isinstance(again.failure(), NotFoundError)
    assert committed == Success(None)
    assert isinstance(_label(engine).failure(), NotFoundError)
