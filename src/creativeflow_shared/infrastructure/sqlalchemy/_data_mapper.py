"""The data-mapper repository: aggregates saved into the service's own declarative rows.

Pydantic aggregates cannot be mapped by the ORM themselves, so the service writes its row
classes (SQLAlchemy 2 declarative, children as relationships) and two typed functions between
an aggregate and its root row. Everything else (identity map, tenancy, specifications, pages,
optimistic versions that cover the children) is the shared ``Repository`` logic.
"""

from __future__ import annotations

import functools
from abc import abstractmethod
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    TypeVar,
    cast,
    get_args,
)
from uuid import UUID

from sqlalchemy import BigInteger, Integer, Numeric, SmallInteger, String, inspect
from sqlalchemy.orm import ONETOMANY, Mapper, RelationshipProperty
from typing_extensions import override

from creativeflow_shared.application import (
    Projection,
    Repository,
    StoredRecord,
    paths_of,
    set_version,
    storable,
    unstorable_fields,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    FieldError,
    InvalidInputError,
    comparable,
    comparable_type,
    value_at,
    where,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Column, Table

    from creativeflow_shared.domain import Specification

__all__ = ["DataMapperRepository", "is_data_mapper", "owned_children"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
RowT = TypeVar("RowT")


class DataMapperRepository(Repository[A, I], Generic[A, I, RowT]):
    """Stores aggregates of type ``A`` (ids ``I``) in the service's own rows of type ``RowT``.

    Subclass it once per aggregate, naming the three types, and write the two mapping methods;
    list in ``columns`` the attributes that specifications and sort keys may use::

        class JobRepository(DataMapperRepository[GenerationJob, JobId, JobRow]):
            columns = {"status": JobRow.status, "workspace_id": JobRow.workspace_id}

            def to_row(self, job: GenerationJob) -> JobRow:
                return JobRow(id=job.id.value, status=job.status.value, ...)

            def to_domain(self, row: JobRow) -> GenerationJob:
                return GenerationJob(id=JobId(row.id), status=Status(row.status), ...)

    The root row needs a primary key of the aggregate id alone, or, for a tenant-owned
    aggregate, of the tenant column and the id (ids unique within each tenant, so that adding
    one never reveals that another tenant holds it), and an integer ``version`` column
    (``version_column``) that the repository maintains: it sets it on the row ``to_row``
    returns, and on the aggregate ``to_domain`` returns. A tenant-owned aggregate's row needs a
    ``tenant_id`` column (``tenant_column``, text or UUID), which the repository fills with the
    request context's tenant; every write of the row is constrained by that tenant.

    Every row ``to_row`` returns is checked against its columns before any store sees it: a
    value no store keeps (see ``storable``), an integer wider than its integer column or text
    longer than its ``String(n)`` fails the commit with ``InvalidInputError``, on every adapter.

    Children of the aggregate are relationships of the root row declared with
    ``cascade="all, delete-orphan"`` (at any depth): they are loaded with the root (one
    ``SELECT ... IN`` per relationship), written with it, and covered by its version. A
    column in ``columns`` must hold the attribute's plain value as ``comparable`` gives it
    (the id's UUID, an enum's value), so that SQL and in-memory comparisons agree. A mapped
    column that is unique on its own, or together with the tenant column (unique within each
    tenant), is unique in the in-memory store too.

    ``to_row`` builds new rows, so give child rows keys it can set (the parent id and a
    position, or the child's own id): rows the database keys itself cannot be matched with the
    stored ones, and every save deletes and inserts them again. Do not share mutable
    containers between the aggregate and its rows: the in-memory store keeps the rows
    ``to_row`` returned.

    Attributes:
        row_class: The root row class, taken from the generic arguments.
        columns: Dotted attribute paths mapped to the root row's columns.
        version_column: The name of the root row's version attribute.
        tenant_column: The name of the root row's tenant attribute (tenant-owned aggregates).
        id_attribute: The root row's attribute that holds the aggregate id (set when defined).
    """

    row_class: ClassVar[type[Any]]
    columns: ClassVar[Mapping[str, Any]] = {}
    version_column: ClassVar[str] = "version"
    tenant_column: ClassVar[str] = "tenant_id"
    _row_columns: ClassVar[dict[tuple[str, ...], Column[Any]]] = {}
    _uuid_tenant: ClassVar[bool] = False
    id_attribute: ClassVar[str] = "id"
    _tenant_first: ClassVar[bool] = False

    @classmethod
    @override
    def _resolve_projections(cls) -> tuple[Projection, ...]:
        cls.row_class = _row_class_of(cls)
        mapper = _mapper_of(cls.row_class)
        table = cast("Table", mapper.local_table)
        cls.id_attribute, cls.ids_per_tenant, cls._tenant_first = _key_of(cls, mapper)
        if mapper.version_id_col is not None:
            msg = (
                f"{cls.row_class.__name__} declares the ORM's version_id_col: the repository "
                "maintains the version itself; remove it from __mapper_args__"
            )
            raise TypeError(msg)
        _check_children(mapper, frozenset())
        needed = [cls.version_column] + ([cls.tenant_column] if cls.tenant_owned else [])
        for name in needed:
            if name not in mapper.columns:
                msg = f"{cls.row_class.__name__} needs a {name!r} column"
                raise TypeError(msg)
        tenant: tuple[Column[Any], ...] = ()
        if cls.tenant_owned:
            tenant = (mapper.columns[cls.tenant_column],)
            kind = _python_type(tenant[0])
            cls._uuid_tenant = kind is UUID
            if not cls._uuid_tenant and kind not in {str, None, object}:  # None, object: untold
                msg = (
                    f"{cls.row_class.__name__}.{cls.tenant_column} must hold text or UUIDs, "
                    "as tenant ids are: other values would name one tenant in several ways"
                )
                raise TypeError(msg)
        projections: list[Projection] = []
        row_columns: dict[tuple[str, ...], Column[Any]] = {}
        for dotted, attribute in cls.columns.items():
            column = _column_of(attribute, cls.row_class)
            if column.table is not table:
                msg = f"{dotted!r} must map to a column of {table.name}, not of {column.table}"
                raise TypeError(msg)
            resolved = where(cls.aggregate_class)
            nullable = False
            for name in dotted.split("."):
                resolved = resolved[name]
                nullable = nullable or resolved.optional
            _check_column_type(dotted, resolved.annotation, column)
            alone = bool(column.unique or column.primary_key) or _unique_with(column)
            per_tenant = not alone and bool(tenant) and _unique_with(column, *tenant)
            projections.append(
                Projection(
                    name=mapper.get_property_by_column(column).key,
                    path=resolved.path,
                    annotation=resolved.annotation,
                    nullable=nullable,
                    unique=alone or per_tenant,
                    index=bool(column.index),
                    per_tenant=per_tenant,
                )
            )
            row_columns[resolved.path] = column
        cls._row_columns = row_columns
        return tuple(projections)

    # -- the mapping the service writes -----------------------------------------------------------
    @abstractmethod
    def to_row(self, aggregate: A) -> RowT:
        """Return a new root row (with its children) holding ``aggregate``'s state."""

    @abstractmethod
    def to_domain(self, row: RowT) -> A:
        """Return the aggregate a root row (with its children) holds."""

    # -- the storage style ------------------------------------------------------------------------
    @override
    def encode(self, aggregate: A, state: dict[str, Any], *, version: int) -> object:
        """Return the root row of ``aggregate`` (``to_row``), its version and tenant filled in.

        Raises:
            TypeError: If ``to_row`` returns another class than the root row class, or a row
                whose primary key is not the aggregate id.
        """
        row = self.to_row(aggregate)
        if not isinstance(row, self.row_class):
            msg = f"{type(self).__name__}.to_row must return a {self.row_class.__name__}"
            raise TypeError(msg)
        if getattr(row, self.id_attribute) != comparable(aggregate.id):
            msg = (
                f"{type(self).__name__}.to_row must put the aggregate id "
                f"({comparable(aggregate.id)!r}) in {self.row_class.__name__}.{self.id_attribute}"
            )
            raise TypeError(msg)
        setattr(row, self.version_column, version)
        if self.tenant_owned:
            tenant = str(comparable(value_at(aggregate, ("tenant_id",))))
            try:
                setattr(row, self.tenant_column, self.tenant_value(tenant))
            except ValueError:
                msg = f"{self.row_class.__name__}.{self.tenant_column} holds UUIDs"
                raise InvalidInputError.single(msg, loc=("tenant_id",)) from None
        problems = _unstorable_row(row, _mapper_of(self.row_class), frozenset(), ())
        if problems:
            msg = f"{self.row_class.__name__} holds values no store keeps"
            raise InvalidInputError(problems, msg)
        return row

    @override
    def _refuse_unstorable(
        self, state: dict[str, Any], projections: dict[str, object]
    ) -> InvalidInputError | None:
        # What this style stores is the rows ``to_row`` builds, checked in ``encode``; the
        # snapshot only tells changes apart, and the mapped columns are in the rows.
        return None

    @classmethod
    def tenant_value(cls, tenant_id: str) -> object:
        """Return ``tenant_id`` as the root row's tenant column holds it (a UUID or text).

        Raises:
            ValueError: If the column holds UUIDs and ``tenant_id`` is not one in its canonical
                form (lower case, with hyphens): one tenant has one id, on every adapter.
        """
        if not cls._uuid_tenant:
            return tenant_id
        value = UUID(tenant_id)
        if str(value) != tenant_id:
            msg = f"{tenant_id!r} is not a UUID in its canonical form"
            raise ValueError(msg)
        return value

    @classmethod
    def identity(cls, id_: object, tenant_id: str | None) -> object:
        """Return the root row's primary key for an aggregate id (and tenant, when keyed so).

        Raises:
            ValueError: If the tenant is part of the key and its column cannot hold it.
        """
        if not cls.ids_per_tenant:
            return id_
        tenant = cls.tenant_value(cast("str", tenant_id))
        return (tenant, id_) if cls._tenant_first else (id_, tenant)

    @override
    def decode(self, record: StoredRecord) -> A:
        """Return the aggregate of a stored root row (``to_domain``), with its version."""
        aggregate = self.to_domain(cast("RowT", record.data))
        set_version(aggregate, record.version)
        return aggregate

    @override
    def _check_queryable(self, specification: Specification[Any]) -> None:
        for path in paths_of(specification):
            if path not in self._sortable_paths:
                msg = (
                    f"{'.'.join(path)} has no column: map it in {type(self).__name__}.columns "
                    f"to compare it"
                )
                raise TypeError(msg)

    @classmethod
    def mapped_columns(cls) -> dict[tuple[str, ...], Column[Any]]:
        """Return the root-row column of each mapped attribute path."""
        return dict(cls._row_columns)


def is_data_mapper(repository: Repository[Any, Any]) -> bool:
    """Whether ``repository`` is a data-mapper repository."""
    return isinstance(repository, DataMapperRepository)


def _row_class_of(repository: type[DataMapperRepository[Any, Any, Any]]) -> type[Any]:
    for base in repository.__dict__.get("__orig_bases__", ()):
        args = get_args(base)
        if len(args) == 3 and isinstance(args[2], type) and args[2] is not Any:  # noqa: PLR2004 (aggregate, id, row)
            return args[2]
    # Named in the class body (``row_class = ...``), or inherited from a concrete repository.
    inherited: type[Any] | None = getattr(repository, "row_class", None)
    if inherited is None:
        msg = f"{repository.__name__} must name its row class: [Aggregate, Id, Row]"
        raise TypeError(msg)
    return inherited


def _mapper_of(row_class: type[Any]) -> Mapper[Any]:
    mapper: object = inspect(row_class, raiseerr=False)
    if not _is_mapper(mapper):
        msg = f"{row_class.__name__} is not a mapped class (declare it on a DeclarativeBase)"
        raise TypeError(msg)
    return cast("Mapper[Any]", mapper)


def _is_mapper(candidate: object) -> bool:
    return isinstance(candidate, Mapper)


def _column_of(attribute: object, row_class: type[Any]) -> Column[Any]:
    columns = getattr(getattr(attribute, "property", None), "columns", None)
    if not columns:
        msg = f"map attribute paths to columns of {row_class.__name__}, got {attribute!r}"
        raise TypeError(msg)
    return cast("Column[Any]", columns[0])


def _check_column_type(dotted: str, annotation: object, column: Column[Any]) -> None:
    """Refuse a column whose values are not the ones specifications compare (``comparable``).

    A specification binds ``comparable(value)``: an id's UUID, an enum's value. A column that
    stores something else (an enum's name, a UUID as text) would compare unlike memory does.
    """
    wanted = comparable_type(annotation)
    stored = _python_type(column)
    if not isinstance(wanted, type) or not isinstance(stored, type) or stored is object:
        return  # a type we cannot tell: the contract suites are the check
    if issubclass(wanted, stored):  # the same type, or a narrower one (bool in an int column)
        return
    msg = (
        f"{dotted!r} is compared as {wanted.__name__} (comparable() of the attribute), but "
        f"column {column.table.name}.{column.name} holds {stored.__name__}: map it to a column "
        f"of {wanted.__name__} values"
    )
    raise TypeError(msg)


def _key_of(
    repository: type[DataMapperRepository[Any, Any, Any]], mapper: Mapper[Any]
) -> tuple[str, bool, bool]:
    """Return the id attribute of the root row, whether the tenant is part of the key and first.

    The key is the aggregate id alone, or, for a tenant-owned aggregate, the tenant column
    and the id (ids unique within each tenant: adding one never reveals another tenant's).

    Raises:
        TypeError: If the primary key is anything else.
    """
    key = list(mapper.primary_key)
    tenant = mapper.columns.get(repository.tenant_column) if repository.tenant_owned else None
    others = [column for column in key if column is not tenant]
    if len(others) != 1 or len(key) > 1 + (tenant is not None):
        msg = (
            f"{repository.row_class.__name__} needs a primary key of the aggregate id alone, "
            "or of the tenant column and the id (for a tenant-owned aggregate)"
        )
        raise TypeError(msg)
    per_tenant = len(key) == 2  # noqa: PLR2004 (the tenant and the id)
    return mapper.get_property_by_column(others[0]).key, per_tenant, key[0] is tenant


def _unstorable_row(
    row: Any,  # noqa: ANN401 (a row of the service's)
    mapper: Mapper[Any],
    ancestors: frozenset[Mapper[Any]],
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
    for relationship in owned_children(mapper, ancestors):
        children: Any = values.get(relationship.key)
        if children is None:
            continue
        rows: list[Any] = list(children) if relationship.uselist else [children]
        for index, child in enumerate(rows):
            where_ = (*loc, relationship.key, index)
            problems += _unstorable_row(child, relationship.mapper, ancestors | {mapper}, where_)
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


def owned_children(
    mapper: Mapper[Any], ancestors: frozenset[Mapper[Any]] = frozenset()
) -> list[RelationshipProperty[Any]]:
    """Return the relationships of ``mapper`` that hold children of the aggregate.

    Those are the ``delete-orphan`` ones; one leading back to an ``ancestors`` mapper is not.
    """
    return [
        relationship
        for relationship in mapper.relationships
        if relationship.cascade.delete_orphan and relationship.mapper not in ancestors
    ]


def _check_children(mapper: Mapper[Any], ancestors: frozenset[Mapper[Any]]) -> None:
    """Refuse a one-to-many relationship the repository would not write as children."""
    for relationship in mapper.relationships:
        unowned = relationship.direction is ONETOMANY and not relationship.cascade.delete_orphan
        if unowned and not relationship.viewonly and relationship.mapper not in ancestors:
            msg = (
                f"{mapper.class_.__name__}.{relationship.key} is a one-to-many relationship "
                "without cascade='all, delete-orphan': declare it so to store it as children "
                "of the aggregate, or viewonly=True to leave it out"
            )
            raise TypeError(msg)
    for relationship in owned_children(mapper, ancestors):
        _check_children(relationship.mapper, ancestors | {mapper})


def _python_type(column: Any) -> object:  # noqa: ANN401 (any column)
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _unique_with(column: Column[Any], *others: Column[Any]) -> bool:
    """Whether a unique constraint or index covers exactly ``column`` and ``others``."""
    from sqlalchemy import UniqueConstraint  # noqa: PLC0415 (only needed when defining)

    wanted = {column, *others}
    table = column.table
    keys = [set(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [set(index.columns) for index in getattr(table, "indexes", ()) if index.unique]
    return wanted in keys
