"""A small example service on the FastAPI integration, for the end-to-end tests.

No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import Field
from returns.result import Failure, Result, Success

from creativeflow_shared.api import ApiModel, PageResponse
from creativeflow_shared.application import DocumentRepository, Page, RequestContext, UnitOfWork
from creativeflow_shared.domain import (
    AggregateRoot,
    BusinessRuleViolationError,
    DomainEvent,
    Identity,
    InvalidInputError,
    NotFoundError,
)
from creativeflow_shared.fastapi import (
    idempotency_dependency,
    install,
    problem_responses,
    request_context,
    respond,
    unit_of_work_dependency,
)
from creativeflow_shared.testing import (
    InMemoryDatabase,
    InMemoryIdempotencyStore,
    InMemoryUnitOfWork,
)


class TaskId(Identity):
    """Identifies a task of the example service."""


class TaskDone(DomainEvent, event_type="web_example.task_done"):
    """A task was done."""


class Task(AggregateRoot[TaskId], aggregate_type="web_example.task"):
    """A task, open until done."""

    title: str
    done: bool = False

    def finish(self) -> Result[None, BusinessRuleViolationError]:
        """Mark the task done, once."""
        if self.done:
            return Failure(BusinessRuleViolationError("The task is done already"))
        self.done = True
        self.record(TaskDone())
        return Success(None)


class Tasks(DocumentRepository[Task, TaskId]):
    """The tasks."""


class TaskIn(ApiModel):
    """A task to create."""

    #: No NUL character: no store keeps one (the description says so, for the fuzzer).
    title: str = Field(min_length=1, max_length=80, pattern="^[^\\x00]*$")


class TaskOut(ApiModel):
    """A task as the API shows it."""

    task_id: str
    title: str
    done: bool


def task_out(task: Task) -> TaskOut:
    """Show a task."""
    return TaskOut(task_id=str(task.id), title=task.title, done=task.done)


def build_app() -> FastAPI:
    """Return a fresh app on a fresh in-memory database."""
    database = InMemoryDatabase()
    unit = unit_of_work_dependency(lambda: InMemoryUnitOfWork(database))
    keys = idempotency_dependency(InMemoryIdempotencyStore())
    router = APIRouter()

    @router.post("/tasks", status_code=201, response_model=TaskOut, dependencies=[keys])
    def create(task: TaskIn, uow: Annotated[UnitOfWork, unit]) -> object:
        created = Task(id=TaskId.new(), title=task.title)
        with uow:
            uow.repository(Tasks).add(created)
            committed = uow.commit()  # a title no store keeps is invalid input, not a fault
        return respond(committed.map(lambda _: created), convert=task_out, status=201)

    @router.get("/tasks", response_model=PageResponse[TaskOut])
    def list_tasks(
        uow: Annotated[UnitOfWork, unit],
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
        offset: Annotated[int, Query(ge=0, le=1000)] = 0,
    ) -> object:
        with uow:
            page: Page[Task] = uow.repository(Tasks).page(limit=limit, offset=offset)
        return respond(Success(PageResponse[TaskOut].from_page(page, task_out)))

    @router.get("/tasks/{task_id}", response_model=TaskOut)
    def read(task_id: UUID, uow: Annotated[UnitOfWork, unit]) -> object:
        with uow:
            found: Result[Task, NotFoundError | InvalidInputError]
            found = uow.repository(Tasks).get(str(task_id))
        return respond(found, convert=task_out)

    @router.post("/tasks/{task_id}/done", response_model=TaskOut, dependencies=[keys])
    def finish(task_id: UUID, uow: Annotated[UnitOfWork, unit]) -> object:
        with uow:
            found = uow.repository(Tasks).get(str(task_id))
            if isinstance(found, Failure):
                return respond(found, convert=task_out)
            task = found.unwrap()
            finished = task.finish()
            if isinstance(finished, Failure):
                return respond(finished, convert=task_out)
            committed = uow.commit()
        return respond(committed.map(lambda _: task), convert=task_out)

    @router.get("/context", include_in_schema=False)
    def context(ctx: Annotated[RequestContext, Depends(request_context)]) -> dict[str, str | None]:
        return {"correlationId": ctx.correlation_id, "traceparent": ctx.traceparent}

    @router.get("/crash", include_in_schema=False)
    def crash() -> None:
        raise RuntimeError("the example crashes on purpose: secret=s3cr3t")

    app = FastAPI(title="Tasks", responses=problem_responses())
    app.include_router(router)
    install(app)
    return app
