"""What a type checker infers for commands on the message bus (checked by mypy and pyright).

A command names its handler's result (``Command[T, E]``); ``register`` holds the handler to it
(and takes a command class, never an instance) and ``handle`` gives it back. A typed command
is a ``Command`` (the parameters are covariant). The registrations marked ``type: ignore``
must be refused: both checkers report an ignore that suppresses nothing
(``warn_unused_ignores``, ``reportUnnecessaryTypeIgnoreComment``), so each line proves one.
"""

from __future__ import annotations

import asyncio
from typing import Any, assert_type

from returns.result import Result, Success

from creativeflow_shared.application import (
    AsyncMessageBus,
    AsyncUnitOfWork,
    Command,
    MessageBus,
    UnitOfWork,
)
from creativeflow_shared.domain import ConcurrencyConflictError, KernelError, NotFoundError
from creativeflow_shared.testing import AsyncInMemoryUnitOfWork, InMemoryUnitOfWork


class MarkSent(Command[int, NotFoundError]):
    attempts: int


class Untyped(Command):
    text: str


def mark_sent(command: MarkSent, uow: UnitOfWork) -> Result[int, NotFoundError]:
    return Success(command.attempts + 1)


def mark_sent_as_text(command: MarkSent, uow: UnitOfWork) -> Result[str, NotFoundError]:
    return Success(str(command.attempts))


def mark_sent_or_conflict(
    command: MarkSent, uow: UnitOfWork
) -> Result[int, ConcurrencyConflictError]:
    return Success(command.attempts)


def echo(command: Untyped, uow: UnitOfWork) -> Result[str, KernelError]:
    return Success(command.text)


async def mark_sent_async(command: MarkSent, uow: AsyncUnitOfWork) -> Result[int, NotFoundError]:
    return Success(command.attempts + 1)


def test_a_typed_command_is_a_command() -> None:
    commands: list[Command] = [MarkSent(attempts=1), Untyped(text="hi")]

    assert [type(c).__name__ for c in commands] == ["MarkSent", "Untyped"]


def test_handle_returns_the_result_the_command_names() -> None:
    bus = MessageBus(InMemoryUnitOfWork)
    bus.register(MarkSent, mark_sent)
    bus.register(Untyped, echo)

    sent = bus.handle(MarkSent(attempts=1))
    echoed = bus.handle(Untyped(text="hi"))

    assert_type(sent, Result[int, NotFoundError])
    assert_type(echoed, Result[Any, KernelError])
    assert (sent, echoed) == (Success(2), Success("hi"))


def test_the_async_bus_returns_the_result_the_command_names() -> None:
    bus = AsyncMessageBus(AsyncInMemoryUnitOfWork)
    bus.register(MarkSent, mark_sent_async)

    sent = asyncio.run(bus.handle(MarkSent(attempts=2)))

    assert_type(sent, Result[int, NotFoundError])
    assert sent == Success(3)


def test_a_handler_with_another_result_or_command_is_refused_by_the_type_checker() -> None:
    bus = MessageBus(InMemoryUnitOfWork)
    bus.register(MarkSent, mark_sent_as_text)  # type: ignore[arg-type]
    MessageBus(InMemoryUnitOfWork).register(MarkSent, mark_sent_or_conflict)  # type: ignore[arg-type]
    MessageBus(InMemoryUnitOfWork).register(MarkSent, echo)  # type: ignore[arg-type]
    MessageBus(InMemoryUnitOfWork).register(MarkSent(attempts=1), mark_sent)  # type: ignore[arg-type]

    # The run-time bus trusts the registration; the checker is what refused it.
    assert bus.handle(MarkSent(attempts=4)) == Success("4")
