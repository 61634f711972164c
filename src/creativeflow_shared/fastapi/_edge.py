"""The edge middleware: the request context, the correlation id echoed, nothing unhandled.

It wraps every HTTP request of the app in a ``RequestContext`` built from its headers (and
the service's tenant resolver), echoes the correlation id on the response, answers any
exception the app's handlers left unhandled with a 500 problem that says nothing but the
correlation id (after logging it with its traceback), and settles the request's claim on
its ``Idempotency-Key``.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeAlias

from starlette.requests import Request

from creativeflow_shared.application import RequestContext, use_context
from creativeflow_shared.domain import uuid7
from creativeflow_shared.fastapi._idempotency import start_pending

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from creativeflow_shared.api import ProblemMapper
    from creativeflow_shared.fastapi._idempotency import Pending

__all__ = ["CORRELATION_ID_HEADER", "EdgeMiddleware", "TenantResolver"]

#: The request and response header of the correlation id.
CORRELATION_ID_HEADER = "X-Correlation-ID"

#: Finds the tenant of a request (from a token, a header, a subdomain): ``None`` outside
#: tenancy; raising a library error (``UnauthorizedError``, say) answers with its problem.
TenantResolver: TypeAlias = Callable[[Request], str | Awaitable[str | None] | None]

_LOGGER = logging.getLogger("creativeflow_shared.fastapi")
_CORRELATION = CORRELATION_ID_HEADER.lower().encode()
_TRACEPARENT = b"traceparent"
_TRACESTATE = b"tracestate"
#: A correlation id a client may choose: visible ASCII, at most 128 characters.
_CORRELATION_ID = re.compile(r"[\x21-\x7e]{1,128}")
#: W3C Trace Context: version, trace id, parent id, flags (lower-case hex).
_TRACEPARENT_FORMAT = re.compile(
    r"(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}"
)
_TRACESTATE_FORMAT = re.compile(r"[\x20-\x7e]{1,512}")


def context_of(headers: list[tuple[bytes, bytes]]) -> RequestContext:
    """Return the context of a request with ``headers``: what is malformed is left out.

    A correlation id the client sent is kept if it is 1 to 128 visible ASCII characters;
    otherwise a fresh one is made. ``traceparent`` is kept if it is a valid W3C trace
    context, and ``tracestate`` only beside it.
    """
    found: dict[bytes, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in {_CORRELATION, _TRACEPARENT, _TRACESTATE}:
            found.setdefault(lowered, value.decode("latin-1").strip())
    correlation_id = found.get(_CORRELATION, "")
    traceparent = found.get(_TRACEPARENT, "")
    tracestate = found.get(_TRACESTATE, "")
    traced = _TRACEPARENT_FORMAT.fullmatch(traceparent) is not None
    return RequestContext(
        correlation_id=(
            correlation_id if _CORRELATION_ID.fullmatch(correlation_id) else str(uuid7())
        ),
        traceparent=traceparent if traced else None,
        tracestate=tracestate if traced and _TRACESTATE_FORMAT.fullmatch(tracestate) else None,
    )


class EdgeMiddleware:
    """The pure ASGI middleware ``install`` adds (see the module's docstring)."""

    __slots__ = ("_app", "_mapper", "_tenant")

    def __init__(
        self, app: ASGIApp, *, mapper: ProblemMapper, tenant: TenantResolver | None
    ) -> None:
        """Wrap ``app``; answer errors through ``mapper``; find tenants with ``tenant``."""
        self._app = app
        self._mapper = mapper
        self._tenant = tenant

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request (other kinds of connection pass through untouched)."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        context = context_of(scope["headers"])
        pending = start_pending(scope)
        outgoing = _Outgoing(send, context.correlation_id, pending)
        with use_context(context):
            try:
                if self._tenant is not None:
                    tenant = self._tenant(Request(scope))
                    tenant_id = await tenant if inspect.isawaitable(tenant) else tenant
                    context = replace(context, tenant_id=tenant_id)
            except Exception as exc:  # noqa: BLE001 (the process boundary: answered, logged if a fault)
                await self._answer(exc, scope, outgoing)
                return
        with use_context(context):
            try:
                await self._app(scope, receive, outgoing.send)
            except Exception as exc:
                await pending.release()
                if outgoing.started:
                    raise  # too late to answer: the server ends the response
                await self._answer(exc, scope, outgoing)
            else:
                await pending.release()

    async def _answer(self, error: Exception, scope: Scope, outgoing: _Outgoing) -> None:
        path: str = scope["path"]
        problem = self._mapper.problem_for(error, instance=path)
        if problem.status >= 500:  # noqa: PLR2004 (the server error class)
            _LOGGER.error(
                "%s %s failed (correlation id %s)",
                scope["method"],
                path,
                problem.problem.correlation_id,
                exc_info=error,
            )
        headers = [(n.lower().encode(), v.encode()) for n, v in problem.headers.items()]
        await outgoing.send(
            {"type": "http.response.start", "status": problem.status, "headers": headers}
        )
        await outgoing.send({"type": "http.response.body", "body": problem.body})


class _Outgoing:
    """The response on its way out: the correlation id added; held while a key is claimed."""

    __slots__ = ("_correlation", "_held", "_pending", "_send", "started")

    def __init__(self, send: Send, correlation_id: str, pending: Pending) -> None:
        self._send = send
        self._correlation = (_CORRELATION, correlation_id.encode())
        self._pending = pending
        self._held: list[Message] = []
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            message = {**message, "headers": [*message.get("headers", ()), self._correlation]}
        held = self._pending.held
        if held is None:
            await self._send(message)
            return
        # The answer is stored before the client sees it: a retry that follows the answer
        # is then always replayed.
        self._held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            start, *bodies = self._held
            body = b"".join(m.get("body", b"") for m in bodies)
            await self._pending.settle(held, start["status"], start["headers"], body)
            for message_held in self._held:
                await self._send(message_held)
