"""The idempotency keys table and the ``IdempotencyStore`` on it (SQLite and PostgreSQL).

Each call is one transaction of its own on the engine (sync or async: the statements are
written once, on a sync ``Connection``, and an async engine runs them through ``run_sync``;
a sync engine's calls run in a worker thread, so that they do not block the event loop).

A key is claimed by an ``INSERT … ON CONFLICT DO NOTHING`` that inserts for one caller only:
on PostgreSQL a second insert of the same key waits for the first one's transaction and then
inserts nothing, so however many requests arrive at once, one runs. A stale record (expired,
or in flight past its lease) is taken over by an ``UPDATE`` conditional on the token it read,
which again succeeds for one caller only.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import uuid4

from returns.result import Failure, Result, Success
from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from creativeflow_shared.idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_SCOPE_MAX_LENGTH,
    IdempotencyClaim,
    IdempotencyKeyInFlightError,
    IdempotencyRecord,
    KeyRefusal,
    StoredResponse,
    answer,
)
from creativeflow_shared.infrastructure.sqlalchemy._column_types import UtcDateTime
from creativeflow_shared.infrastructure.sqlalchemy._errors import translated
from creativeflow_shared.infrastructure.sqlalchemy._tables import json_column_type

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["SQLAlchemyIdempotencyStore", "idempotency_table"]

T = TypeVar("T")

_INFO_KEY = "creativeflow.idempotency"
#: What the driver errors of the store are about, in the errors they become.
_RESOURCE = "IdempotencyKey"
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def idempotency_table(metadata: MetaData, *, name: str = "idempotency_keys") -> Table:
    """Declare the table of idempotency keys on the service's ``MetaData``.

    Its primary key is the scope and the key. Beside them: the request's ``fingerprint``,
    the ``token`` of the claim that holds the key, ``created_at``, ``expires_at`` (indexed,
    for ``purge``), ``lease_until`` and, once the request completed, the response's
    ``status``, ``headers`` (JSON) and ``body`` (bytes); ``status`` is null while in flight.

    Raises:
        ValueError: If ``metadata`` already holds an idempotency keys table.
    """
    existing = metadata.info.get(_INFO_KEY)
    if existing is not None:
        msg = f"this MetaData already has an idempotency keys table ({existing.name}): declare one"
        raise ValueError(msg)
    table = Table(
        name,
        metadata,
        Column("scope", String(IDEMPOTENCY_SCOPE_MAX_LENGTH), nullable=False),
        Column("key", String(IDEMPOTENCY_KEY_MAX_LENGTH), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("token", String(36), nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("expires_at", UtcDateTime, nullable=False),
        Column("lease_until", UtcDateTime, nullable=False),
        Column("status", Integer, nullable=True),
        Column("headers", json_column_type(), nullable=True),
        Column("body", LargeBinary, nullable=True),
        PrimaryKeyConstraint("scope", "key", name=f"pk_{name}"),
        Index(f"ix_{name}_expires_at", "expires_at"),
    )
    metadata.info[_INFO_KEY] = table
    return table


class SQLAlchemyIdempotencyStore:
    """The ``IdempotencyStore`` of a table declared by ``idempotency_table``.

    Works on SQLite and PostgreSQL, through a sync or an async engine.

    Examples:
        >>> from sqlalchemy import MetaData, create_engine
        >>> metadata = MetaData()
        >>> store = SQLAlchemyIdempotencyStore(
        ...     create_engine("sqlite://"), idempotency_table(metadata)
        ... )
    """

    __slots__ = ("_engine", "_table")

    def __init__(self, engine: Engine | AsyncEngine, table: Table) -> None:
        """Work on ``table`` through ``engine``."""
        self._engine = engine
        self._table = table

    async def begin(  # noqa: PLR0913 (the key, its scope and request, and three instants)
        self,
        scope: str,
        key: str,
        fingerprint: str,
        *,
        now: datetime,
        expires_at: datetime,
        lease_until: datetime,
    ) -> Result[IdempotencyClaim | StoredResponse, KeyRefusal]:
        """Claim the key, or say why the request may not run (see ``IdempotencyStore``)."""
        claim = IdempotencyClaim(scope, key, str(uuid4()))
        row = {
            "scope": scope,
            "key": key,
            "fingerprint": fingerprint,
            "token": claim.token,
            "created_at": now,
            "expires_at": expires_at,
            "lease_until": lease_until,
            # SQL NULL, not JSON's ``null``: the key is in flight.
            "status": null(),
            "headers": null(),
            "body": null(),
        }

        def work(connection: Connection) -> Result[IdempotencyClaim | StoredResponse, KeyRefusal]:
            """Claim the key in one transaction."""
            return self._begin(connection, claim, row, now)

        return await self._run(work)

    def _begin(
        self,
        connection: Connection,
        claim: IdempotencyClaim,
        row: dict[str, Any],
        now: datetime,
    ) -> Result[IdempotencyClaim | StoredResponse, KeyRefusal]:
        c = self._table.c
        insert = _insert_of(connection.dialect.name)
        # RETURNING says whether the row went in (psycopg leaves the row count of an
        # INSERT unset).
        statement = insert(self._table).values(row).on_conflict_do_nothing().returning(c.token)
        if translated(lambda: connection.execute(statement), _RESOURCE).first() is not None:
            return Success(claim)
        held = c.scope == claim.scope, c.key == claim.key
        found = connection.execute(select(self._table).where(*held)).one_or_none()
        if found is None:
            # The holder abandoned the key between the insert and the read: a retry claims it.
            return Failure(IdempotencyKeyInFlightError(claim.key))
        record = _record_of(found)
        if not record.stale(now):
            return answer(record, claim.key, row["fingerprint"])
        take_over = (
            update(self._table).where(*held, c.token == record.token).values(row).returning(c.token)
        )
        if connection.execute(take_over).first() is not None:
            return Success(claim)
        return Failure(IdempotencyKeyInFlightError(claim.key))

    async def complete(self, claim: IdempotencyClaim, response: StoredResponse) -> bool:
        """Store the response of the claimed request; ``False`` if the claim was lost."""
        c = self._table.c
        statement = (
            update(self._table)
            .where(c.scope == claim.scope, c.key == claim.key, c.token == claim.token)
            .values(
                status=response.status,
                headers=[list(pair) for pair in response.headers],
                body=response.body,
            )
            .returning(c.token)
        )
        return await self._run(lambda connection: connection.execute(statement).first() is not None)

    async def abandon(self, claim: IdempotencyClaim) -> None:
        """Forget the claimed key, so that a retry runs the request."""
        c = self._table.c
        statement = delete(self._table).where(
            c.scope == claim.scope, c.key == claim.key, c.token == claim.token
        )
        await self._run(lambda connection: connection.execute(statement))

    async def purge(self, *, now: datetime) -> int:
        """Forget every key that expired by ``now``; return how many."""
        statement = delete(self._table).where(self._table.c.expires_at <= now)
        return await self._run(lambda connection: int(connection.execute(statement).rowcount))

    async def _run(self, work: Callable[[Connection], T]) -> T:
        engine = self._engine
        if isinstance(engine, Engine):
            return await asyncio.to_thread(_in_transaction, engine, work)
        async with engine.begin() as connection:
            return await connection.run_sync(work)


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.begin() as connection:
        return work(connection)


def _insert_of(dialect: str) -> Any:  # noqa: ANN401 (each dialect's own insert construct)
    try:
        return _INSERTS[dialect]
    except KeyError:
        msg = f"the idempotency store works on SQLite and PostgreSQL, not on {dialect}"
        raise NotImplementedError(msg) from None


def _record_of(row: Any) -> IdempotencyRecord:  # noqa: ANN401 (a result row)
    response = None
    if row.status is not None:
        headers = tuple((str(name), str(value)) for name, value in row.headers)
        response = StoredResponse(row.status, headers, bytes(row.body))
    return IdempotencyRecord(
        fingerprint=row.fingerprint,
        token=row.token,
        expires_at=row.expires_at,
        lease_until=row.lease_until,
        response=response,
    )
