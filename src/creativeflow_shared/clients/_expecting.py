"""Narrowing a call's failure to the errors a service's method declares."""

from __future__ import annotations

from typing import TypeVar, overload

from returns.result import Failure, Result

from creativeflow_shared.domain import KernelError, UnavailableError

__all__ = ["expecting"]

T = TypeVar("T")
E1 = TypeVar("E1", bound=KernelError)
E2 = TypeVar("E2", bound=KernelError)
E3 = TypeVar("E3", bound=KernelError)


@overload
def expecting(
    result: Result[T, KernelError], kind: type[E1], /
) -> Result[T, E1 | UnavailableError]: ...
@overload
def expecting(
    result: Result[T, KernelError], kind: type[E1], other: type[E2], /
) -> Result[T, E1 | E2 | UnavailableError]: ...
@overload
def expecting(
    result: Result[T, KernelError], kind: type[E1], other: type[E2], third: type[E3], /
) -> Result[T, E1 | E2 | E3 | UnavailableError]: ...
def expecting(result: Result[T, KernelError], *kinds: type[KernelError]) -> Result[T, KernelError]:
    """Keep the failures a method expects (and ``UnavailableError``); raise any other.

    A service's method declares what its callers handle, e.g.
    ``Result[Job, NotFoundError | UnavailableError]``. Another failure (a 403, a 500, a body
    that is not a valid model) means the two services disagree, or the other one is broken:
    a fault, which is raised for the service edge to log and answer with a 500.

    Args:
        result: What a client's ``send`` returned.
        kinds: The error types (one to three) the method hands back as values; subclasses
            are kept too. ``UnavailableError`` is always kept: it is transient.

    Returns:
        ``result`` itself, with its failure narrowed to ``kinds`` or ``UnavailableError``.

    Raises:
        KernelError: The failure, if it is none of those.

    Examples:
        >>> from returns.result import Success
        >>> from creativeflow_shared.domain import ForbiddenError, NotFoundError
        >>> expecting(Failure(NotFoundError("Job", "j-1")), NotFoundError)
        <Failure: Job 'j-1' was not found>
        >>> expecting(Success("job"), NotFoundError)
        <Success: job>
        >>> expecting(Failure(ForbiddenError()), NotFoundError)
        Traceback (most recent call last):
        ...
        creativeflow_shared.domain._errors.ForbiddenError: This action is not allowed
    """
    if isinstance(result, Failure):
        error = result.failure()
        if not isinstance(error, (*kinds, UnavailableError)):
            raise error
    return result
