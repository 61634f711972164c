"""Clients of the platform's other services (extra ``http``, on httpx and stamina).

A service writes one client per service it calls: a subclass of ``ServiceClient`` (over
``httpx.Client``) or ``AsyncServiceClient`` (over ``httpx.AsyncClient``) with one typed
method per endpoint, each describing its request with ``call`` and running it with ``send``.
Both flavours run one implementation, and every call returns a ``Result``:

- the body of a 2xx answer is validated into the call's model (``InvalidInputError`` if
  it is not one);
- a problem details answer is read back into the library error it describes (through the
  API conventions' table); an answer that is not problem details (a proxy's HTML page) is a
  plain ``KernelError`` that quotes none of it;
- a network error or a timeout is an ``UnavailableError`` (transient), like 429, 502, 503
  and 504;
- a repeatable call (GET, HEAD, OPTIONS, PUT, DELETE, or any call with an
  ``Idempotency-Key``) is tried again after a transient failure, with jittered exponential
  backoff or the server's ``Retry-After``, within the ``CallPolicy``'s attempts and budget;
- the current request context travels: ``X-Correlation-ID``, ``traceparent`` and
  ``tracestate``, ``X-Tenant-ID``.

``expecting`` narrows a ``Result``'s failure to what a method declares and raises the rest.
There is no circuit breaker: the service mesh keeps one per endpoint. The decisions are
recorded in ADR 0033.
"""

# First: without httpx or stamina, the error names the extra that installs them.
from creativeflow_shared.clients import _extra  # noqa: F401  # pyright: ignore[reportUnusedImport]
from creativeflow_shared.clients._call import (
    CORRELATION_ID_HEADER,
    TENANT_ID_HEADER,
    ServiceCall,
    call,
    context_headers,
)
from creativeflow_shared.clients._clients import AsyncServiceClient, ServiceClient
from creativeflow_shared.clients._expecting import expecting
from creativeflow_shared.clients._policy import CallPolicy

__all__ = [
    "CORRELATION_ID_HEADER",
    "TENANT_ID_HEADER",
    "AsyncServiceClient",
    "CallPolicy",
    "ServiceCall",
    "ServiceClient",
    "call",
    "context_headers",
    "expecting",
]
