"""The data-mapper repository: aggregates saved into the service's own declarative rows.

Pydantic aggregates cannot be mapped by the ORM themselves, so the service writes its row
classes (SQLAlchemy 2 declarative, children as relationships) and two typed functions between
an aggregate and its root row. The row classes are inspected once, when the repository class
is defined (``describe_rows``); the rows are encoded and checked by ``RowCodec``; everything
else (identity map, tenancy, specifications, pages, optimistic versions that cover the
children) is the shared ``Repository`` logic.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, get_args

from typing_extensions import override

from creativeflow_shared.application import Repository
from creativeflow_shared.domain import AggregateRoot
from creativeflow_shared.infrastructure.sqlalchemy._row_codec import RowCodec
from creativeflow_shared.infrastructure.sqlalchemy._row_storage import RowStorage, describe_rows

if TYPE_CHECKING:
    from collections.abc import Mapping

    from creativeflow_shared.application.ports import RecordCodec
    from creativeflow_shared.domain import Specification

__all__ = ["DataMapperRepository"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
RowT = TypeVar("RowT")


class DataMapperRepository(Repository[A, I], Generic[A, I, RowT]):
    """Stores aggregates of type ``A`` (ids ``I``) in the service's own rows of type ``RowT``.

    Subclass it once per aggregate, naming the three types, and write the two mapping methods
    (keep their parameter names, ``aggregate`` and ``row``: strict type checkers compare them);
    list in ``columns`` the attributes that specifications and sort keys may use::

        class JobRepository(DataMapperRepository[GenerationJob, JobId, JobRow]):
            columns = {"status": JobRow.status, "workspace_id": JobRow.workspace_id}

            def to_row(self, aggregate: GenerationJob) -> JobRow:
                return JobRow(id=aggregate.id.value, status=aggregate.status.value, ...)

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
    """

    row_class: ClassVar[type[Any]]
    columns: ClassVar[Mapping[str, Any]] = {}
    version_column: ClassVar[str] = "version"
    tenant_column: ClassVar[str] = "tenant_id"
    # Set once, by ``_describe``, to what it returns: the description is a RowStorage here.
    storage: ClassVar[RowStorage]  # pyright: ignore[reportIncompatibleVariableOverride]

    @classmethod
    @override
    def _describe(cls) -> RowStorage:
        cls.row_class = _row_class_of(cls)
        return describe_rows(
            aggregate_class=cls.aggregate_class,
            resource_name=cls.resource_name,
            repository_name=cls.__name__,
            row_class=cls.row_class,
            columns=cls.columns,
            version_column=cls.version_column,
            tenant_column=cls.tenant_column,
        )

    # -- the mapping the service writes -----------------------------------------------------------
    @abstractmethod
    def to_row(self, aggregate: A) -> RowT:
        """Return a new root row (with its children) holding ``aggregate``'s state."""

    @abstractmethod
    def to_domain(self, row: RowT) -> A:
        """Return the aggregate a root row (with its children) holds."""

    # -- the storage style ------------------------------------------------------------------------
    @override
    def _new_codec(self) -> RecordCodec:
        return RowCodec(self, self.storage, type(self).__name__)

    @override
    def _check_queryable(self, specification: Specification[Any]) -> None:
        for path in specification.paths():
            if path not in self.storage.sortable_paths:
                msg = (
                    f"{'.'.join(path)} has no column: map it in {type(self).__name__}.columns "
                    f"to compare it"
                )
                raise TypeError(msg)


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
