"""Specifications compiled to SQL ``WHERE`` clauses over document tables and mapped rows."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Enum,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    literal,
    not_,
    or_,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.sql import operators

from creativeflow_shared.application import JsonKind, json_kind
from creativeflow_shared.domain import And, Comparison, IsNull, Not, Operator, Or, where

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy import ColumnElement, Table
    from sqlalchemy.types import TypeEngine

    from creativeflow_shared.application.ports import Storage
    from creativeflow_shared.domain import AggregateRoot, SortKey, Specification

__all__ = ["SpecificationCompiler", "wide_type"]


def wide_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """Return the type to bind a compared value with: the column's, without its limits.

    PostgreSQL casts a parameter to the type it is bound with: a value beyond an ``INTEGER``
    or ``NUMERIC(5, 2)`` column's range fails the whole statement (and the transaction with
    it), although it simply matches no row. Bound as ``BIGINT`` or plain ``NUMERIC`` it
    compares as it does in memory. (Text is bound as ``VARCHAR`` without a length already.)
    """
    wide: TypeEngine[Any] = column_type
    if isinstance(column_type, Integer) and not isinstance(column_type, BigInteger):
        wide = BigInteger()
    elif type(column_type) is Numeric and column_type.precision is not None:
        wide = Numeric() if column_type.asdecimal else Numeric(asdecimal=False)
    return wide


def _bound(expression: ColumnElement[Any], value: object) -> ColumnElement[Any]:
    """Return ``value`` as a parameter of ``expression``'s type, without the type's limits.

    Left to itself SQLAlchemy renders ``True`` and ``False`` as constants, which it refuses in
    ordering comparisons (``flag < true``); an explicit parameter compares like any value.
    """
    return literal(value, wide_type(expression.type))


def _members(value: object) -> tuple[object, ...]:
    """Return the members of an ``IN`` comparison's value (always a tuple)."""
    if not isinstance(value, tuple):
        msg = f"an IN comparison needs a tuple of values, got {value!r}"
        raise TypeError(msg)
    return cast("tuple[object, ...]", value)


_OPERATORS: dict[Operator, Callable[[Any, Any], ColumnElement[bool]]] = {
    Operator.EQ: operators.eq,
    Operator.NE: operators.ne,
    Operator.LT: operators.lt,
    Operator.LE: operators.le,
    Operator.GT: operators.gt,
    Operator.GE: operators.ge,
}
_ORDERING = frozenset({Operator.LT, Operator.LE, Operator.GT, Operator.GE})


class SpecificationCompiler:
    """Turns specifications and keyset positions into SQL over one table.

    Attributes kept in columns (a document table's projections, a data-mapper repository's
    mapped columns) are compared in those columns. For document tables, other attributes are
    compared inside the JSON document (text, ids, enums, numbers and booleans only: the
    repository refuses the rest before it gets here). Values are always bound parameters. On
    PostgreSQL text is compared and sorted with the ``"C"`` collation, so the order is the
    code-point order Python uses.
    """

    def __init__(
        self,
        columns: Mapping[tuple[str, ...], ColumnElement[Any]],
        id_column: ColumnElement[Any],
        dialect_name: str,
        *,
        document: tuple[ColumnElement[Any], type[AggregateRoot[Any]]] | None = None,
    ) -> None:
        """Compile attribute paths to ``columns``; order ties by ``id_column``.

        ``document`` is the JSON column and the aggregate type of a document table, for
        attributes that have no column of their own.
        """
        self._projected = dict(columns)
        self._id = id_column
        self._collate = dialect_name == "postgresql"
        self._sqlite = dialect_name == "sqlite"
        self._document = document

    @classmethod
    def for_documents(
        cls, table: Table, storage: Storage, dialect_name: str
    ) -> SpecificationCompiler:
        """Return the compiler of a document table that stores what ``storage`` describes."""
        columns = {p.path: table.c[p.name] for p in storage.projections}
        document = (table.c.data, storage.aggregate_class)
        return cls(columns, table.c.id, dialect_name, document=document)

    def where(self, specification: Specification[Any]) -> ColumnElement[bool]:
        """Return the ``WHERE`` condition for ``specification``."""
        match specification:
            case Comparison(path=path, operator=operator, value=value):
                return self._comparison(path, operator, value)
            case IsNull(path=path):
                return self._expression(path).is_(None)
            case And(left=left, right=right):
                return and_(self.where(left), self.where(right))
            case Or(left=left, right=right):
                return or_(self.where(left), self.where(right))
            case Not(operand=operand):
                return not_(self.where(operand))
            case _:
                msg = f"cannot compile {specification!r}"
                raise TypeError(msg)

    def order_by(self, keys: tuple[SortKey[Any], ...]) -> list[ColumnElement[Any]]:
        """Return the ``ORDER BY`` terms: the keys, then the id."""
        terms = [self._sortable(self._projected[key.path]) for key in keys]
        # NULL counts as larger than any value on every database (PostgreSQL's default).
        ordered = [
            t.desc().nulls_first() if k.descending else t.asc().nulls_last()
            for t, k in zip(terms, keys, strict=True)
        ]
        # The id in the order ``after`` compares it in (text ids: code-point order, as in memory).
        return [*ordered, self._sortable(self._id).asc()]

    def after(
        self, keys: tuple[SortKey[Any], ...], values: tuple[object, ...]
    ) -> ColumnElement[bool]:
        """Return the condition for rows strictly after ``values`` in the keys' order."""
        plain = [*(self._projected[key.path] for key in keys), self._id]
        columns = [self._sortable(column) for column in plain]
        bound = [_bound(column, value) for column, value in zip(plain, values, strict=True)]
        descending = [key.descending for key in keys] + [False]
        alternatives: list[ColumnElement[bool]] = []
        for index, column in enumerate(columns):
            equal = [columns[i] == bound[i] for i in range(index)]
            beyond = column < bound[index] if descending[index] else column > bound[index]
            alternatives.append(and_(*equal, beyond))
        return or_(*alternatives)

    def _comparison(
        self, path: tuple[str, ...], operator: Operator, value: object
    ) -> ColumnElement[bool]:
        expression = self._expression(path)
        if operator is Operator.IN:
            members = [_bound(expression, self._bindable(path, m)) for m in _members(value)]
            return expression.in_(members)
        bound = _bound(expression, self._bindable(path, value))
        if operator in _ORDERING:
            expression = self._sortable(expression)
        return _OPERATORS[operator](expression, bound)

    def _expression(self, path: tuple[str, ...]) -> ColumnElement[Any]:
        column = self._projected.get(path)
        if column is not None:
            return column
        if self._document is None:
            msg = f"{'.'.join(path)} has no column"
            raise TypeError(msg)
        element: Any = self._document[0][path]
        match self._kind(path):
            case JsonKind.STRING:
                text: ColumnElement[Any] = element.as_string()
                return text
            case JsonKind.BOOLEAN:
                flag: ColumnElement[Any] = element.as_boolean()
                return flag
            case kind:
                return self._json_number(element, kind)

    def _json_number(self, element: Any, kind: JsonKind | None) -> ColumnElement[Any]:  # noqa: ANN401 (a JSON element of SQLAlchemy's)
        number: ColumnElement[Any]
        if self._sqlite:
            # SQLite's JSON_EXTRACT yields the stored number itself (integers in 64 bits:
            # larger ones are refused when stored); through text it keeps only 15 digits.
            number = element.as_integer() if kind is JsonKind.INTEGER else element.as_float()
            return number
        return sql_cast(element.as_string(), BigInteger if kind is JsonKind.INTEGER else Float)

    def _bindable(self, path: tuple[str, ...], value: object) -> object:
        # JSON stores UUIDs as their canonical text.
        if path not in self._projected and isinstance(value, UUID):
            return str(value)
        return value

    def _sortable(self, expression: ColumnElement[Any]) -> ColumnElement[Any]:
        if self._collate and isinstance(expression.type, String):
            if isinstance(expression.type, Enum):
                # A native enum orders by its declared labels and takes no collation; as text
                # it orders as the values do in memory.
                expression = sql_cast(expression, String())
            return expression.collate("C")
        return expression

    @functools.cache  # noqa: B019 (one compiler per table lives as long as the table)
    def _kind(self, path: tuple[str, ...]) -> JsonKind | None:
        aggregate = cast("tuple[Any, type[AggregateRoot[Any]]]", self._document)[1]
        return json_kind(where(aggregate).follow(path).annotation)
