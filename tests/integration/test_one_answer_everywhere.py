"""What every adapter answers alike, found by attacking the adapters side by side.

Each case below once had the adapters disagree (one committed, another raised a driver error,
a third returned a ``Failure``); now every adapter gives the one answer the case asserts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pydantic import field_serializer
from returns.result import Failure, Success
from sqlalchemy import MetaData

from creativeflow_shared.application import (
    MAX_COMPARED_VALUES,
    OUTBOX_NAME_MAX_LENGTH,
    DocumentRepository,
    project,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    DomainEvent,
    Identity,
    InvalidInputError,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table

if TYPE_CHECKING:
    from creativeflow_shared.testing import UnitOfWorkHarness


class Pinged(DomainEvent, event_type="integration.everywhere.pinged"):
    n: int = 0


class Board(AggregateRoot[str]):
    """An aggregate with a text id, which the outbox row keeps in a column of limited length."""

    title: str = ""
    blob: bytes = b""

    def ping(self) -> None:
        self.record(Pinged())


class BoardRepository(DocumentRepository[Board, str]):
    pass


class AccountId(Identity):
    pass


class Account(AggregateRoot[AccountId]):
    """An integer the JSON form writes as text (a field serializer), kept in a column too."""

    balance: int

    @field_serializer("balance", when_used="json")
    def _as_text(self, balance: int) -> str:
        return str(balance)


class AccountRepository(DocumentRepository[Account, AccountId]):
    projections = (project("balance"),)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, BoardRepository, name="everywhere_boards")
    document_table(tables, AccountRepository, name="everywhere_accounts")
    outbox_table(tables, name="everywhere_outbox")
    return tables


def test_an_aggregate_id_longer_than_an_outbox_row_keeps_fails_the_commit_with_invalid_input(
    harness: UnitOfWorkHarness,
) -> None:
    board = Board(id="b" * (OUTBOX_NAME_MAX_LENGTH + 1))
    board.ping()

    with harness.open() as uow:
        uow.repository(BoardRepository).add(board)
        failed = uow.commit()

    error = failed.failure() if isinstance(failed, Failure) else None
    assert isinstance(error, InvalidInputError)
    (problem,) = error.field_errors
    assert (problem.loc, problem.type) == (("events", 0), "string_too_long")
    assert problem.message == (
        "Aggregate types, aggregate ids and event types hold 255 characters at most"
    )
    assert (board.version, len(board.pending_events)) == (0, 1)
    assert harness.outbox_messages() == []


def test_an_aggregate_id_as_long_as_an_outbox_row_keeps_is_kept(
    harness: UnitOfWorkHarness,
) -> None:
    board = Board(id="b" * OUTBOX_NAME_MAX_LENGTH)
    board.ping()

    with harness.open() as uow:
        uow.repository(BoardRepository).add(board)
        committed = uow.commit()

    assert committed == Success(None)
    assert [m.aggregate_id for m in harness.outbox_messages()] == [board.id]


def test_an_event_recorded_twice_fails_the_commit_with_already_exists(
    harness: UnitOfWorkHarness,
) -> None:
    event = Pinged(n=1)
    board = Board(id="twice")

    with harness.open() as uow:
        uow.record(event)
        uow.record(event)
        in_one_commit = uow.commit()
    with harness.open() as uow:
        uow.record(event)
        assert uow.commit() == Success(None)
    with harness.open() as uow:
        uow.repository(BoardRepository).add(board)
        uow.record(event)
        in_a_later_commit = uow.commit()

    for failed in (in_one_commit, in_a_later_commit):
        error = failed.failure() if isinstance(failed, Failure) else None
        assert isinstance(error, AlreadyExistsError)
        assert (error.resource, error.identifier) == ("outbox message", str(event.event_id))
    assert [m.id for m in harness.outbox_messages()] == [event.event_id]
    with harness.open() as uow:
        assert uow.repository(BoardRepository).exists("twice") is False


def test_a_column_is_checked_in_its_own_form_whatever_the_json_form_holds(
    harness: UnitOfWorkHarness,
) -> None:
    """The JSON form writes the balance as text; its column keeps the integer: 2**70 is refused."""
    with harness.open() as uow:
        uow.repository(AccountRepository).add(Account(id=AccountId.new(), balance=2**70))
        refused = uow.commit()
        uow.rollback()
        uow.repository(AccountRepository).add(Account(id=AccountId.new(), balance=5))
        kept = uow.commit()

    error = refused.failure() if isinstance(refused, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert error.field_errors[0].loc == ("balance",)
    assert kept == Success(None)


def test_a_specification_comparing_too_many_values_is_refused_before_any_store_sees_it(
    harness: UnitOfWorkHarness,
) -> None:
    many = where(Account).balance.in_(range(MAX_COMPARED_VALUES + 1))
    enough = where(Account).balance.in_(range(MAX_COMPARED_VALUES))

    with harness.open() as uow:
        accounts = uow.repository(AccountRepository)
        accounts.add(Account(id=AccountId.new(), balance=7))
        assert uow.commit() == Success(None)
        with pytest.raises(InvalidInputError) as refused:
            accounts.count(many)
        counted = accounts.count(enough)
        keyset = accounts.page_after(None, many, order_by=[where(Account).balance.asc()])

    assert refused.value.field_errors[0].type == "too_long"
    assert counted == 1
    assert isinstance(keyset, Failure)


def test_bytes_of_any_value_are_kept_and_read_back_alike(harness: UnitOfWorkHarness) -> None:
    """Bytes are base64 in JSON: not valid UTF-8, or holding NUL, they are kept all the same."""
    board = Board(id="bytes", blob=b"\x00\xff\xfe binary")
    board.ping()

    with harness.open() as uow:
        uow.repository(BoardRepository).add(board)
        committed = uow.commit()
    with harness.open() as uow:
        stored = uow.repository(BoardRepository).get("bytes").unwrap()

    assert committed == Success(None)
    assert stored.blob == b"\x00\xff\xfe binary"
