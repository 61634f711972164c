"""What a unit of work remembers about the aggregates it loaded, added and removed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from returns.result import Result

    from creativeflow_shared.domain import (
        AggregateRoot,
        AlreadyExistsError,
        ConcurrencyConflictError,
        InvalidInputError,
        NotFoundError,
    )

__all__ = ["Persister", "State", "TrackedAggregate", "Tracker"]


class Persister(Protocol):
    """What a repository offers the unit of work to save its aggregates."""

    def persist_new(
        self, batch: Sequence[tuple[AggregateRoot[Any], dict[str, Any]]]
    ) -> Result[None, AlreadyExistsError | InvalidInputError]:
        """Insert new aggregates, each with its stored form."""
        ...

    def persist_changed(
        self, aggregate: AggregateRoot[Any], state: dict[str, Any]
    ) -> Result[
        None, ConcurrencyConflictError | NotFoundError | AlreadyExistsError | InvalidInputError
    ]:
        """Write the next version of a changed aggregate, given its stored form."""
        ...

    def persist_removed(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError | NotFoundError]:
        """Delete an aggregate."""
        ...

    def snapshot(self, aggregate: AggregateRoot[Any]) -> dict[str, Any]:
        """Return the aggregate's stored form."""
        ...


class State(enum.Enum):
    """Where a tracked aggregate stands."""

    NEW = "new"
    LOADED = "loaded"
    REMOVED = "removed"


@dataclass(slots=True)
class TrackedAggregate:
    """One aggregate the unit of work knows, with how to save it."""

    aggregate: AggregateRoot[Any]
    persister: Persister
    state: State
    snapshot: dict[str, Any] | None = None
    written: dict[str, Any] | None = None


class Tracker:
    """The identity map of one unit of work: one object per stored aggregate.

    Aggregates are kept under their repository class and a key the repository chooses (the
    tenant and the id), so that one tenant's aggregate is never another's.
    """

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        """Start with nothing tracked."""
        self._entries: dict[tuple[type, object], TrackedAggregate] = {}

    def tracked(self, kind: type, id_: object) -> AggregateRoot[Any] | None:
        """Return the aggregate tracked under ``id_`` unless it is removed or unknown."""
        entry = self._entries.get((kind, id_))
        if entry is None or entry.state is State.REMOVED:
            return None
        return entry.aggregate

    def is_removed(self, kind: type, id_: object) -> bool:
        """Whether the aggregate under ``id_`` was removed in this unit of work."""
        entry = self._entries.get((kind, id_))
        return entry is not None and entry.state is State.REMOVED

    def load(
        self,
        kind: type,
        id_: object,
        aggregate: AggregateRoot[Any],
        persister: Persister,
        snapshot: dict[str, Any],
    ) -> None:
        """Remember an aggregate read from storage, with its stored form to detect changes."""
        self._entries[kind, id_] = TrackedAggregate(aggregate, persister, State.LOADED, snapshot)

    def add(
        self, kind: type, id_: object, aggregate: AggregateRoot[Any], persister: Persister
    ) -> None:
        """Remember a new aggregate to insert."""
        entry = self._entries.get((kind, id_))
        if entry is not None and entry.aggregate is aggregate and entry.state is not State.REMOVED:
            return
        self._entries[kind, id_] = TrackedAggregate(aggregate, persister, State.NEW)

    def remove(
        self, kind: type, id_: object, aggregate: AggregateRoot[Any], persister: Persister
    ) -> None:
        """Remember that an aggregate is to be deleted (a new one is simply forgotten)."""
        entry = self._entries.get((kind, id_))
        if entry is not None and entry.state is State.NEW:
            del self._entries[kind, id_]
            return
        self._entries[kind, id_] = TrackedAggregate(aggregate, persister, State.REMOVED)

    def entries(self) -> list[TrackedAggregate]:
        """Every tracked aggregate, in the order it was first seen."""
        return list(self._entries.values())

    def committed(self) -> None:
        """Make the tracked state match storage after a successful commit."""
        for key, entry in list(self._entries.items()):
            if entry.state is State.REMOVED:
                del self._entries[key]
            elif entry.written is not None:
                entry.state = State.LOADED
                entry.snapshot, entry.written = entry.written, None

    def clear(self) -> None:
        """Forget everything (after a rollback)."""
        self._entries.clear()
