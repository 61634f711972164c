"""Amounts of money in one currency."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.domain._currency import Currency
from creativeflow_shared.domain._errors import CurrencyMismatchError
from creativeflow_shared.domain._validators import exact_decimal_input
from creativeflow_shared.domain._value_object import ValueObject

__all__ = ["Money"]

#: Amounts stay below a quadrillion units: ample for prices and balances, and it keeps every
#: amount exact as a 64-bit count of minor units.
_LIMIT = Decimal(10) ** 15
#: The arithmetic of amounts, whatever decimal context the caller has set: enough precision
#: for any sum of two amounts (15 digits before the point, at most 4 after), so nothing is
#: rounded but what ``quantize`` rounds on purpose.
_EXACT = Context(
    prec=40, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)


class Money(ValueObject):
    """An exact amount in one currency, never more precise than the currency's minor units.

    Amounts are ``Decimal``; floats are refused. An amount is stored quantized to the
    currency's minor units, so ``Money(currency="EUR", amount="10.5")`` equals (and serializes
    as) ``"10.50"``. Arithmetic between currencies returns a ``Failure``.

    Examples:
        >>> price = Money(currency="EUR", amount="10.5")
        >>> price.amount, str(price)
        (Decimal('10.50'), '10.50 EUR')
        >>> price.add(Money(currency="EUR", amount="0.25")).unwrap().amount
        Decimal('10.75')
        >>> price.add(Money(currency="USD", amount=1)).failure().code
        'currency_mismatch'
        >>> Money.create(currency="EUR", amount="0.001").failure().field_errors[0].loc
        ('amount',)
    """

    currency: Currency
    amount: Annotated[
        Decimal,
        BeforeValidator(exact_decimal_input),
        Field(allow_inf_nan=False, gt=-_LIMIT, lt=_LIMIT),
    ]

    @field_validator("amount")
    @classmethod
    def _respect_minor_units(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        if not isinstance(currency, Currency):
            return amount  # the currency is invalid and already reported
        quantum = Decimal(1).scaleb(-currency.minor_units, context=_EXACT)
        quantized = amount.quantize(quantum, context=_EXACT)
        if quantized != amount:
            msg = f"{currency.code} amounts have at most {currency.minor_units} decimal places"
            raise ValueError(msg)
        # One zero: -0.00 would print, serialize and hash unlike 0.00 although it equals it.
        return quantized.copy_abs() if quantized.is_zero() else quantized

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: Currency | str) -> Money:
        """Build an amount from a decimal string, int or ``Decimal`` and a currency code.

        The typed shorthand for ``Money(currency=..., amount=...)``, whose fields a type
        checker expects as ``Currency`` and ``Decimal``.

        Raises:
            pydantic.ValidationError: If the amount or currency is invalid; use
                ``create`` for untrusted input.

        Examples:
            >>> Money.of("10.5", "EUR")
            Money(currency=Currency(root='EUR'), amount=Decimal('10.50'))
        """
        return cls.model_validate({"currency": currency, "amount": amount})

    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        """Return nothing of ``currency``."""
        return cls(currency=Currency.model_validate(currency), amount=Decimal(0))

    @classmethod
    def from_minor_units(cls, units: int, currency: Currency | str) -> Money:
        """Build an amount from a whole number of minor units (cents for EUR).

        Examples:
            >>> Money.from_minor_units(1050, "EUR").amount
            Decimal('10.50')
        """
        code = Currency.model_validate(currency)
        return cls(currency=code, amount=Decimal(units).scaleb(-code.minor_units, context=_EXACT))

    @property
    def minor_units(self) -> int:
        """The amount as a whole number of minor units (``10.50 EUR`` → ``1050``)."""
        return int(self.amount.scaleb(self.currency.minor_units, context=_EXACT))

    def add(self, other: Money) -> Result[Money, CurrencyMismatchError]:
        """Return the sum of two amounts of the same currency.

        Returns:
            ``Success`` with the sum, or ``Failure`` with ``CurrencyMismatchError``.

        Raises:
            pydantic.ValidationError: If the sum reaches a quadrillion units (a bug, not a
                business case).
        """
        if other.currency != self.currency:
            return Failure(CurrencyMismatchError(self.currency.code, other.currency.code))
        return Success(Money(currency=self.currency, amount=_EXACT.add(self.amount, other.amount)))

    def subtract(self, other: Money) -> Result[Money, CurrencyMismatchError]:
        """Return this amount minus ``other``, of the same currency.

        Returns:
            ``Success`` with the difference, or ``Failure`` with ``CurrencyMismatchError``.

        Raises:
            pydantic.ValidationError: If the difference reaches a quadrillion units.
        """
        return self.add(other.negate())

    def negate(self) -> Money:
        """Return the same amount with the opposite sign."""
        return Money(currency=self.currency, amount=_EXACT.minus(self.amount))

    def multiply(self, factor: Decimal | int) -> Money:
        """Return the amount times ``factor``, rounded half-to-even to the minor units.

        Raises:
            ValueError: If the product is a quadrillion units or more; amounts that large are
                a bug, not a business case.

        Examples:
            >>> Money(currency="EUR", amount="10.00").multiply(Decimal("0.125")).amount
            Decimal('1.25')
        """
        factor = Decimal(factor)
        if not factor.is_finite():
            msg = f"Cannot multiply an amount by {factor}"
            raise ValueError(msg)
        # Enough precision for the exact product, so it is rounded once, to minor units.
        digits = len(self.amount.as_tuple().digits) + len(factor.as_tuple().digits) + 1
        exact = Context(prec=digits, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, Overflow])
        try:
            product = exact.multiply(self.amount, factor)
        except Overflow:
            product = Decimal("Infinity")
        if not -_LIMIT < product < _LIMIT:
            msg = f"{product} is outside the supported range of amounts"
            raise ValueError(msg)
        quantum = Decimal(1).scaleb(-self.currency.minor_units, context=_EXACT)
        rounded = product.quantize(quantum, rounding=ROUND_HALF_EVEN, context=_EXACT)
        return Money(currency=self.currency, amount=rounded)

    def compare(self, other: Money) -> Result[Literal[-1, 0, 1], CurrencyMismatchError]:
        """Compare two amounts of the same currency.

        Returns:
            ``Success`` with -1, 0 or 1 (less, equal, greater), or ``Failure`` with
            ``CurrencyMismatchError``.
        """
        if other.currency != self.currency:
            return Failure(CurrencyMismatchError(self.currency.code, other.currency.code))
        if self.amount < other.amount:
            return Success(-1)
        return Success(1 if self.amount > other.amount else 0)

    @property
    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return self.amount == 0

    @property
    def is_negative(self) -> bool:
        """Whether the amount is below zero."""
        return self.amount < 0

    @override
    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"
