"""The message bus: commands, events after commit, breadth-first delivery, failure reporting."""

from __future__ import annotations

import asyncio
import functools
import logging

import pytest
from returns.result import Failure, Result, Success

from creativeflow_shared.application import (
    AsyncMessageBus,
    AsyncUnitOfWork,
    Command,
    DocumentRepository,
    ErrorHook,
    MessageBus,
    RequestContext,
    UnitOfWork,
    current_context,
    use_context,
)
from creativeflow_shared.domain import AggregateRoot, DomainEvent, Identity, KernelError
from creativeflow_shared.testing import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)


class NoteId(Identity):
    pass


class Noted(DomainEvent, event_type="unit.bus.noted"):
    text: str


class Echoed(DomainEvent, event_type="unit.bus.echoed"):
    text: str


class Note(AggregateRoot[NoteId]):
    text: str

    def echo(self) -> None:
        self.record(Echoed(text=self.text))


class NoteRepository(DocumentRepository[Note, NoteId]):
    pass


class WriteNote(Command):
    text: str
    commit: bool = True


def _write_note(command: WriteNote, uow: UnitOfWork) -> Result[NoteId, KernelError]:
    with uow:
        note = Note(id=NoteId.new(), text=command.text)
        note.record(Noted(text=command.text))
        uow.repository(NoteRepository).add(note)
        if command.commit:
            uow.commit()
    return Success(note.id)


def _bus(
    database: InMemoryDatabase, seen: list[str], on_error: ErrorHook | None = None
) -> MessageBus:
    bus = MessageBus(lambda: InMemoryUnitOfWork(database), on_error=on_error)
    bus.register(WriteNote, _write_note)

    def on_noted(event: Noted, uow: UnitOfWork) -> None:
        seen.append(f"noted:{event.text}")
        with uow:
            uow.record(Echoed(text=event.text))
            uow.commit()

    def also_on_noted(event: Noted, uow: UnitOfWork) -> None:
        del uow
        seen.append(f"also:{event.text}")

    def on_echoed(event: Echoed, uow: UnitOfWork) -> None:
        del uow
        seen.append(f"echoed:{event.text}")

    bus.subscribe(Noted, on_noted)
    bus.subscribe(Noted, also_on_noted)
    bus.subscribe(Echoed, on_echoed)
    return bus


def test_a_command_returns_its_handlers_result_and_its_events_reach_every_handler() -> None:
    seen: list[str] = []
    database = InMemoryDatabase()

    result = _bus(database, seen).handle(WriteNote(text="a"))

    assert isinstance(result, Success)
    assert seen == ["noted:a", "also:a", "echoed:a"]
    assert [m.event_type for m in database.outbox] == ["unit.bus.noted", "unit.bus.echoed"]


def test_events_are_delivered_breadth_first() -> None:
    seen: list[str] = []
    bus = _bus(InMemoryDatabase(), seen)
    first, second = Noted(text="1"), Noted(text="2")

    bus.publish([first, second])

    assert seen == ["noted:1", "also:1", "noted:2", "also:2", "echoed:1", "echoed:2"]


def test_no_event_is_delivered_when_the_command_does_not_commit() -> None:
    seen: list[str] = []

    _bus(InMemoryDatabase(), seen).handle(WriteNote(text="a", commit=False))

    assert seen == []


def test_an_event_handler_sees_the_event_as_the_cause() -> None:
    causes: list[str | None] = []
    bus = MessageBus(InMemoryUnitOfWork)
    bus.subscribe(Noted, lambda event, uow: causes.append(current_context().causation_id))
    event = Noted(text="x")

    with use_context(RequestContext.new()):
        bus.publish([event])

    assert causes == [str(event.event_id)]


def test_a_failing_event_handler_is_logged_reported_and_does_not_fail_the_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reported: list[tuple[str, str, str]] = []
    seen: list[str] = []
    bus = _bus(
        InMemoryDatabase(),
        seen,
        on_error=lambda event, name, error: reported.append((event.event_type, name, repr(error))),
    )

    def broken(event: Noted, uow: UnitOfWork) -> None:
        raise RuntimeError("boom")

    def refusing(event: Noted, uow: UnitOfWork) -> Result[None, KernelError]:
        return Failure(KernelError("no"))

    def odd(event: Noted, uow: UnitOfWork) -> Result[None, str]:
        return Failure("plain text")

    bus.subscribe(Noted, broken)
    bus.subscribe(Noted, refusing)
    bus.subscribe(Noted, odd)

    with caplog.at_level(logging.ERROR, logger="creativeflow_shared.bus"):
        result = bus.handle(WriteNote(text="a"))

    assert isinstance(result, Success)
    assert seen == ["noted:a", "also:a", "echoed:a"]
    assert [(t, n.rsplit(".", 1)[-1]) for t, n, _ in reported] == [
        ("unit.bus.noted", "broken"),
        ("unit.bus.noted", "refusing"),
        ("unit.bus.noted", "odd"),
    ]
    assert "RuntimeError('boom')" in reported[0][2]
    assert "plain text" in reported[2][2]
    assert len(caplog.records) == 3
    assert all("unit.bus.noted" in r.getMessage() for r in caplog.records)


def test_a_command_without_a_handler_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no handler is registered for WriteNote"):
        MessageBus(InMemoryUnitOfWork).handle(WriteNote(text="a"))


def test_a_command_has_exactly_one_handler() -> None:
    bus = MessageBus(InMemoryUnitOfWork)
    bus.register(WriteNote, _write_note)

    with pytest.raises(ValueError, match="already has a handler"):
        bus.register(WriteNote, _write_note)


async def _write_note_async(
    command: WriteNote, uow: AsyncUnitOfWork
) -> Result[NoteId, KernelError]:
    async with uow:
        note = Note(id=NoteId.new(), text=command.text)
        note.echo()
        uow.repository(NoteRepository).add(note)
        await uow.commit()
    return Success(note.id)


def test_the_async_bus_delivers_events_after_commit_and_reports_failures() -> None:
    database = InMemoryDatabase()
    seen: list[str] = []
    reported: list[str] = []
    bus = AsyncMessageBus(
        lambda: AsyncInMemoryUnitOfWork(database),
        on_error=lambda event, name, error: reported.append(repr(error)),
    )
    bus.register(WriteNote, _write_note_async)

    async def on_echoed(event: Echoed, uow: AsyncUnitOfWork) -> None:
        seen.append(event.text)

    async def broken(event: Echoed, uow: AsyncUnitOfWork) -> None:
        raise RuntimeError("async boom")

    bus.subscribe(Echoed, on_echoed)
    bus.subscribe(Echoed, broken)

    result = asyncio.run(bus.handle(WriteNote(text="b")))

    assert isinstance(result, Success)
    assert seen == ["b"]
    assert reported == ["RuntimeError('async boom')"]
    assert [m.event_type for m in database.outbox] == ["unit.bus.echoed"]


def test_an_event_without_subscribers_is_simply_passed_over() -> None:
    seen: list[str] = []
    bus = MessageBus(InMemoryUnitOfWork)
    bus.subscribe(Echoed, lambda event, uow: seen.append(event.text))

    bus.publish([Noted(text="ignored"), Echoed(text="heard")])

    assert seen == ["heard"]


def test_a_failure_without_an_error_hook_is_still_logged(caplog: pytest.LogCaptureFixture) -> None:
    bus = MessageBus(InMemoryUnitOfWork)

    def broken(event: Noted, uow: UnitOfWork) -> None:
        raise RuntimeError("unhooked")

    bus.subscribe(Noted, broken)
    event = Noted(text="x")

    with caplog.at_level(logging.ERROR, logger="creativeflow_shared.bus"):
        bus.publish([event])

    assert [str(event.event_id) in r.getMessage() for r in caplog.records] == [True]


class _AfterCommitError(Exception):
    """Raised by a handler after its commit."""


def test_a_command_handler_that_raises_after_committing_still_releases_its_events() -> None:
    seen: list[str] = []
    database = InMemoryDatabase()
    bus = MessageBus(lambda: InMemoryUnitOfWork(database))

    def write_then_fail(command: WriteNote, uow: UnitOfWork) -> Result[None, KernelError]:
        _write_note(command, uow)
        raise _AfterCommitError

    bus.register(WriteNote, write_then_fail)
    bus.subscribe(Noted, lambda event, uow: seen.append(f"noted:{event.text}"))

    with pytest.raises(_AfterCommitError):
        bus.handle(WriteNote(text="a"))

    assert seen == ["noted:a"]
    assert [m.event_type for m in database.outbox] == ["unit.bus.noted"]


def test_an_event_handler_that_raises_after_committing_still_releases_its_events() -> None:
    seen: list[str] = []
    failures: list[str] = []
    database = InMemoryDatabase()
    bus = MessageBus(
        lambda: InMemoryUnitOfWork(database),
        on_error=lambda event, handler, error: failures.append(type(error).__name__),
    )

    def echo_then_fail(event: Noted, uow: UnitOfWork) -> None:
        with uow:
            uow.record(Echoed(text=event.text))
            uow.commit()
        raise _AfterCommitError

    def echo_then_return_a_failure(event: Noted, uow: UnitOfWork) -> Result[None, KernelError]:
        with uow:
            uow.record(Echoed(text=event.text + "!"))
            uow.commit()
        return Failure(KernelError("after the commit"))

    bus.subscribe(Noted, echo_then_fail)
    bus.subscribe(Noted, echo_then_return_a_failure)
    bus.subscribe(Echoed, lambda event, uow: seen.append(f"echoed:{event.text}"))

    bus.publish([Noted(text="a")])

    assert seen == ["echoed:a", "echoed:a!"]
    assert failures == ["_AfterCommitError", "KernelError"]


def test_an_async_command_handler_raising_after_its_commit_still_releases_its_events() -> None:
    seen: list[str] = []
    database = InMemoryDatabase()
    bus = AsyncMessageBus(lambda: AsyncInMemoryUnitOfWork(database))

    async def write_then_fail(
        command: WriteNote, uow: AsyncUnitOfWork
    ) -> Result[None, KernelError]:
        async with uow:
            note = Note(id=NoteId.new(), text=command.text)
            note.record(Noted(text=command.text))
            uow.repository(NoteRepository).add(note)
            await uow.commit()
        raise _AfterCommitError

    async def on_noted(event: Noted, uow: AsyncUnitOfWork) -> None:
        seen.append(f"noted:{event.text}")

    async def echo_then_fail(event: Noted, uow: AsyncUnitOfWork) -> None:
        async with uow:
            uow.record(Echoed(text=event.text))
            await uow.commit()
        raise _AfterCommitError

    async def on_echoed(event: Echoed, uow: AsyncUnitOfWork) -> None:
        seen.append(f"echoed:{event.text}")

    bus.register(WriteNote, write_then_fail)
    bus.subscribe(Noted, on_noted)
    bus.subscribe(Noted, echo_then_fail)
    bus.subscribe(Echoed, on_echoed)

    with pytest.raises(_AfterCommitError):
        asyncio.run(bus.handle(WriteNote(text="a")))

    assert seen == ["noted:a", "echoed:a"]
    assert [m.event_type for m in database.outbox] == ["unit.bus.noted", "unit.bus.echoed"]


def test_a_failing_handler_is_logged_with_its_name_the_event_and_the_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = MessageBus(InMemoryUnitOfWork)
    event = Noted(text="a")

    def refuse(event: Noted, uow: UnitOfWork, reason: str) -> None:
        raise ValueError(reason)

    named = functools.partial(refuse, reason="nope")  # a handler without a __qualname__
    bus.subscribe(Noted, named)

    with caplog.at_level(logging.ERROR, logger="creativeflow_shared.bus"):
        bus.publish([event])

    (record,) = caplog.records
    assert record.getMessage() == (
        f"event handler {named!r} failed for event {event.event_id} (unit.bus.noted): "
        "ValueError('nope')"
    )
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)


def test_a_failure_whose_error_is_no_exception_reaches_the_hook_as_one() -> None:
    reported: list[Exception] = []
    bus = MessageBus(InMemoryUnitOfWork, on_error=lambda event, name, error: reported.append(error))
    bus.subscribe(Noted, lambda event, uow: Failure("out of paper"))

    bus.publish([Noted(text="a")])

    (error,) = reported
    assert isinstance(error, Exception)
    assert error.args == ("out of paper",)


def test_an_async_event_handler_returning_a_failure_is_reported() -> None:
    reported: list[str] = []
    bus = AsyncMessageBus(
        AsyncInMemoryUnitOfWork,
        on_error=lambda event, name, error: reported.append(str(error)),
    )

    async def refuse(event: Noted, uow: AsyncUnitOfWork) -> Result[None, KernelError]:
        return Failure(KernelError("no"))

    bus.subscribe(Noted, refuse)
    asyncio.run(bus.publish([Noted(text="a")]))

    assert reported == ["no"]


def test_handled_as_returns_the_outcome_it_is_given() -> None:
    outcome: Result[NoteId, KernelError] = Success(NoteId.new())

    assert WriteNote.handled_as(outcome) is outcome
