"""Turning a handler's ``Result`` into its HTTP answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from fastapi import Response
from returns.result import Failure, Result

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pydantic import BaseModel

    from creativeflow_shared.domain import KernelError

__all__ = ["respond"]

T = TypeVar("T")

_JSON = "application/json"


@overload
def respond(
    result: Result[BaseModel | None, KernelError],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response: ...


@overload
def respond(
    result: Result[T, KernelError],
    *,
    convert: Callable[[T], BaseModel | None],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response: ...


def respond(
    result: Result[object, KernelError],
    *,
    convert: Callable[[Any], BaseModel | None] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Answer with the success value of ``result``, or raise its error for its problem.

    The success value (an ``ApiModel``, or what ``convert`` makes of the value) is the JSON
    body; ``None`` is an empty body (``status=204``, say). A ``Failure``'s error is raised,
    so that the handlers ``install`` registers answer it with the app's mapper (``412``
    rather than ``409`` when the request carried ``If-Match``), and so that the request's
    unit of work is rolled back.

    Args:
        result: What the handler's use case returned.
        convert: Turns the success value into its response body.
        status: The status of a success.
        headers: Headers of a success (``ETag``, ``Location``, ...).

    Raises:
        KernelError: The failure's error, answered by the installed handlers.
    """
    if isinstance(result, Failure):
        raise result.failure()
    value = result.unwrap()
    # The overloads make the value a model unless ``convert`` makes one of it.
    body = convert(value) if convert is not None else cast("BaseModel | None", value)
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(
        body.model_dump_json().encode(),
        status_code=status,
        headers=headers,
        media_type=_JSON,
    )
