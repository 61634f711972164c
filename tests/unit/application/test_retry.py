"""``retry``: a unit of work's operation runs again after a lost race, with a bound and backoff."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from returns.result import Failure, Result, Success

from creativeflow_shared.application import retry, retry_async
from creativeflow_shared.domain import (
    ConcurrencyConflictError,
    KernelError,
    NotFoundError,
    UnavailableError,
)

_CONFLICT: Result[str, KernelError] = Failure(ConcurrencyConflictError("Job", "j-1"))
_UNAVAILABLE: Result[str, KernelError] = Failure(UnavailableError("database"))
_DONE: Result[str, KernelError] = Success("done")


class Operation:
    """Answers with the given outcomes in turn (an exception is raised), counting the calls."""

    def __init__(self, *outcomes: Result[str, KernelError] | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> Result[str, KernelError]:
        outcome = self.outcomes[self.calls]
        self.calls += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def awaited(self) -> Result[str, KernelError]:
        return self()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts (recorded instead of slept), sync and async."""
    recorded: list[float] = []
    # Only this thread's waits: a server another test left running in a thread of its own
    # (an event loop that sleeps between polls) keeps its real sleeps.
    this_thread = threading.get_ident()
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def sleep(seconds: float) -> None:
        if threading.get_ident() != this_thread:
            real_sleep(seconds)
            return
        recorded.append(seconds)

    async def no_sleep(seconds: float) -> None:
        if threading.get_ident() != this_thread:
            await real_async_sleep(seconds)
            return
        recorded.append(seconds)

    monkeypatch.setattr("time.sleep", sleep)
    monkeypatch.setattr("asyncio.sleep", no_sleep)
    return recorded


def _both(operation: Operation) -> list[Result[str, KernelError]]:
    """Run the same outcomes through ``retry`` and ``retry_async`` (a fresh copy each)."""
    second = Operation(*operation.outcomes)
    synchronous = retry(operation, first_delay=0)
    awaited = asyncio.run(retry_async(second.awaited, first_delay=0))
    assert second.calls == operation.calls
    return [synchronous, awaited]


@pytest.mark.usefixtures("waits")
@pytest.mark.parametrize(
    ("outcomes", "expected", "calls"),
    [
        ((_CONFLICT, _DONE), _DONE, 2),
        ((_UNAVAILABLE, _UNAVAILABLE, _DONE), _DONE, 3),
        ((UnavailableError("database"), _DONE), _DONE, 2),
        ((_CONFLICT, _CONFLICT, _CONFLICT), _CONFLICT, 3),
        ((Failure(NotFoundError("Job", "j-1")), _DONE), Failure(NotFoundError("Job", "j-1")), 1),
        ((_DONE, _CONFLICT), _DONE, 1),
    ],
    ids=[
        "a conflict, then done",
        "unavailable twice, then done",
        "unavailable raised, then done",
        "three conflicts: the last is returned",
        "not found is not retried",
        "done at once",
    ],
)
def test_an_operation_runs_again_only_after_a_conflict_or_a_transient_failure(
    outcomes: tuple[Result[str, KernelError] | Exception, ...],
    expected: Result[str, KernelError],
    calls: int,
) -> None:
    operation = Operation(*outcomes)

    results = _both(operation)

    assert (results, operation.calls) == ([expected, expected], calls)


def test_the_last_attempts_unavailability_is_raised(waits: list[float]) -> None:
    down = UnavailableError("database")
    operation = Operation(down, down, down)

    with pytest.raises(UnavailableError):
        retry(operation, attempts=3, first_delay=0)
    with pytest.raises(UnavailableError):
        asyncio.run(retry_async(Operation(down, down, down).awaited, attempts=3, first_delay=0))

    assert (operation.calls, len(waits)) == (3, 4)


def test_the_waits_grow_exponentially_up_to_the_largest(waits: list[float]) -> None:
    operation = Operation(*[_CONFLICT] * 6)

    retry(operation, attempts=6, first_delay=0.1, max_delay=0.3)

    bounds = [0.1, 0.2, 0.3, 0.3, 0.3]
    assert len(waits) == len(bounds)
    assert all(0 <= wait <= bound for wait, bound in zip(waits, bounds, strict=True))


def test_one_attempt_means_no_retry(waits: list[float]) -> None:
    operation = Operation(_CONFLICT, _DONE)

    assert retry(operation, attempts=1) == _CONFLICT
    assert (operation.calls, waits) == (1, [])


@pytest.mark.parametrize(
    ("attempts", "first_delay", "max_delay"),
    [(0, 0.05, 1.0), (3, -1.0, 1.0), (3, 0.05, -1.0)],
    ids=["no attempt", "a negative first delay", "a negative largest delay"],
)
def test_a_schedule_that_cannot_be_kept_is_refused(
    attempts: int, first_delay: float, max_delay: float
) -> None:
    operation = Operation(_DONE)

    with pytest.raises(ValueError, match="attempts must be at least 1"):
        retry(operation, attempts=attempts, first_delay=first_delay, max_delay=max_delay)

    assert operation.calls == 0
