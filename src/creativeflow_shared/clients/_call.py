"""What one call asks for: the method, the path, the body, and the model of the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from creativeflow_shared.api import PROBLEM_JSON
from creativeflow_shared.application import current_trace
from creativeflow_shared.idempotency import IDEMPOTENCY_KEY_HEADER

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic import BaseModel

    from creativeflow_shared.application import RequestContext

__all__ = [
    "CORRELATION_ID_HEADER",
    "TENANT_ID_HEADER",
    "ServiceCall",
    "call",
    "context_headers",
]

#: The header that carries the request context's correlation id (the FastAPI edge reads it).
CORRELATION_ID_HEADER = "X-Correlation-ID"
#: The header that carries the request context's tenant to another service of the platform.
TENANT_ID_HEADER = "X-Tenant-ID"

M = TypeVar("M")

#: Methods that RFC 9110 defines as idempotent: repeating one has the effect of doing it once.
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_ACCEPT = f"application/json, {PROBLEM_JSON}"
_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceCall(Generic[M]):
    """One request to another service and the model its successful answer is read into.

    Build it with ``call``; a client's ``send`` runs it. ``model`` is ``None`` when the
    answer has no body worth reading (``204 No Content``, say): the call then succeeds
    with ``None``.

    Attributes:
        method: The HTTP method, upper case.
        path: The path (and query) relative to the client's base URL.
        model: The type a 2xx answer's body is validated into (a pydantic model, or any
            type pydantic reads, such as ``list[Job]``), or ``None``.
        body: The request's body, sent as JSON (by alias), or ``None``.
        params: Query parameters added to the path's.
        headers: Headers of this call; they win over the client's and the context's.
        idempotency_key: Sent as ``Idempotency-Key``; it makes an unsafe call retryable.
    """

    method: str
    path: str
    model: type[M] | None = None
    body: BaseModel | None = None
    params: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    idempotency_key: str | None = None

    @property
    def repeatable(self) -> bool:
        """Whether sending it twice does what sending it once does, so it may be retried.

        Examples:
            >>> call("GET", "/jobs/1").repeatable, call("POST", "/jobs").repeatable
            (True, False)
            >>> call("POST", "/jobs", idempotency_key="k-1").repeatable
            True
        """
        if self.method in _IDEMPOTENT or self.idempotency_key is not None:
            return True
        return any(name.lower() == IDEMPOTENCY_KEY_HEADER.lower() for name in self.headers)

    def request_headers(self, context: RequestContext) -> dict[str, str]:
        """Return the headers to send: the context's, ``Accept``, the key, then this call's."""
        headers = {"Accept": _ACCEPT, **context_headers(context)}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        if self.idempotency_key is not None:
            headers[IDEMPOTENCY_KEY_HEADER] = self.idempotency_key
        return headers | dict(self.headers)

    def content(self) -> bytes | None:
        """Return the body as JSON bytes (by alias), or ``None`` without a body."""
        return None if self.body is None else self.body.model_dump_json(by_alias=True).encode()


def context_headers(context: RequestContext) -> dict[str, str]:
    """Return the headers that carry ``context`` to the next service.

    The correlation id always travels; ``traceparent`` (with its ``tracestate``) and the
    tenant when the context has them. With OpenTelemetry, the trace is that of the span the
    caller is in (a child of the context's), when there is one. The actor does not: who acts
    is for the receiving service to establish from its own credentials.

    Examples:
        >>> from creativeflow_shared.application import RequestContext
        >>> context_headers(RequestContext(correlation_id="c-1", tenant_id="t-1"))
        {'X-Correlation-ID': 'c-1', 'X-Tenant-ID': 't-1'}
    """
    headers = {CORRELATION_ID_HEADER: context.correlation_id}
    traceparent, tracestate = current_trace()  # a span of the caller's, with OpenTelemetry
    if traceparent is None:
        traceparent, tracestate = context.traceparent, context.tracestate
    if traceparent is not None:
        headers["traceparent"] = traceparent
        if tracestate is not None:
            headers["tracestate"] = tracestate
    if context.tenant_id is not None:
        headers[TENANT_ID_HEADER] = context.tenant_id
    return headers


@overload
def call(
    method: str,
    path: str,
    model: None = None,
    *,
    body: BaseModel | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    idempotency_key: str | None = None,
) -> ServiceCall[None]: ...
@overload
def call(
    method: str,
    path: str,
    model: type[M],
    *,
    body: BaseModel | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    idempotency_key: str | None = None,
) -> ServiceCall[M]: ...
def call(  # noqa: PLR0913 (a request has this many parts; all but three are keywords)
    method: str,
    path: str,
    model: type[M] | None = None,
    *,
    body: BaseModel | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    idempotency_key: str | None = None,
) -> ServiceCall[M] | ServiceCall[None]:
    """Describe a call: ``method`` on ``path``, its answer read into ``model``.

    Args:
        method: The HTTP method (any case).
        path: The path relative to the client's base URL.
        model: The type of a successful answer's body (a pydantic model, ``list[Job]``, any
            type pydantic reads); ``None`` to ignore the body.
        body: A pydantic model sent as JSON (by alias).
        params: Query parameters.
        headers: Extra headers; they win over the client's and the request context's.
        idempotency_key: Sent as ``Idempotency-Key``: the server runs the request once
            however often it arrives, so the client may retry it.

    Returns:
        The ``ServiceCall`` that a client's ``send`` runs.

    Examples:
        >>> from pydantic import BaseModel
        >>> class Job(BaseModel):
        ...     id: str
        >>> job = call("get", "/jobs/j-1", Job)
        >>> job.method, job.path, job.model is Job
        ('GET', '/jobs/j-1', True)
    """
    return ServiceCall(
        method=method.upper(),
        path=path,
        model=model,
        body=body,
        params=MappingProxyType(dict(params or {})),
        headers=MappingProxyType(dict(headers or {})),
        idempotency_key=idempotency_key,
    )
