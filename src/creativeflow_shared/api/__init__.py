"""API conventions for the service edge, with no web framework imported.

- ``ApiModel``: the base of request and response bodies (camelCase in JSON, snake_case in
  Python, extra fields refused, frozen); ``PageResponse`` and ``CursorPageResponse`` wrap the
  repositories' ``Page`` and ``CursorPage``.
- RFC 9457 problem details (``application/problem+json``): ``problem_for`` answers any error
  with a ``ProblemResponse`` (status, headers and a ``Problem`` document) through one table,
  ``ProblemMapper``, whose ``ErrorMapping`` rows a service extends for its own errors; only
  an error's safe fields are rendered, and anything unexpected is a 500 that says nothing but
  the correlation id. ``error_from_problem`` reads a problem back into the library error it
  describes, for the internal HTTP clients, and never raises.
- Entity tags over versions: ``etag_for``, ``check_if_match`` (a stale tag is a
  ``ConcurrencyConflictError``, answered with 412) and ``if_none_match_hit``.

The web integrations (FastAPI) and the HTTP clients build on these; this package imports
neither a web framework nor an HTTP library. The decisions are recorded in ADR 0029.
"""

from creativeflow_shared.api._error_mapping import PROBLEM_TYPE_BASE, ErrorMapping
from creativeflow_shared.api._etags import Versioned, check_if_match, etag_for, if_none_match_hit
from creativeflow_shared.api._mapper import ProblemMapper, error_from_problem, problem_for
from creativeflow_shared.api._model import ApiModel
from creativeflow_shared.api._pages import CursorPageResponse, PageResponse
from creativeflow_shared.api._problem import PROBLEM_JSON, FieldProblem, Problem, ProblemResponse

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_TYPE_BASE",
    "ApiModel",
    "CursorPageResponse",
    "ErrorMapping",
    "FieldProblem",
    "PageResponse",
    "Problem",
    "ProblemMapper",
    "ProblemResponse",
    "Versioned",
    "check_if_match",
    "error_from_problem",
    "etag_for",
    "if_none_match_hit",
    "problem_for",
]
