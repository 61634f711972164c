"""Eight concurrent requests with one key on PostgreSQL: the handler runs exactly once.

No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations.
"""

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, MetaData, delete

from creativeflow_shared.fastapi import REPLAYED_HEADER, idempotency_dependency, install
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyIdempotencyStore,
    idempotency_table,
)

METADATA = MetaData()
KEYS = idempotency_table(METADATA, name="web_pg_idempotency_keys")
CONCURRENT = 8


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    return METADATA


@pytest.fixture(params=["sync", "async"])
def store(request: pytest.FixtureRequest, postgres_tables: Engine) -> SQLAlchemyIdempotencyStore:
    with postgres_tables.begin() as connection:
        connection.execute(delete(KEYS))
    engine = (
        postgres_tables
        if request.param == "sync"
        else request.getfixturevalue("async_postgres_engine")
    )
    return SQLAlchemyIdempotencyStore(engine, KEYS)


@pytest.mark.asyncio
async def test_concurrent_requests_with_one_key_run_the_handler_once(
    store: SQLAlchemyIdempotencyStore,
) -> None:
    runs: list[int] = []
    app = FastAPI()

    @app.post("/payments", status_code=201, dependencies=[idempotency_dependency(store)])
    async def pay() -> dict[str, int]:
        runs.append(1)
        await asyncio.sleep(0.3)  # in flight while the others arrive
        return {"payment": len(runs)}

    install(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        responses = await asyncio.gather(
            *(
                client.post("/payments", json={"amount": 5}, headers={"Idempotency-Key": "pay-1"})
                for _ in range(CONCURRENT)
            )
        )
        retry = await client.post(
            "/payments", json={"amount": 5}, headers={"Idempotency-Key": "pay-1"}
        )

    statuses = sorted(r.status_code for r in responses)
    assert runs == [1]
    assert statuses == [201] + [409] * (CONCURRENT - 1)
    assert (retry.status_code, retry.json(), retry.headers[REPLAYED_HEADER]) == (
        201,
        {"payment": 1},
        "true",
    )
