"""``Idempotency-Key`` through a real ASGI app: replay, reuse, in flight, expiry, scopes.

No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations,
which name dependencies local to the function that builds the app.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import StreamingResponse
from returns.result import Success
from sqlalchemy import Engine, MetaData, delete

from creativeflow_shared.api import ApiModel
from creativeflow_shared.domain import (
    ConcurrencyConflictError,
    FixedClock,
    NotFoundError,
    UnavailableError,
)
from creativeflow_shared.fastapi import (
    CORRELATION_ID_HEADER,
    REPLAYED_HEADER,
    idempotency_dependency,
    install,
    respond,
)
from creativeflow_shared.idempotency import IdempotencyStore
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyIdempotencyStore,
    idempotency_table,
)
from creativeflow_shared.testing import InMemoryIdempotencyStore

METADATA = MetaData()
KEYS = idempotency_table(METADATA, name="web_idempotency_keys")
START = datetime(2026, 6, 1, 12, tzinfo=UTC)
TTL = timedelta(hours=1)
LEASE = timedelta(seconds=30)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    return METADATA


class JobIn(ApiModel):
    prompt: str


class JobOut(ApiModel):
    number: int
    prompt: str


class Service:
    """An app whose handlers count their runs, and a gate that holds the slow one."""

    def __init__(
        self,
        store: IdempotencyStore,
        *,
        required: bool = False,
        scope: Callable[[Request], str] | None = None,
    ) -> None:
        self.runs: list[str] = []
        self.clock = FixedClock(START)
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        options = {"scope": scope} if scope is not None else {}
        key = idempotency_dependency(
            store, ttl=TTL, lease=LEASE, required=required, clock=self.clock, **options
        )
        self.app = FastAPI()
        self.app.include_router(self._router(), dependencies=[key])
        install(self.app, tenant=lambda request: request.headers.get("X-Tenant"))

    def _router(self) -> APIRouter:
        router = APIRouter()

        @router.post("/jobs")
        async def create(job: JobIn) -> object:
            self.runs.append(job.prompt)
            number = len(self.runs)
            body = JobOut(number=number, prompt=job.prompt)
            return respond(Success(body), status=201, headers={"Location": f"/jobs/{number}"})

        @router.patch("/jobs/{number}")
        async def change(number: int, job: JobIn) -> object:
            self.runs.append(job.prompt)
            return respond(Success(JobOut(number=number, prompt=job.prompt)))

        @router.put("/jobs/{number}")
        async def replace(number: int, job: JobIn) -> object:
            self.runs.append(job.prompt)
            return respond(Success(JobOut(number=number, prompt=job.prompt)))

        @router.post("/slow")
        async def slow() -> dict[str, int]:
            self.runs.append("slow")
            if len(self.runs) == 1:  # only the first run waits for the gate
                self.entered.set()
                await self.gate.wait()
            return {"runs": len(self.runs)}

        @router.post("/fail/{kind}")
        async def fail(kind: str) -> None:
            self.runs.append(kind)
            errors = {
                "unavailable": UnavailableError("billing"),
                "conflict": ConcurrencyConflictError("Job", "j-1"),
                "missing": NotFoundError("Job", "j-1"),
            }
            if kind in errors:
                raise errors[kind]
            raise RuntimeError("boom")

        @router.post("/stream")
        async def stream() -> StreamingResponse:
            self.runs.append("stream")

            async def chunks() -> AsyncIterator[bytes]:
                yield b"one,"
                yield f"{len(self.runs)}".encode()

            return StreamingResponse(chunks(), media_type="text/plain")

        return router


@pytest.fixture(params=["in-memory", "sqlite", "sqlite-async"])
def store(request: pytest.FixtureRequest) -> Iterator[IdempotencyStore]:
    backend: str = request.param
    if backend == "in-memory":
        yield InMemoryIdempotencyStore()
        return
    engine: Engine = request.getfixturevalue("sqlite_tables")
    with engine.begin() as connection:
        connection.execute(delete(KEYS))
    bound = engine if backend == "sqlite" else request.getfixturevalue("async_sqlite_engine")
    yield SQLAlchemyIdempotencyStore(bound, KEYS)


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def keyed(key: str, **more: str) -> dict[str, str]:
    return {"Idempotency-Key": key, **more}


@pytest.mark.asyncio
async def test_a_retry_is_answered_with_the_stored_response_without_running_again(
    store: IdempotencyStore,
) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        first = await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))
        retry = await client.post(
            "/jobs", json={"prompt": "dusk"}, headers=keyed("k-1", **{CORRELATION_ID_HEADER: "c-2"})
        )

    assert service.runs == ["dusk"]
    assert (
        (retry.status_code, retry.content)
        == (first.status_code, first.content)
        == (
            201,
            b'{"number":1,"prompt":"dusk"}',
        )
    )
    assert retry.headers["location"] == first.headers["location"] == "/jobs/1"
    assert retry.headers["content-type"] == "application/json"
    assert retry.headers[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first.headers
    assert retry.headers[CORRELATION_ID_HEADER] == "c-2"  # the retry's own, not the stored one


@pytest.mark.asyncio
async def test_patch_is_guarded_too_and_put_is_left_alone(store: IdempotencyStore) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        for _ in range(2):
            await client.patch("/jobs/1", json={"prompt": "patched"}, headers=keyed("k-p"))
            await client.put("/jobs/1", json={"prompt": "put"}, headers=keyed("k-u"))

    assert service.runs == ["patched", "put", "put"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "body"),
    [("/jobs", {"prompt": "dawn"}), ("/jobs?draft=1", {"prompt": "dusk"})],
    ids=["another body", "another target"],
)
async def test_the_same_key_with_another_request_is_refused(
    store: IdempotencyStore, path: str, body: dict[str, str]
) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))
        reused = await client.post(path, json=body, headers=keyed("k-1"))

    assert service.runs == ["dusk"]
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert reused.json()["type"] == "https://errors.creativeflow.dev/idempotency-key-reused"


@pytest.mark.asyncio
async def test_a_duplicate_while_the_first_is_in_flight_is_a_conflict(
    store: IdempotencyStore,
) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        first = asyncio.create_task(client.post("/slow", headers=keyed("k-s")))
        await service.entered.wait()
        duplicate = await client.post("/slow", headers=keyed("k-s"))
        service.gate.set()
        done = await first
        retry = await client.post("/slow", headers=keyed("k-s"))

    assert service.runs == ["slow"]
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "idempotency_key_in_flight"
    assert duplicate.json()["detail"] == (
        "A request with this Idempotency-Key is still being processed"
    )
    assert (done.status_code, retry.content) == (200, done.content)


@pytest.mark.asyncio
async def test_a_request_whose_lease_lapsed_is_taken_to_have_crashed(
    store: IdempotencyStore,
) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        first = asyncio.create_task(client.post("/slow", headers=keyed("k-l")))
        await service.entered.wait()
        service.clock.advance(LEASE)
        second = await client.post("/slow", headers=keyed("k-l"))
        service.gate.set()
        late = await first
        retry = await client.post("/slow", headers=keyed("k-l"))

    assert service.runs == ["slow", "slow"]
    assert (second.json(), late.json()) == ({"runs": 2}, {"runs": 2})
    assert late.status_code == 200  # its answer still reaches its client
    assert retry.content == second.content  # the claim that holds the key is the second's


@pytest.mark.asyncio
async def test_an_expired_key_runs_again(store: IdempotencyStore) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))
        service.clock.advance(TTL - timedelta(seconds=1))
        replayed = await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))
        service.clock.advance(timedelta(seconds=1))
        again = await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))

    assert service.runs == ["dusk", "dusk"]
    assert replayed.headers[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in again.headers
    assert again.json()["number"] == 2


@pytest.mark.asyncio
async def test_keys_are_scoped_per_tenant(store: IdempotencyStore) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        for tenant in ("t-1", "t-2", "t-1"):
            await client.post(
                "/jobs", json={"prompt": tenant}, headers=keyed("k-1", **{"X-Tenant": tenant})
            )
        other = await client.post(
            "/jobs", json={"prompt": "t-1"}, headers=keyed("k-1", **{"X-Tenant": "t-3"})
        )

    assert service.runs == ["t-1", "t-2", "t-1"]
    assert REPLAYED_HEADER not in other.headers


@pytest.mark.asyncio
async def test_keys_may_be_scoped_per_client(store: IdempotencyStore) -> None:
    service = Service(store, scope=lambda request: request.headers.get("X-Client", ""))
    async with client_of(service.app) as client:
        for client_id in ("a", "b", "a"):
            await client.post(
                "/jobs", json={"prompt": "p"}, headers=keyed("k-1", **{"X-Client": client_id})
            )

    assert service.runs == ["p", "p"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("kind", "status", "runs"),
    [("unavailable", 503, 2), ("conflict", 409, 2), ("crash", 500, 2), ("missing", 404, 1)],
)
async def test_a_failed_request_may_be_retried_but_a_refused_one_is_replayed(
    store: IdempotencyStore, kind: str, status: int, runs: int
) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        first = await client.post(f"/fail/{kind}", headers=keyed("k-f"))
        retry = await client.post(f"/fail/{kind}", headers=keyed("k-f"))

    assert (first.status_code, retry.status_code) == (status, status)
    assert len(service.runs) == runs


@pytest.mark.asyncio
async def test_a_streamed_response_is_stored_whole(store: IdempotencyStore) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        first = await client.post("/stream", headers=keyed("k-st"))
        retry = await client.post("/stream", headers=keyed("k-st"))

    assert first.content == retry.content == b"one,1"
    assert retry.headers["content-type"].startswith("text/plain")


@pytest.mark.asyncio
async def test_without_a_key_every_request_runs(store: IdempotencyStore) -> None:
    service = Service(store)
    async with client_of(service.app) as client:
        for _ in range(2):
            await client.post("/jobs", json={"prompt": "dusk"})

    assert service.runs == ["dusk", "dusk"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "The Idempotency-Key header is required"),
        (keyed("x" * 256), "The Idempotency-Key header is longer than 255 characters"),
        (
            keyed('"unclosed'),
            "The Idempotency-Key header is not a non-empty string of printable ASCII",
        ),
    ],
    ids=["missing", "too long", "malformed"],
)
async def test_a_missing_or_malformed_key_is_a_bad_request(
    headers: dict[str, str], detail: str
) -> None:
    service = Service(InMemoryIdempotencyStore(), required=True)
    async with client_of(service.app) as client:
        response = await client.post("/jobs", json={"prompt": "dusk"}, headers=headers)

    assert service.runs == []
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert response.json()["errors"] == [
        {"pointer": "/header/Idempotency-Key", "detail": detail, "code": "invalid_idempotency_key"}
    ]


@pytest.mark.asyncio
async def test_a_quoted_key_is_the_same_key_as_a_bare_one() -> None:
    service = Service(InMemoryIdempotencyStore())
    async with client_of(service.app) as client:
        await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed('"k-1"'))
        retry = await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))

    assert retry.headers[REPLAYED_HEADER] == "true"


@pytest.mark.asyncio
async def test_a_scope_longer_than_a_store_keeps_is_a_fault() -> None:
    service = Service(InMemoryIdempotencyStore(), scope=lambda _: "s" * 256)
    async with client_of(service.app) as client:
        response = await client.post("/jobs", json={"prompt": "dusk"}, headers=keyed("k-1"))

    assert response.status_code == 500
    assert service.runs == []


@pytest.mark.asyncio
async def test_the_dependency_needs_the_middleware() -> None:
    app = FastAPI()
    key = idempotency_dependency(InMemoryIdempotencyStore())

    @app.post("/jobs", dependencies=[key])
    async def create() -> None:
        return None

    async with client_of(app) as client:
        with pytest.raises(RuntimeError, match=r"install\(app\)"):
            await client.post("/jobs", headers=keyed("k-1"))


def test_the_header_is_documented() -> None:
    service = Service(InMemoryIdempotencyStore())

    parameters = service.app.openapi()["paths"]["/jobs"]["post"]["parameters"]

    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [
        ("Idempotency-Key", "header", False)
    ]
