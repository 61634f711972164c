"""In-memory storage for tests: the same repositories and units of work, no database.

Only the storage is faked: repositories, tracking, versions, tenancy and the outbox run the
production code, and the contract suites hold this store to the SQL store's behaviour.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any, TypeVar

from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.application import INBOX_RESOURCE, AsyncUnitOfWork, UnitOfWork
from creativeflow_shared.domain import AlreadyExistsError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from creativeflow_shared.application import CommitError, OutboxMessage
    from creativeflow_shared.application.ports import (
        InboxEntry,
        InboxStore,
        OutboxStore,
        Projection,
        RecordCodec,
        RecordQuery,
        RecordStore,
        Runner,
        Storage,
        StoredRecord,
        WriteError,
    )
    from creativeflow_shared.domain import SortKey

__all__ = [
    "AsyncInMemoryUnitOfWork",
    "InMemoryDatabase",
    "InMemoryRecordStore",
    "InMemoryUnitOfWork",
]

T = TypeVar("T")


class InMemoryDatabase:
    """Committed records and outbox messages, shared by the units of work of one test.

    Attributes:
        records: The committed records of each repository (by its ``storage`` description),
            by id (by tenant and id where the repository keeps ids per tenant).
        outbox: Every committed outbox message, oldest first.
        inbox: Every message a consumer noted as handled (``UnitOfWork.receive``).
        lock: Held while a unit of work commits, so commits are serialised.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.records: dict[Storage, dict[object, StoredRecord]] = {}
        self.outbox: list[OutboxMessage] = []
        self.inbox: set[InboxEntry] = set()
        self.lock = threading.RLock()


@dataclass
class _Transaction:
    """The writes of one unit of work, applied to the database only on commit."""

    records: dict[Storage, dict[object, StoredRecord | None]] = field(
        default_factory=dict["Storage", dict[object, "StoredRecord | None"]]
    )
    outbox: list[OutboxMessage] = field(default_factory=list["OutboxMessage"])
    inbox: set[InboxEntry] = field(default_factory=set["InboxEntry"])


class InMemoryRecordStore:
    """The in-memory ``RecordStore`` of one repository, for either storage style.

    It keeps what the repository would store (JSON records, or the rows ``to_row`` builds)
    and reads it back through the repository's codec, so a data-mapper repository's mapping
    runs in in-memory tests too. A record it decodes to evaluate a specification is returned
    with its aggregate (``StoredRecord.decoded``): the repository does not decode it again.
    """

    def __init__(
        self,
        database: InMemoryDatabase,
        transaction: _Transaction,
        storage: Storage,
        codec: RecordCodec,
    ) -> None:
        """Read committed records of ``storage`` overlaid by ``transaction``'s writes."""
        self._committed = database.records.setdefault(storage, {})
        self._staged = transaction.records.setdefault(storage, {})
        self._storage = storage
        self._codec = codec
        self._columns = {p.path: p.name for p in storage.projections}

    def _key(self, id_: object, tenant_id: str | None) -> object:
        """The key a record is kept under: its id, or its tenant and id (as SQL keys it)."""
        return (tenant_id, id_) if self._storage.ids_per_tenant else id_

    def _owned(self, record: StoredRecord | None, tenant_id: str | None) -> StoredRecord | None:
        """``record`` if it belongs to ``tenant_id`` (when the aggregate is tenant-owned)."""
        if record is None or (self._storage.tenant_owned and record.tenant_id != tenant_id):
            return None
        return record

    def _view(self) -> dict[object, StoredRecord]:
        view = dict(self._committed)
        for id_, record in self._staged.items():
            if record is None:
                view.pop(id_, None)
            else:
                view[id_] = record
        return view

    def get(self, id_: object, tenant_id: str | None) -> StoredRecord | None:
        """Return the record with ``id_`` (of ``tenant_id`` when given), or ``None``."""
        record = self._view().get(self._key(id_, tenant_id))
        if record is None or (tenant_id is not None and record.tenant_id != tenant_id):
            return None
        return record

    def find(self, query: RecordQuery) -> list[StoredRecord]:
        """Return the records matching ``query`` in its order."""
        matches = self._matching(query)
        keys = query.order_by
        matches.sort(
            key=cmp_to_key(
                lambda a, b: _compare(self._sort_values(a, keys), self._sort_values(b, keys), keys)
            )
        )
        if query.after is not None:
            after = query.after
            matches = [d for d in matches if _compare(self._sort_values(d, keys), after, keys) > 0]
        matches = matches[query.offset :]
        return matches if query.limit is None else matches[: query.limit]

    def count(self, query: RecordQuery) -> int:
        """Return how many records match ``query``."""
        return len(self._matching(query))

    def insert(self, records: Sequence[StoredRecord]) -> Result[None, WriteError]:
        """Insert new records, all or none; a taken id or unique key is a ``Failure``."""
        view = self._view()
        for record in records:
            key = self._key(record.id, record.tenant_id)
            clashing = self._unique_clash(record, view)
            if key in view or clashing is not None:
                clash = record.id if len(records) == 1 else f"one of {len(records)} new"
                name = self._storage.resource_name
                return Failure(_clash(name, clash, None if key in view else clashing))
            view[key] = record
        self._staged.update((self._key(r.id, r.tenant_id), r) for r in records)
        return Success(None)

    def update(self, record: StoredRecord, expected_version: int) -> Result[bool, WriteError]:
        """Replace the record if its stored version is ``expected_version``."""
        view = self._view()
        key = self._key(record.id, record.tenant_id)
        current = self._owned(view.get(key), record.tenant_id)
        if current is None or current.version != expected_version:
            return Success(False)  # noqa: FBT003 (the port's answer: not matched)
        clashing = self._unique_clash(record, view)
        if clashing is not None:
            return Failure(_clash(self._storage.resource_name, record.id, clashing))
        self._staged[key] = record
        return Success(True)  # noqa: FBT003 (the port's answer: matched)

    def delete(self, id_: object, expected_version: int, tenant_id: str | None) -> bool:
        """Delete the record if its stored version is ``expected_version`` (of the tenant)."""
        key = self._key(id_, tenant_id)
        current = self._owned(self._view().get(key), tenant_id)
        if current is None or current.version != expected_version:
            return False
        self._staged[key] = None
        return True

    def _matching(self, query: RecordQuery) -> list[StoredRecord]:
        records = list(self._view().values())
        if query.tenant_id is not None:
            records = [d for d in records if d.tenant_id == query.tenant_id]
        specification = query.specification
        if specification is not None:
            decode = self._codec.decode
            decoded = [replace(d, decoded=decode(d)) for d in records]
            records = [d for d in decoded if specification.evaluate(d.decoded) is True]
        return records

    def _sort_values(
        self, record: StoredRecord, keys: Sequence[SortKey[Any]]
    ) -> tuple[object, ...]:
        return (*(record.projections[self._columns[key.path]] for key in keys), record.id)

    def _unique_clash(
        self, record: StoredRecord, view: dict[object, StoredRecord]
    ) -> Projection | None:
        """Return the unique projection whose value another record holds, if any."""
        for projection in self._storage.projections:
            value = record.projections[projection.name]
            if not projection.unique or value is None:
                continue
            for other in view.values():
                if projection.per_tenant and other.tenant_id != record.tenant_id:
                    continue
                same = other.id == record.id and other.tenant_id == record.tenant_id
                if not same and other.projections[projection.name] == value:
                    return projection
        return None


def _clash(resource: str, identifier: object, key: Projection | None) -> AlreadyExistsError:
    """Say what clashed: the id (``key`` is ``None``) or the unique key ``key``."""
    if key is None:
        return AlreadyExistsError(resource, identifier)
    dotted = ".".join(key.path)
    return AlreadyExistsError(resource, identifier, key=dotted, per_tenant=key.per_tenant)


def _compare(left: Sequence[object], right: Sequence[object], keys: Sequence[SortKey[Any]]) -> int:
    """Order two rows of sort values as SQL does here: ``None`` after every value."""
    descending = [key.descending for key in keys] + [False]
    for a, b, desc in zip(left, right, descending, strict=True):
        if a == b:
            continue
        order = _order(a, b)
        return -order if desc else order
    return 0


def _order(a: object, b: object) -> int:
    if a is None or b is None:
        return 1 if a is None else -1
    return 1 if a > b else -1  # type: ignore[operator] # primitives of one column compare


class _Stores:
    def __init__(self, database: InMemoryDatabase, transaction: _Transaction) -> None:
        self._database = database
        self._transaction = transaction

    def store(self, storage: Storage, codec: RecordCodec) -> RecordStore:
        return InMemoryRecordStore(self._database, self._transaction, storage, codec)

    def outbox_store(self) -> OutboxStore:
        return _OutboxStore(self._database, self._transaction)

    def inbox_store(self) -> InboxStore:
        return _InboxStore(self._database, self._transaction)


class _InboxStore:
    def __init__(self, database: InMemoryDatabase, transaction: _Transaction) -> None:
        self._database = database
        self._transaction = transaction

    def received(self, entry: InboxEntry) -> bool:
        return entry in self._database.inbox

    def append(self, entries: Sequence[InboxEntry]) -> None:
        for entry in entries:  # the key of the inbox table: noted once
            if entry in self._database.inbox or entry in self._transaction.inbox:
                raise AlreadyExistsError(INBOX_RESOURCE, entry.message_id)
            self._transaction.inbox.add(entry)


class _OutboxStore:
    def __init__(self, database: InMemoryDatabase, transaction: _Transaction) -> None:
        self._database = database
        self._transaction = transaction

    def append(self, messages: Sequence[OutboxMessage]) -> None:
        # The outbox table's primary key is the event id: a stored one cannot come twice.
        stored = {m.id for m in self._database.outbox} | {m.id for m in self._transaction.outbox}
        for message in messages:
            if message.id in stored:
                resource = "outbox message"
                raise AlreadyExistsError(resource, message.id)
        self._transaction.outbox.extend(messages)


class InMemoryUnitOfWork(UnitOfWork):
    """A unit of work over an ``InMemoryDatabase`` (one new database if none is given).

    Commits are atomic and serialised by the database's lock, so optimistic concurrency
    conflicts behave as they do on a real database.
    """

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        """Work on ``database``."""
        super().__init__()
        self.database = database if database is not None else InMemoryDatabase()
        self._transaction = _Transaction()

    @override
    def commit(self) -> Result[None, CommitError]:
        """Commit as ``UnitOfWork.commit`` does, holding the database's lock throughout.

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError``,
            ``NotFoundError``, ``AlreadyExistsError`` or ``InvalidInputError``.
        """
        with self.database.lock:
            return super().commit()

    @override
    def _begin(self) -> _Stores:
        self._transaction = _Transaction()
        return _Stores(self.database, self._transaction)

    @override
    def _commit_transaction(self) -> Result[None, CommitError]:
        for storage, staged in self._transaction.records.items():
            committed = self.database.records.setdefault(storage, {})
            for id_, record in staged.items():
                if record is None:
                    committed.pop(id_, None)
                else:
                    committed[id_] = record
        self.database.outbox.extend(self._transaction.outbox)
        self.database.inbox |= self._transaction.inbox
        self._reset()
        return Success(None)

    @override
    def _rollback_transaction(self) -> None:
        self._reset()

    @override
    def _end(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # The stores keep the per-repository dicts: empty them rather than replace them.
        for staged in self._transaction.records.values():
            staged.clear()
        self._transaction.outbox.clear()
        self._transaction.inbox.clear()


class AsyncInMemoryUnitOfWork(AsyncUnitOfWork):
    """The ``async with`` flavour of ``InMemoryUnitOfWork`` (steps run directly)."""

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        """Work on ``database``."""
        super().__init__()
        self.database = database if database is not None else InMemoryDatabase()

    @override
    async def _open(self) -> tuple[UnitOfWork, Runner]:
        async def run(step: Callable[[], T]) -> T:
            return step()

        return InMemoryUnitOfWork(self.database), run

    @override
    async def _close(self) -> None:
        return None
