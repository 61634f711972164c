"""Work a unit of work never commits is impossible to miss: leaving the block says so."""

from __future__ import annotations

import logging

import pytest
from returns.result import Failure, Success

from creativeflow_shared.testing import (
    ContractItem,
    ContractItemChanged,
    ContractItemRepository,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)

_LOGGER = "creativeflow_shared.unit_of_work"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == _LOGGER]


def _stored(database: InMemoryDatabase, item: ContractItem) -> None:
    with InMemoryUnitOfWork(database) as uow:
        uow.repository(ContractItemRepository).add(item)
        assert uow.commit() == Success(None)


def test_leaving_with_work_never_committed_names_it(caplog: pytest.LogCaptureFixture) -> None:
    database = InMemoryDatabase()
    kept, gone = ContractItem.new("kept"), ContractItem.new("gone")
    _stored(database, kept)
    _stored(database, gone)
    added = ContractItem.new("added")

    with caplog.at_level(logging.WARNING, logger=_LOGGER), InMemoryUnitOfWork(database) as uow:
        items = uow.repository(ContractItemRepository)
        items.add(added)
        items.remove(items.get(gone.id).unwrap())
        items.get(kept.id).unwrap().rerank(3)
        uow.record(ContractItemChanged(rank=1))

    (message,) = _warnings(caplog)
    assert f"ContractItem {added.id} (added)" in message
    assert f"ContractItem {gone.id} (removed)" in message
    assert f"ContractItem {kept.id} (with events)" in message
    assert "1 event(s) recorded with record()" in message
    assert "rollback()" in message


@pytest.mark.parametrize(
    "ending",
    ["committed", "rolled back", "only read", "failed commit"],
)
def test_leaving_with_nothing_left_or_a_failure_in_hand_is_quiet(
    caplog: pytest.LogCaptureFixture, ending: str
) -> None:
    database = InMemoryDatabase()
    stored = ContractItem.new("stored")
    _stored(database, stored)

    with caplog.at_level(logging.WARNING, logger=_LOGGER), InMemoryUnitOfWork(database) as uow:
        items = uow.repository(ContractItemRepository)
        loaded = items.get(stored.id).unwrap()
        if ending == "committed":
            loaded.rerank(2)
            assert uow.commit() == Success(None)
        elif ending == "rolled back":
            items.add(ContractItem.new("discarded"))
            uow.rollback()
        elif ending == "failed commit":
            items.add(ContractItem.new(stored.sku))  # the sku is taken: the caller sees why
            assert isinstance(uow.commit(), Failure)

    assert _warnings(caplog) == []


class _AbandonedError(Exception):
    """Leaves a block abruptly."""


def _abandon() -> None:
    with InMemoryUnitOfWork() as uow:
        uow.repository(ContractItemRepository).add(ContractItem.new("abandoned"))
        raise _AbandonedError


def test_leaving_on_an_exception_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=_LOGGER), pytest.raises(_AbandonedError):
        _abandon()

    assert _warnings(caplog) == []


def test_work_after_a_failed_commit_is_named_again(caplog: pytest.LogCaptureFixture) -> None:
    database = InMemoryDatabase()
    stored = ContractItem.new("stored")
    _stored(database, stored)
    late = ContractItem.new("late")

    with caplog.at_level(logging.WARNING, logger=_LOGGER), InMemoryUnitOfWork(database) as uow:
        items = uow.repository(ContractItemRepository)
        items.add(ContractItem.new(stored.sku))
        assert isinstance(uow.commit(), Failure)
        uow.rollback()
        items.add(late)
        assert uow.commit() == Success(None)
        items.get(late.id).unwrap().rerank(9)

    (message,) = _warnings(caplog)
    assert f"ContractItem {late.id} (with events)" in message
