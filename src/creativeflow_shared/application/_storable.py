"""The values every store can keep and compare: one rule for every adapter.

SQLite, PostgreSQL and the in-memory store disagree at the edges: PostgreSQL refuses NUL
characters in text and JSON, numbers beyond its ranges and non-finite JSON numbers; SQLite
keeps integers in 64 bits and compares larger JSON numbers as doubles; the in-memory store
keeps anything. Left to themselves, the same aggregate would commit on one adapter and raise
a driver error on another, and a hostile query value would raise where a ``Result`` is
promised. Repositories check values against this rule before any store sees them, so every
adapter answers the same way.

A value every store keeps is:

* text without NUL characters and without lone surrogates (it encodes as UTF-8);
* an integer of 64 bits (``-2**63 <= n < 2**63``);
* a finite float;
* a finite decimal with at most 131,072 digits before the point and 16,383 after
  (PostgreSQL ``numeric``'s range);
* a datetime that converts to UTC (an aware datetime near ``datetime.min`` or ``max`` may not);
* ``None``, a bool, a UUID or a date; or lists, tuples and string-keyed dicts of such values.

Values of other types (bytes, intervals, the values of a column type of the service's own) are
not the rule's business: the store that is given them decides.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from creativeflow_shared.domain import FieldError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["storable", "unstorable_fields"]

_INT_MIN = -(2**63)
_INT_MAX = 2**63 - 1
_DECIMAL_MAX_ADJUSTED = 131_071  # 131,072 digits before the point
_DECIMAL_MIN_EXPONENT = -16_383  # 16,383 digits after the point


def _fine(value: object) -> str | None:  # noqa: ARG001 (the signature of every check)
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text must not contain NUL characters"
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return "Text must be valid Unicode (no lone surrogates)"
    return None


def _integer_problem(number: int) -> str | None:
    return None if _INT_MIN <= number <= _INT_MAX else "Integers must fit in 64 bits"


def _float_problem(number: float) -> str | None:
    return None if math.isfinite(number) else "Numbers must be finite"


def _decimal_problem(value: Decimal) -> str | None:
    if not value.is_finite():
        return "Numbers must be finite"
    exponent = value.as_tuple().exponent
    too_small = isinstance(exponent, int) and exponent < _DECIMAL_MIN_EXPONENT
    if too_small or value.adjusted() > _DECIMAL_MAX_ADJUSTED:
        return "The decimal has more digits than a store keeps"
    return None


def _datetime_problem(value: dt.datetime) -> str | None:
    if value.tzinfo is None:
        return None
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return "The date and time is out of range in UTC"
    return None


def _unknown(value: object) -> str | None:  # noqa: ARG001 (the signature of every check)
    # Bytes, intervals, a column type's own values: the rule has nothing to say about them,
    # so the store that is given them decides (a data-mapper row may hold anything its
    # columns take).
    return None


_Check = Callable[[Any], "str | None"]
# Most specific first: a bool is an int, a datetime is a date.
_CHECKS: tuple[tuple[type, _Check], ...] = (
    (bool, _fine),
    (str, _text_problem),
    (int, _integer_problem),
    (float, _float_problem),
    (Decimal, _decimal_problem),
    (dt.datetime, _datetime_problem),
    (type(None), _fine),
    (UUID, _fine),
    (dt.date, _fine),
    (dt.time, _fine),
)
_CHECK_OF: dict[type, _Check] = dict(_CHECKS)


def _problem(value: object) -> str | None:
    """Say why a store cannot keep the scalar ``value``, or ``None`` when every store can."""
    kind = type(value)
    check = _CHECK_OF.get(kind)
    if check is None:  # a subclass (an enum of ints, a str subtype): found once, then kept
        check = next((c for base, c in _CHECKS if isinstance(value, base)), _unknown)
        _CHECK_OF[kind] = check
    return check(value)


def _walk(value: object, loc: tuple[str | int, ...], problems: list[FieldError]) -> None:
    kind = type(value)
    if kind is dict:
        for key, item in cast("dict[Any, object]", value).items():
            if not isinstance(key, str):
                problems.append(FieldError((*loc, str(key)), "Keys must be text", "unstorable"))
                continue
            key_problem = _problem(key)
            if key_problem is not None:
                problems.append(FieldError((*loc, key), key_problem, "unstorable"))
            _walk(item, (*loc, key), problems)
        return
    if kind is list or kind is tuple:
        for index, item in enumerate(cast("Iterable[object]", value)):
            _walk(item, (*loc, index), problems)
        return
    problem = _problem(value)
    if problem is not None:
        problems.append(FieldError(loc, problem, "unstorable"))


def _clean_text(text: str) -> bool:
    return "\x00" not in text and (text.isascii() or _text_problem(text) is None)


def _clean_dict(mapping: dict[Any, Any]) -> bool:
    # Text and integers, the commonest items, are checked without a call each.
    for key, item in mapping.items():
        if type(key) is not str or "\x00" in key or not (key.isascii() or _clean_text(key)):
            return False
        kind: Any = item.__class__
        if kind is str:
            if "\x00" in item or not (item.isascii() or _clean_text(item)):
                return False
        elif kind is int:
            if not _INT_MIN <= item <= _INT_MAX:
                return False
        elif item is not None and kind is not bool and not _clean(item):
            return False
    return True


def _clean(value: Any) -> bool:  # noqa: ANN401, PLR0911 (any value; one answer per kind)
    """Whether every store keeps ``value``: the fast check, run on every commit.

    It answers for the JSON-like values a snapshot holds without building anything (and
    without ``cast``, which is a call); any other value goes through the full check.
    ``unstorable_fields`` says where the problems are.
    """
    kind: Any = value.__class__
    if kind is dict:
        return _clean_dict(value)
    if kind is str:
        return _clean_text(value)
    if kind is int:
        return bool(_INT_MIN <= value <= _INT_MAX)
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110 (a loop: all() over a generator is slower here)
            if not _clean(item):
                return False
        return True
    if value is None or kind is bool:
        return True
    if kind is float:
        return math.isfinite(value)
    return _problem(value) is None


def unstorable_fields(value: object, *loc: str | int) -> list[FieldError]:
    """Return a field error for every part of ``value`` a store cannot keep (none: storable).

    Examples:
        >>> [(e.loc, e.message) for e in unstorable_fields({"n": 2**64, "ok": [1, "a"]})]
        [(('n',), 'Integers must fit in 64 bits')]
    """
    if _clean(value):
        return []
    problems: list[FieldError] = []
    _walk(value, loc, problems)
    return problems


def storable(value: object) -> bool:
    r"""Whether every store can keep (and compare) ``value``.

    Examples:
        >>> storable("plain"), storable("nul\x00"), storable(2**63), storable(float("nan"))
        (True, False, False, False)
    """
    return _clean(value)
