# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The contract suite every unit of work must pass: transactions, the outbox and events."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Success

from creativeflow_shared.application import RequestContext, use_context
from creativeflow_shared.testing._contract_data import new_sku, parts
from creativeflow_shared.testing._contract_model import ContractItem, ContractItemChanged
from creativeflow_shared.testing._unit_of_work_blocks import BlockCases
from creativeflow_shared.testing._unit_of_work_failures import FailedCommitCases

if TYPE_CHECKING:
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["UnitOfWorkContract"]


class _AbandonedError(Exception):
    """Raised inside a unit of work's block to leave it abruptly."""


def _abandon(harness: UnitOfWorkHarness, kind: Items, item: ContractItem) -> None:
    with harness.open() as uow:
        uow.repository(kind).add(item)
        item.rerank(1)
        raise _AbandonedError


class UnitOfWorkContract(FailedCommitCases, BlockCases):
    """What every unit of work does with transactions and events (run as ``Test<Adapter>``).

    Its cases cover rollback, the outbox rows a commit writes, the events it releases, and
    (inherited) the commits that fail and the use of a unit of work outside its block.
    Subclass it and provide a ``harness`` fixture, and optionally ``repository_class``, as
    for ``RepositoryContract``.
    """

    def test_leaving_the_block_without_commit_rolls_back(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Leaving the block without ``commit`` stores no aggregate and no outbox row."""
        item = ContractItem.new(new_sku("uncommitted"))

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            item.rerank(3)
            uow.record(ContractItemChanged(rank=0))

        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_an_exception_leaving_the_block_rolls_back_and_propagates(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """An exception leaving the block propagates, and nothing of the block is stored."""
        item = ContractItem.new(new_sku("abandoned"))

        with pytest.raises(_AbandonedError):
            _abandon(harness, repository_class, item)

        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_rollback_discards_changes_and_forgets_loaded_aggregates(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``rollback`` discards changes and events, and forgets what was loaded."""
        stored = ContractItem.new(new_sku("stored"), rank=1)
        self.store(harness, repository_class, stored)
        added = ContractItem.new(new_sku("added"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(added)
            loaded = repository.get(stored.id).unwrap()
            loaded.rerank(9)
            uow.record(ContractItemChanged(rank=0))
            uow.rollback()
            committed = uow.commit()
            events = uow.collect_committed_events()

        assert committed == Success(None)
        assert events == ()
        assert self.load(harness, repository_class, added) is None
        reloaded = self.load(harness, repository_class, stored)
        assert reloaded is not None
        assert (reloaded.rank, reloaded.version) == (1, 1)
        assert harness.outbox_messages() == []

    def test_a_rolled_back_change_of_children_leaves_the_stored_children_unchanged(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """After ``rollback`` the stored children are unchanged and are what a new read sees."""
        item = ContractItem.new(new_sku("parent"), parts=parts(("bolt", 4), ("nut", 2)))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            loaded = repository.get(item.id).unwrap()
            loaded.add_part("washer", 9)
            loaded.drop_part("bolt")
            loaded.change_part("nut", 20)
            uow.rollback()
            committed = uow.commit()
            reread = repository.get(item.id).unwrap()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert reread is not loaded
        assert (reread.parts, reread.version) == (item.parts, 1)
        assert stored is not None
        assert (stored.parts, stored.version) == (item.parts, 1)
        assert harness.outbox_messages() == []

    def test_recorded_events_reach_the_outbox_with_their_aggregate_and_the_request_context(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Each event is stored with its aggregate, the new version and the request context."""
        item = ContractItem.new(new_sku("evented"))
        context = RequestContext.new(
            tenant_id="tenant-1",
            actor_id="actor-1",
            traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ).caused_by("message-1")

        with use_context(context), harness.open() as uow:
            uow.repository(repository_class).add(item)
            item.rerank(5)
            assert uow.commit() == Success(None)
            item.rerank(6)
            assert uow.commit() == Success(None)

        actual = [
            (
                message.aggregate_type,
                message.aggregate_id,
                message.aggregate_version,
                message.event_type,
                message.schema_version,
                message.payload["rank"],
            )
            for message in harness.outbox_messages()
        ]
        assert actual == [
            ("creativeflow.contract.item", str(item.id), 1, ContractItemChanged.event_type, 1, 5),
            ("creativeflow.contract.item", str(item.id), 2, ContractItemChanged.event_type, 1, 6),
        ]
        assert [message.headers for message in harness.outbox_messages()] == 2 * [
            {
                "correlation_id": context.correlation_id,
                "causation_id": "message-1",
                "tenant_id": "tenant-1",
                "actor_id": "actor-1",
                "traceparent": context.traceparent,
            }
        ]

    def test_committed_events_are_released_once(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``collect_committed_events`` returns the committed events once, then nothing."""
        item = ContractItem.new(new_sku("released"))

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            item.rerank(1)
            item.rerank(2)
            assert uow.commit() == Success(None)
            first = uow.collect_committed_events()
            second = uow.collect_committed_events()

        assert [(type(e), e.aggregate_id) for e in first] == 2 * [
            (ContractItemChanged, str(item.id))
        ]
        assert [event.event_id for event in first] == [m.id for m in harness.outbox_messages()]
        assert second == ()

    def test_an_event_only_change_writes_its_row_and_bumps_the_version(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """An aggregate that only recorded an event is saved as a new version with its row."""
        item = ContractItem.new(new_sku("touched"), rank=4)
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            uow.repository(repository_class).get(item.id).unwrap().touch()
            committed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert stored is not None
        assert (stored.version, stored.rank) == (2, 4)
        actual = [(m.aggregate_id, m.aggregate_version) for m in harness.outbox_messages()]
        assert actual == [(str(item.id), 2)]

    def test_an_event_of_no_aggregate_is_stored_on_commit(self, harness: UnitOfWorkHarness) -> None:
        """``record`` stores an event of no aggregate on commit and releases it."""
        event = ContractItemChanged(rank=8)

        with harness.open() as uow:
            uow.record(event)
            committed = uow.commit()
            released = uow.collect_committed_events()

        assert committed == Success(None)
        assert released == (event,)
        actual = [
            (m.id, m.aggregate_type, m.aggregate_id, m.aggregate_version, m.payload["rank"])
            for m in harness.outbox_messages()
        ]
        assert actual == [(event.event_id, "none", str(event.event_id), None, 8)]

    def test_an_event_of_no_aggregate_is_dropped_when_the_block_ends_without_commit(
        self, harness: UnitOfWorkHarness
    ) -> None:
        """An event of no aggregate is dropped when the block ends without a commit."""
        with harness.open() as uow:
            uow.record(ContractItemChanged(rank=8))

        assert harness.outbox_messages() == []

    def test_the_events_of_a_removed_aggregate_are_stored(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """The events of an aggregate removed in the commit are stored too."""
        item = ContractItem.new(new_sku("farewell"))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            loaded = repository.get(item.id).unwrap()
            loaded.touch()
            repository.remove(loaded)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None
        actual = [(m.aggregate_id, m.event_type) for m in harness.outbox_messages()]
        assert actual == [(str(item.id), ContractItemChanged.event_type)]
