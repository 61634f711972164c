"""The ports a storage adapter implements, and what it reads: for adapter writers only.

Service authors use ``creativeflow_shared.application``: repositories, units of work, the
message bus, the request context. An adapter (a SQL backend, the in-memory fake, a future
document database) implements the ports declared here and reads the descriptions the
repositories give it:

* ``Storage``: what one repository class stores (built and checked when the class is
  defined), and ``Projection``, an attribute kept in a column of its own;
* ``RecordStore``, ``StoredRecord``, ``RecordQuery``, ``WriteError``: the storage port of one
  repository in one transaction, the records it keeps and the queries it answers;
* ``RecordCodec``: how a repository's aggregates become records and back;
* ``StoreProvider``, ``OutboxStore`` and ``InboxStore``: the stores of one transaction, as a
  unit of work asks its backend for them;
* ``RelayStore`` and ``EventPublisher``: what the outbox relay claims messages from and
  publishes them through, with what they pass it (``ClaimedMessage``, ``FailedMessage``,
  ``PublishOutcome``, ``DeadLetter``, ``OutboxStats``), and the rule every relay store
  claims by (``claim_runs``, ``run_length``, ``ClaimableRow``, ``publication_order``);
* ``Runner``: how an async unit of work runs a synchronous step;
* ``set_version`` and ``snapshot_of``: how persistence sets the version it owns, and the
  state it compares to tell a change.

Nothing here imports another module of the application layer that imports it back: the
ports are the layer's leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from creativeflow_shared.application._inbox import InboxEntry
from creativeflow_shared.application._relay_claims import (
    ClaimableRow,
    claim_runs,
    publication_order,
    run_length,
)
from creativeflow_shared.application._relay_ports import EventPublisher, RelayStore
from creativeflow_shared.application._relay_records import (
    ClaimedMessage,
    DeadLetter,
    FailedMessage,
    OutboxStats,
    PublishOutcome,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    InvalidInputError,
    SortKey,
    Specification,
    comparable_type,
    where,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from returns.result import Result

    from creativeflow_shared.application._outbox import OutboxMessage

__all__ = [
    "ClaimableRow",
    "ClaimedMessage",
    "DeadLetter",
    "EventPublisher",
    "FailedMessage",
    "InboxEntry",
    "InboxStore",
    "OutboxStats",
    "OutboxStore",
    "Projection",
    "PublishOutcome",
    "RecordCodec",
    "RecordQuery",
    "RecordStore",
    "RelayStore",
    "Runner",
    "Storage",
    "StoreProvider",
    "StoredRecord",
    "WriteError",
    "claim_runs",
    "publication_order",
    "run_length",
    "set_version",
    "snapshot_of",
]

T = TypeVar("T")


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


@dataclass(frozen=True, eq=False, slots=True, kw_only=True)
class Storage:
    """What one repository class stores, described once when the class is defined.

    Stores receive this description, never the repository class. A storage style may
    describe more (the data-mapper style adds its row classes and columns).

    Attributes:
        aggregate_class: The aggregate type.
        resource_name: The name used in errors about the aggregates.
        repository_name: The repository class's name, for errors about its use.
        ids_per_tenant: Whether ids are unique within each tenant rather than across all
            (the store keys records by tenant and id).
        projections: The attributes kept in columns of their own.
        tenant_owned: Whether the aggregate has a ``tenant_id`` (kept per tenant).
        id_type: The primitive type of the ids (``comparable_type`` of the id field), or
            ``None`` when it cannot be told.
        id_sort_key: The sort key of the id, which breaks ties in every ordering.
        sortable_paths: The attribute paths kept in columns (ordering needs one).
        nullable_paths: The projected paths that may hold ``None``.
        info: Where adapters keep what they build once from this description (statements,
            say), as SQLAlchemy's ``Table.info``; not part of the description.
    """

    aggregate_class: type[AggregateRoot[Any]]
    resource_name: str
    repository_name: str
    ids_per_tenant: bool
    projections: tuple[Projection, ...]
    tenant_owned: bool = field(init=False)
    id_type: type | None = field(init=False)
    id_sort_key: SortKey[Any] = field(init=False)
    sortable_paths: frozenset[tuple[str, ...]] = field(init=False)
    nullable_paths: frozenset[tuple[str, ...]] = field(init=False)
    info: dict[object, object] = field(default_factory=dict[object, object], repr=False)

    def __post_init__(self) -> None:
        """Derive what the stores read from the facts given."""
        fields = self.aggregate_class.model_fields
        derived = {
            "tenant_owned": "tenant_id" in fields,
            "id_type": comparable_type(fields["id"].annotation),
            "id_sort_key": where(self.aggregate_class)["id"].asc(),
            "sortable_paths": frozenset(p.path for p in self.projections),
            "nullable_paths": frozenset(p.path for p in self.projections if p.nullable),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)


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
        projections: The values of the repository's columns (``Storage.projections``) by
            column name; filled when writing, for stores that compare them themselves.
        decoded: The aggregate the record holds, when a store already decoded it (to
            evaluate a specification itself): the repository then does not decode it again
            and tracks this very object, so a store must decode it afresh for each read and
            never hand the same object to two units of work.
    """

    id: object
    version: int
    tenant_id: str | None
    data: Any
    projections: dict[str, object] = field(default_factory=dict[str, object])
    decoded: AggregateRoot[Any] | None = None


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


class RecordCodec(Protocol):
    """How one repository's aggregates become stored records and back (its storage style)."""

    def encode(self, aggregate: AggregateRoot[Any], state: object, version: int) -> object:
        """Return the stored form of ``aggregate`` at ``version``, given its snapshot ``state``.

        Raises:
            InvalidInputError: If the stored form holds a value no store keeps.
        """
        ...

    def decode(self, record: StoredRecord) -> AggregateRoot[Any]:
        """Return the aggregate a stored record holds."""
        ...

    def snapshot(self, aggregate: AggregateRoot[Any]) -> object:
        """Return the aggregate's state, compared with ``==`` to tell later if it changed.

        Any value that is equal exactly when the stored form would be: the document style's
        is the JSON data it stores, the data-mapper style's the aggregate's JSON text (one
        object the garbage collector need not track, where the data would be dozens).
        """
        ...

    def loaded_snapshot(self, record: StoredRecord, aggregate: AggregateRoot[Any]) -> object:
        """Return the snapshot of ``aggregate``, just decoded from ``record``."""
        ...

    def refuse_unstorable(
        self, state: object, projections: dict[str, object]
    ) -> InvalidInputError | None:
        """Name every value of the stored form no store keeps (``None``: all are kept)."""
        ...


class OutboxStore(Protocol):
    """The port a unit of work writes outbox messages through (inside its transaction)."""

    def append(self, messages: Sequence[OutboxMessage]) -> None:
        """Store ``messages`` in the current transaction.

        Raises:
            AlreadyExistsError: If a message id is stored already (an event committed twice).
        """
        ...


class InboxStore(Protocol):
    """The port a unit of work notes handled messages through (inside its transaction)."""

    def received(self, entry: InboxEntry) -> bool:
        """Whether a committed transaction noted ``entry`` already."""
        ...

    def append(self, entries: Sequence[InboxEntry]) -> None:
        """Note ``entries`` in the current transaction.

        Raises:
            AlreadyExistsError: On the resource ``INBOX_RESOURCE`` if one is noted already
                (here, or as the transaction commits).
        """
        ...


class StoreProvider(Protocol):
    """The stores of one transaction, as a backend provides them to a unit of work."""

    def store(self, storage: Storage, codec: RecordCodec) -> RecordStore:
        """Return the store of what ``storage`` describes, in this transaction.

        ``codec`` decodes records for a store that evaluates specifications itself.
        """
        ...

    def outbox_store(self) -> OutboxStore:
        """Return the outbox of this transaction."""
        ...

    def inbox_store(self) -> InboxStore:
        """Return the inbox of this transaction."""
        ...


class Runner(Protocol):
    """Runs a synchronous step of a unit of work from async code."""

    def __call__(self, step: Callable[[], T], /) -> Awaitable[T]:
        """Run ``step`` and return its result."""
        ...


def set_version(aggregate: AggregateRoot[Any], version: int) -> None:
    """Set the version persistence maintains, without the assignment validation.

    Persistence owns the version and only ever sets a valid int; validating the assignment
    would cost more than the rest of saving a row in a batch.
    """
    vars(aggregate)["version"] = version
    aggregate.__pydantic_fields_set__.add("version")


def snapshot_of(aggregate: AggregateRoot[Any]) -> dict[str, Any]:
    """Return the aggregate's state as JSON-compatible data, without the version.

    A unit of work compares it with the state read to tell whether the aggregate changed.
    """
    return aggregate.model_dump(mode="json", exclude={"version"})
