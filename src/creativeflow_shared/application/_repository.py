"""The repository logic both storage styles share: identity, tenancy, pages and versions.

A ``Repository`` keeps no rows itself. Its subclasses say how an aggregate becomes a stored
record and back (``DocumentRepository``: a JSON document; the SQLAlchemy data-mapper
repository: the service's own rows), and a ``RecordStore`` port stores the records. Reading
through the unit of work's identity map, tenant isolation, specifications, offset and keyset
pages, and the optimistic version checks on commit are written here once, for every style and
every store (SQL or in memory).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast, get_args

from pydantic import ValidationError
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
    from creativeflow_shared.application._unit_of_work import StoreProvider

__all__ = [
    "Projection",
    "RecordQuery",
    "RecordStore",
    "Repository",
    "StoredRecord",
    "paths_of",
    "set_version",
]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)

_TENANT_FIELD = "tenant_id"
_DEFAULT_LIMIT = 50
_MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Projection:
    """An attribute of the aggregate that storage keeps in a column of its own.

    Columns can be compared in SQL, ordered by, paginated over, indexed and made unique.

    Attributes:
        name: The column name.
        path: The attribute path in the aggregate.
        annotation: The attribute's type (for document tables it decides the column type).
        nullable: Whether the attribute may be ``None``.
        unique: Whether two aggregates may not share a value.
        index: Whether to index the column.
        per_tenant: Whether uniqueness holds within each tenant rather than across all
            (tenant-owned aggregates: one tenant's values must not clash with, nor reveal,
            another's).
    """

    name: str
    path: tuple[str, ...]
    annotation: object
    nullable: bool
    unique: bool = False
    index: bool = False
    per_tenant: bool = False


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """An aggregate as a store keeps it.

    Attributes:
        id: The aggregate id as a primitive (``UUID``, ``str`` or ``int``).
        version: How many times it has been saved.
        tenant_id: The owning tenant, for tenant-owned aggregates.
        data: The stored form: JSON-compatible data for a document repository, the root row
            (with its children) for a data-mapper repository.
        projections: The values of the repository's columns (``Repository.projected``) by
            column name; filled when writing, for stores that compare them themselves.
    """

    id: object
    version: int
    tenant_id: str | None
    data: Any
    projections: dict[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """What to read from a record store.

    Attributes:
        specification: The condition records must satisfy, or ``None`` for all.
        tenant_id: Only records of this tenant (for tenant-owned aggregates).
        order_by: Sort keys (attributes kept in columns); the id breaks ties.
        after: For keyset pages: the sort values and id of the last record already seen.
        offset: How many matches to skip.
        limit: How many records at most (``None``: no limit).
    """

    specification: Specification[Any] | None = None
    tenant_id: str | None = None
    order_by: tuple[SortKey[Any], ...] = ()
    after: tuple[object, ...] | None = None
    offset: int = 0
    limit: int | None = None


class RecordStore(Protocol):
    """The storage port behind a repository (one per repository and transaction)."""

    def get(self, id_: object, tenant_id: str | None) -> StoredRecord | None:
        """Return the record with ``id_`` (of ``tenant_id`` when given), or ``None``."""
        ...

    def find(self, query: RecordQuery) -> list[StoredRecord]:
        """Return the records matching ``query`` in its order."""
        ...

    def count(self, query: RecordQuery) -> int:
        """Return how many records match ``query`` (ignoring order, offset and limit)."""
        ...

    def insert(self, records: Sequence[StoredRecord]) -> Result[None, AlreadyExistsError]:
        """Store new records (their ``version`` is already 1), all or none."""
        ...

    def update(
        self, record: StoredRecord, expected_version: int
    ) -> Result[bool, AlreadyExistsError]:
        """Replace the record if its stored version is ``expected_version``; say whether.

        A unique value taken by another record is a ``Failure``.
        """
        ...

    def delete(self, id_: object, expected_version: int) -> bool:
        """Delete the record if its stored version is ``expected_version``; say whether."""
        ...


class Repository(ABC, Generic[A, I]):
    """Stores aggregates of type ``A`` (ids of type ``I``); the base of both storage styles.

    Subclass ``DocumentRepository`` (no mapping code) or the SQLAlchemy data-mapper repository
    (your own rows), never this class directly. Repositories are built by a unit of work and
    share its transaction: ``uow.repository(JobRepository)``.

    Aggregates with a ``tenant_id`` attribute are tenant-owned: they are read and written only
    inside a request context of the same tenant (another tenant's aggregate is not found, and
    writing one raises ``ForbiddenError``).

    Attributes:
        aggregate_class: The aggregate type, taken from the generic arguments.
        resource_name: The name used in errors (the aggregate class name unless set).
        projected: The attributes stored in columns of their own (set when defined).
        tenant_owned: Whether the aggregate has a ``tenant_id`` (set when defined).
    """

    aggregate_class: ClassVar[type[AggregateRoot[Any]]]
    resource_name: ClassVar[str]
    projected: ClassVar[tuple[Projection, ...]] = ()
    tenant_owned: ClassVar[bool] = False
    _sortable_paths: ClassVar[frozenset[tuple[str, ...]]] = frozenset()
    _nullable_paths: ClassVar[frozenset[tuple[str, ...]]] = frozenset()

    @override
    def __init_subclass__(cls, **kwargs: object) -> None:
        """Resolve the aggregate type of a concrete repository, then let the style configure."""
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
                base = cls.__mro__[1].__name__
                msg = f"{cls.__name__} must name its types: {base}[Aggregate, Id, ...]"
                raise TypeError(msg)
        cls.resource_name = cls.__dict__.get("resource_name", cls.aggregate_class.__name__)
        cls.tenant_owned = _TENANT_FIELD in cls.aggregate_class.model_fields
        cls.projected = cls._resolve_projections()
        cls._sortable_paths = frozenset(p.path for p in cls.projected)
        cls._nullable_paths = frozenset(p.path for p in cls.projected if p.nullable)

    @classmethod
    @abstractmethod
    def _resolve_projections(cls) -> tuple[Projection, ...]:
        """Return the attributes this repository keeps in columns (called when defined)."""

    def __init__(self, stores: StoreProvider, tracker: Tracker) -> None:
        """Bind the repository to a transaction's stores and tracker (the unit of work does it)."""
        self._tracker = tracker
        self._store = stores.store(self)

    # -- the storage style ----------------------------------------------------------------------
    @abstractmethod
    def encode(self, aggregate: A, state: dict[str, Any], *, version: int) -> object:
        """Return the stored form of ``aggregate`` at ``version``, given its snapshot ``state``."""

    @abstractmethod
    def decode(self, record: StoredRecord) -> A:
        """Return the aggregate a stored record holds (not tracked by the unit of work)."""

    def snapshot(self, aggregate: AggregateRoot[Any]) -> dict[str, Any]:
        """Return the aggregate's state as JSON-compatible data, to tell later if it changed."""
        return aggregate.model_dump(mode="json", exclude={"version"})

    def _loaded_snapshot(self, record: StoredRecord, aggregate: A) -> dict[str, Any]:  # noqa: ARG002 (a hook: documents read it)
        """Return the snapshot of an aggregate just decoded from ``record``."""
        return self.snapshot(aggregate)

    @abstractmethod
    def _check_queryable(self, specification: Specification[Any]) -> None:
        """Raise ``TypeError`` if the store cannot compare some attribute ``specification`` uses."""

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
        record = self._store.get(comparable(id_), self._tenant_filter())
        # Removed in this unit of work: gone for it, even before the commit deletes the row.
        if record is None or self._tracker.is_removed(type(self), record.id):
            return Failure(NotFoundError(self.resource_name, id_))
        return Success(self._load(record))

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
        return [self._load(record) for record in self._present(self._store.find(query))]

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
        records = self._present(self._store.find(query))
        items = tuple(self._load(record) for record in records)
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
        query = RecordQuery(
            query.specification, query.tenant_id, query.order_by, after, 0, limit + 1
        )
        records = self._store.find(query)
        window = records[:limit]
        items = tuple(self._load(record) for record in self._present(window))
        next_cursor = None
        if len(records) > limit:
            # The stored values of the window's last row: the next page starts after that row
            # even when it was removed or changed in this unit of work.
            last = self.decode(window[-1])
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
        """Insert new aggregates, given with their snapshots, as version 1 (on commit)."""
        records: list[StoredRecord] = []
        for aggregate, state in batch:
            self._check_tenant(aggregate)
            records.append(self._record(cast("A", aggregate), state, version=1))
        inserted = self._store.insert(records)
        if isinstance(inserted, Success):
            for aggregate, _ in batch:
                set_version(aggregate, 1)
        return inserted

    def persist_changed(
        self, aggregate: AggregateRoot[Any], state: dict[str, Any]
    ) -> Result[None, ConcurrencyConflictError | AlreadyExistsError]:
        """Write the next version of ``aggregate`` if nobody else did (called on commit)."""
        self._check_tenant(aggregate)
        expected = aggregate.version
        record = self._record(cast("A", aggregate), state, version=expected + 1)
        updated = self._store.update(record, expected)
        if isinstance(updated, Failure):
            return updated
        if not updated.unwrap():
            return Failure(self._conflict(aggregate, expected))
        set_version(aggregate, expected + 1)
        return Success(None)

    def persist_removed(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError]:
        """Delete ``aggregate`` if nobody changed it since it was read (called on commit)."""
        if not self._store.delete(comparable(aggregate.id), aggregate.version):
            return Failure(self._conflict(aggregate, aggregate.version))
        return Success(None)

    # -- helpers ------------------------------------------------------------------------------
    def _conflict(self, aggregate: AggregateRoot[Any], expected: int) -> ConcurrencyConflictError:
        return ConcurrencyConflictError(self.resource_name, aggregate.id, expected_version=expected)

    def _record(self, aggregate: A, state: dict[str, Any], *, version: int) -> StoredRecord:
        return StoredRecord(
            id=comparable(aggregate.id),
            version=version,
            tenant_id=_tenant_of(aggregate) if self.tenant_owned else None,
            data=self.encode(aggregate, state, version=version),
            projections={p.name: comparable(value_at(aggregate, p.path)) for p in self.projected},
        )

    def _present(self, records: list[StoredRecord]) -> list[StoredRecord]:
        # Loading a removed aggregate again would track it as loaded and cancel its removal.
        return [r for r in records if not self._tracker.is_removed(type(self), r.id)]

    def _load(self, record: StoredRecord) -> A:
        tracked = self._tracker.tracked(type(self), record.id)
        if tracked is not None:
            return cast("A", tracked)
        aggregate = self.decode(record)
        snapshot = self._loaded_snapshot(record, aggregate)
        self._tracker.load(type(self), record.id, aggregate, self, snapshot)
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
    ) -> RecordQuery:
        if specification is not None:
            self._check_queryable(specification)
        for key in order_by:
            if key.path not in self._sortable_paths:
                msg = (
                    f"cannot order by {'.'.join(key.path)}: {type(self).__name__} keeps it in "
                    "no column (project it, or map it in a data-mapper repository's columns)"
                )
                raise TypeError(msg)
        return RecordQuery(
            specification, self._tenant_filter(), tuple(order_by), None, offset, limit
        )

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


def set_version(aggregate: AggregateRoot[Any], version: int) -> None:
    """Set the version persistence maintains, without the assignment validation.

    Persistence owns the version and only ever sets a valid int; validating the assignment
    would cost more than the rest of saving a row in a batch.
    """
    vars(aggregate)["version"] = version
    aggregate.__pydantic_fields_set__.add("version")


def _tenant_of(aggregate: AggregateRoot[Any]) -> str:
    return str(comparable(getattr(aggregate, _TENANT_FIELD)))


def _check_window(offset: int, limit: int) -> None:
    if offset < 0 or not 1 <= limit <= _MAX_LIMIT:
        msg = f"offset must be >= 0 and limit between 1 and {_MAX_LIMIT}"
        raise ValueError(msg)
