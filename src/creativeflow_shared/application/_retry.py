"""Run a unit of work's operation again when it lost a race or the database was unavailable.

A commit that fails with ``ConcurrencyConflictError`` lost a race: someone saved first, and
reading again and redoing the work may succeed. An ``UnavailableError`` (a deadlock, a
serialization failure, a lost connection) is transient by definition. ``retry`` and
``retry_async`` run an operation again on those two, a bounded number of times, waiting an
exponentially growing, jittered delay between attempts; anything else is returned (or raised)
at once. The operation must open its own unit of work: a retry needs a fresh read.

The policy (which outcomes to retry, how long to wait) is written once; the two functions only
call or await.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, TypeVar

from returns.result import Failure, Result

from creativeflow_shared.domain import ConcurrencyConflictError, UnavailableError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["retry", "retry_async"]

T = TypeVar("T")
E = TypeVar("E")


def retry(
    operation: Callable[[], Result[T, E]],
    *,
    attempts: int = 3,
    first_delay: float = 0.05,
    max_delay: float = 1.0,
) -> Result[T, E]:
    """Run ``operation`` until it does not lose a race, ``attempts`` times at most.

    Args:
        operation: Opens its own unit of work, does the work, commits, returns the ``Result``.
        attempts: How many times to run it at most (at least 1).
        first_delay: The longest wait before the second attempt, in seconds; it doubles for
            each attempt after, up to ``max_delay`` (each wait is drawn between 0 and it).
        max_delay: The longest wait between two attempts, in seconds.

    Returns:
        The first outcome that is not a conflict or a transient failure, or the last one.

    Raises:
        UnavailableError: If the last attempt raised it (earlier ones are retried).
        ValueError: If ``attempts`` is below 1 or a delay is negative.

    Examples:
        >>> from returns.result import Success
        >>> outcomes = iter([Failure(ConcurrencyConflictError("Job", "j-1")), Success("done")])
        >>> retry(lambda: next(outcomes), first_delay=0)
        <Success: done>
    """
    schedule = _Schedule(attempts, first_delay, max_delay)
    outcome = _outcome(operation)
    while (wait := schedule.wait_after(outcome)) is not None:
        time.sleep(wait)
        outcome = _outcome(operation)
    return _final(outcome)


async def retry_async(
    operation: Callable[[], Awaitable[Result[T, E]]],
    *,
    attempts: int = 3,
    first_delay: float = 0.05,
    max_delay: float = 1.0,
) -> Result[T, E]:
    """Await ``operation`` until it does not lose a race (see ``retry``).

    Returns:
        The first outcome that is not a conflict or a transient failure, or the last one.

    Raises:
        UnavailableError: If the last attempt raised it.
        ValueError: If ``attempts`` is below 1 or a delay is negative.
    """
    schedule = _Schedule(attempts, first_delay, max_delay)
    outcome = await _awaited_outcome(operation)
    while (wait := schedule.wait_after(outcome)) is not None:
        await asyncio.sleep(wait)
        outcome = await _awaited_outcome(operation)
    return _final(outcome)


def _outcome(operation: Callable[[], Result[T, E]]) -> Result[T, E] | UnavailableError:
    try:
        return operation()
    except UnavailableError as error:
        return error


async def _awaited_outcome(
    operation: Callable[[], Awaitable[Result[T, E]]],
) -> Result[T, E] | UnavailableError:
    try:
        return await operation()
    except UnavailableError as error:
        return error


def _final(outcome: Result[T, E] | UnavailableError) -> Result[T, E]:
    """Return the last outcome, or raise the ``UnavailableError`` the last attempt raised."""
    if isinstance(outcome, UnavailableError):
        raise outcome
    return outcome


class _Schedule:
    """When to try again: after a conflict or a transient failure, while attempts are left."""

    __slots__ = ("_ceiling", "_left", "_max_delay")

    def __init__(self, attempts: int, first_delay: float, max_delay: float) -> None:
        if attempts < 1 or first_delay < 0 or max_delay < 0:
            msg = "attempts must be at least 1, and the delays not negative"
            raise ValueError(msg)
        self._left = attempts - 1
        self._ceiling = first_delay
        self._max_delay = max_delay

    def wait_after(self, outcome: Result[object, object] | UnavailableError) -> float | None:
        """Return how long to wait before the next attempt, or ``None`` to stop here."""
        if self._left == 0 or not _worth_another_attempt(outcome):
            return None
        self._left -= 1
        wait = random.uniform(0, min(self._ceiling, self._max_delay))  # noqa: S311 (jitter)
        self._ceiling *= 2
        return wait


def _worth_another_attempt(outcome: Result[object, object] | UnavailableError) -> bool:
    """A conflict or a transient failure, returned or raised."""
    if isinstance(outcome, UnavailableError):
        return True
    if not isinstance(outcome, Failure):
        return False
    error: object = outcome.failure()
    return isinstance(error, ConcurrencyConflictError | UnavailableError)
