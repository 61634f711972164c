"""Unit tests of time-ordered UUIDv7 generation."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from creativeflow_shared.domain import _uuid7, uuid7
from creativeflow_shared.domain._uuid7 import _Generator

if TYPE_CHECKING:
    import pytest

_NS_PER_MS = 1_000_000
#: 2026-01-01T00:00:00Z in milliseconds since the Unix epoch.
_START_MS = 1_767_225_600_000
_START_NS = _START_MS * _NS_PER_MS
_TAIL_BITS = 74
_TAIL_MASK = (1 << _TAIL_BITS) - 1
_FRESH_MASK = _TAIL_MASK >> 1


def _timestamp_ms(value: uuid.UUID) -> int:
    return value.int >> 80


def _tail(value: uuid.UUID) -> int:
    """Return the 74 bits after the timestamp, without the version and variant bits."""
    rand_a = (value.int >> 64) & 0xFFF
    rand_b = value.int & ((1 << 62) - 1)
    return (rand_a << 62) | rand_b


def _fix_entropy(monkeypatch: pytest.MonkeyPatch, byte: int) -> None:
    """Make the generator's entropy source return ``byte`` repeated."""

    def urandom(size: int) -> bytes:
        return bytes([byte]) * size

    # The generator reads ``os.urandom`` through its module's ``os`` at call time.
    monkeypatch.setattr(f"{_uuid7.__name__}.os.urandom", urandom)


def test_generates_version_7() -> None:
    actual = uuid7()

    assert actual.version == 7


def test_sets_the_rfc_variant_bits() -> None:
    actual = uuid7()

    assert actual.variant == uuid.RFC_4122
    assert (actual.int >> 62) & 0b11 == 0b10
    assert (actual.int >> 76) & 0xF == 0x7


def test_ids_strictly_increase_within_a_burst_of_ten_thousand() -> None:
    ids = [uuid7() for _ in range(10_000)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_embeds_the_current_unix_time_in_milliseconds() -> None:
    before_ms = time.time_ns() // _NS_PER_MS

    actual = _timestamp_ms(uuid7())

    after_ms = time.time_ns() // _NS_PER_MS
    assert before_ms <= actual <= after_ms


def test_starts_a_fresh_millisecond_in_the_lower_half_of_the_random_space(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fix_entropy(monkeypatch, 0xFF)
    generator = _Generator()

    actual = generator.next(_START_NS + 123_456)

    assert _timestamp_ms(actual) == _START_MS
    assert _tail(actual) == _FRESH_MASK


def test_steps_forward_when_called_again_within_the_same_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fix_entropy(monkeypatch, 0x00)
    generator = _Generator()
    first = generator.next(_START_NS)

    second = generator.next(_START_NS + _NS_PER_MS - 1)

    assert _timestamp_ms(second) == _START_MS
    assert (_tail(first), _tail(second)) == (0, 1)
    assert first < second


def test_steps_forward_by_a_random_amount_within_the_same_millisecond() -> None:
    generator = _Generator()
    first = generator.next(_START_NS)

    second = generator.next(_START_NS)

    # 1 + (entropy >> 48): the step is 1 plus 32 random bits.
    assert 1 <= _tail(second) - _tail(first) <= 1 << 32


def test_keeps_the_last_timestamp_when_the_clock_steps_back() -> None:
    generator = _Generator()
    first = generator.next(_START_NS + 5 * _NS_PER_MS)

    second = generator.next(_START_NS)

    assert _timestamp_ms(second) == _START_MS + 5
    assert first < second


def test_takes_the_new_timestamp_when_the_clock_moves_on() -> None:
    generator = _Generator()
    first = generator.next(_START_NS)

    second = generator.next(_START_NS + 3 * _NS_PER_MS)

    assert _timestamp_ms(second) == _START_MS + 3
    assert first < second


def test_overflows_into_the_next_millisecond_when_the_random_space_is_used_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fix_entropy(monkeypatch, 0x00)
    generator = _Generator()
    first = generator.next(_START_NS)
    # Each step adds at most 2**32, so reaching the end of the 74-bit space by stepping would
    # take about 2**41 calls: put the generator at the very end of the space directly.
    generator._tail = _TAIL_MASK

    second = generator.next(_START_NS)

    assert _timestamp_ms(second) == _START_MS + 1
    assert _tail(second) == 0
    assert first < second
    assert second.version == 7


def test_keeps_counting_from_the_next_millisecond_after_an_overflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fix_entropy(monkeypatch, 0x00)
    generator = _Generator()
    generator.next(_START_NS)
    generator._tail = _TAIL_MASK
    second = generator.next(_START_NS)

    third = generator.next(_START_NS)

    assert _timestamp_ms(third) == _START_MS + 1
    assert _tail(third) == 1
    assert second < third
