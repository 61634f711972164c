"""The writer a unit of work calls at commit: one repository's versioned writes.

Every write is constrained by the tenant of the request context in the statement itself,
never by the tenant an object claims: an object that claims another tenant is refused, and a
write that matches no record of the tenant is not found (whether the id is unknown or another
tenant's), so nothing reveals another tenant's aggregates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from returns.result import Failure, Result, Success

from creativeflow_shared.application._guards import check_tenant, holds_id, request_tenant
from creativeflow_shared.application.ports import StoredRecord, set_version
from creativeflow_shared.domain import (
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    comparable,
    value_at,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.application.ports import (
        RecordCodec,
        RecordStore,
        Storage,
        WriteError,
    )
    from creativeflow_shared.domain import AggregateRoot

__all__ = ["RecordWriter"]


class RecordWriter:
    """Writes one repository's aggregates to its store when the unit of work commits."""

    __slots__ = ("_codec", "_storage", "_store")

    def __init__(self, storage: Storage, store: RecordStore, codec: RecordCodec) -> None:
        """Write what ``storage`` describes to ``store``, encoded by ``codec``."""
        self._storage = storage
        self._store = store
        self._codec = codec

    def snapshot(self, aggregate: AggregateRoot[Any]) -> object:
        """Return the aggregate's state, to tell whether it changed since it was read."""
        return self._codec.snapshot(aggregate)

    def insert(
        self, batch: Sequence[tuple[AggregateRoot[Any], object]]
    ) -> Result[None, WriteError]:
        """Insert new aggregates, given with their snapshots, as version 1.

        Returns:
            ``Success(None)``, or ``Failure`` with ``AlreadyExistsError`` (an id or unique
            value is taken) or ``InvalidInputError`` (an aggregate holds a value no store
            keeps).

        Raises:
            ForbiddenError: If an aggregate claims another tenant than the request context's.
        """
        tenant = request_tenant(self._storage)
        records: list[StoredRecord] = []
        for aggregate, state in batch:
            check_tenant(self._storage, aggregate, tenant)
            record = self._record(aggregate, state, version=1, tenant=tenant)
            if isinstance(record, InvalidInputError):
                return Failure(record)
            records.append(record)
        inserted = self._store.insert(records)
        if isinstance(inserted, Success):
            for aggregate, _ in batch:
                set_version(aggregate, 1)
        return inserted

    def update(
        self, aggregate: AggregateRoot[Any], state: object
    ) -> Result[None, ConcurrencyConflictError | NotFoundError | WriteError]:
        """Write the next version of ``aggregate`` if nobody else did.

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError`` (the tenant's
            record has another version), ``NotFoundError`` (the tenant has no such record),
            ``AlreadyExistsError`` (a unique value is taken) or ``InvalidInputError``.

        Raises:
            ForbiddenError: If the aggregate claims another tenant than the request context's.
        """
        tenant = request_tenant(self._storage)
        check_tenant(self._storage, aggregate, tenant)
        expected = aggregate.version
        record = self._record(aggregate, state, version=expected + 1, tenant=tenant)
        if isinstance(record, InvalidInputError):
            return Failure(record)
        updated = self._store.update(record, expected)
        if isinstance(updated, Failure):
            return updated
        if not updated.unwrap():
            return Failure(self._missed(aggregate, expected, tenant))
        set_version(aggregate, expected + 1)
        return Success(None)

    def delete(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError | NotFoundError]:
        """Delete ``aggregate`` if nobody changed it since it was read.

        Returns:
            ``Success(None)``, or ``Failure`` with ``ConcurrencyConflictError`` (the tenant's
            record has another version) or ``NotFoundError`` (the tenant has no such record).

        Raises:
            ForbiddenError: If the aggregate claims another tenant than the request context's.
        """
        tenant = request_tenant(self._storage)
        check_tenant(self._storage, aggregate, tenant)
        key = comparable(aggregate.id)
        deleted = holds_id(key) and self._store.delete(key, aggregate.version, tenant)
        if not deleted:
            return Failure(self._missed(aggregate, aggregate.version, tenant))
        return Success(None)

    def _missed(
        self, aggregate: AggregateRoot[Any], expected: int, tenant: str | None
    ) -> ConcurrencyConflictError | NotFoundError:
        """Say why a versioned write matched nothing: another version, or no such record."""
        key = comparable(aggregate.id)
        name = self._storage.resource_name
        if holds_id(key) and self._store.get(key, tenant) is not None:
            return ConcurrencyConflictError(name, aggregate.id, expected_version=expected)
        return NotFoundError(name, aggregate.id)

    def _record(
        self,
        aggregate: AggregateRoot[Any],
        state: object,
        *,
        version: int,
        tenant: str | None,
    ) -> StoredRecord | InvalidInputError:
        projections = {
            p.name: comparable(value_at(aggregate, p.path)) for p in self._storage.projections
        }
        refused = self._codec.refuse_unstorable(state, projections)
        if refused is not None:
            return refused
        try:
            data = self._codec.encode(aggregate, state, version)
        except InvalidInputError as error:  # the style's own check of what it stores
            return error
        return StoredRecord(
            id=comparable(aggregate.id),
            version=version,
            tenant_id=tenant,
            data=data,
            projections=projections,
        )
