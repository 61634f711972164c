"""The values every store keeps: one rule for every adapter (ADR 0019)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest
from typing_extensions import override

from creativeflow_shared.application import storable, unstorable_fields
from creativeflow_shared.domain import FieldError, Specification


class Level(enum.IntEnum):
    LOW = 1


class Tag(str):
    """A subclass of ``str``: checked as text."""

    __slots__ = ()


_AWARE_MIN = dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=5)))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        2**63 - 1,
        -(2**63),
        Level.LOW,
        1.5,
        "plain",
        "é ☃ 😀",
        Tag("sub"),
        Decimal("1.25"),
        Decimal("1e131071"),
        Decimal("1e-16383"),
        uuid.uuid4(),
        dt.date(2026, 1, 1),
        dt.time(12, 0),
        dt.datetime(2026, 1, 1),  # noqa: DTZ001 (a naive datetime is kept as it is)
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        [1, "a", {"b": [None]}],
        (1, 2),
        {},
        b"bytes \x00",  # not the rule's business: the store given them decides
        dt.timedelta(days=1),
        object(),
    ],
    ids=repr,
)
def test_values_every_store_keeps(value: object) -> None:
    assert storable(value) is True
    assert unstorable_fields(value) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nul\x00", "Text must not contain NUL characters"),
        ("lone \ud800", "Text must be valid Unicode (no lone surrogates)"),
        (2**63, "Integers must fit in 64 bits"),
        (-(2**63) - 1, "Integers must fit in 64 bits"),
        (float("nan"), "Numbers must be finite"),
        (float("-inf"), "Numbers must be finite"),
        (Decimal("NaN"), "Numbers must be finite"),
        (Decimal("Infinity"), "Numbers must be finite"),
        (Decimal("1e131072"), "The decimal has more digits than a store keeps"),
        (Decimal("1e-16384"), "The decimal has more digits than a store keeps"),
        (_AWARE_MIN, "The date and time is out of range in UTC"),
    ],
    ids=repr,
)
def test_values_not_every_store_keeps(value: object, message: str) -> None:
    assert storable(value) is False
    assert unstorable_fields(value, "field") == [FieldError(("field",), message, "unstorable")]


def test_every_unstorable_part_of_a_structure_is_located() -> None:
    value = {"ok": 1, "n": [1, 2**64], "deep": {"t\x00": "x", "v": float("inf")}, 3: "key"}

    actual = unstorable_fields(value, "data")

    assert [(e.loc, e.message) for e in actual] == [
        (("data", "n", 1), "Integers must fit in 64 bits"),
        (("data", "deep", "t\x00"), "Text must not contain NUL characters"),
        (("data", "deep", "v"), "Numbers must be finite"),
        (("data", "3"), "Keys must be text"),
    ]
    assert storable(value) is False
    assert storable([1, [2, [float("nan")]]]) is False


class _Odd(Specification[object]):
    @override
    def evaluate(self, candidate: object) -> bool | None:
        return True


def test_a_specification_node_must_say_what_it_compares() -> None:
    # Repositories check every compared value: a node that cannot list them is refused.
    odd: Any = _Odd
    with pytest.raises(TypeError, match="abstract"):
        odd()


@pytest.mark.parametrize(
    "value",
    [{"nul\x00key": 1}, {3: "a key that is no text"}, {"lone \ud800": 1}, {"a": {"b\x00": 1}}],
    ids=["NUL in a key", "a key of another type", "lone surrogate in a key", "a nested key"],
)
def test_keys_are_held_to_the_rule_for_text(value: dict[object, object]) -> None:
    assert storable(value) is False
    assert len(unstorable_fields(value)) == 1


@pytest.mark.parametrize(
    "value",
    [
        {"edge": 2**63 - 1, "low": -(2**63)},
        {"é": "ünïcödé ☃"},
        [2**63 - 1, -(2**63), "é"],
        {"nested": {"é": [1, {"ok": None}]}},
    ],
    ids=repr,
)
def test_structures_at_the_edges_are_kept(value: object) -> None:
    assert storable(value) is True
    assert unstorable_fields(value) == []


def test_only_the_parts_beyond_the_edges_are_reported() -> None:
    value = {"edge": 2**63 - 1, "beyond": 2**63, "low": -(2**63), "below": -(2**63) - 1}

    assert [e.loc for e in unstorable_fields(value)] == [("beyond",), ("below",)]
