"""A unit of work per request: committed events go to the bus once, a rollback sends none.

No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations,
which name dependencies local to the functions that build the apps.
"""

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from returns.result import Success
from sqlalchemy import Engine, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: TC002 (no postponed annotations here)

from creativeflow_shared.api import ApiModel
from creativeflow_shared.application import (
    AsyncMessageBus,
    AsyncUnitOfWork,
    DocumentRepository,
    MessageBus,
    UnitOfWork,
)
from creativeflow_shared.domain import AggregateRoot, DomainEvent, ForbiddenError, Identity
from creativeflow_shared.fastapi import (
    async_unit_of_work_dependency,
    install,
    respond,
    unit_of_work_dependency,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    AsyncSQLAlchemyUnitOfWork,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.testing import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)


class JobId(Identity):
    """Identifies a job of these tests."""


class JobRenamed(DomainEvent, event_type="web_tests.job_renamed"):
    title: str


class Job(AggregateRoot[JobId], aggregate_type="web_tests.job"):
    title: str

    def rename(self, title: str) -> None:
        self.title = title
        self.record(JobRenamed(title=title))


class Jobs(DocumentRepository[Job, JobId]):
    """The jobs of these tests."""


class JobOut(ApiModel):
    job_id: str
    title: str


METADATA = MetaData()
document_table(METADATA, Jobs, name="web_uow_jobs")
outbox_table(METADATA, name="web_uow_outbox")


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    return METADATA


def out(job: Job) -> JobOut:
    return JobOut(job_id=str(job.id), title=job.title)


def sync_app(factory: Callable[[], UnitOfWork], bus: MessageBus | None) -> FastAPI:
    unit = unit_of_work_dependency(factory, bus=bus)
    router = APIRouter()

    def identity_of(uow: Annotated[UnitOfWork, unit]) -> int:
        return id(uow)

    @router.post("/jobs/{title}")
    def create(title: str, uow: Annotated[UnitOfWork, unit]) -> object:
        job = Job(id=JobId.new(), title=title)
        with uow:
            uow.repository(Jobs).add(job)
            uow.commit().unwrap()
        return respond(Success(job), convert=out, status=201)

    @router.patch("/jobs/{job_id}/{title}")
    def rename(job_id: str, title: str, uow: Annotated[UnitOfWork, unit]) -> object:
        with uow:
            job = uow.repository(Jobs).get(job_id).unwrap()
            job.rename(title)
            if title == "refused":
                raise ForbiddenError
            uow.commit().unwrap()
            if title == "raised-after-commit":
                raise ForbiddenError
        return respond(Success(job), convert=out)

    @router.get("/jobs/{job_id}")
    def read(job_id: str, uow: Annotated[UnitOfWork, unit]) -> object:
        with uow:
            return respond(uow.repository(Jobs).get(job_id), convert=out)

    @router.get("/same")
    def same(first: Annotated[int, Depends(identity_of)], uow: Annotated[UnitOfWork, unit]) -> bool:
        return first == id(uow)

    app = FastAPI()
    app.include_router(router)
    install(app)
    return app


def async_app(factory: Callable[[], AsyncUnitOfWork], bus: AsyncMessageBus | None) -> FastAPI:
    unit = async_unit_of_work_dependency(factory, bus=bus)
    router = APIRouter()

    @router.post("/jobs/{title}")
    async def create(title: str, uow: Annotated[AsyncUnitOfWork, unit]) -> object:
        job = Job(id=JobId.new(), title=title)
        async with uow:
            uow.repository(Jobs).add(job)
            (await uow.commit()).unwrap()
        return respond(Success(job), convert=out, status=201)

    @router.patch("/jobs/{job_id}/{title}")
    async def rename(job_id: str, title: str, uow: Annotated[AsyncUnitOfWork, unit]) -> object:
        async with uow:
            job = (await uow.repository(Jobs).get(job_id)).unwrap()
            job.rename(title)
            if title == "refused":
                raise ForbiddenError
            (await uow.commit()).unwrap()
            if title == "raised-after-commit":
                raise ForbiddenError
        return respond(Success(job), convert=out)

    @router.get("/jobs/{job_id}")
    async def read(job_id: str, uow: Annotated[AsyncUnitOfWork, unit]) -> object:
        async with uow:
            return respond(await uow.repository(Jobs).get(job_id), convert=out)

    app = FastAPI()
    app.include_router(router)
    install(app)
    return app


class Delivered:
    """The titles the bus delivered, in order."""

    def __init__(self) -> None:
        self.titles: list[str] = []

    def on_renamed(self, event: JobRenamed, uow: object) -> None:
        self.titles.append(event.title)

    async def on_renamed_async(self, event: JobRenamed, uow: object) -> None:
        self.titles.append(event.title)


def sync_bus(delivered: Delivered) -> MessageBus:
    bus = MessageBus(InMemoryUnitOfWork)
    bus.subscribe(JobRenamed, delivered.on_renamed)
    return bus


def async_bus(delivered: Delivered) -> AsyncMessageBus:
    bus = AsyncMessageBus(AsyncInMemoryUnitOfWork)
    bus.subscribe(JobRenamed, delivered.on_renamed_async)
    return bus


@pytest.fixture(params=["in-memory", "sqlite", "in-memory-async", "sqlite-async"])
def app_and_delivered(request: pytest.FixtureRequest) -> Iterator[tuple[FastAPI, Delivered]]:
    delivered = Delivered()
    backend: str = request.param
    if backend == "in-memory":
        database = InMemoryDatabase()
        yield sync_app(lambda: InMemoryUnitOfWork(database), sync_bus(delivered)), delivered
    elif backend == "sqlite":
        engine: Engine = request.getfixturevalue("sqlite_tables")
        yield (
            sync_app(lambda: SQLAlchemyUnitOfWork(engine, METADATA), sync_bus(delivered)),
            delivered,
        )
    elif backend == "in-memory-async":
        shared = InMemoryDatabase()
        yield async_app(lambda: AsyncInMemoryUnitOfWork(shared), async_bus(delivered)), delivered
    else:
        request.getfixturevalue("sqlite_tables")
        bound: AsyncEngine = request.getfixturevalue("async_sqlite_engine")
        yield (
            async_app(lambda: AsyncSQLAlchemyUnitOfWork(bound, METADATA), async_bus(delivered)),
            delivered,
        )


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.mark.asyncio
async def test_the_events_of_each_commit_reach_the_bus_once(
    app_and_delivered: tuple[FastAPI, Delivered],
) -> None:
    app, delivered = app_and_delivered
    async with client_of(app) as client:
        created = await client.post("/jobs/draft")
        job_id = created.json()["jobId"]
        renamed = await client.patch(f"/jobs/{job_id}/final")
        read = await client.get(f"/jobs/{job_id}")

    assert (created.status_code, renamed.status_code) == (201, 200)
    assert read.json() == {"jobId": job_id, "title": "final"}
    assert delivered.titles == ["final"]


@pytest.mark.asyncio
async def test_a_request_that_fails_before_committing_changes_nothing_and_sends_nothing(
    app_and_delivered: tuple[FastAPI, Delivered],
) -> None:
    app, delivered = app_and_delivered
    async with client_of(app) as client:
        job_id = (await client.post("/jobs/draft")).json()["jobId"]
        refused = await client.patch(f"/jobs/{job_id}/refused")
        read = await client.get(f"/jobs/{job_id}")

    assert refused.status_code == 403
    assert read.json()["title"] == "draft"
    assert delivered.titles == []


@pytest.mark.asyncio
async def test_what_was_committed_is_delivered_even_when_the_handler_raises_afterwards(
    app_and_delivered: tuple[FastAPI, Delivered],
) -> None:
    app, delivered = app_and_delivered
    async with client_of(app) as client:
        job_id = (await client.post("/jobs/draft")).json()["jobId"]
        raised = await client.patch(f"/jobs/{job_id}/raised-after-commit")
        read = await client.get(f"/jobs/{job_id}")

    assert raised.status_code == 403
    assert read.json()["title"] == "raised-after-commit"
    assert delivered.titles == ["raised-after-commit"]


@pytest.mark.asyncio
async def test_a_failure_result_is_answered_with_its_problem() -> None:
    app = sync_app(InMemoryUnitOfWork, None)
    async with client_of(app) as client:
        missing = await client.get(f"/jobs/{JobId.new()}")

    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


@pytest.mark.asyncio
@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_without_a_bus_the_committed_events_are_let_go(flavour: str) -> None:
    database = InMemoryDatabase()
    app = (
        sync_app(lambda: InMemoryUnitOfWork(database), None)
        if flavour == "sync"
        else async_app(lambda: AsyncInMemoryUnitOfWork(database), None)
    )
    async with client_of(app) as client:
        job_id = (await client.post("/jobs/draft")).json()["jobId"]
        renamed = await client.patch(f"/jobs/{job_id}/final")

    assert renamed.json()["title"] == "final"
    assert len(database.outbox) == 1


@pytest.mark.asyncio
async def test_one_request_gets_one_unit_of_work() -> None:
    async with client_of(sync_app(InMemoryUnitOfWork, None)) as client:
        response = await client.get("/same")

    assert response.json() is True


def test_the_dependency_ends_the_block_before_the_response_is_sent() -> None:
    unit: Any = unit_of_work_dependency(InMemoryUnitOfWork)
    flavoured: Any = async_unit_of_work_dependency(AsyncInMemoryUnitOfWork)

    assert (unit.scope, flavoured.scope) == ("function", "function")
