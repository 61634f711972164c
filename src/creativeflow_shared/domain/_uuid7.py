"""Time-ordered UUIDv7 generation (RFC 9562) for identities and event ids."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

__all__ = ["uuid7"]

_RANDOM_BITS = 74
_RANDOM_MASK = (1 << _RANDOM_BITS) - 1
# Fresh milliseconds start in the lower half of the random space so that increments within the
# same millisecond have room before they overflow into the next millisecond.
_FRESH_MASK = _RANDOM_MASK >> 1
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)


class _Generator:
    """Monotonic UUIDv7 state for one process: strictly increasing even within a millisecond."""

    __slots__ = ("_last_ms", "_lock", "_tail")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._tail = 0

    def next(self, now_ns: int) -> UUID:
        """Return the next UUIDv7 for a wall-clock time given in nanoseconds."""
        ms = now_ns // 1_000_000
        entropy = int.from_bytes(os.urandom(10))
        with self._lock:
            if ms > self._last_ms:
                tail = entropy & _FRESH_MASK
            else:
                # Same millisecond, or the clock stepped back: stay on the last timestamp and
                # step forward by a random amount so ids keep increasing and stay unguessable.
                ms = self._last_ms
                tail = self._tail + 1 + (entropy >> 48)
                if tail > _RANDOM_MASK:
                    ms += 1
                    tail = entropy & _FRESH_MASK
            self._last_ms, self._tail = ms, tail
        rand_a, rand_b = tail >> 62, tail & ((1 << 62) - 1)
        return UUID(int=(ms << 80) | (rand_a << 64) | rand_b | _VERSION_AND_VARIANT)


_generator = _Generator()


def uuid7() -> UUID:
    """Return a new UUIDv7: time-ordered, strictly increasing within this process.

    Returns:
        A version-7 UUID whose first 48 bits are the Unix time in milliseconds.

    Examples:
        >>> first, second = uuid7(), uuid7()
        >>> first.version, first < second
        (7, True)
    """
    return _generator.next(time.time_ns())
