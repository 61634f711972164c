# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on versions and optimistic concurrency."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Success

from creativeflow_shared.domain import ConcurrencyConflictError, NotFoundError
from creativeflow_shared.testing._contract_data import assert_failure, new_sku
from creativeflow_shared.testing._contract_model import ContractItem
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from returns.result import Result

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["VersionCases"]


class VersionCases(ContractSuite):
    """Versions that grow by one per committed change, and the writers that lose a race."""

    def test_the_version_grows_by_one_per_committed_change(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Each committed change adds one to the version, within and across units of work."""
        item = ContractItem.new(new_sku("versioned"))
        versions: list[int] = []

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            assert uow.commit() == Success(None)
            versions.append(item.version)
            for rank in (1, 2):
                item.rerank(rank)
                assert uow.commit() == Success(None)
                versions.append(item.version)
        with harness.open() as uow:
            loaded = uow.repository(repository_class).get(item.id).unwrap()
            loaded.rerank(3)
            assert uow.commit() == Success(None)
        stored = self.load(harness, repository_class, item)

        assert versions == [1, 2, 3]
        assert stored is not None
        assert (stored.version, stored.rank) == (4, 3)

    def test_an_unchanged_loaded_aggregate_is_not_rewritten(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Committing an aggregate that was only read leaves its version alone."""
        item = ContractItem.new(new_sku("unchanged"))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            loaded = repository.get(item.id).unwrap()
            repository.find()
            committed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert loaded.version == 1
        assert stored is not None
        assert stored.version == 1

    @pytest.mark.parametrize("change", ["rerank", "remove"])
    def test_the_second_of_two_writers_of_one_version_gets_a_conflict_and_writes_nothing(
        self, harness: UnitOfWorkHarness, repository_class: Items, change: str
    ) -> None:
        """Of two writers of one version (a change or a removal) the second gets a conflict.

        None of its writes is kept, and the conflict names the version it read.
        """
        item = ContractItem.new(new_sku("contested"), rank=1)
        self.store(harness, repository_class, item)
        bystander = ContractItem.new(new_sku("bystander"))

        with harness.open() as first, harness.open() as second:
            # Added before the conflicting write, so a partial commit would keep it.
            second.repository(repository_class).add(bystander)
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.rerank(10)
            if change == "rerank":
                theirs.rerank(20)
            else:
                second.repository(repository_class).remove(theirs)
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert assert_failure(second_result, ConcurrencyConflictError).expected_version == 1
        stored = self.load(harness, repository_class, item)
        assert stored is not None
        assert (stored.rank, stored.version) == (10, 2)
        assert self.load(harness, repository_class, bystander) is None
        assert [message.payload["rank"] for message in harness.outbox_messages()] == [10]

    @pytest.mark.parametrize("change", ["rerank", "remove"])
    def test_writing_an_aggregate_removed_meanwhile_fails_with_not_found(
        self, harness: UnitOfWorkHarness, repository_class: Items, change: str
    ) -> None:
        """Changing or removing an aggregate someone removed since it was read is not found.

        A versioned write that matches no stored record says so (``NotFoundError``), as it
        says for an id that was never stored; only a record with another version is a
        conflict.
        """
        item = ContractItem.new(new_sku("contested"), rank=1)
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            first.repository(repository_class).remove(mine)
            if change == "rerank":
                theirs.rerank(20)
            else:
                second.repository(repository_class).remove(theirs)
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert_failure(second_result, NotFoundError)
        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_removing_an_aggregate_never_stored_fails_with_not_found(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Removing an aggregate no store holds (whatever version it claims) is not found."""
        ghosts = [ContractItem.new(new_sku("ghost")) for _ in range(3)]
        for version, ghost in enumerate(ghosts):
            ghost.version = version

        results: list[Result[None, CommitError]] = []
        for ghost in ghosts:
            with harness.open() as uow:
                uow.repository(repository_class).remove(ghost)
                results.append(uow.commit())

        missing = [assert_failure(result, NotFoundError) for result in results]
        # Each names the aggregate it could not find, as a read of its id would.
        assert [error.identifier for error in missing] == [str(ghost.id) for ghost in ghosts]
