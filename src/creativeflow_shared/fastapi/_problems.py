"""Exception handlers that answer with problem details, and their OpenAPI description."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI, Request, Response

from creativeflow_shared.api import (
    PROBLEM_JSON,
    PROBLEM_TYPE_BASE,
    ErrorMapping,
    Problem,
    ProblemMapper,
    ProblemResponse,
)
from creativeflow_shared.application import current_context
from creativeflow_shared.domain import FieldError, InvalidInputError
from creativeflow_shared.idempotency import (
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

__all__ = [
    "ProblemHandlers",
    "document_problems_once",
    "invalid_input_of",
    "problem_responses",
    "with_idempotency_rows",
]

_LOGGER = logging.getLogger("creativeflow_shared.fastapi")
#: The statuses below this one are not errors: answered without a problem document.
_FIRST_ERROR = 400
_FIRST_SERVER_ERROR = 500
_JSON = "application/json"


def with_idempotency_rows(mapper: ProblemMapper) -> ProblemMapper:
    """Return ``mapper`` extended with the rows of the ``Idempotency-Key`` errors.

    A malformed or missing key is a 400 and a key reused with another request a 422, as
    the IETF draft asks; a key still in flight is a 409 that invites a retry.
    """
    return (
        mapper.extend(
            InvalidIdempotencyKeyError,
            ErrorMapping[InvalidIdempotencyKeyError](
                status=400,
                type=PROBLEM_TYPE_BASE + "invalid-idempotency-key",
                title="Invalid Idempotency-Key",
            ),
        )
        .extend(
            IdempotencyKeyReusedError,
            ErrorMapping[IdempotencyKeyReusedError](
                type=PROBLEM_TYPE_BASE + "idempotency-key-reused",
                title="Idempotency-Key reused",
            ),
        )
        .extend(
            IdempotencyKeyInFlightError,
            ErrorMapping[IdempotencyKeyInFlightError](
                type=PROBLEM_TYPE_BASE + "idempotency-key-in-flight",
                title="Request in progress",
                detail=lambda _: "A request with this Idempotency-Key is still being processed",
            ),
        )
    )


def invalid_input_of(error: RequestValidationError) -> InvalidInputError:
    """Return the ``InvalidInputError`` that FastAPI's request validation error describes.

    Locations in the body are made relative to the body, so that their JSON Pointers point
    into the document the client sent (``/prompt``, not ``/body/prompt``); the other
    locations keep their source first (``/query/limit``, ``/path/job_id``,
    ``/header/if-match``). A body that is not JSON at all is located at the whole body
    (``""``). The input values are left out: they may hold secrets.
    """
    errors: list[FieldError] = []
    for found in cast("list[dict[str, Any]]", error.errors()):
        loc = tuple(cast("tuple[str | int, ...]", found.get("loc", ())))
        kind = str(found.get("type", "value_error"))
        if kind == "json_invalid":
            loc = ()  # FastAPI locates it at a character offset, which no pointer names
        elif loc[:1] == ("body",):
            loc = loc[1:]
        message = str(found.get("msg", "")).removeprefix("Value error, ")
        errors.append(FieldError(loc, message, kind))
    return InvalidInputError(errors)


def problem_responses() -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI description of the problem answers, for ``responses=``.

    Pass it to ``FastAPI(responses=problem_responses())`` (or to a router, or a route): every
    4xx and 5xx answer is then documented as a ``Problem`` (``application/problem+json``),
    in place of FastAPI's own 422 description.
    """
    described = {
        "model": Problem,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    return {
        "4XX": {**described, "description": "The request cannot be served (problem details)"},
        "5XX": {**described, "description": "The service failed (problem details)"},
    }


def document_problems_once(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document list problem answers as ``application/problem+json`` only.

    FastAPI documents a response model under the route's media type as well; a problem
    answer is never ``application/json``, so that entry is dropped where it repeats the
    ``application/problem+json`` one.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()  # built once, then FastAPI's cached dictionary
        for path in document.get("paths", {}).values():
            for operation in path.values():
                for answer in operation.get("responses", {}).values():
                    content = answer.get("content", {})
                    if PROBLEM_JSON in content and content.get(_JSON) == content[PROBLEM_JSON]:
                        del content[_JSON]
        return document

    # FastAPI's documented way to amend the document; a plain assignment to a method is
    # refused by one type checker, and its ignore comment by the other.
    setattr(app, "openapi", openapi)  # noqa: B010


def _response(answer: ProblemResponse, extra: Mapping[str, str] | None = None) -> Response:
    headers = {**(extra or {}), **answer.headers}
    return Response(answer.body, status_code=answer.status, headers=headers)


class ProblemHandlers:
    """The exception handlers ``install`` registers, all answering through one mapper."""

    __slots__ = ("_mapper",)

    def __init__(self, mapper: ProblemMapper) -> None:
        """Answer through ``mapper``."""
        self._mapper = mapper

    async def library_error(self, request: Request, error: Exception) -> Response:
        """Answer a library error (raised, or a ``Failure`` that ``respond`` raised)."""
        answer = self._mapper.problem_for(
            error,
            if_match_sent="if-match" in request.headers,
            instance=request.url.path,
        )
        if answer.status >= _FIRST_SERVER_ERROR:
            _LOGGER.error(
                "%s %s failed (correlation id %s)",
                request.method,
                request.url.path,
                answer.problem.correlation_id,
                exc_info=error,
            )
        return _response(answer)

    async def validation_error(self, request: Request, error: Exception) -> Response:
        """Answer FastAPI's request validation error as an ``InvalidInputError`` (422)."""
        invalid = invalid_input_of(cast("RequestValidationError", error))
        return _response(self._mapper.problem_for(invalid, instance=request.url.path))

    async def http_error(self, request: Request, error: Exception) -> Response:
        """Answer an ``HTTPException`` (an unknown route, a method not allowed, ...)."""
        raised = cast("HTTPException", error)
        status = raised.status_code
        headers = dict(raised.headers or {})
        if status < _FIRST_ERROR:
            return Response(status_code=status, headers=headers)
        try:
            title = HTTPStatus(status).phrase
        except ValueError:
            title = "Error"
        detail = raised.detail if raised.detail != title else None
        problem = Problem(
            title=title,
            status=status,
            detail=detail,
            instance=request.url.path,
            correlation_id=current_context().correlation_id,
        )
        headers["Content-Type"] = PROBLEM_JSON
        return Response(problem.to_json(), status_code=status, headers=headers)
