"""Small pydantic validators shared by the kernel's values."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["refuse_float", "refuse_non_ascii_number", "to_utc"]


def refuse_float(value: object) -> object:
    """Refuse binary floats and bools where an exact decimal is required.

    Binary floats cannot hold most decimal fractions exactly; callers pass a decimal string, an
    int or a ``Decimal``.
    """
    if isinstance(value, float | bool):
        msg = "Pass a decimal string, an int or a Decimal, not a float or bool"
        raise ValueError(msg)  # noqa: TRY004 (pydantic turns ValueError, not TypeError, into a field error)
    return value


def refuse_non_ascii_number(value: object) -> object:
    """Refuse numbers written with other digits than ASCII ones.

    Python's ``Decimal`` reads Arabic-Indic, full-width and other Unicode digits as numbers; an
    amount on the wire is written with ``0``-``9``, and anything else is more likely a spoof
    than a price.
    """
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
