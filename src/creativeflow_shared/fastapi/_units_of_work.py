"""A unit of work per request, whose committed events go to the service's message bus."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from fastapi import params
from starlette.concurrency import run_in_threadpool

from creativeflow_shared.application import AsyncUnitOfWork, UnitOfWork

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from creativeflow_shared.application import AsyncMessageBus, MessageBus

__all__ = ["async_unit_of_work_dependency", "unit_of_work_dependency"]

U = TypeVar("U", bound=UnitOfWork)
A = TypeVar("A", bound=AsyncUnitOfWork)


def unit_of_work_dependency(
    factory: Callable[[], U], *, bus: MessageBus | None = None
) -> params.Depends:
    """Return the dependency that gives each request a unit of work of ``factory``'s.

    Use it as ``Annotated[SQLAlchemyUnitOfWork, dependency]``. The handler opens the unit
    of work it is given (``with uow:``) and commits it, as a message bus handler does: the
    block is the transaction, and what the handler does not commit is rolled back when the
    block ends. When the handler has returned (or raised), before the response is sent
    (FastAPI's ``scope="function"``), the events its commits released go to ``bus``: once
    per commit, also when the handler raised after committing, as ``MessageBus.handle``
    does; none from a rolled-back block (G6). One request, one unit of work: every
    dependency and the handler that ask for it get the same one.

    The dependency itself runs on the event loop and costs no worker thread; the bus's
    handlers, when there are events, run in one.

    Args:
        factory: Builds a unit of work, e.g. ``lambda: SQLAlchemyUnitOfWork(engine,
            metadata)``; it must not do I/O (units of work connect when their block opens).
        bus: Where the committed events go; without one they are let go (the outbox still
            carries them to other services).
    """

    async def unit_of_work() -> AsyncIterator[U]:
        """Hand the request its unit of work; then pass the committed events on."""
        created = factory()
        try:
            yield created
        finally:
            events = created.collect_committed_events()
            if bus is not None and events:
                await run_in_threadpool(bus.publish, events)

    return params.Depends(unit_of_work, scope="function")


def async_unit_of_work_dependency(
    factory: Callable[[], A], *, bus: AsyncMessageBus | None = None
) -> params.Depends:
    """Return the dependency that gives each request an async unit of work of ``factory``'s.

    The async flavour of ``unit_of_work_dependency``: the handler opens it with
    ``async with uow:``, and the committed events go to an ``AsyncMessageBus``.
    """

    async def unit_of_work() -> AsyncIterator[A]:
        """Hand the request its unit of work; then pass the committed events on."""
        created = factory()
        try:
            yield created
        finally:
            events = created.collect_committed_events()
            if bus is not None and events:
                await bus.publish(events)

    return params.Depends(unit_of_work, scope="function")
