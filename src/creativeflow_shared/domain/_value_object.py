"""Immutable values compared by what they hold: the two value-object bases."""

from __future__ import annotations

from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel, ValidationError
from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.domain._errors import InvalidInputError
from creativeflow_shared.domain._model_typing import (
    FrozenModelMetaclass,
    FrozenRootModelMetaclass,
)

__all__ = ["ScalarValue", "ValueObject"]

T = TypeVar("T")


class ValueObject(BaseModel, metaclass=FrozenModelMetaclass):  # noqa: PLW1641 (pydantic generates the hash; see below)
    """A frozen value with several fields, equal to another of its exact type with equal fields.

    Construct with keyword arguments (an invalid value raises pydantic's ``ValidationError``)
    or with ``create``, which returns a ``Result`` and never raises.

    Examples:
        >>> class Dimensions(ValueObject):
        ...     width: int
        ...     height: int
        >>> Dimensions(width=2, height=3) == Dimensions(width=2, height=3)
        True
        >>> Dimensions.create(width="wide", height=3).failure().field_errors[0].loc
        ('width',)
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        defer_build=True,
        allow_inf_nan=False,
        ser_json_inf_nan="constants",
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    @classmethod
    def create(cls, **data: object) -> Result[Self, InvalidInputError]:
        """Validate ``data`` into a new value.

        Returns:
            ``Success`` with the value, or ``Failure`` with an ``InvalidInputError`` that
            lists every invalid field.
        """
        try:
            return Success(cls.model_validate(data))
        except ValidationError as exc:
            return Failure(InvalidInputError.from_validation_error(exc))

    @override
    def __eq__(self, other: object) -> bool:
        # Exact type and field values; cheaper than pydantic's general comparison, and the
        # frozen models' hash (set by pydantic from the same fields) agrees with it.
        if type(other) is type(self):
            return self.__dict__ == other.__dict__
        return NotImplemented

    # No ``__hash__`` here on purpose: pydantic gives every frozen subclass a hash over its
    # fields, which agrees with ``__eq__`` above (``extra="forbid"`` keeps ``__dict__`` to the
    # fields) and is faster than anything written in Python.


class ScalarValue(RootModel[T], metaclass=FrozenRootModelMetaclass):
    """A frozen value that wraps one primitive and serializes to it.

    Construct positionally (an invalid value raises pydantic's ``ValidationError``) or with
    ``create``, which returns a ``Result`` and never raises.

    Examples:
        >>> class Colour(ScalarValue[str]):
        ...     pass
        >>> Colour("teal").value, Colour("teal") == Colour("teal")
        ('teal', True)
        >>> Colour("teal").model_dump_json()
        '"teal"'
    """

    model_config = ConfigDict(
        frozen=True,
        defer_build=True,
        allow_inf_nan=False,
        ser_json_inf_nan="constants",
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    @classmethod
    def create(cls, value: object) -> Result[Self, InvalidInputError]:
        """Validate ``value`` into a new instance.

        Returns:
            ``Success`` with the value, or ``Failure`` with an ``InvalidInputError``.
        """
        try:
            return Success(cls.model_validate(value))
        except ValidationError as exc:
            return Failure(InvalidInputError.from_validation_error(exc))

    @property
    def value(self) -> T:
        """The wrapped primitive."""
        return self.root

    @override
    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return bool(self.root == other.root)
        return NotImplemented

    @override
    def __hash__(self) -> int:
        return hash(self.root)

    @override
    def __str__(self) -> str:
        return str(self.root)
