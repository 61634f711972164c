"""Unit tests of the unit of work's identity map and change tracking."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from creativeflow_shared.application._tracking import State, Tracker
from creativeflow_shared.application.ports import snapshot_of
from creativeflow_shared.domain import AggregateRoot, Identity

if TYPE_CHECKING:
    from creativeflow_shared.application._writer import RecordWriter


class LampId(Identity):
    """The id of a lamp."""


class Lamp(AggregateRoot[LampId]):
    on: bool = False


class Unwritten:
    """Stands in for a repository's writer: the tracker keeps it and never calls it."""


_WRITER = cast("RecordWriter", Unwritten())


def _load(tracker: Tracker, lamp: Lamp) -> None:
    tracker.load(Lamp, lamp.id, lamp, _WRITER, snapshot_of(lamp))


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

    _load(tracker, lamp)

    assert tracker.tracked(Lamp, lamp.id) is lamp
    assert tracker.tracked(LampId, lamp.id) is None
    assert tracker.is_removed(Lamp, lamp.id) is False


def test_a_removed_aggregate_is_no_longer_tracked_but_known_as_removed() -> None:
    tracker, lamp = Tracker(), _lamp()
    _load(tracker, lamp)

    tracker.remove(Lamp, lamp.id, lamp, _WRITER)

    assert tracker.tracked(Lamp, lamp.id) is None
    assert tracker.is_removed(Lamp, lamp.id) is True


def test_removing_an_untracked_aggregate_tracks_it_as_removed() -> None:
    tracker, lamp = Tracker(), _lamp()

    tracker.remove(Lamp, lamp.id, lamp, _WRITER)

    assert _states(tracker) == [(lamp.id, State.REMOVED)]


def test_removing_a_new_aggregate_forgets_it() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.add(Lamp, lamp.id, lamp, _WRITER)

    tracker.remove(Lamp, lamp.id, lamp, _WRITER)

    assert tracker.entries() == []
    assert tracker.is_removed(Lamp, lamp.id) is False


def test_adding_the_same_object_twice_keeps_one_entry() -> None:
    tracker, lamp = Tracker(), _lamp()
    tracker.add(Lamp, lamp.id, lamp, _WRITER)
    first = tracker.entries()[0]

    tracker.add(Lamp, lamp.id, lamp, _WRITER)

    assert tracker.entries() == [first]
    assert tracker.entries()[0] is first


def test_adding_a_loaded_object_again_keeps_it_loaded() -> None:
    tracker, lamp = Tracker(), _lamp()
    _load(tracker, lamp)

    tracker.add(Lamp, lamp.id, lamp, _WRITER)

    assert _states(tracker) == [(lamp.id, State.LOADED)]


def test_adding_another_object_with_a_tracked_id_tracks_it_as_new() -> None:
    tracker, lamp = Tracker(), _lamp()
    impostor = Lamp(id=lamp.id, on=True)
    _load(tracker, lamp)

    tracker.add(Lamp, lamp.id, impostor, _WRITER)

    assert tracker.tracked(Lamp, lamp.id) is impostor
    assert _states(tracker) == [(lamp.id, State.NEW)]


def test_adding_a_removed_object_again_tracks_it_as_new() -> None:
    tracker, lamp = Tracker(), _lamp()
    _load(tracker, lamp)
    tracker.remove(Lamp, lamp.id, lamp, _WRITER)

    tracker.add(Lamp, lamp.id, lamp, _WRITER)

    assert _states(tracker) == [(lamp.id, State.NEW)]


def test_entries_come_in_the_order_they_were_first_seen() -> None:
    tracker = Tracker()
    first, second, third = _lamp(), _lamp(), _lamp()
    tracker.add(Lamp, first.id, first, _WRITER)
    _load(tracker, second)
    tracker.add(Lamp, third.id, third, _WRITER)

    tracker.remove(Lamp, first.id, first, _WRITER)
    tracker.remove(Lamp, second.id, second, _WRITER)

    assert _states(tracker) == [(second.id, State.REMOVED), (third.id, State.NEW)]


def test_a_loaded_aggregate_keeps_the_stored_form_it_was_loaded_with() -> None:
    tracker, lamp = Tracker(), _lamp()
    stored = {"id": str(lamp.id), "on": False}

    tracker.load(Lamp, lamp.id, lamp, _WRITER, stored)

    assert [(e.state, e.snapshot, e.written) for e in tracker.entries()] == [
        (State.LOADED, stored, None)
    ]


def test_committed_forgets_removed_aggregates_and_takes_what_was_written_as_loaded() -> None:
    tracker = Tracker()
    added, changed, unchanged, removed = _lamp(), _lamp(), _lamp(), _lamp()
    tracker.add(Lamp, added.id, added, _WRITER)
    for lamp in (changed, unchanged, removed):
        _load(tracker, lamp)
    tracker.remove(Lamp, removed.id, removed, _WRITER)
    loaded_form = tracker.entries()[2].snapshot
    written = {"written": True}
    for entry in tracker.entries()[:2]:
        entry.written = written

    tracker.committed()

    assert _states(tracker) == [
        (added.id, State.LOADED),
        (changed.id, State.LOADED),
        (unchanged.id, State.LOADED),
    ]
    assert [(e.snapshot, e.written) for e in tracker.entries()] == [
        (written, None),
        (written, None),
        (loaded_form, None),
    ]


def test_clear_forgets_everything() -> None:
    tracker, lamp = Tracker(), _lamp()
    _load(tracker, lamp)

    tracker.clear()

    assert tracker.entries() == []
    assert tracker.tracked(Lamp, lamp.id) is None
