"""Typed identities: one id type per aggregate, generated as UUIDv7."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from returns.result import Failure, Result

from creativeflow_shared.domain._errors import InvalidInputError
from creativeflow_shared.domain._uuid7 import uuid7
from creativeflow_shared.domain._value_object import ScalarValue

__all__ = ["Identity"]


class Identity(ScalarValue[UUID]):
    """The base of per-aggregate id types such as ``OrderId`` or ``JobId``.

    New ids are UUIDv7 (time-ordered, index-friendly). Ids of different types never compare
    equal, even with the same UUID; in JSON an id is its canonical UUID string.

    Examples:
        >>> class OrderId(Identity): ...
        >>> class JobId(Identity): ...
        >>> order_id = OrderId.new()
        >>> order_id.value.version
        7
        >>> OrderId.parse(str(order_id)).unwrap() == order_id
        True
        >>> JobId(order_id.value) == order_id
        False
        >>> OrderId.parse("not-a-uuid").failure().code
        'invalid_input'
    """

    @classmethod
    def new(cls) -> Self:
        """Return a fresh id (UUIDv7)."""
        return cls(uuid7())

    @classmethod
    def parse(cls, text: object) -> Result[Self, InvalidInputError]:
        """Read an id from its text form (canonical, hex or URN UUID).

        Returns:
            ``Success`` with the id, or ``Failure`` with an ``InvalidInputError`` for anything
            that is not a UUID string.
        """
        if not isinstance(text, str):
            return Failure(
                InvalidInputError.single("An id must be a string", error_type="string_type")
            )
        return cls.create(text)
