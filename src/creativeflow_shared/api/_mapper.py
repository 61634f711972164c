"""The one mapping table from errors to problem details, and back."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar, cast

from creativeflow_shared.api._library import EXTRA_STATUSES, UNEXPECTED_DETAIL, library_rows
from creativeflow_shared.api._problem import PROBLEM_JSON, Problem, ProblemResponse
from creativeflow_shared.api._reading import read_problem
from creativeflow_shared.application import RequestContext, current_context
from creativeflow_shared.domain import ConcurrencyConflictError, KernelError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pydantic import JsonValue

    from creativeflow_shared.api._error_mapping import ErrorMapping

__all__ = ["ProblemMapper", "error_from_problem", "problem_for"]

E = TypeVar("E", bound=KernelError)

_UNAUTHORIZED = 401
_PRECONDITION_FAILED = 412


@dataclass(frozen=True, slots=True)
class _Row:
    """A class's mapping with every inherited part filled in."""

    status: int
    type: str
    title: str
    detail: Callable[[KernelError], str]
    members: tuple[Callable[[KernelError], Mapping[str, JsonValue]], ...]
    restore: Callable[[Problem, str], KernelError | None] | None
    #: Whether a row below the root maps the class: the root's errors are unexpected.
    expected: bool


class ProblemMapper:
    """Turns any error into problem details through one table, and problem details back.

    The table maps error classes to ``ErrorMapping`` rows, resolved along each error's MRO:
    a service's subclass of a library error is rendered as its parent unless the service
    extends the table with a row of its own. Anything that is not a mapped library error
    (the root ``KernelError``, or any other exception) becomes a 500 that says nothing but
    the correlation id.

    Examples:
        >>> from creativeflow_shared.domain import NotFoundError
        >>> response = ProblemMapper().problem_for(NotFoundError("Job", "j-1"))
        >>> response.status, response.problem.detail
        (404, "Job 'j-1' was not found")
    """

    __slots__ = ("_by_code", "_by_status", "_by_type", "_challenge", "_resolved", "_rows")

    def __init__(self, *, challenge: str = "Bearer") -> None:
        """Start from the library's table.

        Args:
            challenge: The ``WWW-Authenticate`` challenge a 401 carries (RFC 9110 requires
                one), for example ``'Bearer realm="api"'``.
        """
        self._challenge = challenge
        self._rows = library_rows()
        self._index()

    def _index(self) -> None:
        self._resolved: dict[type[KernelError], _Row] = {}
        self._by_code = {error_type.code: error_type for error_type in self._rows}
        self._by_type: dict[str, type[KernelError]] = {}
        self._by_status: dict[int, type[KernelError]] = dict(EXTRA_STATUSES)
        for error_type, row in self._rows.items():
            if row.type is not None:
                self._by_type.setdefault(row.type, error_type)
            if row.status is not None:
                self._by_status.setdefault(row.status, error_type)

    def extend(self, error_type: type[E], mapping: ErrorMapping[E]) -> ProblemMapper:
        """Return a mapper whose table also maps ``error_type`` (replacing a row it had).

        The mapper itself is left as it is: build the service's mapper once, at start-up.
        """
        extended = ProblemMapper.__new__(ProblemMapper)
        extended._challenge = self._challenge  # noqa: SLF001 (a mapper of the same class)
        rows = dict(self._rows)
        rows[error_type] = cast("ErrorMapping[KernelError]", mapping)
        extended._rows = rows  # noqa: SLF001 (idem)
        extended._index()  # noqa: SLF001 (idem)
        return extended

    def _row(self, error_type: type[KernelError]) -> _Row:
        if (cached := self._resolved.get(error_type)) is not None:
            return cached
        mapped = [self._rows[c] for c in error_type.__mro__ if c in self._rows]
        # The root row maps every part, so each ``next`` finds one.
        row = _Row(
            status=next(m.status for m in mapped if m.status is not None),
            type=next(m.type for m in mapped if m.type is not None),
            title=next(m.title for m in mapped if m.title is not None),
            detail=next(m.detail for m in mapped if m.detail is not None),
            members=tuple(m.members for m in reversed(mapped) if m.members is not None),
            restore=next((m.restore for m in mapped if m.restore is not None), None),
            expected=len(mapped) > 1,
        )
        self._resolved[error_type] = row
        return row

    def problem_for(
        self,
        error: BaseException,
        *,
        if_match_sent: bool = False,
        context: RequestContext | None = None,
        instance: str | None = None,
    ) -> ProblemResponse:
        """Return the status, headers and problem document that answer ``error``.

        Only the error's safe fields are rendered: never its cause, its traceback, the
        message of an error the table does not map, nor its free-form ``details``.

        Args:
            error: The error to answer, a library error or any other exception.
            if_match_sent: Whether the request carried ``If-Match``: a concurrency conflict
                is then a failed precondition (412) rather than a conflict (409).
            context: The request's context, for its correlation id; the current one if
                ``None``.
            instance: A URI reference for this occurrence (the request's path, say).
        """
        correlation_id = (context or current_context()).correlation_id
        row = self._row(type(error) if isinstance(error, KernelError) else KernelError)
        values: dict[str, JsonValue] = {}
        # The rows' members first: the standard members and the library's own win over them.
        if isinstance(error, KernelError) and row.expected:
            for members in row.members:
                values |= members(error)
            values |= {"detail": row.detail(error), "code": error.code}
        else:
            values["detail"] = UNEXPECTED_DETAIL
        status = row.status
        if if_match_sent and isinstance(error, ConcurrencyConflictError):
            status = _PRECONDITION_FAILED
        values |= {
            "type": row.type,
            "title": row.title,
            "status": status,
            "instance": instance,
            "correlationId": correlation_id,
        }
        problem = Problem.model_validate(_printable(values))
        headers = {"Content-Type": PROBLEM_JSON}
        if status == _UNAUTHORIZED:
            headers["WWW-Authenticate"] = self._challenge
        if problem.retry_after is not None:
            headers["Retry-After"] = str(problem.retry_after)
        return ProblemResponse(status, MappingProxyType(headers), problem)

    def error_from_problem(
        self, data: object, *, status: int | None = None, service: str = "remote service"
    ) -> KernelError:
        """Return the library error a problem details document describes; it never raises.

        The document's ``code`` is looked up first, then its ``type``, then the status (the
        response's ``status`` if given, else the document's). A service's own rule that this
        table does not map arrives as a ``BusinessRuleViolationError`` whose ``details`` hold
        its ``code``. What cannot be read (not JSON, an unknown type, a 5xx) is a plain
        ``KernelError``, which the service edge renders as a 500 in its turn.

        Args:
            data: The response body (bytes or text) or its parsed JSON.
            status: The response's HTTP status, which wins over the document's own.
            service: The name of the service that answered, for ``UnavailableError``.
        """
        problem = read_problem(data)
        status = status if status is not None else problem.status
        candidates = (
            self._by_code.get(problem.code or ""),
            self._by_type.get(problem.type) if problem.type != "about:blank" else None,
            self._by_status.get(status) if status is not None else None,
        )
        for error_type in candidates:
            restore = None if error_type is None else self._row(error_type).restore
            if restore is not None and (error := restore(problem, service)) is not None:
                return error
        return KernelError(
            f"{service} answered with a problem this service does not know",
            details={"status": status, "type": problem.type},
        )


def _printable(value: JsonValue) -> JsonValue:
    """Return ``value`` with every lone surrogate replaced: JSON text holds none."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if isinstance(value, dict):
        return {_text(key): _printable(item) for key, item in value.items()}
    return value


def _text(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8")


_LIBRARY = ProblemMapper()


def problem_for(
    error: BaseException,
    *,
    if_match_sent: bool = False,
    context: RequestContext | None = None,
    instance: str | None = None,
) -> ProblemResponse:
    """Answer ``error`` through the library's table (see ``ProblemMapper.problem_for``).

    Examples:
        >>> from creativeflow_shared.domain import UnauthorizedError
        >>> response = problem_for(UnauthorizedError())
        >>> response.status, response.headers["WWW-Authenticate"]
        (401, 'Bearer')
    """
    return _LIBRARY.problem_for(
        error, if_match_sent=if_match_sent, context=context, instance=instance
    )


def error_from_problem(
    data: object, *, status: int | None = None, service: str = "remote service"
) -> KernelError:
    """Read a problem back through the library's table (see ``ProblemMapper.error_from_problem``).

    Examples:
        >>> error_from_problem(b'{"type": "about:blank", "status": 403}')
        ForbiddenError(code='forbidden', message='This action is not allowed')
    """
    return _LIBRARY.error_from_problem(data, status=status, service=service)
