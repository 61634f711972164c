"""Cases for the FastAPI integration: one endpoint that loads and saves an aggregate.

The library's side is the endpoint as a service writes it on the integration: ``install``
(the edge middleware and the problem handlers), a unit of work from
``unit_of_work_dependency`` and the answer from ``respond``. The baseline is the same endpoint
written by hand on plain FastAPI: it opens the same unit of work itself, in a request context
it makes itself, and serialises the body itself. Both are called as ASGI apps, on one event
loop, with the same request, so the ratio is what the integration adds to a request.

What the unit of work itself costs over hand-written SQLAlchemy Core is measured, without HTTP,
by ``persistence.py``'s cases.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations,
which name a dependency local to the function that builds the app.
"""

import asyncio
import json
from collections.abc import Callable
from contextlib import ExitStack
from typing import Annotated

from fastapi import FastAPI, Response
from returns.result import Success
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message

from creativeflow_shared.api import ApiModel
from creativeflow_shared.application import RequestContext, UnitOfWork, use_context
from creativeflow_shared.fastapi import install, respond, unit_of_work_dependency
from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyUnitOfWork

from ._databases import progress, sqlite_engine
from ._harness import Case
from .persistence import METADATA, PRICE, Order, Orders, new_order

__all__ = ["cases"]

_NAME = "fastapi: load + save one aggregate, integration vs hand-written endpoint"
_MIN_SECONDS = 0.2


class OrderOut(ApiModel):
    """An order as the endpoint answers it."""

    order_id: str
    quantity: int
    version: int


def _out(order: Order) -> OrderOut:
    return OrderOut(order_id=str(order.id), quantity=order.quantity, version=order.version)


def _library_app(engine: Engine) -> FastAPI:
    unit = unit_of_work_dependency(lambda: SQLAlchemyUnitOfWork(engine, METADATA))
    app = FastAPI()

    @app.patch("/orders/{order_id}")
    def add_item(order_id: str, uow: Annotated[UnitOfWork, unit]) -> object:
        with uow:
            order = uow.repository(Orders).get(order_id).unwrap()
            order.add_item("SKU-1", PRICE)
            uow.commit().unwrap()
        return respond(Success(order), convert=_out)

    install(app)
    return app


def _hand_written_app(engine: Engine) -> FastAPI:
    app = FastAPI()

    @app.patch("/orders/{order_id}")
    def add_item(order_id: str) -> Response:
        with (
            use_context(RequestContext.new()),
            SQLAlchemyUnitOfWork(engine, METADATA) as uow,
        ):
            order = uow.repository(Orders).get(order_id).unwrap()
            order.add_item("SKU-1", PRICE)
            uow.commit().unwrap()
        return Response(_out(order).model_dump_json(), media_type="application/json")

    return app


def _caller(app: ASGIApp, path: str, runner: asyncio.Runner) -> Callable[[], bytes]:
    """Return a function that sends the request to ``app`` and returns the answer's body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-length", b"0")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }

    async def call() -> bytes:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        await app(dict(scope), receive, send)
        assert sent[0]["status"] == 200, sent
        return b"".join(m.get("body", b"") for m in sent[1:])

    return lambda: runner.run(call())


def cases(selected: Callable[[str], bool], stack: ExitStack) -> list[Case]:
    """Build the FastAPI case if ``selected`` accepts its name (on SQLite)."""
    if not selected(_NAME):
        return []
    progress("preparing the FastAPI endpoint on sqlite ...")
    engine = sqlite_engine(stack, METADATA)
    runner = stack.enter_context(asyncio.Runner())
    stored = new_order()
    with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
        uow.repository(Orders).add(stored)
        uow.commit().unwrap()
    path = f"/orders/{stored.id}"
    library = _caller(_library_app(engine), path, runner)
    baseline = _caller(_hand_written_app(engine), path, runner)
    # Both sides change the same stored order (one item more each time) and answer alike.
    before, after = json.loads(library()), json.loads(baseline())
    assert after["quantity"] == before["quantity"] + 1, (before, after)
    assert after["version"] == before["version"] + 1, (before, after)
    return [
        Case(
            name=_NAME,
            library=library,
            baseline=baseline,
            target=1.15,
            baseline_label="plain FastAPI endpoint opening the same unit of work itself",
            min_seconds=_MIN_SECONDS,
        )
    ]
