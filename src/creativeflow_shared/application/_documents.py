"""The document repository: aggregates stored whole, as JSON, with no mapping code.

``Repository`` holds the logic; this style adds only how an aggregate becomes a record (its
JSON form) and back, which attributes are copied into columns (``project``), and which
attributes a store may compare inside the JSON.
"""

from __future__ import annotations

import copy
import enum
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from pydantic import TypeAdapter
from typing_extensions import override

from creativeflow_shared.application._repository import Repository
from creativeflow_shared.application._sharing import may_share_input
from creativeflow_shared.application._storable import storable, unstorable_fields
from creativeflow_shared.application.ports import Projection, Storage, snapshot_of
from creativeflow_shared.domain import AggregateRoot, InvalidInputError, where

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application.ports import RecordCodec, StoredRecord
    from creativeflow_shared.domain import Specification

__all__ = [
    "DocumentCodec",
    "DocumentRepository",
    "JsonKind",
    "ProjectionRequest",
    "json_kind",
    "project",
]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)


@dataclass(frozen=True, slots=True)
class ProjectionRequest:
    """A request to project an attribute, made with ``project`` and resolved on subclassing.

    Attributes:
        path: The dotted attribute path.
        name: The column name (defaults to the path joined with underscores).
        unique: Whether values must be unique.
        index: Whether to index the column.
    """

    path: str
    name: str | None
    unique: bool
    index: bool


def project(
    path: str, *, name: str | None = None, unique: bool = False, index: bool = False
) -> ProjectionRequest:
    """Ask a document repository to project the attribute at dotted ``path`` into a column.

    Projected attributes can be ordered by, paginated over, indexed and made unique. For a
    tenant-owned aggregate a unique value is unique within its tenant: tenants neither clash
    with each other's values nor learn them from a failed insert.

    Examples:
        >>> project("workspace_id", index=True).index
        True
    """
    return ProjectionRequest(path, name, unique, index)


class DocumentRepository(Repository[A, I]):
    """Stores aggregates of type ``A`` (ids of type ``I``) as whole JSON documents.

    Subclass it once per aggregate, naming the two types and, optionally, the attributes to
    project into columns; the unit of work builds it with the right store::

        class JobRepository(DocumentRepository[GenerationJob, JobId]):
            projections = (project("workspace_id", index=True), project("created_at"))

    Specifications may compare projected attributes and, inside the JSON, unprojected text,
    ids, enums, numbers and booleans (see ``json_kind``); ordering needs projected attributes.
    See ``Repository`` for reading, writing and tenant isolation.

    Attributes:
        projections: What the subclass asks to project (``project(...)`` requests).
    """

    projections: ClassVar[Sequence[Projection | ProjectionRequest]] = ()

    @classmethod
    @override
    def _describe(cls) -> Storage:
        owned = "tenant_id" in cls.aggregate_class.model_fields
        return Storage(
            aggregate_class=cls.aggregate_class,
            resource_name=cls.resource_name,
            repository_name=cls.__name__,
            # Document tables key a tenant-owned aggregate by tenant and id (document_table).
            ids_per_tenant=owned,
            projections=tuple(_resolve(cls.aggregate_class, p, owned) for p in cls.projections),
        )

    @override
    def _new_codec(self) -> RecordCodec:
        # The codec depends on the description alone: one serves every unit of work.
        info = self.storage.info
        codec = info.get(DocumentCodec)
        if not isinstance(codec, DocumentCodec):
            codec = info[DocumentCodec] = DocumentCodec(self.storage)
        return codec

    @override
    def _check_queryable(self, specification: Specification[Any]) -> None:
        for path in specification.paths():
            if path in self.storage.sortable_paths:
                continue
            if json_kind(where(self.aggregate_class).follow(path).annotation) is None:
                msg = (
                    f"{'.'.join(path)} is not projected and its values do not keep their order "
                    f"inside JSON: add project({'.'.join(path)!r}) to {type(self).__name__}"
                )
                raise TypeError(msg)


class DocumentCodec:
    """The ``RecordCodec`` of the document style: the aggregate's JSON form is the record."""

    __slots__ = ("_copies", "_storage")

    def __init__(self, storage: Storage) -> None:
        """Encode and decode the aggregates ``storage`` describes."""
        self._storage = storage
        # An aggregate that may keep objects of the data it is validated from gets a copy of
        # it: the data is the snapshot changes are told by, and in memory the stored record.
        self._copies = may_share_input(cast("Any", storage.aggregate_class))

    def encode(self, aggregate: AggregateRoot[Any], state: object, version: int) -> object:  # noqa: ARG002 (the port's signature)
        """Return the document: the snapshot itself (the JSON form without the version)."""
        return state

    def decode(self, record: StoredRecord) -> AggregateRoot[Any]:
        """Validate the stored document back into the aggregate, with its stored version."""
        # One validation, version included (assigning it afterwards would validate again).
        data = copy.deepcopy(record.data) if self._copies else dict(record.data)
        data["version"] = record.version
        return self._storage.aggregate_class.model_validate(data)

    def snapshot(self, aggregate: AggregateRoot[Any]) -> dict[str, Any]:
        """Return the aggregate's JSON form without the version (``snapshot_of``)."""
        return snapshot_of(aggregate)

    def loaded_snapshot(
        self,
        record: StoredRecord,
        aggregate: AggregateRoot[Any],  # noqa: ARG002 (the port's signature)
    ) -> object:
        """Return the stored JSON: the aggregate is not serialised again to track it."""
        return cast("dict[str, Any]", record.data)

    def refuse_unstorable(
        self, state: object, projections: dict[str, object]
    ) -> InvalidInputError | None:
        """Name every value of the snapshot or its columns no store keeps (``None``: none).

        The columns hold typed values (decimals, datetimes) that the snapshot holds as text.
        """
        if storable(state) and all(storable(value) for value in projections.values()):
            return None
        problems = unstorable_fields(state)
        reported = {problem.loc for problem in problems}
        for projection in self._storage.projections:
            if projection.path not in reported:
                problems += unstorable_fields(projections[projection.name], *projection.path)
        name = self._storage.resource_name
        return InvalidInputError(problems, f"{name} holds values no store keeps")


class JsonKind(enum.Enum):
    """How an unprojected attribute is compared inside a stored JSON document."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    FLOAT = "number"


_TEMPORAL_FORMATS = frozenset({"date-time", "date", "time", "duration"})


@functools.cache
def json_kind(annotation: object) -> JsonKind | None:
    """Say how values of ``annotation`` compare inside JSON, or ``None`` when they cannot.

    Text, UUIDs, ids, enums, ints, bools and floats keep their order inside JSON. Decimals and
    datetimes are stored as text whose order is not theirs, so they must be projected.

    Examples:
        >>> from decimal import Decimal
        >>> json_kind(str), json_kind(Decimal)
        (<JsonKind.STRING: 'string'>, None)
    """
    schema = TypeAdapter(cast("Any", annotation)).json_schema(mode="validation")
    if schema.get("format") in _TEMPORAL_FORMATS:
        return None
    try:
        return JsonKind(schema.get("type"))
    except ValueError:
        return None


def _resolve(
    aggregate: type[AggregateRoot[Any]],
    request: Projection | ProjectionRequest,
    tenant_owned: bool,  # noqa: FBT001 (a fact of the repository, not an option)
) -> Projection:
    if isinstance(request, Projection):
        return request
    attribute = where(aggregate)
    nullable = False
    for name in request.path.split("."):
        attribute = attribute[name]
        # Behind an optional parent the value is missing whenever the parent is.
        nullable = nullable or attribute.optional
    return Projection(
        name=request.name or "_".join(attribute.path),
        path=attribute.path,
        annotation=attribute.annotation,
        nullable=nullable,
        unique=request.unique,
        index=request.index,
        per_tenant=request.unique and tenant_owned,
    )
