"""Column types for projected attributes and the type decorators they need."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NewType, cast
from uuid import UUID

from pydantic import AwareDatetime, FutureDatetime, PastDatetime, RootModel
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Numeric, String, Uuid
from sqlalchemy.types import TypeDecorator, TypeEngine
from typing_extensions import override

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = ["ExactDecimal", "UtcDateTime", "column_type"]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC; aware datetimes are converted before they are bound.

    On SQLite the value is text in one fixed format, so text order is time order.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert an aware datetime to UTC before it is bound."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return value

    @override
    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Read a stored timestamp back as an aware UTC datetime."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact ``NUMERIC`` on PostgreSQL; a floating-point column on SQLite.

    SQLite has no decimal type: projected decimals there order and compare as doubles (exact
    up to 15 significant digits). The aggregate itself keeps the exact value in its document.
    """

    impl = Numeric()
    cache_ok = True

    @override
    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Use a float column on SQLite and ``NUMERIC`` elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Float())
        return dialect.type_descriptor(Numeric())

    @override
    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """Bind a decimal (as a float on SQLite)."""
        if value is not None and dialect.name == "sqlite":
            return float(value)
        return value

    @override
    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Read the stored number back as a ``Decimal``."""
        return None if value is None else Decimal(str(value))


_SIMPLE: tuple[tuple[type, TypeEngine[Any]], ...] = (
    (bool, Boolean()),
    (int, BigInteger()),
    (float, Float()),
    (Decimal, ExactDecimal()),
    (str, String()),
    (UUID, Uuid()),
    (dt.datetime, UtcDateTime()),
    (dt.date, Date()),
)


_AWARE_MARKERS: tuple[object, ...] = (AwareDatetime, PastDatetime, FutureDatetime)


def column_type(annotation: object) -> TypeEngine[Any]:
    """Return the column type that stores values of ``annotation`` in their natural order.

    Raises:
        TypeError: If the attribute's type has no column type (e.g. a nested model).
    """
    if any(annotation is marker for marker in _AWARE_MARKERS):  # pydantic's aware datetimes
        return UtcDateTime()
    if isinstance(annotation, NewType):  # ``OrderNumber = NewType("OrderNumber", int)``
        return column_type(annotation.__supertype__)
    if isinstance(annotation, type):
        if issubclass(annotation, RootModel):
            root = annotation.model_fields["root"].annotation
            return column_type(_strip(root))
        if issubclass(annotation, enum.Enum):
            values: set[type] = {type(cast("object", member.value)) for member in annotation}
            if len(values) == 1:
                return column_type(values.pop())
        for base, column in _SIMPLE:
            if issubclass(annotation, base):
                return column
    msg = f"cannot project an attribute of type {annotation!r} into a column"
    raise TypeError(msg)


def _strip(annotation: object) -> object:
    # ``Annotated[T, ...]`` → ``T``: constraints do not change the column type.
    return getattr(annotation, "__origin__", annotation)
