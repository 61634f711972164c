"""What a data-mapper repository stores: its row classes, inspected once and described.

``describe_rows`` reads the service's row classes when the repository class is defined,
checks every rule the repository relies on, and returns a ``RowStorage``: the frozen value
that the row store, the codec and the compiler read (never the repository class itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from sqlalchemy import UniqueConstraint, inspect
from sqlalchemy.orm import ONETOMANY, Mapper, RelationshipProperty

from creativeflow_shared.application.ports import Projection, Storage
from creativeflow_shared.domain import AggregateRoot, comparable_type, where

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Column, Table

__all__ = ["ChildRows", "RowStorage", "describe_rows"]


@dataclass(frozen=True, slots=True)
class ChildRows:
    """One relationship that holds children of the aggregate, with the children's own.

    Attributes:
        relationship: The ``delete-orphan`` relationship of the parent row class.
        children: The same, one level down (rows of ``relationship.mapper``).
    """

    relationship: RelationshipProperty[Any]
    children: tuple[ChildRows, ...]

    @property
    def key(self) -> str:
        """The relationship's attribute name on the parent row."""
        return self.relationship.key

    @property
    def mapper(self) -> Mapper[Any]:
        """The mapper of the child rows."""
        return self.relationship.mapper


@dataclass(frozen=True, eq=False, slots=True, kw_only=True)
class RowStorage(Storage):
    """What a data-mapper repository stores: its root row class and how it is keyed.

    Attributes:
        row_class: The root row class.
        mapper: Its mapper.
        id_attribute: The root row's attribute that holds the aggregate id.
        version_column: The root row's version attribute.
        tenant_column: The root row's tenant attribute (``None`` unless tenant-owned).
        uuid_tenant: Whether the tenant column holds UUIDs (otherwise text).
        tenant_first: Whether the tenant comes first in a ``(tenant, id)`` primary key.
        columns: The root-row column of each mapped attribute path.
        children: The relationships that hold the aggregate's children, as a tree.
    """

    row_class: type[Any]
    mapper: Mapper[Any]
    id_attribute: str
    version_column: str
    tenant_column: str | None
    uuid_tenant: bool
    tenant_first: bool
    columns: Mapping[tuple[str, ...], Column[Any]]
    children: tuple[ChildRows, ...]

    def tenant_value(self, tenant_id: str) -> object:
        """Return ``tenant_id`` as the root row's tenant column holds it (a UUID or text).

        Raises:
            ValueError: If the column holds UUIDs and ``tenant_id`` is not one in its canonical
                form (lower case, with hyphens): one tenant has one id, on every adapter.
        """
        if not self.uuid_tenant:
            return tenant_id
        value = UUID(tenant_id)
        if str(value) != tenant_id:
            msg = f"{tenant_id!r} is not a UUID in its canonical form"
            raise ValueError(msg)
        return value

    def identity(self, id_: object, tenant_id: str | None) -> object:
        """Return the root row's primary key for an aggregate id (and tenant, when keyed so).

        Raises:
            ValueError: If the tenant is part of the key and its column cannot hold it.
        """
        if not self.ids_per_tenant:
            return id_
        tenant = self.tenant_value(cast("str", tenant_id))
        return (tenant, id_) if self.tenant_first else (id_, tenant)


def describe_rows(  # noqa: PLR0913 (the facts a repository class declares)
    *,
    aggregate_class: type[AggregateRoot[Any]],
    resource_name: str,
    repository_name: str,
    row_class: type[Any],
    columns: Mapping[str, Any],
    version_column: str,
    tenant_column: str,
) -> RowStorage:
    """Inspect ``row_class`` (and its children) and describe what the repository stores.

    Raises:
        TypeError: If the rows break a rule the repository relies on: the class is not
            mapped; the primary key is not the id (or the tenant and the id); a version or
            tenant column is missing or the tenant column holds neither text nor UUIDs; the
            ORM's own versioning is on; a one-to-many relationship is not a ``delete-orphan``
            one; or a mapped attribute names no column of the root table, or one whose
            values are not those specifications compare.
    """
    mapper = _mapper_of(row_class)
    owned = "tenant_id" in aggregate_class.model_fields
    name = row_class.__name__
    tenant = mapper.columns.get(tenant_column) if owned else None
    id_attribute, per_tenant, tenant_first = _key_of(mapper, tenant)
    if mapper.version_id_col is not None:
        msg = (
            f"{name} declares the ORM's version_id_col: the repository maintains the version "
            "itself; remove it from __mapper_args__"
        )
        raise TypeError(msg)
    children = _children_of(mapper, frozenset())
    for needed in [version_column] + ([tenant_column] if owned else []):
        if needed not in mapper.columns:
            msg = f"{name} needs a {needed!r} column"
            raise TypeError(msg)
    uuid_tenant = tenant is not None and _python_type(tenant) is UUID
    if tenant is not None and not uuid_tenant and _python_type(tenant) not in {str, None, object}:
        msg = (
            f"{name}.{tenant_column} must hold text or UUIDs, as tenant ids are: other values "
            "would name one tenant in several ways"
        )
        raise TypeError(msg)
    projections, mapped = _mapped_columns(aggregate_class, mapper, columns, tenant)
    return RowStorage(
        aggregate_class=aggregate_class,
        resource_name=resource_name,
        repository_name=repository_name,
        ids_per_tenant=per_tenant,
        projections=projections,
        row_class=row_class,
        mapper=mapper,
        id_attribute=id_attribute,
        version_column=version_column,
        tenant_column=tenant_column if owned else None,
        uuid_tenant=uuid_tenant,
        tenant_first=tenant_first,
        columns=mapped,
        children=children,
    )


def _mapper_of(row_class: type[Any]) -> Mapper[Any]:
    mapper: object = inspect(row_class, raiseerr=False)
    if not _is_mapper(mapper):
        msg = f"{row_class.__name__} is not a mapped class (declare it on a DeclarativeBase)"
        raise TypeError(msg)
    return cast("Mapper[Any]", mapper)


def _is_mapper(candidate: object) -> bool:
    # Not a TypeGuard: narrowing with isinstance would leave the mapper's row type unknown.
    return isinstance(candidate, Mapper)


def _key_of(mapper: Mapper[Any], tenant: Column[Any] | None) -> tuple[str, bool, bool]:
    """Return the id attribute of the root row, whether the tenant is part of the key and first.

    The key is the aggregate id alone, or, for a tenant-owned aggregate, the tenant column
    and the id (ids unique within each tenant: adding one never reveals another tenant's).
    """
    key = list(mapper.primary_key)
    others = [column for column in key if column is not tenant]
    if len(others) != 1 or len(key) > 1 + (tenant is not None):
        msg = (
            f"{mapper.class_.__name__} needs a primary key of the aggregate id alone, "
            "or of the tenant column and the id (for a tenant-owned aggregate)"
        )
        raise TypeError(msg)
    per_tenant = len(key) == 2  # noqa: PLR2004 (the tenant and the id)
    return mapper.get_property_by_column(others[0]).key, per_tenant, key[0] is tenant


def _mapped_columns(
    aggregate_class: type[AggregateRoot[Any]],
    mapper: Mapper[Any],
    columns: Mapping[str, Any],
    tenant: Column[Any] | None,
) -> tuple[tuple[Projection, ...], dict[tuple[str, ...], Column[Any]]]:
    """Return the projection and the root-row column of each mapped attribute path."""
    table = cast("Table", mapper.local_table)
    projections: list[Projection] = []
    mapped: dict[tuple[str, ...], Column[Any]] = {}
    for dotted, attribute in columns.items():
        column = _column_of(attribute, mapper.class_)
        if column.table is not table:
            msg = f"{dotted!r} must map to a column of {table.name}, not of {column.table}"
            raise TypeError(msg)
        resolved = where(aggregate_class)
        nullable = False
        for name in dotted.split("."):
            resolved = resolved[name]
            nullable = nullable or resolved.optional
        _check_column_type(dotted, resolved.annotation, column)
        # A key of several columns (the tenant and the id, say) makes none of them unique alone.
        alone = bool(column.unique) or _unique_with(column)
        per_tenant = not alone and tenant is not None and _unique_with(column, tenant)
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
        mapped[resolved.path] = column
    return tuple(projections), mapped


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


def _children_of(mapper: Mapper[Any], ancestors: frozenset[Mapper[Any]]) -> tuple[ChildRows, ...]:
    """Return the tree of ``mapper``'s children, refusing one-to-many relationships it skips.

    Children are the ``delete-orphan`` relationships; one leading back to an ``ancestors``
    mapper is not a child.
    """
    children: list[ChildRows] = []
    for relationship in mapper.relationships:
        if relationship.mapper in ancestors:
            continue
        if relationship.cascade.delete_orphan:
            below = _children_of(relationship.mapper, ancestors | {mapper})
            children.append(ChildRows(relationship, below))
        elif relationship.direction is ONETOMANY and not relationship.viewonly:
            msg = (
                f"{mapper.class_.__name__}.{relationship.key} is a one-to-many relationship "
                "without cascade='all, delete-orphan': declare it so to store it as children "
                "of the aggregate, or viewonly=True to leave it out"
            )
            raise TypeError(msg)
    return tuple(children)


def _python_type(column: Any) -> object:  # noqa: ANN401 (any column)
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _unique_with(column: Column[Any], *others: Column[Any]) -> bool:
    """Whether the primary key, a unique constraint or a unique index is exactly these columns."""
    wanted = {column, *others}
    table = column.table
    keys = [set(table.primary_key.columns)]
    keys += [set(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [set(index.columns) for index in getattr(table, "indexes", ()) if index.unique]
    return wanted in keys
