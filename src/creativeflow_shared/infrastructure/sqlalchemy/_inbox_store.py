"""The inbox table: the messages each consumer handled, written in the consumer's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Table, insert, select

from creativeflow_shared.application import INBOX_RESOURCE
from creativeflow_shared.domain import utc_now
from creativeflow_shared.infrastructure.sqlalchemy._errors import execute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection

    from creativeflow_shared.application.ports import InboxEntry

__all__ = ["SQLAlchemyInboxStore"]


class SQLAlchemyInboxStore:
    """The ``InboxStore`` of an inbox table (declared by ``inbox_table``)."""

    __slots__ = ("_connection", "_table")

    def __init__(self, connection: Connection, table: Table) -> None:
        """Read and write ``table`` within ``connection``'s transaction."""
        self._connection = connection
        self._table = table

    def received(self, entry: InboxEntry) -> bool:
        """Whether a committed transaction noted ``entry`` already."""
        c = self._table.c
        statement = select(c.message_id).where(
            c.message_id == entry.message_id, c.consumer == entry.consumer
        )
        return self._connection.execute(statement).first() is not None

    def append(self, entries: Sequence[InboxEntry]) -> None:
        """Note ``entries``; one noted already is an ``AlreadyExistsError``."""
        now = utc_now()
        rows = [
            {"message_id": e.message_id, "consumer": e.consumer, "received_at": now}
            for e in entries
        ]
        subject = entries[0].message_id if len(entries) == 1 else f"one of {len(entries)}"
        execute(self._connection, insert(self._table), rows, INBOX_RESOURCE, subject)
