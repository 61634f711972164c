"""The outbox table written in the unit of work's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert

from creativeflow_shared.infrastructure.sqlalchemy._errors import execute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection, Table
    from sqlalchemy.sql import Insert

    from creativeflow_shared.application import OutboxMessage

__all__ = ["SQLAlchemyOutboxStore"]

_INSERT = "creativeflow_outbox_insert"


class SQLAlchemyOutboxStore:
    """The ``OutboxStore`` of an outbox table."""

    __slots__ = ("_connection", "_insert")

    def __init__(self, connection: Connection, table: Table) -> None:
        """Write to ``table`` within ``connection``'s transaction."""
        self._connection = connection
        # One statement per table: a new one per call would have its cache key computed again.
        insert_statement: Insert | None = table.info.get(_INSERT)
        if insert_statement is None:
            insert_statement = table.info[_INSERT] = insert(table)
        self._insert = insert_statement

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
