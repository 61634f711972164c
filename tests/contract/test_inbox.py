"""G4, the inbox: a message's effects apply once per consumer, on every backend.

Each delivery of a message adds an item (its effect). Delivered again, the commit is refused
with ``AlreadyExistsError`` on the inbox and writes nothing; a failed or rolled-back
delivery notes nothing, so the message is handled when it comes again.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Result, Success
from sqlalchemy import MetaData, func, select

from creativeflow_shared.application import INBOX_KEY_MAX_LENGTH, INBOX_RESOURCE, is_duplicate
from creativeflow_shared.domain import AlreadyExistsError
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyUnitOfWork,
    document_table,
    inbox_table,
    outbox_table,
)
from creativeflow_shared.testing import ContractItem, ContractItemRepository

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.testing import UnitOfWorkFacade, UnitOfWorkHarness

CONSUMER = "notifications"


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="inbox_items")
    outbox_table(tables, name="inbox_outbox")
    inbox_table(tables, name="inbox_inbox")
    return tables


def deliver(uow: UnitOfWorkFacade, message_id: str) -> Result[None, CommitError]:
    """What a consumer does with one delivery: skip what was handled, else apply and note."""
    uow.receive(message_id, CONSUMER)
    uow.repository(ContractItemRepository).add(ContractItem.new(f"from-{message_id[:8]}"))
    return uow.commit()


def items(harness: UnitOfWorkHarness) -> int:
    with harness.open() as uow:
        return uow.repository(ContractItemRepository).count()


def test_g4_a_message_delivered_three_times_applies_once(harness: UnitOfWorkHarness) -> None:
    outcomes: list[Result[None, CommitError]] = []
    for _ in range(3):
        with harness.open() as uow:
            outcomes.append(deliver(uow, "m-1"))
    assert outcomes[0] == Success(None)
    for outcome in outcomes[1:]:
        assert isinstance(outcome, Failure)
        error = outcome.failure()
        assert is_duplicate(error)
        assert isinstance(error, AlreadyExistsError)
        assert error.resource == INBOX_RESOURCE
    assert items(harness) == 1


def test_received_says_what_a_committed_delivery_noted(harness: UnitOfWorkHarness) -> None:
    with harness.open() as uow:
        assert not uow.received("m-2", CONSUMER)
        assert deliver(uow, "m-2") == Success(None)
    with harness.open() as uow:
        assert uow.received("m-2", CONSUMER)
        assert not uow.received("m-2", "another-consumer")  # each consumer has its own
        assert not uow.received("m-3", CONSUMER)
    with harness.open() as uow:  # another consumer handles the same message too
        uow.receive("m-2", "another-consumer")
        assert uow.commit() == Success(None)


def test_a_delivery_that_is_not_committed_notes_nothing(harness: UnitOfWorkHarness) -> None:
    with harness.open() as uow:
        uow.receive("m-4", CONSUMER)
        uow.repository(ContractItemRepository).add(ContractItem.new("rolled-back"))
        uow.rollback()
    with harness.open() as uow:
        uow.receive("m-4", CONSUMER)  # the block ends without a commit
    with harness.open() as uow:
        assert not uow.received("m-4", CONSUMER)
        assert deliver(uow, "m-4") == Success(None)  # handled when it comes again
    assert items(harness) == 1


def test_a_refused_duplicate_leaves_the_block_usable(harness: UnitOfWorkHarness) -> None:
    with harness.open() as uow:
        assert deliver(uow, "m-5") == Success(None)
    with harness.open() as uow:
        assert isinstance(deliver(uow, "m-5"), Failure)
        assert isinstance(uow.commit(), Failure)  # the same work again: refused again
        uow.rollback()
        uow.repository(ContractItemRepository).add(ContractItem.new("other-work"))
        assert uow.commit() == Success(None)  # the note was forgotten with the work
    assert items(harness) == 2


def test_one_commit_notes_once_and_the_next_commit_of_the_block_notes_nothing(
    harness: UnitOfWorkHarness,
) -> None:
    with harness.open() as uow:
        assert deliver(uow, "m-6") == Success(None)
        uow.repository(ContractItemRepository).add(ContractItem.new("later-work"))
        assert uow.commit() == Success(None)  # not refused: the note went with the first


@pytest.mark.parametrize(
    ("message_id", "consumer"),
    [
        ("", CONSUMER),
        ("m\x00", CONSUMER),
        ("m\ud800", CONSUMER),
        ("m" * (INBOX_KEY_MAX_LENGTH + 1), CONSUMER),
        ("m-7", ""),
        ("m-7", "c" * (INBOX_KEY_MAX_LENGTH + 1)),
    ],
)
def test_a_key_no_store_keeps_is_refused_at_once(
    harness: UnitOfWorkHarness, message_id: str, consumer: str
) -> None:
    with harness.open() as uow:
        with pytest.raises(ValueError, match="inbox message id and consumer"):
            uow.receive(message_id, consumer)
        with pytest.raises(ValueError, match="inbox message id and consumer"):
            uow.received(message_id, consumer)
        assert uow.commit() == Success(None)  # nothing was noted


def test_the_longest_key_is_kept(harness: UnitOfWorkHarness) -> None:
    longest = "é" * INBOX_KEY_MAX_LENGTH
    with harness.open() as uow:
        uow.receive(longest, longest)
        assert uow.commit() == Success(None)
    with harness.open() as uow:
        assert uow.received(longest, longest)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_g4_concurrent_deliveries_apply_once(
    request: pytest.FixtureRequest, metadata: MetaData, database: str
) -> None:
    engine: Engine = request.getfixturevalue(f"{database}_tables")
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    deliveries = 3
    ready = threading.Barrier(deliveries)
    outcomes: list[Result[None, CommitError]] = []

    def consume() -> None:
        with SQLAlchemyUnitOfWork(engine, metadata) as uow:
            uow.receive("m-concurrent", CONSUMER)
            uow.repository(ContractItemRepository).add(ContractItem.new("concurrent"))
            ready.wait(timeout=10)  # all three hold their work before any commits
            outcomes.append(uow.commit())

    threads = [threading.Thread(target=consume) for _ in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == deliveries
    assert outcomes.count(Success(None)) == 1
    assert all(
        is_duplicate(outcome.failure()) for outcome in outcomes if isinstance(outcome, Failure)
    )
    items_table = metadata.tables["inbox_items"]
    inbox = metadata.tables["inbox_inbox"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(items_table)).scalar() == 1
        assert connection.execute(select(func.count()).select_from(inbox)).scalar() == 1
