"""The repository: the collection of aggregates a service reads and adds to.

A ``Repository`` keeps no rows itself. Its storage style (``DocumentRepository``: a JSON
document; the SQLAlchemy data-mapper repository: the service's own rows) describes what it
stores (``Storage``, built when the class is defined) and gives the codec that turns
aggregates into records and back; a ``RecordStore`` port stores the records, and the unit of
work writes them at commit through a ``RecordWriter``. Reading through the unit of work's
identity map, tenant isolation, specifications, and offset and keyset pages are written here
once, for every style and every store (SQL or in memory).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, get_args, overload

from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.application._guards import (
    check_tenant,
    holds_id,
    id_key,
    request_tenant,
)
from creativeflow_shared.application._pagination import (
    DEFAULT_PAGE_SIZE,
    CursorPage,
    Page,
    encode_cursor,
)
from creativeflow_shared.application._queries import (
    INT64_MAX,
    check_window,
    ordering_of,
    parse_cursor,
    query_for,
)
from creativeflow_shared.application._tracking import State
from creativeflow_shared.application._writer import RecordWriter
from creativeflow_shared.application.ports import RecordQuery
from creativeflow_shared.domain import (
    AggregateRoot,
    InvalidInputError,
    NotFoundError,
    comparable,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application._tracking import Tracker
    from creativeflow_shared.application.ports import (
        RecordCodec,
        Storage,
        StoredRecord,
        StoreProvider,
    )
    from creativeflow_shared.domain import SortKey, Specification

__all__ = ["Repository"]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)


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
        storage: What the repository stores, described and checked when the class is
            defined: the description storage adapters read (see ``ports.Storage``).
    """

    aggregate_class: ClassVar[type[AggregateRoot[Any]]]
    resource_name: ClassVar[str]
    storage: ClassVar[Storage]

    @override
    def __init_subclass__(cls, **kwargs: object) -> None:
        """Resolve the aggregate type of a concrete repository, then describe its storage."""
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
        cls.storage = cls._describe()

    @classmethod
    @abstractmethod
    def _describe(cls) -> Storage:
        """Return what this repository stores, checked (called when the class is defined)."""

    def __init__(self, stores: StoreProvider, tracker: Tracker) -> None:
        """Bind the repository to a transaction's stores and tracker (the unit of work does it)."""
        self._tracker = tracker
        self._codec = self._new_codec()
        self._store = stores.store(self.storage, self._codec)
        self._writer = RecordWriter(self.storage, self._store, self._codec)

    # -- the storage style ----------------------------------------------------------------------
    @abstractmethod
    def _new_codec(self) -> RecordCodec:
        """Return the codec of this repository's aggregates (once per unit of work)."""

    @abstractmethod
    def _check_queryable(self, specification: Specification[Any]) -> None:
        """Raise ``TypeError`` if the store cannot compare some attribute ``specification`` uses."""

    # -- reading ------------------------------------------------------------------------------
    @overload
    def get(self, id_: I) -> Result[A, NotFoundError]: ...
    @overload
    def get(self, id_: str) -> Result[A, NotFoundError | InvalidInputError]: ...
    def get(self, id_: I | str) -> Result[A, NotFoundError | InvalidInputError]:
        """Load the aggregate with ``id_``: an id of the repository's type, or its text.

        Text is read as the id type (``"0192f0c4-…"`` for a UUID id), so an id from a URL
        path needs no parsing first; text that spells no such id is invalid input.

        Returns:
            ``Success`` with the aggregate, or ``Failure`` with ``NotFoundError`` when there is
            none (or it belongs to another tenant, or no store could hold the id), or with
            ``InvalidInputError`` when ``id_`` is text that spells no id of the repository's
            type, or a value of another type (an id of another aggregate type included).
        """
        tenant = self._tenant()
        try:
            key = id_key(self.storage, id_)
        except InvalidInputError as error:
            return Failure(error)
        # An id no store can hold (and a driver would choke on) names nothing, everywhere;
        # the error does not repeat it (a lone surrogate, megabytes of text: whatever came).
        if not holds_id(key):
            return Failure(NotFoundError(self.storage.resource_name, "an id no store holds"))
        entry = self._tracker.entry(type(self), (tenant, key))
        if entry is None:
            record = self._store.get(key, tenant)
            if record is None:
                return Failure(NotFoundError(self.storage.resource_name, id_))
            # A store may spell the id its own way (a case-insensitive column, say): what is
            # tracked under its spelling is the aggregate, or its removal.
            if record.id != key:
                entry = self._tracker.entry(type(self), (tenant, record.id))
            if entry is None:
                return Success(self._track(record, (tenant, record.id)))
        # Removed in this unit of work: gone for it, even before the commit deletes the row.
        if entry.state is State.REMOVED:
            return Failure(NotFoundError(self.storage.resource_name, id_))
        return Success(cast("A", entry.aggregate))

    def exists(self, id_: I | str) -> bool:
        """Whether an aggregate with ``id_`` (an id or its text) exists for the current tenant."""
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
            check_window(0, limit, max_limit=INT64_MAX, min_limit=0)
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
        check_window(offset, limit)
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
        check_window(0, limit)
        keys = tuple(order_by)
        for key in keys:
            if key.nullable or key.path in self.storage.nullable_paths:
                msg = f"{'.'.join(key.path)} may be None; keyset pages need non-null keys"
                raise TypeError(msg)
        ordering = ordering_of(keys)
        after: tuple[object, ...] | None = None
        if cursor is not None:
            parsed = parse_cursor(self.storage, cursor, ordering, keys)
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
            last = self._decoded(window[-1])
            values = [*(k.value_of(last) for k in keys), comparable(last.id)]
            next_cursor = encode_cursor([ordering, *values])
        return Success(CursorPage(items, next_cursor))

    # -- writing ------------------------------------------------------------------------------
    def add(self, aggregate: A) -> None:
        """Add a new aggregate; it is inserted when the unit of work commits.

        Raises:
            ForbiddenError: If the aggregate belongs to another tenant.
        """
        self._tracker.add(type(self), self._key_of(aggregate), aggregate, self._writer)

    def remove(self, aggregate: A) -> None:
        """Remove an aggregate; it is deleted (if unchanged since loaded) on commit.

        Raises:
            ForbiddenError: If the aggregate belongs to another tenant.
        """
        self._tracker.remove(type(self), self._key_of(aggregate), aggregate, self._writer)

    # -- helpers ------------------------------------------------------------------------------
    def _key_of(self, aggregate: A) -> tuple[str | None, object]:
        """Return the key the unit of work tracks ``aggregate`` under, if it is the tenant's."""
        tenant = self._tenant()
        check_tenant(self.storage, aggregate, tenant)
        return (tenant, comparable(aggregate.id))

    def _decoded(self, record: StoredRecord) -> A:
        """Return the aggregate ``record`` holds, decoding it unless its store already did."""
        decoded = record.decoded
        return cast("A", decoded if decoded is not None else self._codec.decode(record))

    def _present(self, records: list[StoredRecord], tenant: str | None) -> list[StoredRecord]:
        # Loading a removed aggregate again would track it as loaded and cancel its removal.
        kind = type(self)
        return [r for r in records if not self._tracker.is_removed(kind, (tenant, r.id))]

    def _load(self, record: StoredRecord, tenant: str | None) -> A:
        key = (tenant, record.id)
        tracked = self._tracker.tracked(type(self), key)
        if tracked is not None:
            return cast("A", tracked)
        return self._track(record, key)

    def _track(self, record: StoredRecord, key: tuple[str | None, object]) -> A:
        """Decode ``record`` and track the aggregate as loaded under ``key``."""
        aggregate = self._decoded(record)
        snapshot = self._codec.loaded_snapshot(record, aggregate)
        self._tracker.load(type(self), key, aggregate, self._writer, snapshot)
        return aggregate

    def _query(
        self,
        specification: Specification[A] | None,
        order_by: Sequence[SortKey[A]],
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> RecordQuery:
        self._check_open()
        if specification is not None:
            self._check_queryable(specification)
        return query_for(self.storage, specification, order_by, offset=offset, limit=limit)

    def _tenant(self) -> str | None:
        """Return the request's tenant, if this repository's unit of work is still in use.

        Raises:
            RuntimeError: If the unit of work's block has ended.
            ForbiddenError: If the aggregate is tenant-owned and the request has no tenant.
        """
        self._check_open()
        return request_tenant(self.storage)

    def _check_open(self) -> None:
        if self._tracker.ended:
            msg = (
                f"this {type(self).__name__} belongs to a unit of work whose block has ended: "
                "get repositories from the unit of work in use"
            )
            raise RuntimeError(msg)
