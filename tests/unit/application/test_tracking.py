"""Unit tests of the unit of work's identity map and change tracking."""

from __future__ import annotations

from typing import Any

from returns.result import Result, Success

from creativeflow_shared.application._tracking import State, TrackedAggregate, Tracker
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    DomainEvent,
    Identity,
)


class LampId(Identity):
    """The id of a lamp."""


class LampSwitched(DomainEvent, event_type="unit_app.tracking.lamp_switched"):
    on: bool


class Lamp(AggregateRoot[LampId]):
    on: bool = False

    def switch(self) -> None:
        self.on = not self.on
        self.record(LampSwitched(on=self.on))


class SnapshotPersister:
    """Saves nothing; snapshots the aggregate as the document repository does."""

    def persist_new(self, aggregate: AggregateRoot[Any]) -> Result[None, AlreadyExistsError]:
        return Success(None)

    def persist_changed(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError | AlreadyExistsError]:
        return Success(None)

    def persist_removed(
        self, aggregate: AggregateRoot[Any]
    ) -> Result[None, ConcurrencyConflictError]:
        return Success(None)

    def snapshot(self, aggregate: AggregateRoot[Any]) -> dict[str, Any]:
        return aggregate.model_dump(mode="json", exclude={"version"})


_PERSISTER = SnapshotPersister()


def _lamp() -> Lamp:
    return Lamp(id=LampId.new())


def _states(tracker: Tracker) -> list[tuple[object, State]]:
    return [(entry.aggregate.id, entry.state) for entry in tracker.entries()]


def test_an_unknown_aggregate_is_not_tracked() -> None:
    tracker = Tracker()

    assert tracker.tracked(Lamp, "missing") is None
    assert tracker.is_removed(Lamp, "missing") is False


def test_a_loaded_aggregate_is_tracked_under_its_kind_and_id() -> None:
    tracker, lamp = Tracker(), _lamp()

    tracker.load(Lamp, lamp.id, lamp, _PERSISTER)

    assert tracker.tracked(Lamp, lamp.id) is lamp
    assert tracker.tracked(LampId, lamp.id) is None
    assert tracker.is_removed(Lamp, lamp.id) is False


def test_a_removed_aggregate_is_no_longer_tracked_but_known_as_removed() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.load(Lamp, lamp.id, lamp, _PERSISTER)

    tracker.remove(Lamp, lamp.id, lamp, _PERSISTER)

    assert tracker.tracked(Lamp, lamp.id) is None
    assert tracker.is_removed(Lamp, lamp.id) is True


def test_removing_an_untracked_aggregate_tracks_it_as_removed() -> None:
    tracker, lamp = Tracker(), _lamp()

    tracker.remove(Lamp, lamp.id, lamp, _PERSISTER)

    assert _states(tracker) == [(lamp.id, State.REMOVED)]


def test_removing_a_new_aggregate_forgets_it() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.add(Lamp, lamp.id, lamp, _PERSISTER)

    tracker.remove(Lamp, lamp.id, lamp, _PERSISTER)

    assert tracker.entries() == []
    assert tracker.is_removed(Lamp, lamp.id) is False


def test_adding_the_same_object_twice_keeps_one_entry() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.add(Lamp, lamp.id, lamp, _PERSISTER)
    first = tracker.entries()[0]

    tracker.add(Lamp, lamp.id, lamp, _PERSISTER)

    assert tracker.entries() == [first]
    assert tracker.entries()[0] is first


def test_adding_a_loaded_object_again_keeps_it_loaded() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.load(Lamp, lamp.id, lamp, _PERSISTER)

    tracker.add(Lamp, lamp.id, lamp, _PERSISTER)

    assert _states(tracker) == [(lamp.id, State.LOADED)]


def test_adding_another_object_with_a_tracked_id_tracks_it_as_new() -> None:
    tracker, lamp = Tracker(), _lamp()
    impostor = Lamp(id=lamp.id, on=True)
    tracker.load(Lamp, lamp.id, lamp, _PERSISTER)

    tracker.add(Lamp, lamp.id, impostor, _PERSISTER)

    assert tracker.tracked(Lamp, lamp.id) is impostor
    assert _states(tracker) == [(lamp.id, State.NEW)]


def test_adding_a_removed_object_again_tracks_it_as_new() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.load(Lamp, lamp.id, lamp, _PERSISTER)
    tracker.remove(Lamp, lamp.id, lamp, _PERSISTER)

    tracker.add(Lamp, lamp.id, lamp, _PERSISTER)

    assert _states(tracker) == [(lamp.id, State.NEW)]


def test_entries_come_in_the_order_they_were_first_seen() -> None:
    tracker = Tracker()
    first, second, third = _lamp(), _lamp(), _lamp()
    tracker.add(Lamp, first.id, first, _PERSISTER)
    tracker.load(Lamp, second.id, second, _PERSISTER)
    tracker.add(Lamp, third.id, third, _PERSISTER)

    tracker.remove(Lamp, first.id, first, _PERSISTER)
    tracker.remove(Lamp, second.id, second, _PERSISTER)

    assert _states(tracker) == [(second.id, State.REMOVED), (third.id, State.NEW)]


def test_an_unchanged_loaded_aggregate_is_not_changed() -> None:
    lamp = _lamp()
    entry = TrackedAggregate(lamp, _PERSISTER, State.LOADED, _PERSISTER.snapshot(lamp))

    assert entry.is_changed() is False


def test_a_loaded_aggregate_with_a_different_state_is_changed() -> None:
    lamp = _lamp()
    entry = TrackedAggregate(lamp, _PERSISTER, State.LOADED, _PERSISTER.snapshot(lamp))

    lamp.on = True

    assert entry.is_changed() is True


def test_a_loaded_aggregate_with_pending_events_is_changed_even_in_the_same_state() -> None:
    lamp = _lamp()
    entry = TrackedAggregate(lamp, _PERSISTER, State.LOADED, _PERSISTER.snapshot(lamp))

    lamp.switch()
    lamp.switch()

    assert entry.is_changed() is True


def test_committed_forgets_removed_aggregates_and_marks_the_rest_loaded_as_they_are() -> None:
    tracker = Tracker()
    added, changed, removed = _lamp(), _lamp(), _lamp()
    tracker.add(Lamp, added.id, added, _PERSISTER)
    tracker.load(Lamp, changed.id, changed, _PERSISTER)
    tracker.load(Lamp, removed.id, removed, _PERSISTER)
    tracker.remove(Lamp, removed.id, removed, _PERSISTER)
    changed.on = True

    tracker.committed()

    assert _states(tracker) == [(added.id, State.LOADED), (changed.id, State.LOADED)]
    assert [entry.is_changed() for entry in tracker.entries()] == [False, False]


def test_clear_forgets_everything() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.load(Lamp, lamp.id, lamp, _PERSISTER)

    tracker.clear()

    assert tracker.entries() == []
    assert tracker.tracked(Lamp, lamp.id) is None
