"""Small pydantic validators shared by the kernel's values."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["exact_decimal_input", "to_utc"]


def exact_decimal_input(value: object) -> object:
    """Refuse what is no exact decimal written as one: binary floats, bools, non-ASCII digits.

    Binary floats cannot hold most decimal fractions exactly; callers pass a decimal string, an
    int or a ``Decimal``. Python's ``Decimal`` also reads Arabic-Indic, full-width and other
    Unicode digits; an amount on the wire is written with ``0``-``9``, and anything else is
    more likely a spoof than a number.
    """
    if isinstance(value, float | bool):
        msg = "Pass a decimal string, an int or a Decimal, not a float or bool"
        raise ValueError(msg)  # noqa: TRY004 (pydantic turns ValueError, not TypeError, into a field error)
    if isinstance(value, str) and not value.isascii():
        msg = "Write the number with the ASCII digits 0-9"
        raise ValueError(msg)
    return value


def to_utc(value: datetime) -> datetime:
    """Express an aware datetime in UTC, refusing ones that UTC cannot represent."""
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        msg = "The datetime is out of the representable range once converted to UTC"
        raise ValueError(msg) from exc
