"""Every ``IdempotencyStore`` follows the same rules: in memory, on SQLite, on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData, delete, event

from creativeflow_shared.idempotency import (
    IdempotencyClaim,
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
    IdempotencyStore,
    StoredResponse,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyIdempotencyStore,
    idempotency_table,
)
from creativeflow_shared.infrastructure.sqlalchemy._idempotency import _insert_of
from creativeflow_shared.testing import InMemoryIdempotencyStore

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

METADATA = MetaData()
KEYS = idempotency_table(METADATA, name="web_store_idempotency_keys")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
LEASE = NOW + timedelta(seconds=30)
RESPONSE = StoredResponse(
    201, (("Location", "/jobs/1"), ("Content-Type", "application/json")), b"{}"
)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    return METADATA


@pytest.fixture(params=["in-memory", "sqlite", "sqlite-async", "postgresql", "postgresql-async"])
def store(request: pytest.FixtureRequest) -> Iterator[IdempotencyStore]:
    backend: str = request.param
    if backend == "in-memory":
        yield InMemoryIdempotencyStore()
        return
    database = backend.removesuffix("-async")
    engine: Engine = request.getfixturevalue(
        "sqlite_tables" if database == "sqlite" else "postgres_tables"
    )
    with engine.begin() as connection:
        connection.execute(delete(KEYS))
    if backend.endswith("-async"):
        fixture = "async_sqlite_engine" if database == "sqlite" else "async_postgres_engine"
        yield SQLAlchemyIdempotencyStore(request.getfixturevalue(fixture), KEYS)
    else:
        yield SQLAlchemyIdempotencyStore(engine, KEYS)


async def begin(
    store: IdempotencyStore, key: str = "k-1", fingerprint: str = "f-1", *, now: datetime = NOW
) -> Any:
    return await store.begin(
        "t-1", key, fingerprint, now=now, expires_at=LATER, lease_until=now + timedelta(seconds=30)
    )


@pytest.mark.asyncio
async def test_a_new_key_is_claimed_and_its_response_replayed(store: IdempotencyStore) -> None:
    claim = (await begin(store)).unwrap()

    stored = await store.complete(claim, RESPONSE)
    replay = await begin(store)

    assert isinstance(claim, IdempotencyClaim)
    assert (claim.scope, claim.key) == ("t-1", "k-1")
    assert stored is True
    assert replay == Success(RESPONSE)


@pytest.mark.asyncio
async def test_a_key_in_flight_is_refused(store: IdempotencyStore) -> None:
    await begin(store)

    again = await begin(store)

    assert again == Failure(IdempotencyKeyInFlightError("k-1"))


@pytest.mark.asyncio
async def test_a_key_used_with_another_fingerprint_is_refused_in_flight_or_not(
    store: IdempotencyStore,
) -> None:
    claim = (await begin(store)).unwrap()
    in_flight = await begin(store, fingerprint="f-2")
    await store.complete(claim, RESPONSE)
    done = await begin(store, fingerprint="f-2")

    assert in_flight == done == Failure(IdempotencyKeyReusedError())


@pytest.mark.asyncio
async def test_keys_of_different_scopes_or_names_do_not_meet(store: IdempotencyStore) -> None:
    await begin(store)

    other_key = await begin(store, "k-2")
    other_scope = await store.begin(
        "t-2", "k-1", "f-1", now=NOW, expires_at=LATER, lease_until=LEASE
    )

    assert isinstance(other_key.unwrap(), IdempotencyClaim)
    assert isinstance(other_scope.unwrap(), IdempotencyClaim)


@pytest.mark.asyncio
async def test_an_abandoned_key_is_claimed_again(store: IdempotencyStore) -> None:
    claim = (await begin(store)).unwrap()

    await store.abandon(claim)
    again = (await begin(store, fingerprint="f-2")).unwrap()

    assert isinstance(again, IdempotencyClaim)
    assert again.token != claim.token


@pytest.mark.asyncio
async def test_a_lapsed_lease_is_taken_over_and_the_first_claim_is_lost(
    store: IdempotencyStore,
) -> None:
    first = (await begin(store)).unwrap()

    second = (await begin(store, now=NOW + timedelta(seconds=30))).unwrap()
    lost = await store.complete(first, StoredResponse(500, (), b"late"))
    await store.abandon(first)  # changes nothing either
    kept = await store.complete(second, RESPONSE)

    assert isinstance(second, IdempotencyClaim)
    assert (lost, kept) == (False, True)
    assert await begin(store, now=NOW + timedelta(seconds=31)) == Success(RESPONSE)


@pytest.mark.asyncio
async def test_a_completed_key_holds_past_its_lease_until_it_expires(
    store: IdempotencyStore,
) -> None:
    claim = (await begin(store)).unwrap()
    await store.complete(claim, RESPONSE)

    before = await begin(store, fingerprint="f-2", now=LATER - timedelta(seconds=1))
    after = (await begin(store, fingerprint="f-2", now=LATER)).unwrap()

    assert before == Failure(IdempotencyKeyReusedError())
    assert isinstance(after, IdempotencyClaim)


@pytest.mark.asyncio
async def test_purge_forgets_the_expired_keys_only(store: IdempotencyStore) -> None:
    await begin(store, "k-1")
    await store.begin(
        "t-1", "k-2", "f", now=NOW, expires_at=LATER + timedelta(1), lease_until=LEASE
    )

    purged = await store.purge(now=LATER)

    assert purged == 1
    assert await begin(store, "k-2", "f") == Failure(IdempotencyKeyInFlightError("k-2"))
    assert isinstance((await begin(store, "k-1")).unwrap(), IdempotencyClaim)


@pytest.mark.asyncio
async def test_a_response_without_headers_or_body_round_trips(store: IdempotencyStore) -> None:
    claim = (await begin(store)).unwrap()
    empty = StoredResponse(204, (), b"")

    await store.complete(claim, empty)

    assert await begin(store) == Success(empty)


@pytest.mark.asyncio
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_of_many_concurrent_claims_exactly_one_wins(
    request: pytest.FixtureRequest, backend: str
) -> None:
    engine: Engine = request.getfixturevalue(f"{backend.replace('postgresql', 'postgres')}_tables")
    with engine.begin() as connection:
        connection.execute(delete(KEYS))
    store = SQLAlchemyIdempotencyStore(engine, KEYS)

    outcomes = await asyncio.gather(*(begin(store, "k-c") for _ in range(8)))

    assert sum(isinstance(o, Success) for o in outcomes) == 1
    assert [o.failure() for o in outcomes if isinstance(o, Failure)] == [
        IdempotencyKeyInFlightError("k-c")
    ] * 7


# -- the races of the SQL store, made to happen ------------------------------------------------
@pytest.fixture
def sqlite_store(sqlite_tables: Engine) -> tuple[Engine, SQLAlchemyIdempotencyStore]:
    with sqlite_tables.begin() as connection:
        connection.execute(delete(KEYS))
    return sqlite_tables, SQLAlchemyIdempotencyStore(sqlite_tables, KEYS)


@pytest.mark.asyncio
async def test_a_key_abandoned_between_the_insert_and_the_read_is_in_flight_for_now(
    sqlite_store: tuple[Engine, SQLAlchemyIdempotencyStore],
) -> None:
    engine, store = sqlite_store
    await begin(store)

    def abandon_after_insert(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT"):
            conn.connection.cursor().execute(f"DELETE FROM {KEYS.name}")  # noqa: S608 (the test's own table)

    event.listen(engine, "after_cursor_execute", abandon_after_insert)
    try:
        outcome = await begin(store)
    finally:
        event.remove(engine, "after_cursor_execute", abandon_after_insert)

    assert outcome == Failure(IdempotencyKeyInFlightError("k-1"))


@pytest.mark.asyncio
async def test_a_stale_key_taken_over_by_another_first_is_in_flight(
    sqlite_store: tuple[Engine, SQLAlchemyIdempotencyStore],
) -> None:
    engine, store = sqlite_store
    await begin(store)

    def take_over_first(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE"):
            conn.connection.cursor().execute(f"UPDATE {KEYS.name} SET token = 'someone else'")  # noqa: S608

    event.listen(engine, "before_cursor_execute", take_over_first)
    try:
        outcome = await begin(store, now=NOW + timedelta(minutes=5))
    finally:
        event.remove(engine, "before_cursor_execute", take_over_first)

    assert outcome == Failure(IdempotencyKeyInFlightError("k-1"))


def test_the_store_works_on_sqlite_and_postgresql_only() -> None:
    with pytest.raises(NotImplementedError, match="not on mysql"):
        _insert_of("mysql")


def test_one_metadata_holds_one_idempotency_table() -> None:
    metadata = MetaData()
    idempotency_table(metadata)

    with pytest.raises(ValueError, match="already has an idempotency keys table"):
        idempotency_table(metadata, name="other")


def test_the_table_is_keyed_by_scope_and_key() -> None:
    table = idempotency_table(MetaData())

    assert table.name == "idempotency_keys"
    assert [c.name for c in table.primary_key.columns] == ["scope", "key"]
    assert {i.name for i in table.indexes} == {"ix_idempotency_keys_expires_at"}
