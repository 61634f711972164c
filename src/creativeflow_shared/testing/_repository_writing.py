# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on writing: adding, changing and removing, unique values kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from returns.result import Success

from creativeflow_shared.domain import AlreadyExistsError, NotFoundError
from creativeflow_shared.testing._contract_data import ITEM, assert_failure, new_sku
from creativeflow_shared.testing._contract_model import ContractItem
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["WritingCases"]


class WritingCases(ContractSuite):
    """Adds, changes and removes saved by a commit, and the unique values a commit refuses."""

    def test_an_added_aggregate_is_read_back_in_a_new_unit_of_work(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """An added aggregate is committed as version 1 and read back whole later."""
        item = ContractItem.new(new_sku("added"), rank=7, note="kept", label="blue", stock=3)

        self.store(harness, repository_class, item)
        loaded = self.load(harness, repository_class, item)

        assert loaded is not None
        assert loaded is not item
        assert loaded.model_dump() == item.model_dump()
        assert (loaded.version, item.version) == (1, 1)

    def test_the_version_is_a_set_field_after_a_save_and_after_a_load(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A saved or loaded aggregate reports ``version`` among its set fields.

        ``model_dump(exclude_unset=True)`` (a partial update, a PATCH body) then keeps it.
        """
        item = ContractItem.new(new_sku("versioned"))

        self.store(harness, repository_class, item)
        loaded = self.load(harness, repository_class, item)

        assert "version" in item.model_fields_set
        assert loaded is not None
        assert "version" in loaded.model_fields_set
        assert loaded.model_dump(exclude_unset=True)["version"] == 1

    def test_a_removed_aggregate_is_gone_after_commit(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A removed aggregate is deleted on commit; the others stay."""
        item, other = ContractItem.new(new_sku("removed")), ContractItem.new(new_sku("kept"))
        self.store(harness, repository_class, item, other)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(item.id).unwrap())
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None
        assert self.load(harness, repository_class, other) is not None

    def test_a_removed_aggregate_is_gone_for_its_unit_of_work_before_the_commit(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """After ``remove`` the unit of work no longer reads the aggregate; commit deletes it."""
        item, other = (
            ContractItem.new(new_sku("removed"), rank=1),
            ContractItem.new(new_sku("kept")),
        )
        self.store(harness, repository_class, item, other)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(item.id).unwrap())
            got, exists = repository.get(item.id), repository.exists(item.id)
            found = repository.find(order_by=[ITEM.rank.asc()])
            committed = uow.commit()

        assert_failure(got, NotFoundError)
        assert exists is False
        assert [entry.id for entry in found] == [other.id]
        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None

    def test_an_aggregate_added_and_removed_in_one_unit_of_work_is_never_stored(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Adding then removing an aggregate in one unit of work stores nothing."""
        item = ContractItem.new(new_sku("fleeting"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(item)
            repository.remove(item)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None

    def test_one_commit_removes_changes_and_adds_aggregates_together(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A commit applies every kind of change at once: removal, change and addition."""
        removed, changed = (
            ContractItem.new(new_sku("removed")),
            ContractItem.new(new_sku("changed")),
        )
        self.store(harness, repository_class, removed, changed)
        added = ContractItem.new(new_sku("added"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(removed.id).unwrap())
            repository.get(changed.id).unwrap().rerank(5)
            repository.add(added)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, removed) is None
        stored = [self.load(harness, repository_class, item) for item in (changed, added)]
        assert [(i.rank, i.version) if i else None for i in stored] == [(5, 2), (0, 1)]

    def test_a_unique_value_freed_by_a_removal_can_be_taken_in_the_same_commit(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A commit may remove an aggregate and add another with its unique value."""
        old = ContractItem.new(new_sku("replaced"), rank=1)
        self.store(harness, repository_class, old)
        new = ContractItem.new(old.sku, rank=2)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(old.id).unwrap())
            repository.add(new)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, old) is None
        stored = self.load(harness, repository_class, new)
        assert stored is not None
        assert (stored.sku, stored.rank) == (old.sku, 2)

    def test_adding_a_taken_unique_value_fails_the_commit_with_already_exists(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Adding an aggregate whose unique value is taken fails the commit; nothing is stored."""
        sku = new_sku("taken")
        self.store(harness, repository_class, ContractItem.new(sku))
        clash = ContractItem.new(sku)

        with harness.open() as uow:
            uow.repository(repository_class).add(clash)
            result = uow.commit()

        error = assert_failure(result, AlreadyExistsError)
        # The key that clashed is named: the new aggregate's id is not what exists.
        assert (error.key, error.per_tenant, error.identifier) == ("sku", False, str(clash.id))
        assert error.message == "Another ContractItem holds this sku already"
        assert self.load(harness, repository_class, clash) is None

    def test_changing_to_a_taken_unique_value_fails_the_commit_with_already_exists(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Changing a unique value to a taken one fails the commit; the old value stays."""
        first, second = (
            ContractItem.new(new_sku("first")),
            ContractItem.new(new_sku("second")),
        )
        self.store(harness, repository_class, first, second)

        with harness.open() as uow:
            loaded = uow.repository(repository_class).get(second.id).unwrap()
            loaded.sku = first.sku
            result = uow.commit()

        assert assert_failure(result, AlreadyExistsError).key == "sku"
        stored = self.load(harness, repository_class, second)
        assert stored is not None
        assert stored.sku == second.sku

    def test_adding_a_taken_id_fails_the_commit_with_already_exists(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Adding an aggregate under a taken id fails the commit; the stored one stays."""
        original = ContractItem.new(new_sku("original"))
        self.store(harness, repository_class, original)
        twin = ContractItem(id=original.id, sku=new_sku("twin"))

        with harness.open() as uow:
            uow.repository(repository_class).add(twin)
            result = uow.commit()

        error = assert_failure(result, AlreadyExistsError)
        assert (error.key, error.identifier) == (None, str(original.id))
        stored = self.load(harness, repository_class, original)
        assert stored is not None
        assert stored.sku == original.sku
