"""A scripted service behind a real uvicorn server on 127.0.0.1: what the clients are tried on.

Each path answers one way (a problem, an HTML page, a slow answer...). The paths that answer
differently on later attempts take a token, so that every test counts its own attempts, and
every request's headers are kept under its token for the tests to read.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from creativeflow_shared.api import problem_for
from creativeflow_shared.domain import (
    ConcurrencyConflictError,
    FieldError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnavailableError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from starlette.requests import Request

#: What a proxy's error page holds that must never reach an error of the client.
PROXY_INTERNALS = "internal-host-10-0-0-7"
#: How long the slow path takes to answer.
SLOW_SECONDS = 3.0


@dataclass
class Scripted:
    """The running server: its URL, and the headers of every request, by token."""

    base_url: str
    seen: defaultdict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def attempts(self, token: str) -> int:
        """How many requests arrived for ``token``."""
        return len(self.seen[token])


def _problem(error: KernelError) -> Response:
    answer = problem_for(error)
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))


def _note(request: Request) -> int:
    """Keep the request's headers under its token; return how many came before it."""
    scripted: Scripted = request.app.state.scripted
    seen = scripted.seen[request.path_params.get("token", "-")]
    seen.append(dict(request.headers))
    return len(seen) - 1


async def _flaky(request: Request) -> Response:
    if _note(request) == 0:
        return _problem(UnavailableError("jobs"))
    return JSONResponse({"id": "j-1"})


async def _busy(request: Request) -> Response:
    if _note(request) == 0:
        return Response(status_code=503, headers={"Retry-After": request.query_params["s"]})
    return JSONResponse({"id": "j-1"})


async def _always_busy(request: Request) -> Response:
    _note(request)
    return Response("busy", status_code=503, media_type="text/plain")


async def _echo(request: Request) -> Response:
    _note(request)
    return JSONResponse(dict(request.headers))


async def _slow(request: Request) -> Response:
    _note(request)
    await asyncio.sleep(SLOW_SECONDS)
    return JSONResponse({"id": "j-1"})


async def _created(request: Request) -> Response:
    _note(request)
    return Response(status_code=204)


async def _answer(request: Request) -> Response:
    _note(request)
    return _ANSWERS[request.path_params["name"]]()


def _build_app(scripted: Scripted) -> Starlette:
    app = Starlette(
        routes=[
            Route("/flaky/{token}", _flaky, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/busy/{token}", _busy),
            Route("/always-busy/{token}", _always_busy),
            Route("/echo/{token}", _echo),
            Route("/slow/{token}", _slow),
            Route("/created/{token}", _created, methods=["POST"]),
            Route("/answer/{name}", _answer, methods=["GET", "POST"]),
        ]
    )
    app.state.scripted = scripted
    return app


def _html(status: int) -> Response:
    page = f"<html><body>Bad gateway: {PROXY_INTERNALS} did not answer</body></html>"
    return Response(page, status_code=status, media_type="text/html")


_ANSWERS: dict[str, Callable[[], Response]] = {
    "job": lambda: JSONResponse({"id": "j-1"}),
    "jobs": lambda: JSONResponse([{"id": "j-1"}, {"id": "j-2"}]),
    "not-a-job": lambda: JSONResponse({"name": "j-1"}),
    "not-json": lambda: Response("hello", media_type="text/plain"),
    "missing": lambda: _problem(NotFoundError("Job", "j-404")),
    "conflict": lambda: _problem(ConcurrencyConflictError("Job", "j-1", expected_version=3)),
    "invalid": lambda: _problem(
        InvalidInputError([FieldError(("prompt",), "is too long", "string_too_long")])
    ),
    "failing": lambda: _problem(KernelError("a bug")),
    "gateway": lambda: _html(502),
    "html-500": lambda: _html(500),
    "rate-limited": lambda: Response(
        json.dumps({"status": 429}), status_code=429, media_type="application/problem+json"
    ),
    "moved": lambda: Response(status_code=302, headers={"Location": "/answer/job"}),
}


def serve() -> Iterator[Scripted]:
    """Run the scripted service on a free port of 127.0.0.1 until the generator is closed."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))  # a free port, chosen by the system
    port = listening.getsockname()[1]
    scripted = Scripted(f"http://127.0.0.1:{port}")
    config = uvicorn.Config(
        _build_app(scripted),
        lifespan="off",
        ws="none",
        log_level="critical",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield scripted
    server.should_exit = True
    thread.join(timeout=10)
    listening.close()
    assert not thread.is_alive()
