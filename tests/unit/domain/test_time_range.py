"""Unit tests of UTC time ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from returns.result import Success

from creativeflow_shared.domain import TimeRange

_NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)
_PLUS_TWO = timezone(timedelta(hours=2))


def _range(start_hour: int, end_hour: int) -> TimeRange:
    return TimeRange(
        start=_NEW_YEAR + timedelta(hours=start_hour), end=_NEW_YEAR + timedelta(hours=end_hour)
    )


def test_both_ends_are_converted_to_utc() -> None:
    actual = TimeRange(
        start=datetime(2026, 1, 1, 2, tzinfo=_PLUS_TWO),
        end=datetime(2026, 1, 1, 4, tzinfo=_PLUS_TWO),
    )

    assert (actual.start, actual.end) == (_NEW_YEAR, _NEW_YEAR + timedelta(hours=2))
    assert (actual.start.tzinfo, actual.end.tzinfo) == (UTC, UTC)


def test_ranges_written_in_different_offsets_are_equal() -> None:
    in_utc = _range(0, 2)
    in_plus_two = TimeRange(
        start=datetime(2026, 1, 1, 2, tzinfo=_PLUS_TWO),
        end=datetime(2026, 1, 1, 4, tzinfo=_PLUS_TWO),
    )

    assert in_utc == in_plus_two


def test_create_reads_iso_text() -> None:
    actual = TimeRange.create(start="2026-01-01T02:00:00+02:00", end="2026-01-01T01:00:00Z")

    assert actual == Success(_range(0, 1))


@pytest.mark.parametrize("field", ["start", "end"])
def test_refuses_a_naive_end(field: str) -> None:
    data: dict[str, object] = {"start": _NEW_YEAR, "end": _NEW_YEAR + timedelta(hours=1)}
    data[field] = datetime(2026, 1, 1)  # noqa: DTZ001 (a naive datetime is the input under test)

    actual = TimeRange.create(**data).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((field,), "timezone_aware")]


def test_refuses_an_end_before_the_start() -> None:
    actual = TimeRange.create(start=_NEW_YEAR, end=_NEW_YEAR - timedelta(microseconds=1)).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "value_error")]
    assert "must not be before its start" in actual.field_errors[0].message


def test_constructing_a_backwards_range_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="must not be before its start"):
        _range(2, 1)


@pytest.mark.parametrize(
    ("field", "instant"),
    [
        ("start", datetime.min.replace(tzinfo=timezone(timedelta(hours=5)))),
        ("end", datetime.max.replace(tzinfo=timezone(timedelta(hours=-5)))),
    ],
)
def test_refuses_an_instant_that_utc_cannot_represent(field: str, instant: datetime) -> None:
    data: dict[str, object] = {"start": _NEW_YEAR, "end": _NEW_YEAR}
    data[field] = instant

    actual = TimeRange.create(**data).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((field,), "value_error")]
    assert "out of the representable range" in actual.field_errors[0].message


def test_an_empty_range_is_allowed() -> None:
    actual = _range(1, 1)

    assert actual.duration == timedelta(0)


def test_duration_is_the_time_between_start_and_end() -> None:
    assert _range(1, 25).duration == timedelta(days=1)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (_NEW_YEAR + timedelta(hours=1) - timedelta(microseconds=1), False),
        (_NEW_YEAR + timedelta(hours=1), True),
        (_NEW_YEAR + timedelta(hours=2), True),
        (_NEW_YEAR + timedelta(hours=3) - timedelta(microseconds=1), True),
        (_NEW_YEAR + timedelta(hours=3), False),
        (datetime(2026, 1, 1, 4, tzinfo=_PLUS_TWO), True),
    ],
)
def test_contains_includes_the_start_and_excludes_the_end(
    instant: datetime, expected: bool
) -> None:
    assert _range(1, 3).contains(instant) is expected


def test_an_empty_range_contains_nothing() -> None:
    assert _range(1, 1).contains(_NEW_YEAR + timedelta(hours=1)) is False


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (_range(0, 1), False),
        (_range(0, 2), True),
        (_range(2, 3), True),
        (_range(0, 10), True),
        (_range(3, 5), True),
        (_range(4, 6), False),
        (_range(5, 6), False),
        (_range(1, 1), False),
        (_range(4, 4), False),
    ],
)
def test_overlaps_when_the_ranges_share_an_instant(other: TimeRange, expected: bool) -> None:
    this = _range(1, 4)

    assert (this.overlaps(other), other.overlaps(this)) == (expected, expected)


def test_an_empty_range_overlaps_nothing() -> None:
    this, empty = _range(1, 4), _range(2, 2)

    assert (this.overlaps(empty), empty.overlaps(this)) == (False, False)
