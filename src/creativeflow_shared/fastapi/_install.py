"""Setting an app up: the edge middleware and the exception handlers, in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from fastapi import Request  # noqa: TC002 (FastAPI reads a dependency's annotations at run time)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from creativeflow_shared.api import ProblemMapper
from creativeflow_shared.application import RequestContext, current_context
from creativeflow_shared.domain import KernelError
from creativeflow_shared.fastapi._edge import EdgeMiddleware
from creativeflow_shared.fastapi._idempotency import Replayed, pending_of
from creativeflow_shared.fastapi._problems import (
    ProblemHandlers,
    document_problems_once,
    with_idempotency_rows,
)

if TYPE_CHECKING:
    from fastapi import FastAPI, Response

    from creativeflow_shared.fastapi._edge import TenantResolver

__all__ = ["install", "request_context"]


def install(
    app: FastAPI,
    *,
    mapper: ProblemMapper | None = None,
    tenant: TenantResolver | None = None,
) -> ProblemMapper:
    """Set ``app`` up to answer every error with problem details, in a request context.

    It adds the edge middleware (the request context built from ``X-Correlation-ID``,
    ``traceparent``, ``tracestate`` and ``tenant``; the correlation id echoed on every
    response; an unhandled exception answered with a 500 that says nothing but the
    correlation id, and logged) and exception handlers for library errors, FastAPI's request
    validation errors (422, with JSON Pointers) and ``HTTPException`` (404 and 405 included).
    Call it once, after adding the app's own middleware.

    Args:
        app: The app.
        mapper: The service's table of errors (the library's if ``None``); the rows of the
            ``Idempotency-Key`` errors are added to it.
        tenant: Finds each request's tenant (``None``: no tenancy).

    Returns:
        The mapper the app answers with.
    """
    used = with_idempotency_rows(mapper or ProblemMapper())
    handlers = ProblemHandlers(used)
    app.add_exception_handler(KernelError, handlers.library_error)
    app.add_exception_handler(RequestValidationError, handlers.validation_error)
    app.add_exception_handler(HTTPException, handlers.http_error)
    app.add_exception_handler(Replayed, _replay)
    app.add_middleware(EdgeMiddleware, mapper=used, tenant=tenant)
    document_problems_once(app)
    return used


async def _replay(_: Request, replayed: Exception) -> Response:
    # Registered for ``Replayed`` only.
    return cast("Replayed", replayed).response()


async def request_context(request: Request) -> RequestContext:
    """Return the request's context: a dependency, ``Depends(request_context)``.

    Raises:
        RuntimeError: If the app was not set up with ``install``.
    """
    pending_of(request.scope)  # the context is the middleware's
    return current_context()
