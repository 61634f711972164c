"""Reading an answer into a ``Result``: the body into its model, a problem into its error.

Nothing here raises for anything a server (or the network) can do: every status, header and
body reads into a ``Success`` or a ``Failure`` of the library's error types (G8).
"""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import TypeAdapter, ValidationError
from returns.result import Failure, Result, Success

from creativeflow_shared.api import PROBLEM_JSON, error_from_problem
from creativeflow_shared.domain import InvalidInputError, KernelError, UnavailableError, utc_now

if TYPE_CHECKING:
    import httpx

__all__ = ["read_answer", "retry_after_of", "unreachable"]

M = TypeVar("M")

#: Whole seconds, as RFC 9110 writes them (ten digits are three centuries: enough).
_SECONDS = re.compile(r"[0-9]{1,10}")
#: The media types whose error bodies are read as problem details.
_PROBLEM_TYPES = frozenset({PROBLEM_JSON, "application/json"})
_SUCCESS = range(200, 300)
#: The validators of the models answers are read into, one per type.
_ADAPTERS: dict[object, TypeAdapter[Any]] = {}
_ERROR = range(400, 600)


def read_answer(
    response: httpx.Response, model: type[M] | None, *, service: str
) -> Result[M, KernelError]:
    """Read ``response`` into its model (a 2xx) or into the error it describes.

    Args:
        response: A response whose body has been read.
        model: The type of a successful body, or ``None`` to succeed with ``None``.
        service: The name of the service that answered, for the errors.

    Returns:
        ``Success`` with the body validated into ``model``; or ``Failure`` with
        ``InvalidInputError`` (a 2xx body that is not a valid ``model``), the error a problem
        details document describes (``UnavailableError`` for 429, 502, 503 and 504, with the
        ``Retry-After`` header's seconds), or a plain ``KernelError`` that quotes nothing of a
        body that is not problem details, nor of an unexpected status.
    """
    status = response.status_code
    if status in _SUCCESS:
        return _body(response.content, model, service)
    if status not in _ERROR:
        return Failure(
            KernelError(
                f"{service} answered with the unexpected status {status}",
                details={"status": status},
            )
        )
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type in _PROBLEM_TYPES:
        error = error_from_problem(response.content, status=status, service=service)
    else:
        # A proxy's HTML page says nothing the caller may rely on: only its status is read.
        error = error_from_problem(b"{}", status=status, service=service)
        if not error.transient:
            error = KernelError(
                f"{service} answered {status} without problem details", details={"status": status}
            )
    header = retry_after_of(response.headers.get("retry-after"))
    if isinstance(error, UnavailableError) and header is not None:
        error = UnavailableError(service, retry_after=header)
    return Failure(error)


def unreachable(service: str, cause: Exception) -> Failure[UnavailableError]:
    """Return the failure of a call that got no answer: a network error or a timeout.

    The cause stays on the error (``__cause__``) for logs; it is never rendered.
    """
    error = UnavailableError(service)
    error.__cause__ = cause
    return Failure(error)


def retry_after_of(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks to wait, or ``None`` if unreadable.

    Examples:
        >>> retry_after_of("3"), retry_after_of("soon"), retry_after_of(None)
        (3.0, None, None)
        >>> retry_after_of("Wed, 21 Oct 2015 07:28:00 GMT")  # a date gone by: no wait
        0.0
    """
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": a time in UTC whose zone the sender did not know
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utc_now()).total_seconds())


def _body(content: bytes, model: type[M] | None, service: str) -> Result[M, KernelError]:
    if model is None:
        return Success(cast("M", None))
    try:
        return Success(_adapter(model).validate_json(content))
    except ValidationError as exc:
        errors = InvalidInputError.from_validation_error(exc).field_errors
        return Failure(
            InvalidInputError(errors, f"{service} answered with a body that is not valid")
        )


def _adapter(model: type[M]) -> TypeAdapter[M]:
    """The validator of ``model``, built once per type (building one costs a schema)."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        # Two threads may both build one: the same validator, and the last one is kept.
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return cast("TypeAdapter[M]", adapter)
