"""G1 with G4: a consumer's commit that fails leaves no inbox note, and its retry notes once.

A consumer notes a message and applies its effect; the connection is lost just before
``COMMIT`` reaches PostgreSQL (the server terminates the session), or the inbox insert fails
because another delivery committed the note first. Either way nothing of the delivery is
stored, the error is typed, and the message handled again afterwards is noted exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Success
from sqlalchemy import Connection, MetaData, create_engine, event, func, select, text

from creativeflow_shared.application import is_duplicate
from creativeflow_shared.domain import KernelError
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyUnitOfWork,
    document_table,
    inbox_table,
    outbox_table,
)
from creativeflow_shared.testing import ContractItem, ContractItemRepository

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

CONSUMER = "g4-failures"


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="g4f_items")
    outbox_table(tables, name="g4f_outbox")
    inbox_table(tables, name="g4f_inbox")
    return tables


@pytest.fixture
def engine(postgres_tables: Engine, metadata: MetaData) -> Iterator[Engine]:
    with postgres_tables.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    own = create_engine(postgres_tables.url)  # its own pool: the fault breaks a connection
    yield own
    own.dispose()


@pytest.fixture
def lost_commit(engine: Engine) -> Iterator[None]:
    """Terminate the session just before its next COMMIT is sent (once)."""
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    armed = [True]

    def before(connection: Connection, _cursor: object, statement: str, *_: object) -> None:
        if statement == "COMMIT" and armed:
            armed.clear()
            pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
            with admin.connect() as session:
                session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def on_commit(connection: Connection) -> None:
        before(connection, None, "COMMIT")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", on_commit)
    yield
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "commit", on_commit)
    admin.dispose()


def _counts(engine: Engine, metadata: MetaData) -> tuple[int, int]:
    items, inbox = metadata.tables["g4f_items"], metadata.tables["g4f_inbox"]
    with engine.connect() as connection:
        return (
            int(connection.execute(select(func.count()).select_from(items)).scalar_one()),
            int(connection.execute(select(func.count()).select_from(inbox)).scalar_one()),
        )


@pytest.mark.usefixtures("lost_commit")
def test_a_delivery_whose_commit_is_lost_notes_nothing_and_is_handled_again(
    engine: Engine, metadata: MetaData
) -> None:
    with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        uow.receive("m-lost", CONSUMER)
        uow.repository(ContractItemRepository).add(ContractItem.new("lost"))
        with pytest.raises(KernelError):
            uow.commit()
    assert _counts(engine, metadata) == (0, 0)

    for expected in (Success(None), None):  # handled again, then refused as handled
        with SQLAlchemyUnitOfWork(engine, metadata) as uow:
            uow.receive("m-lost", CONSUMER)
            uow.repository(ContractItemRepository).add(ContractItem.new("again"))
            outcome = uow.commit()
            if expected is None:
                assert isinstance(outcome, Failure)
                assert is_duplicate(outcome.failure())
            else:
                assert outcome == expected
    assert _counts(engine, metadata) == (1, 1)


def test_a_duplicate_refused_at_commit_can_be_committed_again_only_without_the_note(
    engine: Engine, metadata: MetaData
) -> None:
    with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        uow.receive("m-twice", CONSUMER)
        assert uow.commit() == Success(None)
    with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        uow.receive("m-twice", CONSUMER)
        item = ContractItem.new("second")
        uow.repository(ContractItemRepository).add(item)
        first, second = uow.commit(), uow.commit()  # a second commit after a Failure
        assert isinstance(first, Failure)
        assert isinstance(second, Failure)
        assert is_duplicate(second.failure())
    assert _counts(engine, metadata) == (0, 1)
