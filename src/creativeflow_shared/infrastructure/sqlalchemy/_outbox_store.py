"""The outbox table: written in the unit of work's transaction, and read back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, select

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.infrastructure.sqlalchemy._errors import execute
from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection, Row
    from sqlalchemy.sql import Insert

__all__ = ["SQLAlchemyOutboxStore", "outbox_message"]

# One statement per table: a new one per call would have its cache key computed again.
_INSERTS: Memo[Insert] = Memo("outbox insert")


class SQLAlchemyOutboxStore:
    """The ``OutboxStore`` of an outbox table, which also reads the stored messages back."""

    __slots__ = ("_connection", "_insert", "_table")

    def __init__(self, connection: Connection, table: Table) -> None:
        """Write to and read ``table`` within ``connection``'s transaction."""
        self._connection = connection
        self._insert = _INSERTS.get(table.info, lambda: insert(table))
        self._table = table

    def append(self, messages: Sequence[OutboxMessage]) -> None:
        """Insert ``messages`` (one statement, executed for many rows)."""
        rows = [
            {
                "id": message.id,
                "aggregatetype": message.aggregate_type,
                "aggregateid": message.aggregate_id,
                "aggregateversion": message.aggregate_version,
                "type": message.event_type,
                "schemaversion": message.schema_version,
                "payload": message.payload,
                "headers": message.headers,
                "occurred_at": message.occurred_at,
                "available_at": message.occurred_at,
                "status": "pending",
            }
            for message in messages
        ]
        subject = messages[0].id if len(messages) == 1 else f"one of {len(messages)}"
        execute(self._connection, self._insert, rows, "outbox message", subject)

    def messages(self) -> list[OutboxMessage]:
        """Return every message in the table, whatever its status, in the order of their ids.

        Event ids are UUIDv7 values, so this is the order in which the events were recorded.
        It reads the whole table: it is meant for tests and tools that check what was written.

        Returns:
            Every stored message, equal to the one ``append`` was given.
        """
        table = self._table
        return [
            outbox_message(row)
            for row in self._connection.execute(select(table).order_by(table.c.id))
        ]


def outbox_message(row: Row[Any]) -> OutboxMessage:
    """The message an outbox row holds (a row of every column of the table)."""
    return OutboxMessage(
        id=row.id,
        aggregate_type=row.aggregatetype,
        aggregate_id=row.aggregateid,
        aggregate_version=row.aggregateversion,
        event_type=row.type,
        schema_version=row.schemaversion,
        payload=row.payload,
        headers=row.headers,
        occurred_at=row.occurred_at,
    )
