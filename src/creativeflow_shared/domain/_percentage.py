"""Percentages from 0 to 100."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from creativeflow_shared.domain._validators import exact_decimal_input
from creativeflow_shared.domain._value_object import ScalarValue

__all__ = ["Percentage"]

_HUNDRED = Decimal(100)


class Percentage(ScalarValue[Decimal]):
    """A share of a whole, from 0 to 100 inclusive, as an exact decimal.

    Examples:
        >>> Percentage("12.5").fraction
        Decimal('0.125')
        >>> Percentage.create("120").failure().field_errors[0].type
        'less_than_equal'
    """

    root: Annotated[
        Decimal,
        BeforeValidator(exact_decimal_input),
        Field(ge=0, le=100, allow_inf_nan=False, max_digits=12),
    ]

    @property
    def fraction(self) -> Decimal:
        """The percentage as a fraction of one (``12.5`` → ``0.125``)."""
        return self.root / _HUNDRED
