"""What a unit of work remembers about the aggregates it loaded, added and removed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from creativeflow_shared.application._writer import RecordWriter
    from creativeflow_shared.domain import AggregateRoot

__all__ = ["State", "TrackedAggregate", "Tracker"]


class State(enum.Enum):
    """Where a tracked aggregate stands."""

    NEW = "new"
    LOADED = "loaded"
    REMOVED = "removed"


@dataclass(slots=True)
class TrackedAggregate:
    """One aggregate the unit of work knows, with the writer that saves it."""

    aggregate: AggregateRoot[Any]
    writer: RecordWriter
    state: State
    snapshot: object = None
    written: object = None


_WHAT_IS_LEFT = {State.NEW: "added", State.REMOVED: "removed", State.LOADED: "with events"}


class Tracker:
    """The identity map of one unit of work: one object per stored aggregate.

    Aggregates are kept under their repository class and a key the repository chooses (the
    tenant and the id), so that one tenant's aggregate is never another's.

    Attributes:
        ended: Whether the unit of work's block has ended: its repositories refuse to work.
    """

    __slots__ = ("_entries", "ended")

    def __init__(self) -> None:
        """Start with nothing tracked."""
        self._entries: dict[tuple[type, object], TrackedAggregate] = {}
        self.ended = False

    def entry(self, kind: type, id_: object) -> TrackedAggregate | None:
        """Return what is tracked under ``id_`` (removed aggregates too), or ``None``."""
        return self._entries.get((kind, id_))

    def tracked(self, kind: type, id_: object) -> AggregateRoot[Any] | None:
        """Return the aggregate tracked under ``id_`` unless it is removed or unknown."""
        entry = self._entries.get((kind, id_))
        if entry is None or entry.state is State.REMOVED:
            return None
        return entry.aggregate

    def uncommitted(self) -> list[str]:
        """Describe each aggregate added, removed, or with events, as a warning names it."""
        return [
            f"{type(entry.aggregate).__name__} {entry.aggregate.id} ({_WHAT_IS_LEFT[entry.state]})"
            for entry in self._entries.values()
            if entry.state is not State.LOADED or entry.aggregate.has_pending_events
        ]

    def is_removed(self, kind: type, id_: object) -> bool:
        """Whether the aggregate under ``id_`` was removed in this unit of work."""
        entry = self._entries.get((kind, id_))
        return entry is not None and entry.state is State.REMOVED

    def load(
        self,
        kind: type,
        id_: object,
        aggregate: AggregateRoot[Any],
        writer: RecordWriter,
        snapshot: object,
    ) -> None:
        """Remember an aggregate read from storage, with its stored form to detect changes."""
        self._entries[kind, id_] = TrackedAggregate(aggregate, writer, State.LOADED, snapshot)

    def add(
        self, kind: type, id_: object, aggregate: AggregateRoot[Any], writer: RecordWriter
    ) -> None:
        """Remember a new aggregate to insert."""
        entry = self._entries.get((kind, id_))
        if entry is not None and entry.aggregate is aggregate and entry.state is not State.REMOVED:
            return
        self._entries[kind, id_] = TrackedAggregate(aggregate, writer, State.NEW)

    def remove(
        self, kind: type, id_: object, aggregate: AggregateRoot[Any], writer: RecordWriter
    ) -> None:
        """Remember that an aggregate is to be deleted (a new one is simply forgotten)."""
        entry = self._entries.get((kind, id_))
        if entry is not None and entry.state is State.NEW:
            del self._entries[kind, id_]
            return
        self._entries[kind, id_] = TrackedAggregate(aggregate, writer, State.REMOVED)

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
