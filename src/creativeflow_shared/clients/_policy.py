"""How long one call may take and how often it is tried: the attempts, timeouts and backoff."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["CallPolicy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallPolicy:
    """The attempts, timeouts and backoff of every call a client makes.

    A call that may be repeated (an idempotent method, or any request that carries an
    ``Idempotency-Key``) is tried again after a transient failure (a network error, a timeout,
    429, 502, 503, 504) while attempts and time are left. Between attempts it waits what the
    server asked for in ``Retry-After``, or else a fully jittered exponential backoff.

    Attributes:
        attempts: How many times a call is tried at most (at least 1).
        attempt_timeout: The longest wait, in seconds, for each step of one attempt
            (connecting, sending, each read), never longer than what is left of the call's.
        total_timeout: The budget of the whole call in seconds, waits between attempts
            included: no attempt starts, and no wait is begun, that would end after it.
        first_delay: The longest backoff before the second attempt, in seconds; it doubles
            for each attempt after, up to ``max_delay``; each wait is drawn between 0 and it.
        max_delay: The longest backoff between two attempts, in seconds (a ``Retry-After``
            is honoured even when longer, as long as the budget allows it).

    Raises:
        ValueError: If ``attempts`` is below 1, a timeout is not positive, or a delay is
            negative (or any of them is not finite).

    Examples:
        >>> CallPolicy(attempts=1).attempts
        1
        >>> CallPolicy(total_timeout=0)
        Traceback (most recent call last):
        ...
        ValueError: attempts must be at least 1, timeouts positive and delays not negative
    """

    attempts: int = 3
    attempt_timeout: float = 5.0
    total_timeout: float = 15.0
    first_delay: float = 0.1
    max_delay: float = 2.0

    def __post_init__(self) -> None:
        """Refuse a policy that could not end, or could not start."""
        numbers = (self.attempt_timeout, self.total_timeout, self.first_delay, self.max_delay)
        if (
            self.attempts < 1
            or not all(math.isfinite(n) for n in numbers)
            or min(self.attempt_timeout, self.total_timeout) <= 0
            or min(self.first_delay, self.max_delay) < 0
        ):
            msg = "attempts must be at least 1, timeouts positive and delays not negative"
            raise ValueError(msg)

    def backoff(self, retry: int) -> float:
        """Return a jittered wait before retry number ``retry`` (1 for the second attempt).

        Examples:
            >>> 0 <= CallPolicy(first_delay=0.1).backoff(3) <= 0.4
            True
        """
        ceiling = min(self.max_delay, self.first_delay * 2.0 ** min(retry - 1, 64))
        return random.uniform(0, ceiling)  # noqa: S311 (jitter, not a secret)
