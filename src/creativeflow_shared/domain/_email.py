"""E-mail addresses."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from creativeflow_shared.domain._value_object import ScalarValue

__all__ = ["Email"]

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MAX_LOCAL = 64


def _check(address: str) -> str:
    if not address.isascii():
        # Checked before lower-casing: some non-ASCII letters lower-case to ASCII ones.
        msg = "Only ASCII e-mail addresses are accepted"
        raise ValueError(msg)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        msg = "An e-mail address needs a local part, '@' and a domain"
        raise ValueError(msg)
    if len(local) > _MAX_LOCAL or _LOCAL.fullmatch(local) is None:
        msg = "The local part of the e-mail address is not valid"
        raise ValueError(msg)
    domain = domain.lower()
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or not all(map(_LABEL.fullmatch, labels)):  # noqa: PLR2004 (a domain needs a name and a top-level label)
        msg = "The domain of the e-mail address is not valid"
        raise ValueError(msg)
    return f"{local}@{domain}"


class Email(ScalarValue[str]):
    """An e-mail address in the common ASCII ``local@domain`` form; the domain is lower-cased.

    Internationalised addresses (non-ASCII local parts or domains) are refused; quoted local
    parts and IP-literal domains too, as no CreativeFlow service needs them.

    Examples:
        >>> Email("Ada@Example.COM").value
        'Ada@example.com'
        >>> Email.create("not-an-email").failure().code
        'invalid_input'
    """

    root: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
        AfterValidator(_check),
    ]

    @property
    def local_part(self) -> str:
        """The part before the ``@``."""
        return self.root.rpartition("@")[0]

    @property
    def domain(self) -> str:
        """The lower-cased part after the ``@``."""
        return self.root.rpartition("@")[2]
