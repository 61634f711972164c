# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on an aggregate's children (a data-mapper's child rows)."""

from __future__ import annotations

from operator import methodcaller
from typing import TYPE_CHECKING

import pytest
from returns.result import Success

from creativeflow_shared.domain import ConcurrencyConflictError
from creativeflow_shared.testing._contract_data import (
    CHILDREN_CHANGES,
    ITEM,
    PARTS,
    assert_failure,
    new_sku,
    parts,
)
from creativeflow_shared.testing._contract_model import ContractItem, ContractPart
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["ChildrenCases"]


class ChildrenCases(ContractSuite):
    """Children read back in their order, saved when they change, removed with their parent."""

    def test_children_are_read_back_in_their_order(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Each aggregate's children are read back with it, in their order, by get and find."""
        first = ContractItem.new(new_sku("first"), rank=1, parts=parts(*PARTS))
        second = ContractItem.new(new_sku("second"), rank=2, parts=parts(("bolt", 7), ("nut", 1)))
        bare = ContractItem.new(new_sku("bare"), rank=3)
        self.store(harness, repository_class, first, second, bare)

        with harness.open() as uow:
            got = uow.repository(repository_class).get(first.id).unwrap()
        with harness.open() as uow:
            found = uow.repository(repository_class).find(order_by=[ITEM.rank.asc()])

        assert got.parts == parts(*PARTS)
        assert [item.parts for item in found] == [parts(*PARTS), second.parts, ()]

    @pytest.mark.parametrize(("change", "expected"), CHILDREN_CHANGES)
    def test_a_change_of_the_children_of_a_loaded_aggregate_is_saved(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Items,
        change: Callable[[ContractItem], object],
        expected: Sequence[tuple[str, int]],
    ) -> None:
        """Adding, dropping or changing a loaded aggregate's child is saved as its next version."""
        item = ContractItem.new(new_sku("parent"), parts=parts(*PARTS))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            change(uow.repository(repository_class).get(item.id).unwrap())
            committed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert stored is not None
        assert (stored.parts, stored.version) == (parts(*expected), 2)

    def test_each_commit_of_one_unit_of_work_saves_the_children_as_they_are(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Children changed between the commits of one unit of work are saved by each commit."""
        item = ContractItem.new(new_sku("parent"), parts=parts(("bolt", 4), ("nut", 2)))
        steps = [
            methodcaller("add_part", "washer", 9),
            methodcaller("drop_part", "bolt"),
            methodcaller("change_part", "washer", 1),
            methodcaller("drop_part", "nut"),
        ]
        saved: list[tuple[tuple[ContractPart, ...], int] | None] = []

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            assert uow.commit() == Success(None)
            for step in steps:
                step(item)
                assert uow.commit() == Success(None)
                stored = self.load(harness, repository_class, item)
                saved.append(None if stored is None else (stored.parts, stored.version))

        assert saved == [
            (parts(("bolt", 4), ("nut", 2), ("washer", 9)), 2),
            (parts(("nut", 2), ("washer", 9)), 3),
            (parts(("nut", 2), ("washer", 1)), 4),
            (parts(("washer", 1)), 5),
        ]

    def test_removing_an_aggregate_removes_its_children(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A removed aggregate goes with its children: its id and part names are free again."""
        item = ContractItem.new(new_sku("parent"), parts=parts(*PARTS))
        self.store(harness, repository_class, item)
        # The same id with fewer parts of the same names: a child left behind would clash with
        # a new one or be read back beside them.
        reborn = ContractItem(id=item.id, sku=item.sku, parts=parts(("anchor", 5), ("nut", 6)))
        namesake = ContractItem.new(new_sku("namesake"), parts=parts(*PARTS))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(item.id).unwrap())
            removed = uow.commit()
        gone = self.load(harness, repository_class, item)
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(reborn)
            repository.add(namesake)
            added = uow.commit()
        stored = [self.load(harness, repository_class, i) for i in (reborn, namesake)]

        assert (removed, gone, added) == (Success(None), None, Success(None))
        assert [i.parts if i else None for i in stored] == [reborn.parts, parts(*PARTS)]

    def test_concurrent_changes_of_the_children_of_one_version_conflict(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A children-only change bumps the version; a concurrent one of that version conflicts.

        The loser's changes (a changed and a dropped child) are not stored.
        """
        item = ContractItem.new(new_sku("contested"), parts=parts(("bolt", 4), ("nut", 2)))
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.add_part("washer", 9)
            theirs.change_part("bolt", 40)
            theirs.drop_part("nut")
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert_failure(second_result, ConcurrencyConflictError)
        assert (mine.version, theirs.version) == (2, 1)
        stored = self.load(harness, repository_class, item)
        assert stored is not None
        assert (stored.parts, stored.version) == (
            parts(("bolt", 4), ("nut", 2), ("washer", 9)),
            2,
        )
        actual = [(m.aggregate_id, m.aggregate_version) for m in harness.outbox_messages()]
        assert actual == [(str(item.id), 2)]
