"""The document repository: aggregates stored whole, as JSON, with no mapping code.

The repository logic (identity, tenancy, pagination, optimistic versions) lives here once; a
``DocumentStore`` port does the storage. The SQLAlchemy adapter stores documents in a
table (JSONB on PostgreSQL) and the testing kit keeps them in memory: both run this same code,
which is why the in-memory fake cannot drift from production.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast, get_args

from pydantic import TypeAdapter, ValidationError
from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.application._context import current_context
from creativeflow_shared.application._pagination import (
    CursorPage,
    Page,
    decode_cursor,
    encode_cursor,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    And,
    Comparison,
    ConcurrencyConflictError,
    ForbiddenError,
    InvalidInputError,
    IsNull,
    Not,
    NotFoundError,
    Or,
    SortKey,
    Specification,
    comparable,
    value_at,
    where,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application._tracking import Tracker

__all__ = [
    "DocumentQuery",
    "DocumentRepository",
    "DocumentStore",
    "JsonKind",
    "Projection",
    "ProjectionRequest",
    "StoredDocument",
    "json_kind",
    "paths_of",
    "project",
]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)

_TENANT_FIELD = "tenant_id"
_DEFAULT_LIMIT = 50
_MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Projection:
    """A field of the aggregate copied into its own column, for indexes and unique keys.

    Attributes:
        name: The column name.
        path: The attribute path in the aggregate.
        annotation: The attribute's type (it decides the column type).
        nullable: Whether the attribute may be ``None``.
        unique: Whether two aggregates may not share a value.
        index: Whether to index the column.
    """

    name: str
    path: tuple[str, ...]
    annotation: object
    nullable: bool
    unique: bool = False
    index: bool = False


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

    Projected attributes can be ordered by, paginated over, indexed and made unique.

    Examples:
        >>> project("workspace_id", index=True).index
        True
    """
    return ProjectionRequest(path, name, unique, index)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """An aggregate as a store keeps it.

    Attributes:
        id: The aggregate id as a primitive (``UUID``, ``str`` or ``int``).
        version: How many times it has been saved.
        tenant_id: The owning tenant, for tenant-owned aggregates.
        data: The aggregate's fields as JSON-compatible data.
        projections: The projected column values by column name.
    """

    id: object
    version: int
    tenant_id: str | None
    data: dict[str, Any]
    projections: dict[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    """What to read from a document store.

    Attributes:
        specification: The condition documents must satisfy, or ``None`` for all.
        tenant_id: Only documents of this tenant (for tenant-owned aggregates).
        order_by: Sort keys (projected attributes); the id breaks ties.
        after: For keyset pages: the sort values and id of the last document already seen.
        offset: How many matches to skip.
        limit: How many documents at most (``None``: no limit).
    """

    specification: Specification[Any] | None = None
    tenant_id: str | None = None
    order_by: tuple[SortKey[Any], ...] = ()
    after: tuple[object, ...] | None = None
    offset: int = 0
    limit: int | None = None


class DocumentStore(Protocol):
    """The storage port behind ``DocumentRepository`` (one per aggregate type)."""

    def get(self, id_: object, tenant_id: str | None) -> StoredDocument | None:
        """Return the document with ``id_`` (of ``tenant_id`` when given), or ``None``."""
        ...

    def find(self, query: DocumentQuery) -> list[StoredDocument]:
        """Return the documents matching ``query`` in its order."""
        ...

    def count(self, query: DocumentQuery) -> int:
        """Return how many documents match ``query`` (ignoring order, offset and limit)."""
        ...

    def insert(self, documents: Sequence[StoredDocument]) -> Result[None, AlreadyExistsError]:
        """Store new documents (their ``version`` is already 1), all or none."""
        ...

    def update(
        self, document: StoredDocument, expected_version: int
    ) -> Result[bool, AlreadyExistsError]:
        """Replace the document if its stored version is ``expected_version``; say whether.

        A unique projection taken by another document is a ``Failure``.
        """
        ...

    def delete(self, id_: object, expected_version: int) -> bool:
        """Delete the document if its stored version is ``expected_version``; say whether."""
        ...


class DocumentRepository(Generic[A, I]):
    """Stores aggregates of type ``A`` (ids of type ``I``) as whole JSON documents.

    Subclass it once per aggregate, naming the two types and, optionally, the attributes to
    project into columns; the unit of work builds it with the right store::

        class JobRepository(DocumentRepository[GenerationJob, JobId]):
            projections = (project("workspace_id", index=True), project("created_at"))

    Aggregates with a ``tenant_id`` attribute are tenant-owned: they are read and written only
    inside a request context of the same tenant (another tenant's aggregate is not found, and
    writing one raises ``ForbiddenError``).

    Attributes:
        aggregate_class: The aggregate type, taken from the generic arguments.
        resource_name: The name used in errors and as the default table name.
        projections: What the subclass asks to project (``project(...)`` requests).
        projected: The resolved projections (set when the subclass is defined).
        tenant_owned: Whether the aggregate has a ``tenant_id`` (set when defined).
    """

    aggregate_class: ClassVar[type[AggregateRoot[Any]]]
    resource_name: ClassVar[str]
    projections: ClassVar[Sequence[Projection | ProjectionRequest]] = ()
    projected: ClassVar[tuple[Projection, ...]] = ()
    tenant_owned: ClassVar[bool] = False
    _sortable_paths: ClassVar[frozenset[tuple[str, ...]]] = frozenset()
    _nullable_paths: ClassVar[frozenset[tuple[str, ...]]] = frozenset()

    @override
    def __init_subclass__(cls, **kwargs: object) -> None:
        """Resolve the aggregate type and the projections of a concrete repository."""
        super().__init_subclass__(**kwargs)
        own_bases = cls.__dict__.get("__orig_bases__", ())
        for base in own_bases:
            args = get_args(base)
            if args and isinstance(args[0], type) and issubclass(args[0], AggregateRoot):
                cls.aggregate_class = args[0]
                break
        else:
            if any(isinstance(arg, TypeVar) for base in own_bases for arg in get_args(base)):
                return  # a generic intermediate base: its own subclasses name the types
            if not hasattr(cls, "aggregate_class"):
                msg = f"{cls.__name__} must name its types: DocumentRepository[Aggregate, Id]"
                raise TypeError(msg)
        cls.resource_name = cls.__dict__.get("resource_name", cls.aggregate_class.__name__)
        cls.tenant_owned = _TENANT_FIELD in cls.aggregate_class.model_fields
        cls.projected = tuple(_resolve(cls.aggregate_class, p) for p in cls.projections)
        cls._sortable_paths = frozenset(p.path for p in cls.projected)
        cls._nullable_paths = frozenset(p.path for p in cls.projected if p.nullable)

    def __init__(self, store: DocumentStore, tracker: Tracker) -> None:
        """Bind the repository to a store and the unit of work's tracker (the UoW does it)."""
        self._store = store
        self._tracker = tracker

    # -- reading ------------------------------------------------------------------------------
    def get(self, id_: I) -> Result[A, NotFoundError]:
        """Load the aggregate with ``id_``.

        Returns:
            ``Success`` with the aggregate, or ``Failure`` with ``NotFoundError`` when there is
            none (or it belongs to another tenant).
        """
        tracked = self._tracker.tracked(type(self), comparable(id_))
        if tracked is not None:
            return Success(cast("A", tracked))
        document = self._store.get(comparable(id_), self._tenant_filter())
        # Removed in this unit of work: gone for it, even before the commit deletes the row.
        if document is None or self._tracker.is_removed(type(self), document.id):
            return Failure(NotFoundError(self.resource_name, id_))
        return Success(self._load(document))

    def exists(self, id_: I) -> bool:
        """Whether an aggregate with ``id_`` exists (for the current tenant)."""
        return isinstance(self.get(id_), Success)

    def find(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int | None = None,
    ) -> list[A]:
        """Return the aggregates that satisfy ``specification``, ordered by ``order_by``."""
        query = self._query(specification, order_by, limit=limit)
        return [self._load(document) for document in self._present(self._store.find(query))]

    def count(self, specification: Specification[A] | None = None) -> int:
        """Return how many aggregates satisfy ``specification``."""
        return self._store.count(self._query(specification, ()))

    def page(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        offset: int = 0,
        limit: int = _DEFAULT_LIMIT,
    ) -> Page[A]:
        """Return one offset page of matches with the total count."""
        _check_window(offset, limit)
        query = self._query(specification, order_by, offset=offset, limit=limit)
        documents = self._present(self._store.find(query))
        items = tuple(self._load(document) for document in documents)
        return Page(items, self._store.count(query), offset, limit)

    def page_after(
        self,
        cursor: str | None = None,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int = _DEFAULT_LIMIT,
    ) -> Result[CursorPage[A], InvalidInputError]:
        """Return the keyset page that follows ``cursor`` (the first page for ``None``).

        The order is ``order_by`` then the id, so it is stable even among equal sort values.

        Returns:
            ``Success`` with the page, or ``Failure`` with ``InvalidInputError`` when the
            cursor was not written for this ordering.
        """
        _check_window(0, limit)
        keys = tuple(order_by)
        for key in keys:
            if key.nullable or key.path in self._nullable_paths:
                msg = f"{'.'.join(key.path)} may be None; keyset pages need non-null keys"
                raise TypeError(msg)
        after: tuple[object, ...] | None = None
        if cursor is not None:
            decoded = decode_cursor(cursor, len(keys) + 1)
            if isinstance(decoded, Failure):
                return decoded
            parsed = self._parse_cursor(keys, decoded.unwrap())
            if isinstance(parsed, Failure):
                return parsed
            after = parsed.unwrap()
        query = self._query(specification, keys, limit=limit + 1)
        query = DocumentQuery(
            query.specification, query.tenant_id, query.order_by, after, 0, limit + 1
        )
        documents = self._store.find(query)
        window = documents[:limit]
        items = tuple(self._load(document) for document in self._present(window))
        next_cursor = None
        if len(documents) > limit:
            # The stored values of the window's last row: the next page starts after that row
            # even when it was removed or changed in this unit of work.
            last = cast("A", self.aggregate_class.model_validate(window[-1].data))
            next_cursor = encode_cursor([*(k.value_of(last) for k in keys), comparable(last.id)])
        return Success(CursorPage(items, next_cursor))

    # -- writing ------------------------------------------------------------------------------
    def add(self, aggregate: A) -> None:
        """Add a new aggregate; it is inserted when the unit of work commits.

        Raises:
            ForbiddenError: If the aggregate belongs to another tenant.
        """
        self._check_tenant(aggregate)
        self._tracker.add(type(self), comparable(aggregate.id), aggregate, self)

    def remove(self, aggregate: A) -> None:
        """Remove an aggregate; it is deleted (if unchanged since loaded) on commit.

        Raises:
            ForbiddenError: If the aggregate belongs to another tenant.
        """
        self._check_tenant(aggregate)
        self._tracker.remove(type(self), comparable(aggregate.id), aggregate, self)

    # -- used by the unit of work when it commits -----------------------------------------------
    def persist_new(
        self, batch: Sequence[tuple[AggregateRoot[Any], dict[str, Any]]]
    ) -> Result[None, AlreadyExistsError]:
        """Insert new aggregates, given with their stored form, as version 1 (on commit)."""
        documents: list[StoredDocument] = []
        for aggregate, state in batch:
            self._check_tenant(aggregate)
            documents.append(self._document(aggregate, state, version=1))
        inserted = self._store.insert(documents)
        if isinstance(inserted, Success):
            for aggregate, _ in batch:
                _set_version(aggregate, 1)
        return inserted

    def persist_changed(
        self, aggregate: AggregateRoot[Any], state: dict[str, Any]
    ) -> Result[None, ConcurrencyConflictError | AlreadyExistsError]:
        """Write the next version of ``aggregate`` if nobody else did (called on commit)."""
        self._check_tenant(aggregate)
        expected = aggregate.version
        updated = self._store.update(
            self._document(aggregate, state, version=expected + 1), expected
        )
        if isinstance(updated, Failure):
            return updated
        if not updated.unwrap():
            return Failure(self._conflict(aggregate, expected))
        _set_version(aggregate, expected + 1)
        return Success(None)

    def persist_removed(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError]:
        """Delete ``aggregate`` if nobody changed it since it was read (called on commit)."""
        if not self._store.delete(comparable(aggregate.id), aggregate.version):
            return Failure(self._conflict(aggregate, aggregate.version))
        return Success(None)

    def snapshot(self, aggregate: AggregateRoot[Any]) -> dict[str, Any]:
        """Return the aggregate's stored form, to tell later whether it changed."""
        return aggregate.model_dump(mode="json", exclude={"version"})

    # -- helpers ------------------------------------------------------------------------------
    def _conflict(self, aggregate: AggregateRoot[Any], expected: int) -> ConcurrencyConflictError:
        return ConcurrencyConflictError(self.resource_name, aggregate.id, expected_version=expected)

    def _document(
        self, aggregate: AggregateRoot[Any], data: dict[str, Any], *, version: int
    ) -> StoredDocument:
        return StoredDocument(
            id=comparable(aggregate.id),
            version=version,
            tenant_id=_tenant_of(aggregate) if self.tenant_owned else None,
            data=data,
            projections={p.name: comparable(value_at(aggregate, p.path)) for p in self.projected},
        )

    def _present(self, documents: list[StoredDocument]) -> list[StoredDocument]:
        # Loading a removed aggregate again would track it as loaded and cancel its removal.
        return [d for d in documents if not self._tracker.is_removed(type(self), d.id)]

    def _load(self, document: StoredDocument) -> A:
        tracked = self._tracker.tracked(type(self), document.id)
        if tracked is not None:
            return cast("A", tracked)
        # One validation, version included (assigning it afterwards would validate again).
        data = {**document.data, "version": document.version}
        aggregate = cast("A", self.aggregate_class.model_validate(data))
        # The stored JSON is the snapshot: the aggregate is not serialised again to track it.
        self._tracker.load(type(self), document.id, aggregate, self, document.data)
        return aggregate

    def _tenant_filter(self) -> str | None:
        if not self.tenant_owned:
            return None
        tenant = current_context().tenant_id
        if tenant is None:
            msg = f"{self.resource_name} is tenant-owned: set a tenant in the request context"
            raise ForbiddenError(msg)
        return tenant

    def _check_tenant(self, aggregate: AggregateRoot[Any]) -> None:
        tenant = self._tenant_filter()
        if tenant is not None and _tenant_of(aggregate) != tenant:
            msg = f"{self.resource_name} '{aggregate.id}' belongs to another tenant"
            raise ForbiddenError(msg)

    def _query(
        self,
        specification: Specification[A] | None,
        order_by: Sequence[SortKey[A]],
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> DocumentQuery:
        if specification is not None:
            self._check_queryable(specification)
        for key in order_by:
            if key.path not in self._sortable_paths:
                msg = f"order by a projected attribute; {'.'.join(key.path)} is not projected"
                raise TypeError(msg)
        return DocumentQuery(
            specification, self._tenant_filter(), tuple(order_by), None, offset, limit
        )

    def _check_queryable(self, specification: Specification[Any]) -> None:
        for path in paths_of(specification):
            if path in self._sortable_paths:
                continue
            if json_kind(where(self.aggregate_class).follow(path).annotation) is None:
                msg = (
                    f"{'.'.join(path)} is not projected and its values do not keep their order "
                    f"inside JSON: add project({'.'.join(path)!r}) to {type(self).__name__}"
                )
                raise TypeError(msg)

    def _parse_cursor(
        self, keys: tuple[SortKey[A], ...], values: list[object]
    ) -> Result[tuple[object, ...], InvalidInputError]:
        id_key: SortKey[Any] = where(self.aggregate_class)["id"].asc()
        all_keys: tuple[SortKey[Any], ...] = (*keys, id_key)
        try:
            parsed = [key.parse(value) for key, value in zip(all_keys, values, strict=True)]
        except ValidationError:
            return Failure(InvalidInputError.single("The cursor is not valid", loc=("cursor",)))
        return Success(tuple(parsed))


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


def paths_of(specification: Specification[Any]) -> list[tuple[str, ...]]:
    """Return every attribute path a specification compares."""
    match specification:
        case Comparison(path=path) | IsNull(path=path):
            return [path]
        case And(left=left, right=right) | Or(left=left, right=right):
            return paths_of(left) + paths_of(right)
        case Not(operand=operand):
            return paths_of(operand)
        case _:
            msg = f"unsupported specification node {specification!r}"
            raise TypeError(msg)


def _set_version(aggregate: AggregateRoot[Any], version: int) -> None:
    # Persistence owns the version and only ever sets a valid int: skip the assignment
    # validation, which would cost more than the rest of saving a row in a batch.
    vars(aggregate)["version"] = version
    aggregate.__pydantic_fields_set__.add("version")


def _tenant_of(aggregate: AggregateRoot[Any]) -> str:
    return str(comparable(getattr(aggregate, _TENANT_FIELD)))


def _check_window(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= _MAX_LIMIT:
        msg = f"offset must be >= 0 and limit between 1 and {_MAX_LIMIT}"
        raise ValueError(msg)


def _resolve(
    aggregate: type[AggregateRoot[Any]], request: Projection | ProjectionRequest
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
    )
