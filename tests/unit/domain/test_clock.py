"""Unit tests of the injectable clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from typing_extensions import override

from creativeflow_shared.domain import (
    Clock,
    FixedClock,
    SystemClock,
    current_clock,
    use_clock,
    utc_now,
)

_NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


class _NoOffset(tzinfo):
    """A timezone that does not know its offset: a datetime using it is effectively naive."""

    @override
    def utcoffset(self, dt: datetime | None, /) -> timedelta | None:
        return None

    @override
    def dst(self, dt: datetime | None, /) -> timedelta | None:
        return None

    @override
    def tzname(self, dt: datetime | None, /) -> str | None:
        return None


def test_system_clock_tells_the_current_time_in_utc() -> None:
    before = datetime.now(UTC)

    actual = SystemClock().now()

    after = datetime.now(UTC)
    assert actual.tzinfo is UTC
    assert before <= actual <= after


def test_system_clock_has_a_readable_repr() -> None:
    assert repr(SystemClock()) == "SystemClock()"


def test_fixed_clock_stands_still() -> None:
    clock = FixedClock(_NEW_YEAR)

    actual = (clock.now(), clock.now())

    assert actual == (_NEW_YEAR, _NEW_YEAR)


def test_fixed_clock_expresses_its_time_in_utc() -> None:
    paris_winter = timezone(timedelta(hours=1))

    actual = FixedClock(datetime(2026, 1, 1, 1, 0, tzinfo=paris_winter)).now()

    assert actual == _NEW_YEAR
    assert actual.tzinfo is UTC


def test_fixed_clock_refuses_a_naive_datetime() -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 (a naive datetime is the input under test)

    with pytest.raises(ValueError, match="needs a timezone-aware datetime"):
        FixedClock(naive)


def test_fixed_clock_refuses_a_timezone_without_an_offset() -> None:
    unknown_offset = datetime(2026, 1, 1, tzinfo=_NoOffset())

    with pytest.raises(ValueError, match="needs a timezone-aware datetime"):
        FixedClock(unknown_offset)


def test_fixed_clock_moves_forward_when_advanced() -> None:
    clock = FixedClock(_NEW_YEAR)

    clock.advance(timedelta(minutes=5))
    clock.advance(timedelta(seconds=30))

    assert clock.now() == datetime(2026, 1, 1, 0, 5, 30, tzinfo=UTC)


def test_fixed_clock_has_a_readable_repr() -> None:
    assert repr(FixedClock(_NEW_YEAR)) == "FixedClock(2026-01-01T00:00:00+00:00)"


def test_both_clocks_satisfy_the_clock_protocol() -> None:
    clocks: list[Clock] = [SystemClock(), FixedClock(_NEW_YEAR)]

    actual = [clock.now().utcoffset() for clock in clocks]

    assert actual == [timedelta(0), timedelta(0)]


def test_the_system_clock_is_current_by_default() -> None:
    actual = current_clock()

    assert isinstance(actual, SystemClock)


def test_use_clock_makes_the_clock_current_inside_the_block() -> None:
    fixed = FixedClock(_NEW_YEAR)

    with use_clock(fixed) as given:
        inside = (current_clock(), utc_now())

    assert given is fixed
    assert inside == (fixed, _NEW_YEAR)
    assert isinstance(current_clock(), SystemClock)


def test_use_clock_restores_the_previous_clock_when_nested() -> None:
    outer, inner = FixedClock(_NEW_YEAR), FixedClock(_NEW_YEAR + timedelta(days=1))

    with use_clock(outer):
        with use_clock(inner):
            inside_inner = utc_now()
        back_in_outer = utc_now()

    assert (inside_inner, back_in_outer) == (_NEW_YEAR + timedelta(days=1), _NEW_YEAR)


def test_use_clock_restores_the_previous_clock_when_the_block_raises() -> None:
    fixed = FixedClock(_NEW_YEAR)

    with pytest.raises(RuntimeError, match="boom"), use_clock(fixed):
        raise RuntimeError("boom")

    assert isinstance(current_clock(), SystemClock)


def test_utc_now_reads_the_system_clock_by_default() -> None:
    before = datetime.now(UTC)

    actual = utc_now()

    assert before <= actual <= datetime.now(UTC)


def test_a_clock_in_use_does_not_leak_into_another_thread() -> None:
    seen: list[Clock] = []

    with use_clock(FixedClock(_NEW_YEAR)):
        thread = threading.Thread(target=lambda: seen.append(current_clock()))
        thread.start()
        thread.join()

    assert len(seen) == 1
    assert isinstance(seen[0], SystemClock)
