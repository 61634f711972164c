# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The unit of work contract on commits that fail: they change nothing, and can be retried."""

from __future__ import annotations

from typing import TYPE_CHECKING

from returns.result import Failure, Success

from creativeflow_shared.domain import AlreadyExistsError, ConcurrencyConflictError
from creativeflow_shared.testing._contract_data import assert_failure, new_sku, parts
from creativeflow_shared.testing._contract_model import ContractItem, ContractItemChanged
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["FailedCommitCases"]


class FailedCommitCases(ContractSuite):
    """A failed commit stores nothing, keeps versions and pending events, and can be retried."""

    def test_a_failed_commit_stores_none_of_the_children_changes(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A commit that fails on a taken unique value stores none of the children's changes."""
        taken = ContractItem.new(new_sku("taken"))
        item = ContractItem.new(new_sku("parent"), parts=parts(("bolt", 4), ("nut", 2)))
        self.store(harness, repository_class, taken, item)

        with harness.open() as uow:
            loaded = uow.repository(repository_class).get(item.id).unwrap()
            loaded.add_part("washer", 9)
            loaded.drop_part("bolt")
            loaded.sku = taken.sku
            failed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert_failure(failed, AlreadyExistsError)
        assert stored is not None
        assert (stored.sku, stored.parts, stored.version) == (item.sku, item.parts, 1)
        assert harness.outbox_messages() == []

    def test_a_failed_commit_writes_no_outbox_row_and_releases_no_event(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A commit that fails on a conflict stores no outbox row and releases no event."""
        item = ContractItem.new(new_sku("contested"))
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.rerank(1)
            theirs.rerank(2)
            second.record(ContractItemChanged(rank=-1))
            assert first.commit() == Success(None)
            failed = second.commit()
            released = second.collect_committed_events()

        assert isinstance(failed, Failure)
        assert released == ()
        assert [message.payload["rank"] for message in harness.outbox_messages()] == [1]

    def test_a_failed_commit_leaves_the_aggregates_and_their_events_as_before(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """After a failed commit every aggregate keeps its version and its pending events.

        The queued events of no aggregate stay queued too, and a second ``commit`` tries the
        same work again: it fails again rather than reporting a success it did not store.
        """
        item = ContractItem.new(new_sku("contested"))
        self.store(harness, repository_class, item)
        added = ContractItem.new(new_sku("added"))

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            second.repository(repository_class).add(added)
            added.rerank(4)
            theirs.rerank(2)
            second.record(ContractItemChanged(rank=-1))
            mine.rerank(1)
            assert first.commit() == Success(None)
            failed = second.commit()
            after = (theirs.version, len(theirs.pending_events), added.version)
            pending = [len(theirs.pending_events), len(added.pending_events)]
            retried = second.commit()
            released = second.collect_committed_events()

        assert_failure(failed, ConcurrencyConflictError)
        assert after == (1, 1, 0)
        assert pending == [1, 1]
        assert_failure(retried, ConcurrencyConflictError)
        assert released == ()
        assert self.load(harness, repository_class, added) is None
        assert [m.payload["rank"] for m in harness.outbox_messages()] == [1]

    def test_a_commit_retried_after_a_failure_stores_the_state_with_all_its_events(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Retrying the same objects after a failed commit stores state and events together.

        What a retry loop does: the first commit fails (a unique value is taken), the cause
        is fixed, and the same aggregates are committed again with every event they recorded.
        """
        taken = ContractItem.new(new_sku("taken"))
        changed = ContractItem.new(new_sku("changed"))
        self.store(harness, repository_class, taken, changed)
        added = ContractItem.new(taken.sku)
        free = ContractItemChanged(rank=100)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(added)
            added.rerank(7)
            repository.get(changed.id).unwrap().rerank(8)
            uow.record(free)
            failed = uow.commit()
            added.sku = new_sku("fixed")
            retried = uow.commit()
            released = uow.collect_committed_events()

        assert_failure(failed, AlreadyExistsError)
        assert retried == Success(None)
        stored = [self.load(harness, repository_class, i) for i in (added, changed)]
        assert [(i.rank, i.version) if i else None for i in stored] == [(7, 1), (8, 2)]
        messages = harness.outbox_messages()
        assert sorted(m.payload["rank"] for m in messages) == [7, 8, 100]
        assert sorted(e.event_id for e in released) == sorted(m.id for m in messages)
        assert added.pending_events == ()

    def test_rollback_after_a_failed_commit_forgets_the_work(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``rollback`` after a failed commit forgets it: the next commit stores new work only."""
        taken = ContractItem.new(new_sku("taken"))
        self.store(harness, repository_class, taken)
        fresh = ContractItem.new(new_sku("fresh"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(ContractItem(id=taken.id, sku=new_sku("twin")))
            uow.record(ContractItemChanged(rank=-1))
            failed = uow.commit()
            uow.rollback()
            repository.add(fresh)
            committed = uow.commit()

        assert_failure(failed, AlreadyExistsError)
        assert committed == Success(None)
        assert self.load(harness, repository_class, fresh) is not None
        assert harness.outbox_messages() == []
