"""What a type checker infers for repositories and units of work (checked by mypy and pyright)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, assert_type
from uuid import UUID

from returns.result import Result
from sqlalchemy import ForeignKey, MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.application import (
    AsyncRepository,
    CommitError,
    CursorPage,
    DocumentRepository,
    Page,
    UnitOfWork,
    project,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    Identity,
    InvalidInputError,
    NotFoundError,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    DataMapperRepository,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.testing import AsyncInMemoryUnitOfWork, InMemoryUnitOfWork

if TYPE_CHECKING:
    from collections.abc import Mapping


class TicketId(Identity):
    pass


class Ticket(AggregateRoot[TicketId]):
    title: str
    rank: int = 0


class TicketRepository(DocumentRepository[Ticket, TicketId]):
    projections = (project("rank"),)

    def top(self) -> list[Ticket]:
        return self.find(order_by=[where(Ticket).rank.desc()], limit=3)


class _Rows(DeclarativeBase):
    metadata = MetaData()


class TicketRow(_Rows):
    __tablename__ = "type_check_ticket_rows"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    title: Mapped[str]
    rank: Mapped[int]
    labels: Mapped[list[TicketLabelRow]] = relationship(
        cascade="all, delete-orphan", order_by="TicketLabelRow.position"
    )


class TicketLabelRow(_Rows):
    __tablename__ = "type_check_ticket_labels"

    ticket_id: Mapped[UUID] = mapped_column(ForeignKey(TicketRow.id), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


class MappedTicketRepository(DataMapperRepository[Ticket, TicketId, TicketRow]):
    columns: ClassVar[Mapping[str, object]] = {"rank": TicketRow.rank}

    @override
    def to_row(self, aggregate: Ticket) -> TicketRow:
        return TicketRow(id=aggregate.id.value, title=aggregate.title, rank=aggregate.rank)

    @override
    def to_domain(self, row: TicketRow) -> Ticket:
        return Ticket(id=TicketId(row.id), title=row.title, rank=row.rank)

    def top(self) -> list[Ticket]:
        return self.find(order_by=[where(Ticket).rank.desc()], limit=3)


def check_sync_inferences(uow: UnitOfWork, ticket_id: TicketId) -> None:
    tickets = uow.repository(TicketRepository)
    assert_type(tickets, TicketRepository)
    assert_type(tickets.get(ticket_id), Result[Ticket, NotFoundError])
    # An id from the wire may spell no id at all: that failure shows in the type.
    assert_type(tickets.get(str(ticket_id)), Result[Ticket, NotFoundError | InvalidInputError])
    assert_type(tickets.exists(str(ticket_id)), bool)
    assert_type(tickets.top(), list[Ticket])
    assert_type(tickets.page(), Page[Ticket])
    assert_type(tickets.page_after(None), Result[CursorPage[Ticket], InvalidInputError])
    assert_type(uow.commit(), Result[None, CommitError])


def check_data_mapper_inferences(uow: SQLAlchemyUnitOfWork, ticket_id: TicketId) -> None:
    tickets = uow.repository(MappedTicketRepository)
    assert_type(tickets, MappedTicketRepository)
    assert_type(tickets.get(ticket_id), Result[Ticket, NotFoundError])
    assert_type(tickets.top(), list[Ticket])
    assert_type(tickets.to_row(tickets.get(ticket_id).unwrap()), TicketRow)


async def check_async_data_mapper_inferences(
    uow: AsyncSQLAlchemyUnitOfWork, ticket_id: TicketId
) -> None:
    tickets = uow.repository(MappedTicketRepository)
    assert_type(tickets, AsyncRepository[Ticket, TicketId])
    assert_type(await tickets.get(ticket_id), Result[Ticket, NotFoundError])
    assert_type(await uow.run(MappedTicketRepository, MappedTicketRepository.top), list[Ticket])


async def check_async_inferences(uow: AsyncInMemoryUnitOfWork, ticket_id: TicketId) -> None:
    tickets = uow.repository(TicketRepository)
    assert_type(tickets, AsyncRepository[Ticket, TicketId])
    assert_type(await tickets.get(ticket_id), Result[Ticket, NotFoundError])
    assert_type(
        await tickets.get(str(ticket_id)), Result[Ticket, NotFoundError | InvalidInputError]
    )
    assert_type(await uow.run(TicketRepository, TicketRepository.top), list[Ticket])


def test_a_unit_of_work_gives_back_the_concrete_repository_type() -> None:
    metadata = MetaData()
    document_table(metadata, TicketRepository, name="type_check_tickets")
    outbox_table(metadata, name="type_check_outbox")
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    ticket = Ticket(id=TicketId.new(), title="typed", rank=2)

    with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        uow.repository(TicketRepository).add(ticket)
        uow.commit()
    with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        actual = uow.repository(TicketRepository).top()
    engine.dispose()

    assert actual == [ticket]


def test_the_in_memory_unit_of_work_gives_back_the_same_type() -> None:
    with InMemoryUnitOfWork() as uow:
        tickets = uow.repository(TicketRepository)

    assert type(tickets) is TicketRepository


def test_a_unit_of_work_gives_back_the_concrete_data_mapper_repository() -> None:
    outbox_table(_Rows.metadata, name="type_check_mapped_outbox")
    engine = create_engine("sqlite://")
    _Rows.metadata.create_all(engine)
    ticket = Ticket(id=TicketId.new(), title="mapped", rank=5)

    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        tickets = uow.repository(MappedTicketRepository)
        tickets.add(ticket)
        uow.commit()
    with SQLAlchemyUnitOfWork(engine, _Rows.metadata) as uow:
        actual = uow.repository(MappedTicketRepository).top()
    engine.dispose()

    assert type(tickets) is MappedTicketRepository
    assert actual == [ticket]
