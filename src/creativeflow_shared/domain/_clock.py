"""The clock that stamps domain events, injectable per context for tests and replays."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, final

from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Generator
    from datetime import timedelta

__all__ = ["Clock", "FixedClock", "SystemClock", "current_clock", "use_clock", "utc_now"]


class Clock(Protocol):
    """Anything that tells the current time as a timezone-aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


@final
class SystemClock:
    """The wall clock of the machine."""

    def now(self) -> datetime:
        """Return the machine's current time in UTC."""
        return datetime.now(UTC)

    @override
    def __repr__(self) -> str:
        return "SystemClock()"


@final
class FixedClock:
    """A clock that stands still until moved: deterministic time for tests.

    Examples:
        >>> from datetime import timedelta
        >>> clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        >>> clock.advance(timedelta(minutes=5))
        >>> clock.now().isoformat()
        '2026-01-01T00:05:00+00:00'
    """

    def __init__(self, at: datetime) -> None:
        """Start the clock at ``at``, which must be timezone-aware.

        Raises:
            ValueError: If ``at`` is naive.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            msg = "FixedClock needs a timezone-aware datetime"
            raise ValueError(msg)
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """Return the time the clock stands at."""
        return self._at

    def advance(self, by: timedelta) -> None:
        """Move the clock forward by ``by``."""
        self._at += by

    @override
    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"


_SYSTEM_CLOCK = SystemClock()
_current: ContextVar[Clock] = ContextVar("creativeflow_clock", default=_SYSTEM_CLOCK)


def current_clock() -> Clock:
    """Return the clock in force for the current context (the system clock by default)."""
    return _current.get()


def utc_now() -> datetime:
    """Return the current time from the clock in force for the current context."""
    return _current.get().now()


@contextmanager
def use_clock(clock: Clock) -> Generator[Clock]:
    """Make ``clock`` the clock of the current context inside a ``with`` block.

    Examples:
        >>> fixed = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        >>> with use_clock(fixed):
        ...     utc_now().year
        2026
    """
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)
