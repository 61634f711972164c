"""Hypothesis strategies for the kernel's values and typed identities.

The strategy of domain events has a module of its own: it registers these strategies with
Hypothesis first, through the plugin, and the plugin depends on this module.
"""

from __future__ import annotations

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as exc:
    msg = (
        "creativeflow_shared.testing needs Hypothesis: install creativeflow-shared-backend[testing]"
    )
    raise ImportError(msg) from exc

import string
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from typing import TypeVar
from uuid import UUID

from returns.result import Failure

from creativeflow_shared.domain import (
    Currency,
    Email,
    Identity,
    Money,
    NonEmptyStr,
    Percentage,
    Slug,
    TimeRange,
)

__all__ = [
    "aware_datetimes",
    "currencies",
    "emails",
    "identities",
    "money",
    "non_empty_strs",
    "percentages",
    "slugs",
    "time_ranges",
    "uuids",
]

IdentityT = TypeVar("IdentityT", bound=Identity)

#: Money refuses amounts of a quadrillion units or more (see ``Money``).
_MONEY_LIMIT = Decimal(10) ** 15
_ATOM_CHARS = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_SLUG_CHARS = string.ascii_lowercase + string.digits
_SLUG_MAX = 100
_FIRST_INSTANT = datetime(2000, 1, 1)  # noqa: DTZ001 (a naive bound: Hypothesis applies it to local time)
_LAST_INSTANT = datetime(2100, 12, 31, 23, 59, 59, 999_999)  # noqa: DTZ001 (as above)
_MAX_OFFSET_MINUTES = 14 * 60  # the widest offsets in use, UTC-12:00 to UTC+14:00, fit inside
_UUID7_MS_RANGE = (946_684_800_000, 4_133_980_799_999)  # Unix milliseconds of years 2000-2100
_RANDOM_74_BITS = (1 << 74) - 1
_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62


def emails() -> st.SearchStrategy[Email]:
    """Generate e-mail addresses that ``Email`` accepts.

    Local parts are dot-separated atoms of the characters RFC 5322 allows unquoted; domains
    have one to three labels and an alphabetic top-level label.

    Returns:
        A strategy of ``Email`` values.
    """
    atom = st.text(_ATOM_CHARS, min_size=1, max_size=12)
    local_part = st.lists(atom, min_size=1, max_size=4).map(".".join)
    label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
    top_label = st.text(string.ascii_lowercase, min_size=2, max_size=8)
    domain = st.builds(_domain, st.lists(label, min_size=1, max_size=3), top_label)
    return st.builds(_email, local_part, domain)


def _domain(labels: list[str], top_label: str) -> str:
    return ".".join((*labels, top_label))


def _email(local_part: str, domain: str) -> Email:
    return Email(f"{local_part}@{domain}")


def currencies() -> st.SearchStrategy[Currency]:
    """Generate every ISO 4217 currency the kernel knows.

    Returns:
        A strategy of ``Currency`` values.
    """
    return st.sampled_from(sorted(Currency.codes())).map(Currency)


def money(
    currency: Currency | str | None = None, *, max_abs_amount: Decimal = Decimal(10**12)
) -> st.SearchStrategy[Money]:
    """Generate amounts of money, negative ones included, exact to the currency's minor units.

    The default bound keeps amounts far below the limit ``Money`` enforces, so that sums of a
    few generated amounts stay valid too.

    Args:
        currency: The currency of every amount; any known currency when ``None``.
        max_abs_amount: The largest absolute amount to generate, below ``10**15``.

    Returns:
        A strategy of ``Money`` values.

    Raises:
        InvalidArgument: If ``currency`` is not a known currency or ``max_abs_amount`` is
            negative, not finite or not below ``10**15``.
    """
    limit = Decimal(max_abs_amount)
    if not (limit.is_finite() and 0 <= limit < _MONEY_LIMIT):
        msg = f"max_abs_amount must be at least 0 and below {_MONEY_LIMIT}, got {max_abs_amount}"
        raise InvalidArgument(msg)
    if currency is None:
        return currencies().flatmap(lambda code: _amounts(code, limit))
    chosen = Currency.create(currency)
    if isinstance(chosen, Failure):
        msg = f"{currency!r} is not an ISO 4217 currency code the kernel knows"
        raise InvalidArgument(msg)
    return _amounts(chosen.unwrap(), limit)


def _amounts(currency: Currency, limit: Decimal) -> st.SearchStrategy[Money]:
    most = int(limit.scaleb(currency.minor_units).to_integral_value(rounding=ROUND_FLOOR))
    return st.integers(-most, most).map(lambda units: Money.from_minor_units(units, currency))


def slugs() -> st.SearchStrategy[Slug]:
    """Generate slugs: lower-case ASCII words joined by single hyphens, up to 100 characters.

    Returns:
        A strategy of ``Slug`` values.
    """
    word = st.text(_SLUG_CHARS, min_size=1, max_size=16)
    return (
        st.lists(word, min_size=1, max_size=8)
        .map("-".join)
        .filter(lambda text: len(text) <= _SLUG_MAX)
        .map(Slug)
    )


def non_empty_strs() -> st.SearchStrategy[NonEmptyStr]:
    """Generate any Unicode text with at least one non-blank character.

    Returns:
        A strategy of ``NonEmptyStr`` values.
    """
    return st.text(min_size=1).filter(str.strip).map(NonEmptyStr)


def percentages() -> st.SearchStrategy[Percentage]:
    """Generate percentages from 0 to 100 inclusive, with up to six decimal places.

    Returns:
        A strategy of ``Percentage`` values.
    """
    return st.integers(0, 6).flatmap(
        lambda places: st.integers(0, 100 * 10**places).map(
            lambda units: Percentage(Decimal(units).scaleb(-places))
        )
    )


def _timezones() -> st.SearchStrategy[timezone]:
    offsets = st.integers(-_MAX_OFFSET_MINUTES, _MAX_OFFSET_MINUTES).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    return st.one_of(st.just(UTC), offsets)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Generate timezone-aware datetimes from the years 2000 to 2100, in UTC and other offsets.

    Returns:
        A strategy of aware ``datetime`` values.
    """
    return st.datetimes(min_value=_FIRST_INSTANT, max_value=_LAST_INSTANT, timezones=_timezones())


def time_ranges() -> st.SearchStrategy[TimeRange]:
    """Generate time ranges of up to ten years, empty ones included.

    Returns:
        A strategy of ``TimeRange`` values.
    """
    return st.builds(
        _time_range,
        aware_datetimes(),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3653)),
        _timezones(),
    )


def _time_range(start: datetime, length: timedelta, end_zone: timezone) -> TimeRange:
    return TimeRange(start=start, end=(start + length).astimezone(end_zone))


def _uuid7(unix_ms: int, random_bits: int) -> UUID:
    high, low = random_bits >> 62, random_bits & ((1 << 62) - 1)
    return UUID(int=(unix_ms << 80) | _VERSION_7 | (high << 64) | _VARIANT_RFC | low)


def uuids() -> st.SearchStrategy[UUID]:
    """Generate UUIDs: UUIDv7 values like ``Identity.new()`` makes, and arbitrary ones."""
    uuid7s = st.builds(_uuid7, st.integers(*_UUID7_MS_RANGE), st.integers(0, _RANDOM_74_BITS))
    return st.one_of(uuid7s, st.uuids(allow_nil=True))


def identities(id_type: type[IdentityT]) -> st.SearchStrategy[IdentityT]:
    """Generate ids of ``id_type``: UUIDv7 values like ``new()`` makes, and arbitrary UUIDs.

    Args:
        id_type: Any ``Identity`` subclass, e.g. ``OrderId``.

    Returns:
        A strategy of ``id_type`` values.
    """
    return uuids().map(id_type)
