"""ISO 4217 currencies and their minor units."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from creativeflow_shared.domain._value_object import ScalarValue

__all__ = ["Currency"]

# Active ISO 4217 codes with their minor units (digits after the decimal point). Codes without
# minor units (precious metals, special drawing rights, testing and "no currency" codes) are not
# money a service can charge, so they are left out.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
            "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
    **dict.fromkeys(
        (
            "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
            "BGN", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
            "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DKK",
            "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
            "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD",
            "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD",
            "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV",
            "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
            "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
            "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
            "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES",
            "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
        ),
        2,
    ),
}  # fmt: skip


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _known(code: str) -> str:
    if code not in _MINOR_UNITS:
        msg = f"{code!r} is not an ISO 4217 currency code"
        raise ValueError(msg)
    return code


class Currency(ScalarValue[str]):
    """An ISO 4217 currency, written as its three-letter code.

    Examples:
        >>> Currency("eur").code, Currency("JPY").minor_units
        ('EUR', 0)
        >>> Currency.create("XYZ").failure().code
        'invalid_input'
    """

    root: Annotated[str, BeforeValidator(_upper), AfterValidator(_known)]

    @property
    def code(self) -> str:
        """The upper-case three-letter code, e.g. ``"EUR"``."""
        return self.root

    @property
    def minor_units(self) -> int:
        """How many decimal places amounts in this currency may have."""
        return _MINOR_UNITS[self.root]

    @classmethod
    def codes(cls) -> frozenset[str]:
        """Return every code this kernel knows."""
        return frozenset(_MINOR_UNITS)
