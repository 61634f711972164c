"""Small pydantic validators shared by the kernel's values."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["refuse_float", "to_utc"]


def refuse_float(value: object) -> object:
    """Refuse binary floats and bools where an exact decimal is required.

    Binary floats cannot hold most decimal fractions exactly; callers pass a decimal string, an
    int or a ``Decimal``.
    """
    if isinstance(value, float | bool):
        msg = "Pass a decimal string, an int or a Decimal, not a float or bool"
        raise ValueError(msg)  # noqa: TRY004 (pydantic turns ValueError, not TypeError, into a field error)
    return value


def to_utc(value: datetime) -> datetime:
    """Express an aware datetime in UTC, refusing ones that UTC cannot represent."""
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        msg = "The datetime is out of the representable range once converted to UTC"
        raise ValueError(msg) from exc
