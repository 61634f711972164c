"""In-memory storage for tests: the same repositories and units of work, no database.

Only the storage is faked: repositories, tracking, versions, tenancy and the outbox run the
production code, and the contract suites hold this store to the SQL store's behaviour.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any, TypeVar

from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.application import (
    AsyncUnitOfWork,
    DocumentRepository,
    StoredDocument,
    UnitOfWork,
)
from creativeflow_shared.domain import AlreadyExistsError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from creativeflow_shared.application import (
        CommitError,
        DocumentQuery,
        DocumentStore,
        OutboxMessage,
        OutboxStore,
        Runner,
    )
    from creativeflow_shared.domain import SortKey

__all__ = [
    "AsyncInMemoryUnitOfWork",
    "InMemoryDatabase",
    "InMemoryDocumentStore",
    "InMemoryUnitOfWork",
]

T = TypeVar("T")
_Repository = type[DocumentRepository[Any, Any]]


class InMemoryDatabase:
    """Committed documents and outbox messages, shared by the units of work of one test.

    Attributes:
        outbox: Every committed outbox message, oldest first.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.documents: dict[_Repository, dict[object, StoredDocument]] = {}
        self.outbox: list[OutboxMessage] = []
        self.lock = threading.RLock()


@dataclass
class _Transaction:
    """The writes of one unit of work, applied to the database only on commit."""

    documents: dict[_Repository, dict[object, StoredDocument | None]] = field(
        default_factory=dict[_Repository, dict[object, StoredDocument | None]]
    )
    outbox: list[OutboxMessage] = field(default_factory=list["OutboxMessage"])


class InMemoryDocumentStore:
    """The in-memory ``DocumentStore`` of one repository."""

    def __init__(
        self, database: InMemoryDatabase, transaction: _Transaction, repository: _Repository
    ) -> None:
        """Read committed documents of ``repository`` overlaid by ``transaction``'s writes."""
        self._committed = database.documents.setdefault(repository, {})
        self._staged = transaction.documents.setdefault(repository, {})
        self._repository = repository
        self._columns = {p.path: p.name for p in repository.projected}

    def _view(self) -> dict[object, StoredDocument]:
        view = dict(self._committed)
        for id_, document in self._staged.items():
            if document is None:
                view.pop(id_, None)
            else:
                view[id_] = document
        return view

    def get(self, id_: object, tenant_id: str | None) -> StoredDocument | None:
        """Return the document with ``id_`` (of ``tenant_id`` when given), or ``None``."""
        document = self._view().get(id_)
        if document is None or (tenant_id is not None and document.tenant_id != tenant_id):
            return None
        return document

    def find(self, query: DocumentQuery) -> list[StoredDocument]:
        """Return the documents matching ``query`` in its order."""
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

    def count(self, query: DocumentQuery) -> int:
        """Return how many documents match ``query``."""
        return len(self._matching(query))

    def insert(self, documents: Sequence[StoredDocument]) -> Result[None, AlreadyExistsError]:
        """Insert new documents, all or none; a taken id or unique key is a ``Failure``."""
        view = self._view()
        for document in documents:
            if document.id in view or self._unique_clash(document, view):
                clash = document.id if len(documents) == 1 else f"one of {len(documents)} new"
                return Failure(AlreadyExistsError(self._repository.resource_name, clash))
            view[document.id] = document
        self._staged.update((document.id, document) for document in documents)
        return Success(None)

    def update(
        self, document: StoredDocument, expected_version: int
    ) -> Result[bool, AlreadyExistsError]:
        """Replace the document if its stored version is ``expected_version``."""
        view = self._view()
        current = view.get(document.id)
        if current is None or current.version != expected_version:
            return Success(False)  # noqa: FBT003 (the port's answer: not matched)
        if self._unique_clash(document, view):
            return Failure(AlreadyExistsError(self._repository.resource_name, document.id))
        self._staged[document.id] = document
        return Success(True)  # noqa: FBT003 (the port's answer: matched)

    def delete(self, id_: object, expected_version: int) -> bool:
        """Delete the document if its stored version is ``expected_version``."""
        current = self._view().get(id_)
        if current is None or current.version != expected_version:
            return False
        self._staged[id_] = None
        return True

    def _matching(self, query: DocumentQuery) -> list[StoredDocument]:
        documents = list(self._view().values())
        if query.tenant_id is not None:
            documents = [d for d in documents if d.tenant_id == query.tenant_id]
        specification = query.specification
        if specification is not None:
            model = self._repository.aggregate_class
            documents = [
                document
                for document in documents
                if specification.evaluate(model.model_validate(document.data)) is True
            ]
        return documents

    def _sort_values(
        self, document: StoredDocument, keys: Sequence[SortKey[Any]]
    ) -> tuple[object, ...]:
        return (*(document.projections[self._columns[key.path]] for key in keys), document.id)

    def _unique_clash(self, document: StoredDocument, view: dict[object, StoredDocument]) -> bool:
        for projection in self._repository.projected:
            value = document.projections[projection.name]
            if not projection.unique or value is None:
                continue
            for other in view.values():
                if other.id != document.id and other.projections[projection.name] == value:
                    return True
        return False


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

    def document_store(self, repository: _Repository) -> DocumentStore:
        return InMemoryDocumentStore(self._database, self._transaction, repository)

    def outbox_store(self) -> OutboxStore:
        return _OutboxStore(self._transaction)


class _OutboxStore:
    def __init__(self, transaction: _Transaction) -> None:
        self._transaction = transaction

    def append(self, messages: Sequence[OutboxMessage]) -> None:
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
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError`` or
            ``AlreadyExistsError``.
        """
        with self.database.lock:
            return super().commit()

    @override
    def _begin(self) -> _Stores:
        self._transaction = _Transaction()
        return _Stores(self.database, self._transaction)

    @override
    def _commit_transaction(self) -> Result[None, CommitError]:
        for repository, staged in self._transaction.documents.items():
            committed = self.database.documents.setdefault(repository, {})
            for id_, document in staged.items():
                if document is None:
                    committed.pop(id_, None)
                else:
                    committed[id_] = document
        self.database.outbox.extend(self._transaction.outbox)
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
        for staged in self._transaction.documents.values():
            staged.clear()
        self._transaction.outbox.clear()


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
