"""The FastAPI integration: problem details, the request context, units of work, idempotency.

- ``install(app)``: every error answered with RFC 9457 problem details through the
  service's ``ProblemMapper`` (library errors, FastAPI's request validation errors, unknown
  routes, and a 500 that says nothing but the correlation id for anything unhandled); each
  request run in a ``RequestContext`` (``X-Correlation-ID`` read or made, and echoed;
  ``traceparent`` passed on; the tenant from the service's resolver).
- ``respond(result)``: a handler's ``Result`` as its answer (a ``Failure`` raises its error,
  answered by the handlers ``install`` added); ``problem_responses()`` documents the
  problem answers in the OpenAPI description.
- ``unit_of_work_dependency`` / ``async_unit_of_work_dependency``: a unit of work per
  request, whose committed events go to the service's message bus; ``request_context``.
- ``idempotency_dependency(store)``: ``POST`` and ``PATCH`` made retryable with an
  ``Idempotency-Key`` (the stores are in ``creativeflow_shared.infrastructure.sqlalchemy``
  and ``creativeflow_shared.testing``).

It needs the ``fastapi`` extra, and never imports the persistence adapters: a service hands
it factories and stores. The decisions are recorded in ADR 0032.
"""

from creativeflow_shared.fastapi._edge import CORRELATION_ID_HEADER, TenantResolver
from creativeflow_shared.fastapi._idempotency import REPLAYED_HEADER, idempotency_dependency
from creativeflow_shared.fastapi._install import install, request_context
from creativeflow_shared.fastapi._problems import invalid_input_of, problem_responses
from creativeflow_shared.fastapi._respond import respond
from creativeflow_shared.fastapi._units_of_work import (
    async_unit_of_work_dependency,
    unit_of_work_dependency,
)

__all__ = [
    "CORRELATION_ID_HEADER",
    "REPLAYED_HEADER",
    "TenantResolver",
    "async_unit_of_work_dependency",
    "idempotency_dependency",
    "install",
    "invalid_input_of",
    "problem_responses",
    "request_context",
    "respond",
    "unit_of_work_dependency",
]
