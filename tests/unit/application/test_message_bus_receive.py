"""Events from a broker reach the bus's handlers once per handler, through the inbox (G4)."""

from __future__ import annotations

import asyncio
import functools

import pytest
from returns.result import Result, Success

from creativeflow_shared.application import (
    AsyncMessageBus,
    AsyncUnitOfWork,
    CommitError,
    DocumentRepository,
    MessageBus,
    UnitOfWork,
)
from creativeflow_shared.domain import AggregateRoot, DomainEvent, Identity
from creativeflow_shared.testing import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)


class MailId(Identity):
    pass


class JobFinished(DomainEvent, event_type="unit.receive.job_finished"):
    job: str


class MailSent(DomainEvent, event_type="unit.receive.mail_sent"):
    job: str


class Mail(AggregateRoot[MailId]):
    job: str
    kind: str


class Mails(DocumentRepository[Mail, MailId]):
    pass


def _send(kind: str, event: JobFinished, uow: UnitOfWork) -> Result[None, CommitError]:
    with uow:
        mail = Mail(id=MailId.new(), job=event.job, kind=kind)
        mail.record(MailSent(job=event.job))
        uow.repository(Mails).add(mail)
        return uow.commit()


def send_owner_mail(event: JobFinished, uow: UnitOfWork) -> Result[None, CommitError]:
    return _send("owner", event, uow)


def send_team_mail(event: JobFinished, uow: UnitOfWork) -> Result[None, CommitError]:
    return _send("team", event, uow)


def mails(database: InMemoryDatabase) -> list[str]:
    return sorted(
        record.data["kind"] for records in database.records.values() for record in records.values()
    )


def test_a_redelivered_message_reaches_no_handler_twice() -> None:
    database = InMemoryDatabase()
    reported: list[str] = []
    bus = MessageBus(
        lambda: InMemoryUnitOfWork(database), on_error=lambda _e, name, _x: reported.append(name)
    )
    bus.subscribe(JobFinished, send_owner_mail)
    bus.subscribe(JobFinished, send_team_mail)
    sent: list[str] = []
    bus.subscribe(MailSent, lambda event, _uow: sent.append(event.job))
    event = JobFinished(job="j-1")

    for _ in range(3):
        bus.receive(event, message_id=str(event.event_id), consumer="mailer")

    assert mails(database) == ["owner", "team"]
    assert sent == ["j-1", "j-1"]  # what the first delivery committed, delivered in process
    assert reported == []  # the refused duplicates are not failures
    assert {entry.consumer for entry in database.inbox} == {
        f"mailer:{__name__}.send_owner_mail",
        f"mailer:{__name__}.send_team_mail",
    }


def test_a_failed_handler_fails_the_delivery_and_only_it_runs_again() -> None:
    database = InMemoryDatabase()
    failures = [RuntimeError("smtp down")]

    def flaky_team_mail(event: JobFinished, uow: UnitOfWork) -> Result[None, CommitError]:
        if failures:
            raise failures.pop()
        return _send("team", event, uow)

    bus = MessageBus(lambda: InMemoryUnitOfWork(database))
    bus.subscribe(JobFinished, send_owner_mail)
    bus.subscribe(JobFinished, flaky_team_mail)
    event = JobFinished(job="j-2")

    with pytest.raises(ExceptionGroup, match="must be delivered again") as raised:
        bus.receive(event, message_id="m-2", consumer="mailer")
    assert [str(error) for error in raised.value.exceptions] == ["smtp down"]
    assert mails(database) == ["owner"]

    bus.receive(event, message_id="m-2", consumer="mailer")  # the broker redelivers
    assert mails(database) == ["owner", "team"]


def test_handlers_without_distinct_names_are_refused() -> None:
    bus = MessageBus(InMemoryUnitOfWork)
    bus.subscribe(JobFinished, functools.partial(_send, "owner"))
    bus.subscribe(JobFinished, functools.partial(_send, "team"))
    with pytest.raises(ValueError, match="distinct names"):
        bus.receive(JobFinished(job="j-3"), message_id="m-3", consumer="mailer")


def test_the_async_bus_receives_once_per_handler_too() -> None:
    database = InMemoryDatabase()

    async def send(event: JobFinished, uow: AsyncUnitOfWork) -> Result[None, CommitError]:
        async with uow:
            uow.repository(Mails).add(Mail(id=MailId.new(), job=event.job, kind="async"))
            return await uow.commit()

    failures = [RuntimeError("once")]

    async def flaky(event: JobFinished, uow: AsyncUnitOfWork) -> Result[None, CommitError]:
        if failures:
            raise failures.pop()
        return await send(event, uow)

    bus = AsyncMessageBus(lambda: AsyncInMemoryUnitOfWork(database))
    bus.subscribe(JobFinished, send)
    bus.subscribe(JobFinished, flaky)
    event = JobFinished(job="j-4")

    async def deliveries() -> None:
        with pytest.raises(ExceptionGroup):
            await bus.receive(event, message_id="m-4", consumer="mailer")
        await bus.receive(event, message_id="m-4", consumer="mailer")
        await bus.receive(event, message_id="m-4", consumer="mailer")

    asyncio.run(deliveries())
    assert mails(database) == ["async", "async"]  # one per handler, however often delivered


def test_an_async_unit_of_work_takes_a_note_inside_its_block() -> None:
    database = InMemoryDatabase()

    async def twice() -> list[bool]:
        outcomes: list[bool] = []
        for _ in range(2):
            async with AsyncInMemoryUnitOfWork(database) as uow:
                uow.receive("m-5", "direct")
                outcomes.append(isinstance(await uow.commit(), Success))
                outcomes.append(await uow.received("m-5", "direct"))
        return outcomes

    assert asyncio.run(twice()) == [True, True, False, True]  # the second commit is refused
