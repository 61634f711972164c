"""G6: committed events are released once per successful commit; none from a rollback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData

from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table
from creativeflow_shared.testing import (
    ContractItem,
    ContractItemChanged,
    ContractItemRepository,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creativeflow_shared.domain import DomainEvent
    from creativeflow_shared.testing import UnitOfWorkHarness


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="g6_items")
    outbox_table(tables, name="g6_outbox")
    return tables


def _ranks(events: Sequence[DomainEvent]) -> list[int]:
    ranks: list[int] = []
    for event in events:
        assert isinstance(event, ContractItemChanged)
        ranks.append(event.rank)
    return ranks


def test_g6_events_are_released_once_per_successful_commit_and_never_after_rollback(
    harness: UnitOfWorkHarness,
) -> None:
    item = ContractItem.new("released")

    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(item)
        item.rerank(1)
        assert uow.commit() == Success(None)
        first, again = uow.collect_committed_events(), uow.collect_committed_events()
        item.rerank(2)
        item.rerank(3)
        assert uow.commit() == Success(None)
        item.rerank(4)
        uow.rollback()
        assert uow.commit() == Success(None)
        second = uow.collect_committed_events()
    with harness.open() as uow:
        uow.repository(ContractItemRepository).get(item.id).unwrap().rerank(5)
        # The block ends without a commit.
        never = uow.collect_committed_events()

    assert (_ranks(first), again) == ([1], ())
    assert _ranks(second) == [2, 3]
    assert never == ()
    assert [m.id for m in harness.outbox_messages()] == [e.event_id for e in first + second]


def test_g6_a_failed_commit_releases_no_event(harness: UnitOfWorkHarness) -> None:
    item = ContractItem.new("contested")
    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(item)
        assert uow.commit() == Success(None)

    with harness.open() as winner, harness.open() as loser:
        mine = winner.repository(ContractItemRepository).get(item.id).unwrap()
        theirs = loser.repository(ContractItemRepository).get(item.id).unwrap()
        mine.rerank(1)
        theirs.rerank(2)
        loser.record(ContractItemChanged(rank=3))
        assert winner.commit() == Success(None)
        failed = loser.commit()
        won, lost = winner.collect_committed_events(), loser.collect_committed_events()

    assert isinstance(failed, Failure)
    assert (_ranks(won), lost) == ([1], ())


def test_g6_committed_events_can_be_collected_after_the_block(
    harness: UnitOfWorkHarness,
) -> None:
    item = ContractItem.new("collected-later")

    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(item)
        item.rerank(7)
        assert uow.commit() == Success(None)
    after, again = uow.collect_committed_events(), uow.collect_committed_events()

    assert (_ranks(after), again) == ([7], ())
