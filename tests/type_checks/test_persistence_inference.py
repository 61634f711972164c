"""What a type checker infers for repositories and units of work (checked by mypy and pyright)."""

from __future__ import annotations

from typing import assert_type

from returns.result import Result
from sqlalchemy import MetaData, create_engine

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
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.testing import AsyncInMemoryUnitOfWork, InMemoryUnitOfWork


class TicketId(Identity):
    pass


class Ticket(AggregateRoot[TicketId]):
    title: str
    rank: int = 0


class TicketRepository(DocumentRepository[Ticket, TicketId]):
    projections = (project("rank"),)

    def top(self) -> list[Ticket]:
        return self.find(order_by=[where(Ticket).rank.desc()], limit=3)


def check_sync_inferences(uow: UnitOfWork, ticket_id: TicketId) -> None:
    tickets = uow.repository(TicketRepository)
    assert_type(tickets, TicketRepository)
    assert_type(tickets.get(ticket_id), Result[Ticket, NotFoundError])
    assert_type(tickets.top(), list[Ticket])
    assert_type(tickets.page(), Page[Ticket])
    assert_type(tickets.page_after(None), Result[CursorPage[Ticket], InvalidInputError])
    assert_type(uow.commit(), Result[None, CommitError])


async def check_async_inferences(uow: AsyncInMemoryUnitOfWork, ticket_id: TicketId) -> None:
    tickets = uow.repository(TicketRepository)
    assert_type(tickets, AsyncRepository[Ticket, TicketId])
    assert_type(await tickets.get(ticket_id), Result[Ticket, NotFoundError])
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
