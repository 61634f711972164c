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
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Protocol,
    TypeAlias,
    TypeVar,
    cast,
    get_args,
)
from uuid import UUID

from pydantic import ValidationError
from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.application._context import current_context
from creativeflow_shared.application._pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CursorPage,
    Page,
    decode_cursor,
    encode_cursor,
)
from creativeflow_shared.application._storable import storable, unstorable_fields
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
    Operator,
    Or,
    SortKey,
    Specification,
    comparable,
    comparable_type,
    value_at,
    where,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application._tracking import Tracker
    from creativeflow_shared.application._unit_of_work import StoreProvider

__all__ = [
    "MAX_COMPARED_VALUES",
    "Projection",
    "RecordQuery",
    "RecordStore",
    "Repository",
    "StoredRecord",
    "WriteError",
    "paths_of",
    "set_version",
]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)

_TENANT_FIELD = "tenant_id"
_INT64_MAX = 2**63 - 1
#: The most values one specification may compare with (the members of its ``IN`` lists
#: included): a statement holds 65,535 parameters at most on PostgreSQL.
MAX_COMPARED_VALUES = 10_000


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
        tenant_id: The owning tenant, for tenant-owned aggregates (on writes: the request
            context's tenant, never the one the aggregate claims).
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


#: What a store's write can fail with, as a value: a taken id or unique value, or a value the
#: database refuses (a store translates such driver errors; see ``storable`` for the rule
#: repositories check first).
WriteError: TypeAlias = AlreadyExistsError | InvalidInputError


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

    def insert(self, records: Sequence[StoredRecord]) -> Result[None, WriteError]:
        """Store new records (their ``version`` is already 1), all or none.

        An id (of the tenant, where ids are unique per tenant) or unique value that is taken
        is a ``Failure``.
        """
        ...

    def update(self, record: StoredRecord, expected_version: int) -> Result[bool, WriteError]:
        """Replace the record if its stored version is ``expected_version``; say whether.

        For a tenant-owned aggregate only a record of ``record.tenant_id`` matches: the
        statement itself is constrained by the tenant. A unique value taken by another record
        is a ``Failure``.
        """
        ...

    def delete(self, id_: object, expected_version: int, tenant_id: str | None) -> bool:
        """Delete the record if its stored version is ``expected_version``; say whether.

        Only a record of ``tenant_id`` matches when it is given.
        """
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
        ids_per_tenant: Whether ids are unique within each tenant rather than across all
            (the storage keys records by tenant and id; set by the storage style).
    """

    aggregate_class: ClassVar[type[AggregateRoot[Any]]]
    resource_name: ClassVar[str]
    projected: ClassVar[tuple[Projection, ...]] = ()
    tenant_owned: ClassVar[bool] = False
    ids_per_tenant: ClassVar[bool] = False
    _sortable_paths: ClassVar[frozenset[tuple[str, ...]]] = frozenset()
    _nullable_paths: ClassVar[frozenset[tuple[str, ...]]] = frozenset()
    _id_type: ClassVar[type | None] = None
    _id_sort_key: ClassVar[SortKey[Any]]

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
        cls._id_type = comparable_type(cls.aggregate_class.model_fields["id"].annotation)
        cls._id_sort_key = where(cls.aggregate_class)["id"].asc()
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
            none (or it belongs to another tenant, or ``id_`` is no id a store could hold).
        """
        tenant = self._tenant_filter()
        key = comparable(id_)
        # An id of another type, or one no store can hold, names nothing (and would make a
        # driver raise): not found, on every adapter.
        if not self._holds_id(key):
            return Failure(NotFoundError(self.resource_name, id_))
        tracked = self._tracker.tracked(type(self), (tenant, key))
        if tracked is not None:
            return Success(cast("A", tracked))
        record = self._store.get(key, tenant)
        # Removed in this unit of work: gone for it, even before the commit deletes the row.
        if record is None or self._tracker.is_removed(type(self), (tenant, record.id)):
            return Failure(NotFoundError(self.resource_name, id_))
        return Success(self._load(record, tenant))

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
        """Return the aggregates that satisfy ``specification``, ordered by ``order_by``.

        Raises:
            InvalidInputError: If the specification compares with a value no store can hold
                (see ``storable``), or with more than ``MAX_COMPARED_VALUES`` values.
            ValueError: If ``limit`` is negative.
        """
        if limit is not None:
            _check_window(0, limit, max_limit=_INT64_MAX, min_limit=0)
        query = self._query(specification, order_by, limit=limit)
        tenant = query.tenant_id
        return [self._load(r, tenant) for r in self._present(self._store.find(query), tenant)]

    def count(self, specification: Specification[A] | None = None) -> int:
        """Return how many aggregates satisfy ``specification``.

        Raises:
            InvalidInputError: If the specification compares with a value no store can hold,
                or with more than ``MAX_COMPARED_VALUES`` values.
        """
        return self._store.count(self._query(specification, ()))

    def page(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[A]:
        """Return one offset page of matches with the total count.

        Raises:
            InvalidInputError: If the specification compares with a value no store can hold,
                or with more than ``MAX_COMPARED_VALUES`` values.
            ValueError: If ``offset`` is negative (or beyond 64 bits) or ``limit`` is not
                between 1 and ``MAX_PAGE_SIZE``.
        """
        _check_window(offset, limit)
        query = self._query(specification, order_by, offset=offset, limit=limit)
        tenant = query.tenant_id
        records = self._present(self._store.find(query), tenant)
        items = tuple(self._load(record, tenant) for record in records)
        return Page(items, self._store.count(query), offset, limit)

    def page_after(
        self,
        cursor: str | None = None,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Result[CursorPage[A], InvalidInputError]:
        """Return the keyset page that follows ``cursor`` (the first page for ``None``).

        The order is ``order_by`` then the id, so it is stable even among equal sort values.
        A cursor remembers the ordering it was written for.

        Returns:
            ``Success`` with the page, or ``Failure`` with ``InvalidInputError`` when the
            cursor was not written by this repository for this ordering, or the
            specification compares with a value no store can hold (or with more than
            ``MAX_COMPARED_VALUES`` values).

        Raises:
            TypeError: If a sort key may be ``None`` (keyset pages need non-null keys).
            ValueError: If ``limit`` is not between 1 and ``MAX_PAGE_SIZE``.
        """
        _check_window(0, limit)
        keys = tuple(order_by)
        for key in keys:
            if key.nullable or key.path in self._nullable_paths:
                msg = f"{'.'.join(key.path)} may be None; keyset pages need non-null keys"
                raise TypeError(msg)
        ordering = _ordering(keys)
        after: tuple[object, ...] | None = None
        if cursor is not None:
            parsed = self._parse_cursor(cursor, ordering, keys)
            if isinstance(parsed, Failure):
                return parsed
            after = parsed.unwrap()
        try:
            query = self._query(specification, keys)
        except InvalidInputError as error:
            return Failure(error)
        # One more than the page: whether it comes says whether another page follows.
        query = RecordQuery(
            query.specification, query.tenant_id, query.order_by, after, 0, limit + 1
        )
        tenant = query.tenant_id
        records = self._store.find(query)
        window = records[:limit]
        items = tuple(self._load(record, tenant) for record in self._present(window, tenant))
        next_cursor = None
        if len(records) > limit:
            # The stored values of the window's last row: the next page starts after that row
            # even when it was removed or changed in this unit of work.
            last = self.decode(window[-1])
            values = [*(k.value_of(last) for k in keys), comparable(last.id)]
            next_cursor = encode_cursor([ordering, *values])
        return Success(CursorPage(items, next_cursor))

    # -- writing ------------------------------------------------------------------------------
    def add(self, aggregate: A) -> None:
        """Add a new aggregate; it is inserted when the unit of work commits.

        Raises:
            ForbiddenError: If the aggregate belongs to another tenant.
        """
        tenant = self._tenant_filter()
        self._check_tenant(aggregate, tenant)
        key = (tenant, comparable(aggregate.id))
        self._tracker.add(type(self), key, aggregate, self)

    def remove(self, aggregate: A) -> None:
        """Remove an aggregate; it is deleted (if unchanged since loaded) on commit.

        Raises:
            ForbiddenError: If the aggregate belongs to another tenant.
        """
        tenant = self._tenant_filter()
        self._check_tenant(aggregate, tenant)
        key = (tenant, comparable(aggregate.id))
        self._tracker.remove(type(self), key, aggregate, self)

    # -- used by the unit of work when it commits -----------------------------------------------
    # Every write is constrained by the tenant of the request context in the statement itself,
    # never by the tenant an object claims: an object that claims another tenant is refused,
    # and a write that matches no record of the tenant is not found (whether the id is
    # unknown or another tenant's), so nothing reveals another tenant's aggregates.
    def persist_new(
        self, batch: Sequence[tuple[AggregateRoot[Any], dict[str, Any]]]
    ) -> Result[None, AlreadyExistsError | InvalidInputError]:
        """Insert new aggregates, given with their snapshots, as version 1 (on commit).

        Returns:
            ``Success(None)``, or ``Failure`` with ``AlreadyExistsError`` (an id or unique
            value is taken) or ``InvalidInputError`` (an aggregate holds a value no store
            keeps).

        Raises:
            ForbiddenError: If an aggregate claims another tenant than the request context's.
        """
        tenant = self._tenant_filter()
        records: list[StoredRecord] = []
        for aggregate, state in batch:
            self._check_tenant(aggregate, tenant)
            record = self._record(cast("A", aggregate), state, version=1, tenant=tenant)
            if isinstance(record, InvalidInputError):
                return Failure(record)
            records.append(record)
        inserted = self._store.insert(records)
        if isinstance(inserted, Success):
            for aggregate, _ in batch:
                set_version(aggregate, 1)
        return inserted

    def persist_changed(
        self, aggregate: AggregateRoot[Any], state: dict[str, Any]
    ) -> Result[
        None, ConcurrencyConflictError | NotFoundError | AlreadyExistsError | InvalidInputError
    ]:
        """Write the next version of ``aggregate`` if nobody else did (called on commit).

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError`` (the tenant's
            record has another version), ``NotFoundError`` (the tenant has no such record),
            ``AlreadyExistsError`` (a unique value is taken) or ``InvalidInputError``.

        Raises:
            ForbiddenError: If the aggregate claims another tenant than the request context's.
        """
        tenant = self._tenant_filter()
        self._check_tenant(aggregate, tenant)
        expected = aggregate.version
        record = self._record(cast("A", aggregate), state, version=expected + 1, tenant=tenant)
        if isinstance(record, InvalidInputError):
            return Failure(record)
        updated = self._store.update(record, expected)
        if isinstance(updated, Failure):
            return updated
        if not updated.unwrap():
            return Failure(self._missed(aggregate, expected, tenant))
        set_version(aggregate, expected + 1)
        return Success(None)

    def persist_removed(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError | NotFoundError]:
        """Delete ``aggregate`` if nobody changed it since it was read (called on commit).

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError`` (the tenant's
            record has another version) or ``NotFoundError`` (the tenant has no such record).

        Raises:
            ForbiddenError: If the aggregate claims another tenant than the request context's.
        """
        tenant = self._tenant_filter()
        self._check_tenant(aggregate, tenant)
        key = comparable(aggregate.id)
        if not self._holds_id(key) or not self._store.delete(key, aggregate.version, tenant):
            return Failure(self._missed(aggregate, aggregate.version, tenant))
        return Success(None)

    # -- helpers ------------------------------------------------------------------------------
    def _missed(
        self, aggregate: AggregateRoot[Any], expected: int, tenant: str | None
    ) -> ConcurrencyConflictError | NotFoundError:
        """Say why a versioned write matched nothing: another version, or no such record."""
        key = comparable(aggregate.id)
        if self._holds_id(key) and self._store.get(key, tenant) is not None:
            return ConcurrencyConflictError(
                self.resource_name, aggregate.id, expected_version=expected
            )
        return NotFoundError(self.resource_name, aggregate.id)

    def _record(
        self, aggregate: A, state: dict[str, Any], *, version: int, tenant: str | None
    ) -> StoredRecord | InvalidInputError:
        projections = {p.name: comparable(value_at(aggregate, p.path)) for p in self.projected}
        refused = self._refuse_unstorable(state, projections)
        if refused is not None:
            return refused
        try:
            data = self.encode(aggregate, state, version=version)
        except InvalidInputError as error:  # the style's own check of what it stores
            return error
        return StoredRecord(
            id=comparable(aggregate.id),
            version=version,
            tenant_id=tenant,
            data=data,
            projections=projections,
        )

    def _refuse_unstorable(
        self, state: dict[str, Any], projections: dict[str, object]
    ) -> InvalidInputError | None:
        """Name every value of the stored form no store keeps (``None``: all are kept).

        This is the document style's stored form: the snapshot, and its columns (which hold
        typed values, decimals and datetimes, that the snapshot holds as text). A style that
        stores something else checks it in ``encode``.
        """
        if storable(state):
            for value in projections.values():
                if not storable(value):
                    break
            else:
                return None
        problems = unstorable_fields(state)
        reported = {problem.loc for problem in problems}
        for projection in self.projected:
            if projection.path not in reported:
                problems += unstorable_fields(projections[projection.name], *projection.path)
        return InvalidInputError(problems, f"{self.resource_name} holds values no store keeps")

    def _holds_id(self, key: object) -> bool:
        """Whether ``key`` is an id of this repository's type that a store can hold."""
        kind = self._id_type
        if kind is not None and not isinstance(key, kind):
            return False
        if type(key) is bool and kind is not bool:
            return False  # True is an int in Python, not an id a database compares as one
        return type(key) is UUID or storable(key)

    def _present(self, records: list[StoredRecord], tenant: str | None) -> list[StoredRecord]:
        # Loading a removed aggregate again would track it as loaded and cancel its removal.
        kind = type(self)
        return [r for r in records if not self._tracker.is_removed(kind, (tenant, r.id))]

    def _load(self, record: StoredRecord, tenant: str | None) -> A:
        key = (tenant, record.id)
        tracked = self._tracker.tracked(type(self), key)
        if tracked is not None:
            return cast("A", tracked)
        aggregate = self.decode(record)
        snapshot = self._loaded_snapshot(record, aggregate)
        self._tracker.load(type(self), key, aggregate, self, snapshot)
        return aggregate

    def _tenant_filter(self) -> str | None:
        if not self.tenant_owned:
            return None
        tenant = current_context().tenant_id
        if tenant is None:
            msg = f"{self.resource_name} is tenant-owned: set a tenant in the request context"
            raise ForbiddenError(msg)
        return tenant

    def _check_tenant(self, aggregate: AggregateRoot[Any], tenant: str | None) -> None:
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
            compared = compared_values(specification)
            if len(compared) > MAX_COMPARED_VALUES:
                msg = f"A specification compares {MAX_COMPARED_VALUES} values at most"
                raise InvalidInputError.single(msg, error_type="too_long")
            problems = [
                problem for path, value in compared for problem in unstorable_fields(value, *path)
            ]
            if problems:
                raise InvalidInputError(problems, "The specification compares unstorable values")
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
        self, cursor: str, ordering: str, keys: tuple[SortKey[A], ...]
    ) -> Result[tuple[object, ...], InvalidInputError]:
        invalid = Failure(InvalidInputError.single("The cursor is not valid", loc=("cursor",)))
        decoded = decode_cursor(cursor, len(keys) + 2)
        if isinstance(decoded, Failure):
            return decoded
        written_for, *values = decoded.unwrap()
        if written_for != ordering:
            return Failure(
                InvalidInputError.single(
                    "The cursor was written for another ordering", loc=("cursor",)
                )
            )
        all_keys: tuple[SortKey[Any], ...] = (*keys, self._id_sort_key)
        try:
            parsed = [key.parse(value) for key, value in zip(all_keys, values, strict=True)]
        except ValidationError:
            return invalid
        # A value no store holds was written by no page of ours (and would make a driver raise).
        if not all(storable(value) for value in parsed):
            return invalid
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


def compared_values(
    specification: Specification[Any],
) -> list[tuple[tuple[str, ...], object]]:
    """Return every value a specification compares with, with the path it is compared to.

    The members of an ``IN`` comparison come one by one.
    """
    match specification:
        case Comparison(path=path, operator=operator, value=value):
            if operator is Operator.IN and isinstance(value, tuple):
                members = cast("tuple[object, ...]", value)
                return [(path, member) for member in members]
            return [(path, value)]
        case IsNull():
            return []
        case And(left=left, right=right) | Or(left=left, right=right):
            return compared_values(left) + compared_values(right)
        case Not(operand=operand):
            return compared_values(operand)
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


def _check_window(
    offset: int, limit: int, *, max_limit: int = MAX_PAGE_SIZE, min_limit: int = 1
) -> None:
    if not 0 <= offset <= _INT64_MAX or not min_limit <= limit <= max_limit:
        msg = (
            f"offset must be between 0 and 2**63 - 1, and limit between {min_limit} and {max_limit}"
        )
        raise ValueError(msg)


def _ordering(keys: Sequence[SortKey[Any]]) -> str:
    """Name an ordering, so that a cursor written for one is refused for another."""
    return ",".join(("-" if key.descending else "+") + ".".join(key.path) for key in keys)
