"""How a data-mapper repository's aggregates become rows and back, checked against columns.

The service writes ``to_row`` and ``to_domain``; the codec fills in what the repository
maintains (the version, the tenant), checks that ``to_row`` kept its promises, and refuses a
row any column cannot hold before any store sees it, so that every adapter refuses the same
rows (PostgreSQL enforces column limits; SQLite does not).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Protocol, cast

from pydantic_core import PydanticSerializationError
from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger, String

from creativeflow_shared.application import storable, unstorable_fields
from creativeflow_shared.application.ports import set_version, snapshot_of
from creativeflow_shared.domain import (
    AggregateRoot,
    FieldError,
    InvalidInputError,
    comparable,
    value_at,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Mapper

    from creativeflow_shared.application.ports import StoredRecord
    from creativeflow_shared.infrastructure.sqlalchemy._row_storage import ChildRows, RowStorage

__all__ = ["RowCodec", "RowMapping"]


class RowMapping(Protocol):
    """The two functions a service writes between its aggregate and its root row."""

    def to_row(self, aggregate: Any, /) -> Any:  # noqa: ANN401 (the service's own types)
        """Return a new root row (with its children) holding ``aggregate``'s state."""
        ...

    def to_domain(self, row: Any, /) -> Any:  # noqa: ANN401 (the service's own types)
        """Return the aggregate a root row (with its children) holds."""
        ...


class RowCodec:
    """The ``RecordCodec`` of the data-mapper style: the service's rows are the records."""

    __slots__ = ("_mapping", "_name", "_storage")

    def __init__(self, mapping: RowMapping, storage: RowStorage, name: str) -> None:
        """Encode with ``mapping`` (the repository ``name``) what ``storage`` describes."""
        self._mapping = mapping
        self._storage = storage
        self._name = name

    def encode(self, aggregate: AggregateRoot[Any], state: object, version: int) -> object:  # noqa: ARG002 (the port's signature)
        """Return the root row of ``aggregate`` (``to_row``), its version and tenant filled in.

        Raises:
            TypeError: If ``to_row`` returns another class than the root row class, or a row
                whose primary key is not the aggregate id.
            InvalidInputError: If a column of the row or its children cannot hold its value.
        """
        storage = self._storage
        row_name = storage.row_class.__name__
        row = self._mapping.to_row(aggregate)
        if not isinstance(row, storage.row_class):
            msg = f"{self._name}.to_row must return a {row_name}"
            raise TypeError(msg)
        id_ = comparable(aggregate.id)
        if getattr(row, storage.id_attribute) != id_:
            msg = (
                f"{self._name}.to_row must put the aggregate id ({id_!r}) in "
                f"{row_name}.{storage.id_attribute}"
            )
            raise TypeError(msg)
        setattr(row, storage.version_column, version)
        if storage.tenant_column is not None:
            tenant = str(comparable(value_at(aggregate, ("tenant_id",))))
            try:
                setattr(row, storage.tenant_column, storage.tenant_value(tenant))
            except ValueError:
                msg = f"{row_name}.{storage.tenant_column} holds UUIDs"
                raise InvalidInputError.single(msg, loc=("tenant_id",)) from None
        problems = _unstorable_row(row, storage.mapper, storage.children, ())
        if problems:
            raise InvalidInputError(problems, f"{row_name} holds values no store keeps")
        return row

    def decode(self, record: StoredRecord) -> AggregateRoot[Any]:
        """Return the aggregate of a stored root row (``to_domain``), with its version."""
        aggregate = cast("AggregateRoot[Any]", self._mapping.to_domain(record.data))
        set_version(aggregate, record.version)
        return aggregate

    def snapshot(self, aggregate: AggregateRoot[Any]) -> object:
        """Return the aggregate's JSON text without the version.

        It only tells changes apart (the rows are what is stored): one bytes object, which
        the garbage collector does not track, where JSON data would be a tree of dicts per
        aggregate that every collection walks while a unit of work holds many.
        """
        return _json_without_version(aggregate)

    def loaded_snapshot(
        self,
        record: StoredRecord,  # noqa: ARG002 (the port's signature)
        aggregate: AggregateRoot[Any],
    ) -> object:
        """Return the snapshot of an aggregate just decoded (its rows are not JSON)."""
        return _json_without_version(aggregate)

    def refuse_unstorable(
        self,
        state: object,  # noqa: ARG002 (the port's signature)
        projections: dict[str, object],  # noqa: ARG002 (the port's signature)
    ) -> InvalidInputError | None:
        """Refuse nothing here: what this style stores is the rows, checked in ``encode``.

        The snapshot only tells changes apart, and the mapped columns are in the rows.
        """
        return None


def _json_without_version(aggregate: AggregateRoot[Any]) -> object:
    try:
        return aggregate.__pydantic_serializer__.to_json(aggregate, exclude={"version"})
    except PydanticSerializationError:
        # Text JSON cannot hold (a lone surrogate): the data can, and ``encode`` refuses it.
        return snapshot_of(aggregate)


def _unstorable_row(
    row: Any,  # noqa: ANN401 (a row of the service's)
    mapper: Mapper[Any],
    children: tuple[ChildRows, ...],
    loc: tuple[str | int, ...],
) -> list[FieldError]:
    """Return a field error for every column value of ``row`` and its children no store keeps."""
    values = cast("dict[str, Any]", vars(row))
    problems: list[FieldError] = []
    for limits in _column_limits(mapper):
        if limits.key not in values:
            continue
        value = values[limits.key]
        if not storable(value):
            problems += unstorable_fields(value, *loc, limits.key)
            continue
        problem = limits.problem(value)
        if problem is not None:
            problems.append(FieldError((*loc, limits.key), problem))
    for child in children:
        held: Any = values.get(child.key)
        if held is None:
            continue
        rows: list[Any] = list(held) if child.relationship.uselist else [held]
        for index, child_row in enumerate(rows):
            where_ = (*loc, child.key, index)
            problems += _unstorable_row(child_row, child.mapper, child.children, where_)
    return problems


_INTEGER_LIMITS = ((BigInteger, 2**63 - 1), (SmallInteger, 2**15 - 1), (Integer, 2**31 - 1))


@dataclass(frozen=True, slots=True)
class _Limits:
    """What one column holds short of the storable values (``None``: no limit of that kind)."""

    key: str
    largest: int | None = None  # the largest integer (and the smallest is -largest - 1)
    length: int | None = None  # the most characters
    scale: int | None = None  # a NUMERIC(p, s)'s digits after the point ...
    bound: Decimal | None = None  # ... and the magnitude it stays below, once rounded to them

    def problem(self, value: object) -> str | None:
        """Say why the column cannot hold ``value``, or ``None`` when it can."""
        if self.largest is not None and isinstance(value, int):
            if not -self.largest - 1 <= value <= self.largest:
                return "The integer is too large for its column"
        elif self.length is not None and isinstance(value, str):
            if len(value) > self.length:
                return f"Text longer than {self.length} characters"
        elif self.bound is not None and isinstance(value, int | float | Decimal):
            rounded = Decimal(value).quantize(Decimal(1).scaleb(-(self.scale or 0)), ROUND_HALF_UP)
            if abs(rounded) >= self.bound:
                return "The number has more digits than its column holds"
        return None


@functools.cache
def _column_limits(mapper: Mapper[Any]) -> tuple[_Limits, ...]:
    """Return what each column attribute of ``mapper`` holds: integers, text, numbers.

    PostgreSQL enforces these limits and SQLite does not: checking them before any store sees
    the row makes every adapter refuse the same rows.
    """
    limits: list[_Limits] = []
    for attribute in mapper.column_attrs:
        column_type = attribute.columns[0].type
        largest = next(
            (limit for kind, limit in _INTEGER_LIMITS if isinstance(column_type, kind)), None
        )
        if largest is not None:
            limits.append(_Limits(attribute.key, largest=largest))
        elif isinstance(column_type, String) and column_type.length is not None:
            limits.append(_Limits(attribute.key, length=column_type.length))
        elif isinstance(column_type, Numeric) and column_type.precision is not None:
            scale = column_type.scale or 0
            bound = Decimal(10) ** (column_type.precision - scale)
            limits.append(_Limits(attribute.key, scale=scale, bound=bound))
        else:
            limits.append(_Limits(attribute.key))
    return tuple(limits)
