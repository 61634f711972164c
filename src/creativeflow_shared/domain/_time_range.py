"""Spans of time in UTC."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import AfterValidator, AwareDatetime, model_validator

from creativeflow_shared.domain._validators import to_utc
from creativeflow_shared.domain._value_object import ValueObject

if TYPE_CHECKING:
    from datetime import datetime, timedelta

__all__ = ["TimeRange"]

UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]


class TimeRange(ValueObject):
    """A half-open span of time ``[start, end)`` between two instants, kept in UTC.

    Both ends must be timezone-aware; they are converted to UTC. ``end`` may equal ``start``
    (an empty range) but never precede it.

    Examples:
        >>> from datetime import UTC, datetime
        >>> day = TimeRange(
        ...     start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 2, tzinfo=UTC)
        ... )
        >>> day.duration, day.contains(datetime(2026, 1, 1, 12, tzinfo=UTC))
        (datetime.timedelta(days=1), True)
    """

    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Self:
        if self.end < self.start:
            msg = "The end of a time range must not be before its start"
            raise ValueError(msg)
        return self

    @property
    def duration(self) -> timedelta:
        """How long the range lasts."""
        return self.end - self.start

    def contains(self, instant: datetime) -> bool:
        """Whether the aware ``instant`` falls in ``[start, end)``."""
        return self.start <= instant < self.end

    @property
    def is_empty(self) -> bool:
        """Whether the range holds no instant (``start == end``)."""
        return self.start == self.end

    def overlaps(self, other: TimeRange) -> bool:
        """Whether the two ranges share at least one instant (an empty range shares none)."""
        return (
            self.start < other.end
            and other.start < self.end
            and not (self.is_empty or other.is_empty)
        )
