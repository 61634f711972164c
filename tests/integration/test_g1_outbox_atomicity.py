"""G1: outbox rows are stored iff the aggregate change commits, in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Result, Success
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError

from creativeflow_shared.domain import AlreadyExistsError
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table
from creativeflow_shared.testing import (
    ContractItem,
    ContractItemChanged,
    ContractItemRepository,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.testing import UnitOfWorkHarness

SQL_BACKENDS = ["sqlite", "sqlite-async", "postgresql", "postgresql-async"]


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="g1_items")
    outbox_table(tables, name="g1_outbox")
    return tables


@pytest.fixture(params=SQL_BACKENDS)
def harness(
    request: pytest.FixtureRequest, make_harness: Callable[[str], UnitOfWorkHarness]
) -> UnitOfWorkHarness:
    return make_harness(request.param)


def _stored(harness: UnitOfWorkHarness, item: ContractItem) -> ContractItem | None:
    with harness.open() as uow:
        return uow.repository(ContractItemRepository).get(item.id).value_or(None)


def test_g1_outbox_rows_commit_with_the_aggregate_and_vanish_on_rollback(
    harness: UnitOfWorkHarness,
) -> None:
    committed, abandoned = ContractItem.new("committed"), ContractItem.new("abandoned")

    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(committed)
        committed.rerank(1)
        result = uow.commit()
    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(abandoned)
        abandoned.rerank(2)
        uow.record(ContractItemChanged(rank=3))
        # The block ends without a commit.

    assert result == Success(None)
    assert _stored(harness, committed) is not None
    assert _stored(harness, abandoned) is None
    actual = [
        (m.aggregate_id, m.aggregate_version, m.payload["rank"]) for m in harness.outbox_messages()
    ]
    assert actual == [(str(committed.id), 1, 1)]


def _commit_a_change_whose_outbox_row_fails(
    harness: UnitOfWorkHarness, item: ContractItem, stored_event: ContractItemChanged
) -> Result[None, CommitError]:
    # The aggregate's row is updated first; the outbox insert then fails on the id of an
    # event stored by an earlier commit, so the only way the aggregate stays unchanged is a
    # rollback of the one transaction.
    with harness.open() as uow:
        loaded = uow.repository(ContractItemRepository).get(item.id).unwrap()
        loaded.rerank(2)
        uow.record(stored_event)
        return uow.commit()


def test_g1_an_aggregate_change_is_undone_when_its_outbox_row_cannot_be_written(
    harness: UnitOfWorkHarness,
) -> None:
    item = ContractItem.new("contested", rank=1)
    stored_event = ContractItemChanged(rank=0)
    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(item)
        uow.record(stored_event)
        assert uow.commit() == Success(None)

    failed = _commit_a_change_whose_outbox_row_fails(harness, item, stored_event)

    error = failed.failure() if isinstance(failed, Failure) else None
    assert isinstance(error, AlreadyExistsError)
    assert isinstance(error.__cause__, DBAPIError)
    stored = _stored(harness, item)
    assert stored is not None
    assert (stored.rank, stored.version) == (1, 1)
    assert [m.id for m in harness.outbox_messages()] == [stored_event.event_id]


def test_g1_an_event_only_unit_of_work_writes_its_rows(harness: UnitOfWorkHarness) -> None:
    item = ContractItem.new("quiet", rank=4)
    with harness.open() as uow:
        uow.repository(ContractItemRepository).add(item)
        assert uow.commit() == Success(None)

    with harness.open() as uow:
        uow.repository(ContractItemRepository).get(item.id).unwrap().touch()
        free = ContractItemChanged(rank=0)
        uow.record(free)
        result = uow.commit()

    assert result == Success(None)
    stored = _stored(harness, item)
    assert stored is not None
    assert (stored.rank, stored.version) == (4, 2)
    actual = [(m.aggregate_id, m.aggregate_version) for m in harness.outbox_messages()]
    assert actual == [(str(item.id), 2), (str(free.event_id), None)]
