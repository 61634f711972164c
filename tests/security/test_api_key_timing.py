"""G10: a wrong API key takes as long to refuse whether its prefix exists or not.

The two paths are timed in many small interleaved batches (so that a burst of load on the
machine hits both alike) and compared by their medians. The bound is half the cost of the work
an unknown prefix could skip (hashing the key and comparing the hash): an implementation that
answered an unknown prefix without that work would miss it by about twice the bound, as the
control case below shows, while noise moves the medians by a few per cent of a call.
"""

from __future__ import annotations

import hmac
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from returns.result import Failure, Result, Success

from creativeflow_shared.domain import UnauthorizedError
from creativeflow_shared.security import hash_api_key, issue_api_key, verify_api_key

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

_BATCHES = 301
_CALLS = 100
_ATTEMPTS = 3  # noise fails an attempt now and then; a leak fails every one


@dataclass
class Row:
    key_hash: str
    expires_at: datetime | None = None


def _per_call(action: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    for _ in range(_CALLS):
        action()
    return (time.perf_counter_ns() - started) / _CALLS


def _medians(*actions: Callable[[], object]) -> list[float]:
    """Median time per call of each action, timed in interleaved batches, order rotating."""
    samples: list[list[float]] = [[] for _ in actions]
    for batch in range(_BATCHES):
        for offset in range(len(actions)):
            index = (batch + offset) % len(actions)
            samples[index].append(_per_call(actions[index]))
    return [statistics.median(times) for times in samples]


def _leaks(verify: Callable[[str, Callable[[str], Row | None]], object]) -> bool:
    """Tell whether ``verify`` takes measurably different times for known and unknown prefixes."""
    known = issue_api_key()
    rows = {known.prefix: Row(known.key_hash)}
    key = known.key.reveal()
    wrong_secret = key[:-1] + ("a" if key[-1] != "a" else "b")
    unknown_prefix = issue_api_key().key.reveal()
    stored = known.key_hash.encode()

    def work() -> bool:  # what an unknown prefix must not skip
        return hmac.compare_digest(hash_api_key(unknown_prefix).encode(), stored)

    for _ in range(_ATTEMPTS):
        known_time, unknown_time, work_time = _medians(
            lambda: verify(wrong_secret, rows.get),
            lambda: verify(unknown_prefix, rows.get),
            work,
        )
        if abs(known_time - unknown_time) < work_time / 2:
            return False
    return True


def _skipping_verify(presented: str, lookup: Callable[[str], Row | None]) -> object:
    """A deliberately leaky verification: an unknown prefix is refused without hashing."""
    record = lookup(presented[:20])
    if record is None:
        return Failure(UnauthorizedError("The API key is not valid"))
    if not hmac.compare_digest(hash_api_key(presented).encode(), record.key_hash.encode()):
        return Failure(UnauthorizedError("The API key is not valid"))
    checked: Result[Row, UnauthorizedError] = Success(record)
    return checked


def test_a_wrong_key_takes_as_long_whether_its_prefix_exists_or_not() -> None:
    assert _leaks(verify_api_key) is False


def test_the_timing_check_catches_a_verification_that_skips_the_work() -> None:
    assert _leaks(_skipping_verify) is True
