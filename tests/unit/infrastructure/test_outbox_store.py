"""Unit tests of the outbox store reading back what it wrote (SQLite in memory)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

import pytest
from sqlalchemy import MetaData, create_engine, update

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyOutboxStore, outbox_table

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine, Table


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def table(engine: Engine) -> Table:
    metadata = MetaData()
    outbox = outbox_table(metadata, name="unit_outbox_store_outbox")
    metadata.create_all(engine)
    return outbox


def _message(number: int, *, aggregate_version: int | None = 1) -> OutboxMessage:
    return OutboxMessage(
        id=UUID(int=number),
        aggregate_type="meter",
        aggregate_id=f"meter-{number}",
        aggregate_version=aggregate_version,
        event_type="unit_infra.outbox.meter_read",
        schema_version=2,
        payload={"value": number, "tags": ["a", "b"], "note": None},
        headers={"correlation_id": f"correlation-{number}", "tenant_id": "tenant-1"},
        occurred_at=datetime(2030, 1, number, 12, 30, tzinfo=UTC),
    )


def test_messages_returns_every_appended_message_as_it_was_given_in_the_order_of_ids(
    engine: Engine, table: Table
) -> None:
    later, earlier, free = _message(3), _message(1), _message(2, aggregate_version=None)
    with engine.begin() as connection:
        SQLAlchemyOutboxStore(connection, table).append([later, earlier])
        SQLAlchemyOutboxStore(connection, table).append([free])

    with engine.connect() as connection:
        messages = SQLAlchemyOutboxStore(connection, table).messages()

    assert messages == [earlier, free, later]


def test_messages_includes_those_already_published(engine: Engine, table: Table) -> None:
    published, pending = _message(1), _message(2)
    with engine.begin() as connection:
        SQLAlchemyOutboxStore(connection, table).append([published, pending])
        connection.execute(
            update(table).where(table.c.id == published.id).values(status="published")
        )

    with engine.connect() as connection:
        messages = SQLAlchemyOutboxStore(connection, table).messages()

    assert messages == [published, pending]


def test_messages_of_an_empty_outbox_is_an_empty_list(engine: Engine, table: Table) -> None:
    with engine.connect() as connection:
        messages = SQLAlchemyOutboxStore(connection, table).messages()

    assert messages == []


def test_messages_sees_what_its_own_transaction_appended(engine: Engine, table: Table) -> None:
    message = _message(1)

    with engine.connect() as connection:  # never committed: rolled back when it closes
        store = SQLAlchemyOutboxStore(connection, table)
        store.append([message])
        messages = store.messages()

    assert messages == [message]
