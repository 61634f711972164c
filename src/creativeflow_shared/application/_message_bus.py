"""The message bus: one handler per command, any number per event, events after commit.

A command's handler runs in a fresh unit of work and returns a ``Result``. The events its
commit released then reach their handlers breadth-first, each handler in its own unit of work;
events those commits release join the end of the queue. A failing event handler (an exception,
or a ``Failure`` it returns) never turns the committed command into a failure and is never
swallowed: it is logged with the event id and passed to the error hook. There is no automatic
in-process retry: the events are in the outbox, and consumers that need retries subscribe
through the relay and the inbox, where retries and dead-lettering live.

Registration, routing, queueing and reporting are written once; the sync and async buses only
call (or await) the handlers.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, cast

from returns.result import Failure, Result

from creativeflow_shared.application._async_unit_of_work import AsyncUnitOfWork
from creativeflow_shared.application._context import current_context, use_context
from creativeflow_shared.application._inbox import is_duplicate
from creativeflow_shared.application._unit_of_work import UnitOfWork
from creativeflow_shared.domain import DomainEvent, KernelError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from creativeflow_shared.application._command import Command, CommandClass

__all__ = [
    "AsyncMessageBus",
    "ErrorHook",
    "MessageBus",
]

_LOGGER = logging.getLogger("creativeflow_shared.bus")


class _Releasing(Protocol):
    def collect_committed_events(self) -> tuple[DomainEvent, ...]: ...
    def receive(self, message_id: str, consumer: str) -> None: ...


U = TypeVar("U", bound=_Releasing)
C = TypeVar("C", bound="Command[Any, Any]")
E = TypeVar("E", bound="DomainEvent")
R = TypeVar("R")
X = TypeVar("X", bound=KernelError)


#: Called after a handler failure is logged, with the event, the handler's name and the
#: exception it raised or the error of the ``Failure`` it returned.
ErrorHook: TypeAlias = Callable[[DomainEvent, str, Exception], None]


class _Delivery(Generic[U]):
    """One event handed to one handler, with the unit of work the handler gets."""

    __slots__ = ("event", "handler", "queue", "received", "unit_of_work")

    def __init__(
        self,
        queue: _EventQueue[U],
        handler: Callable[[Any, U], Any],
        event: DomainEvent,
        unit_of_work: U,
    ) -> None:
        self.queue = queue
        self.handler = handler
        self.event = event
        self.unit_of_work = unit_of_work
        self.received = False  # from a broker: the handler's commit notes it in the inbox

    def call(self) -> Any:  # noqa: ANN401 (a handler's outcome, or its awaitable)
        """Call the handler (the async bus awaits what this returns)."""
        return self.handler(self.event, self.unit_of_work)

    def settle(self, outcome: object) -> None:
        """Record the handler's outcome and queue the events its commits released."""
        if isinstance(outcome, Failure):
            error: object = cast("Failure[object]", outcome).failure()
            if self.received and is_duplicate(error):  # handled before: nothing to do again
                return
            self.fail(error if isinstance(error, Exception) else _Failed(error))
            return
        self.queue.extend(self.unit_of_work.collect_committed_events())

    def fail(self, error: Exception) -> None:
        """Report the handler's failure; what it committed before failing is still delivered.

        The failure is logged with the event id and passed to the error hook.
        """
        self.queue.report(self.handler, self.event, error)
        if self.received:
            self.queue.failed.append(error)
        self.queue.extend(self.unit_of_work.collect_committed_events())


class _Failed(Exception):  # noqa: N818 (it describes a failure value, not an error kind)
    """A ``Failure`` whose error is not an exception, reported as one."""


class _EventQueue(Generic[U]):
    """Breadth-first delivery of events to their handlers, with failures reported."""

    def __init__(
        self, bus: _Bus[U], events: Iterable[DomainEvent], received: tuple[str, str] | None
    ) -> None:
        self._bus = bus
        self._events: deque[DomainEvent] = deque(events)
        self._received = received  # the broker message of the first event, and the consumer
        self.failed: list[Exception] = []  # of its handlers: the message must come again

    def __iter__(self) -> Iterator[_Delivery[U]]:
        while self._events:
            event = self._events.popleft()
            received, self._received = self._received, None
            handlers = self._bus.handlers_of(event)
            names = None if received is None else _inbox_names(handlers, received[1])
            for index, handler in enumerate(handlers):
                with use_context(current_context().caused_by(str(event.event_id))):
                    delivery = _Delivery(self, handler, event, self._bus.unit_of_work())
                    if received is not None and names is not None:
                        delivery.unit_of_work.receive(received[0], names[index])
                        delivery.received = True
                    yield delivery

    def extend(self, events: Iterable[DomainEvent]) -> None:
        """Queue events released while delivering."""
        self._events.extend(events)

    def report(
        self, handler: Callable[[Any, U], Any], event: DomainEvent, error: Exception
    ) -> None:
        """Log a handler's failure with the event id and pass it to the error hook."""
        name = getattr(handler, "__qualname__", repr(handler))
        _LOGGER.error(
            "event handler %s failed for event %s (%s): %r",
            name,
            event.event_id,
            event.event_type,
            error,
            exc_info=error,
        )
        if self._bus.on_error is not None:
            self._bus.on_error(event, name, error)


class _Bus(Generic[U]):
    """Registration and routing, shared by the sync and async buses."""

    def __init__(self, unit_of_work: Callable[[], U], *, on_error: ErrorHook | None = None) -> None:
        """Build units of work with ``unit_of_work``; report handler failures to ``on_error``."""
        self.unit_of_work = unit_of_work
        self.on_error = on_error
        self._commands: dict[type[Command[Any, Any]], Callable[[Any, U], Any]] = {}
        self._events: dict[type[DomainEvent], list[Callable[[Any, U], object]]] = {}

    def _register(self, command_type: object, handler: Callable[[Any, U], object]) -> None:
        kind = cast("type[Command[Any, Any]]", command_type)
        if kind in self._commands:
            msg = f"{kind.__name__} already has a handler; a command has exactly one"
            raise ValueError(msg)
        self._commands[kind] = handler

    def subscribe(self, event_type: type[E], handler: Callable[[E, U], object]) -> None:
        """Run ``handler`` for every committed event of ``event_type`` (or a subclass)."""
        self._events.setdefault(event_type, []).append(handler)

    def handlers_of(self, event: DomainEvent) -> list[Callable[[Any, U], object]]:
        """Every handler subscribed to the event's type or one of its bases."""
        return [
            handler
            for event_type, handlers in self._events.items()
            if isinstance(event, event_type)
            for handler in handlers
        ]

    def _handler_of(self, command: Command[Any, Any]) -> Callable[[Any, U], Any]:
        handler = self._commands.get(type(command))
        if handler is None:
            msg = f"no handler is registered for {type(command).__name__}"
            raise LookupError(msg)
        return handler

    def _queue(
        self, events: Iterable[DomainEvent], received: tuple[str, str] | None = None
    ) -> _EventQueue[U]:
        return _EventQueue(self, events, received)


def _inbox_names(handlers: list[Callable[[Any, Any], object]], consumer: str) -> list[str]:
    """Each handler's consumer name in the inbox: stable across processes, and unique.

    Raises:
        ValueError: If two handlers of one event have the same module and qualified name
            (two ``functools.partial`` of one function, say): the inbox would take the
            second for the first and drop its work.
    """
    names = [
        f"{consumer}:{getattr(h, '__module__', '')}."
        f"{getattr(h, '__qualname__', type(h).__qualname__)}"
        for h in handlers
    ]
    if len(set(names)) < len(names):
        msg = "handlers of a received event need distinct names (module and qualified name)"
        raise ValueError(msg)
    return names


def _raise_failures(queue: _EventQueue[Any], message_id: str) -> None:
    if queue.failed:
        msg = f"handlers of message {message_id} failed; it must be delivered again"
        raise ExceptionGroup(msg, queue.failed)


class MessageBus(_Bus[UnitOfWork]):
    """Dispatches commands and the events their commits release (synchronous handlers).

    Create one per application and register handlers at start-up; ``handle`` builds a
    fresh unit of work for every handler call, so one bus serves concurrent requests. A
    handler opens the unit of work it is given (``with uow:``) and commits it: what it does
    not commit is not stored, and its events are not delivered. See the how-to "Handle
    commands and events with the message bus".

    Attributes:
        unit_of_work: Builds the unit of work of each handler call (a class or a factory).
        on_error: Called with the event, the handler's name and the error after an event
            handler's failure is logged (``None``: logging only).

    Examples:
        >>> from returns.result import Success
        >>> from creativeflow_shared.application import Command
        >>> from creativeflow_shared.testing import InMemoryUnitOfWork
        >>> class Ping(Command):
        ...     text: str
        >>> bus = MessageBus(InMemoryUnitOfWork)
        >>> bus.register(Ping, lambda command, uow: Success(command.text.upper()))
        >>> bus.handle(Ping(text="hi"))
        <Success: HI>
    """

    def register(
        self,
        command_type: CommandClass[C, R, X],
        handler: Callable[[C, UnitOfWork], Result[R, X]],
    ) -> None:
        """Make ``handler`` the one handler of ``command_type``.

        The handler must return the command's ``Result[R, X]`` (see ``Command``); the type
        checker refuses one that returns anything else, or takes another command.

        Raises:
            ValueError: If the command type has a handler already.
        """
        self._register(command_type, handler)

    def handle(self, command: Command[R, X]) -> Result[R, X]:
        """Run the command's handler, then deliver the events its commits released.

        What the handler committed is delivered even when the handler raises afterwards
        (the exception then propagates once the events are delivered).

        Returns:
            The handler's ``Result``; event handler failures never change it.

        Raises:
            LookupError: If no handler is registered for the command's type.
        """
        handler = self._handler_of(command)
        unit_of_work = self.unit_of_work()
        try:
            return cast("Result[R, X]", handler(command, unit_of_work))
        finally:
            self.publish(unit_of_work.collect_committed_events())

    def publish(self, events: Iterable[DomainEvent]) -> None:
        """Deliver committed ``events`` (and the events their handlers commit) breadth-first."""
        self._deliver(self._queue(events))

    def receive(self, event: DomainEvent, *, message_id: str, consumer: str) -> None:
        """Deliver an event that came from a broker to its handlers, once per handler.

        Each handler's unit of work notes the message in the inbox under ``consumer`` and
        the handler's name (``UnitOfWork.receive``): a handler that committed it once
        cannot commit it again, and that refusal is not a failure here.

        Raises:
            ExceptionGroup: If a handler of ``event`` failed (after it was logged and
                reported): the message must come again; acknowledge it only when this
                returns.
            ValueError: If the message id or the consumer is not one the inbox keeps.
        """
        queue = self._queue([event], (message_id, consumer))
        self._deliver(queue)
        _raise_failures(queue, message_id)

    @staticmethod
    def _deliver(queue: _EventQueue[UnitOfWork]) -> None:
        for delivery in queue:
            try:
                outcome = delivery.call()
            except Exception as exc:  # noqa: BLE001 (a process boundary: logged and reported)
                delivery.fail(exc)
            else:
                delivery.settle(outcome)


class AsyncMessageBus(_Bus[AsyncUnitOfWork]):
    """The async flavour of ``MessageBus``: handlers are coroutines (``async with uow:``).

    Attributes:
        unit_of_work: Builds the async unit of work of each handler call.
        on_error: Called after an event handler's failure is logged (see ``MessageBus``).
    """

    def register(
        self,
        command_type: CommandClass[C, R, X],
        handler: Callable[[C, AsyncUnitOfWork], Awaitable[Result[R, X]]],
    ) -> None:
        """Make the coroutine function ``handler`` the one handler of ``command_type``.

        Raises:
            ValueError: If the command type has a handler already.
        """
        self._register(command_type, handler)

    async def handle(self, command: Command[R, X]) -> Result[R, X]:
        """Await the command's handler, then deliver the events as ``MessageBus.handle`` does.

        Raises:
            LookupError: If no handler is registered for the command's type.
        """
        handler = self._handler_of(command)
        unit_of_work = self.unit_of_work()
        try:
            return cast("Result[R, X]", await handler(command, unit_of_work))
        finally:
            await self.publish(unit_of_work.collect_committed_events())

    async def publish(self, events: Iterable[DomainEvent]) -> None:
        """Deliver committed ``events`` (and the events their handlers commit) breadth-first."""
        await self._deliver(self._queue(events))

    async def receive(self, event: DomainEvent, *, message_id: str, consumer: str) -> None:
        """Deliver an event from a broker once per handler (see ``MessageBus.receive``).

        Raises:
            ExceptionGroup: If a handler of ``event`` failed: the message must come again.
            ValueError: If the message id or the consumer is not one the inbox keeps.
        """
        queue = self._queue([event], (message_id, consumer))
        await self._deliver(queue)
        _raise_failures(queue, message_id)

    @staticmethod
    async def _deliver(queue: _EventQueue[AsyncUnitOfWork]) -> None:
        for delivery in queue:
            try:
                outcome = await delivery.call()
            except Exception as exc:  # noqa: BLE001 (a process boundary: logged and reported)
                delivery.fail(exc)
            else:
                delivery.settle(outcome)
