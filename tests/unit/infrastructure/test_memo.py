"""Unit tests of ``Memo``: values built once per owner and dialect, forgotten with the owner."""

from __future__ import annotations

import gc
import weakref

from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo


class Owner:
    """Something adapters keep values beside (a table, a description)."""


def test_a_value_is_built_once_per_owner_and_dialect() -> None:
    memo: Memo[Owner, list[str]] = Memo()
    owner, other = Owner(), Owner()
    built: list[str] = []

    def build(name: str) -> list[str]:
        built.append(name)
        return [name]

    first = memo.get(owner, lambda: build("sqlite"), "sqlite")
    again = memo.get(owner, lambda: build("again"), "sqlite")
    postgres = memo.get(owner, lambda: build("postgresql"), "postgresql")
    others = memo.get(other, lambda: build("other"), "sqlite")

    assert (first is again, postgres, others) == (True, ["postgresql"], ["other"])
    assert built == ["sqlite", "postgresql", "other"]


def test_a_value_is_forgotten_with_its_owner() -> None:
    memo: Memo[Owner, list[str]] = Memo()
    owner = Owner()
    memo.get(owner, lambda: ["kept"])
    key = id(owner)

    del owner
    gc.collect()

    assert key not in memo._entries


def test_an_owner_born_at_a_dead_owners_id_gets_values_of_its_own() -> None:
    memo: Memo[Owner, list[str]] = Memo()
    owner, successor = Owner(), Owner()
    memo.get(owner, lambda: ["first"])
    # What an id reused by a new object looks like: the entry's reference is no longer it.
    memo._entries[id(successor)] = memo._entries.pop(id(owner))

    value = memo.get(successor, lambda: ["second"])

    assert value == ["second"]


def test_a_late_notice_of_a_dead_owner_leaves_its_successors_entry() -> None:
    memo: Memo[Owner, list[str]] = Memo()
    successor, stranger = Owner(), Owner()
    memo.get(successor, lambda: ["kept"])

    # The dead owner's reference, reported after its id was given to the successor.
    memo._forget(id(successor))(weakref.ref(stranger))

    assert memo.get(successor, lambda: ["rebuilt"]) == ["kept"]


def test_a_value_another_thread_built_meanwhile_is_not_built_again() -> None:
    memo: Memo[Owner, list[str]] = Memo()
    owner = Owner()
    first = memo.get(owner, lambda: ["first"])

    # What a thread finds under the lock after another built the value while it waited.
    again = memo._build(owner, lambda: ["second"], "")

    assert again is first
