"""Every error a FastAPI app meets is answered with problem details, over a real ASGI app."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Annotated

import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query
from fastapi.responses import StreamingResponse
from returns.result import Failure, Result, Success

from creativeflow_shared.api import PROBLEM_JSON, ApiModel, problem_for
from creativeflow_shared.application import RequestContext, current_context
from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
)
from creativeflow_shared.fastapi import (
    CORRELATION_ID_HEADER,
    install,
    problem_responses,
    request_context,
    respond,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

BASE = "https://errors.creativeflow.dev/"
UNEXPECTED_DETAIL = (
    "An unexpected error occurred. Quote the correlation id when you report the problem."
)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

ERRORS: dict[str, KernelError] = {
    "not-found": NotFoundError("Job", "j-1"),
    "already-exists": AlreadyExistsError("Job", "j-1"),
    "conflict": ConcurrencyConflictError("Job", "j-1", expected_version=3),
    "invalid": InvalidInputError([FieldError(("prompt",), "too short", "string_too_short")]),
    "rule": BusinessRuleViolationError("The job is finished"),
    "unauthorized": UnauthorizedError(),
    "forbidden": ForbiddenError(),
    "unavailable": UnavailableError("billing", retry_after=2.5),
    "unexpected": KernelError("pool exhausted: password=hunter2"),
}


class JobIn(ApiModel):
    prompt: str
    size: int


class JobOut(ApiModel):
    job_id: str
    prompt: str


router = APIRouter()


@router.get("/errors/{name}")
async def raise_error(name: str) -> None:
    raise ERRORS[name]


@router.put("/jobs/{job_id}")
async def replace_job(job_id: str, stale: bool = False) -> object:
    result: Result[JobOut, ConcurrencyConflictError] = (
        Failure(ConcurrencyConflictError("Job", job_id))
        if stale
        else Success(JobOut(job_id=job_id, prompt="p"))
    )
    return respond(result, headers={"ETag": 'W/"1"'})


@router.post("/jobs")
async def create_job(job: JobIn, limit: Annotated[int, Query(ge=1)] = 10) -> object:
    return respond(
        Success(job), convert=lambda j: JobOut(job_id="j-1", prompt=j.prompt), status=201
    )


@router.post("/raw")
async def raw(payload: Annotated[dict[str, int], Body()]) -> None:
    return None


@router.delete("/jobs/{job_id}")
async def delete_job(job_id: str) -> object:
    return respond(Success(None), status=204)


@router.get("/crash")
async def crash() -> None:
    raise RuntimeError("SELECT secret FROM api_keys")


@router.get("/teapot")
async def teapot() -> None:
    raise HTTPException(418, "No coffee here", headers={"X-Pot": "tea"})


@router.get("/odd")
async def odd() -> None:
    raise HTTPException(599)


@router.get("/moved")
async def moved() -> None:
    raise HTTPException(304)


@router.get("/context")
async def context(
    ctx: Annotated[RequestContext, Depends(request_context)],
) -> dict[str, str | None]:
    return {
        "correlationId": ctx.correlation_id,
        "traceparent": ctx.traceparent,
        "tracestate": ctx.tracestate,
        "tenantId": ctx.tenant_id,
        "same": str(ctx == current_context()),
    }


@router.get("/sync-context")
def sync_context() -> dict[str, str | None]:
    return {"tenantId": current_context().tenant_id}


@router.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first"
        raise RuntimeError("broken mid-stream")

    return StreamingResponse(chunks())


def build_app() -> FastAPI:
    app = FastAPI(responses=problem_responses())
    app.include_router(router)
    install(app)
    return app


def client_of(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


EXPECTED: list[tuple[str, int, dict[str, str], dict[str, object]]] = [
    (
        "not-found",
        404,
        {},
        {
            "type": BASE + "not-found",
            "title": "Resource not found",
            "detail": "Job 'j-1' was not found",
            "code": "not_found",
            "resource": "Job",
            "resourceId": "j-1",
        },
    ),
    (
        "already-exists",
        409,
        {},
        {
            "type": BASE + "already-exists",
            "title": "Resource already exists",
            "detail": "Job 'j-1' already exists",
            "code": "already_exists",
            "resource": "Job",
            "resourceId": "j-1",
        },
    ),
    (
        "conflict",
        409,
        {},
        {
            "type": BASE + "concurrency-conflict",
            "title": "Concurrency conflict",
            "detail": "Job 'j-1' was changed concurrently",
            "code": "concurrency_conflict",
            "resource": "Job",
            "resourceId": "j-1",
            "expectedVersion": 3,
        },
    ),
    (
        "invalid",
        422,
        {},
        {
            "type": BASE + "invalid-input",
            "title": "Invalid input",
            "detail": "The input is invalid",
            "code": "invalid_input",
            "errors": [{"pointer": "/prompt", "detail": "too short", "code": "string_too_short"}],
        },
    ),
    (
        "rule",
        422,
        {},
        {
            "type": BASE + "business-rule-violation",
            "title": "Business rule violated",
            "detail": "The job is finished",
            "code": "business_rule_violation",
        },
    ),
    (
        "unauthorized",
        401,
        {"www-authenticate": "Bearer"},
        {
            "type": BASE + "unauthorized",
            "title": "Authentication required",
            "detail": "Authentication is required",
            "code": "unauthorized",
        },
    ),
    (
        "forbidden",
        403,
        {},
        {
            "type": BASE + "forbidden",
            "title": "Forbidden",
            "detail": "This action is not allowed",
            "code": "forbidden",
        },
    ),
    (
        "unavailable",
        503,
        {"retry-after": "3"},
        {
            "type": BASE + "unavailable",
            "title": "Service unavailable",
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "unavailable",
            "retryAfter": 3,
        },
    ),
    (
        "unexpected",
        500,
        {},
        {"type": "about:blank", "title": "Internal Server Error", "detail": UNEXPECTED_DETAIL},
    ),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "status", "headers", "members"), EXPECTED, ids=[e[0] for e in EXPECTED]
)
async def test_each_library_error_is_answered_with_its_documented_problem(
    name: str, status: int, headers: dict[str, str], members: dict[str, object]
) -> None:
    async with client_of(build_app()) as client:
        response = await client.get(f"/errors/{name}", headers={CORRELATION_ID_HEADER: "c-1"})

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers[CORRELATION_ID_HEADER] == "c-1"
    for header, value in headers.items():
        assert response.headers[header] == value
    assert response.json() == {
        **members,
        "status": status,
        "instance": f"/errors/{name}",
        "correlationId": "c-1",
    }


@pytest.mark.asyncio
async def test_a_library_error_answered_is_the_mappers_own_answer() -> None:
    context = RequestContext(correlation_id="c-2")
    expected = problem_for(ERRORS["conflict"], context=context, instance="/errors/conflict")

    async with client_of(build_app()) as client:
        response = await client.get("/errors/conflict", headers={CORRELATION_ID_HEADER: "c-2"})

    assert response.content == expected.body


@pytest.mark.asyncio
async def test_a_conflict_of_a_request_with_if_match_is_a_failed_precondition() -> None:
    async with client_of(build_app()) as client:
        guarded = await client.put("/jobs/j-9?stale=true", headers={"If-Match": 'W/"0"'})
        unguarded = await client.put("/jobs/j-9?stale=true")

    assert (guarded.status_code, unguarded.status_code) == (412, 409)
    assert guarded.json()["code"] == unguarded.json()["code"] == "concurrency_conflict"


@pytest.mark.asyncio
async def test_a_success_is_answered_with_its_model_and_headers() -> None:
    async with client_of(build_app()) as client:
        replaced = await client.put("/jobs/j-9")
        created = await client.post("/jobs", json={"prompt": "dusk", "size": 2})
        deleted = await client.delete("/jobs/j-9")

    assert (replaced.status_code, replaced.json()) == (200, {"jobId": "j-9", "prompt": "p"})
    assert replaced.headers["etag"] == 'W/"1"'
    assert replaced.headers["content-type"] == "application/json"
    assert (created.status_code, created.json()) == (201, {"jobId": "j-1", "prompt": "dusk"})
    assert (deleted.status_code, deleted.content) == (204, b"")


@pytest.mark.asyncio
async def test_request_validation_errors_are_invalid_input_with_pointers_into_the_body() -> None:
    async with client_of(build_app()) as client:
        response = await client.post("/jobs?limit=0", json={"prompt": 5, "size": "big", "extra": 1})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["type"], body["code"]) == (BASE + "invalid-input", "invalid_input")
    assert sorted((e["pointer"], e["code"]) for e in body["errors"]) == [
        ("/extra", "extra_forbidden"),
        ("/prompt", "string_type"),
        ("/query/limit", "greater_than_equal"),
        ("/size", "int_parsing"),
    ]
    assert "big" not in response.text  # the input values are never echoed


@pytest.mark.asyncio
async def test_a_body_that_is_not_json_is_located_at_the_whole_body() -> None:
    async with client_of(build_app()) as client:
        broken = await client.post(
            "/jobs", content=b'{"prompt": ', headers={"Content-Type": "application/json"}
        )
        missing = await client.post("/raw")

    assert [(e["pointer"], e["code"]) for e in broken.json()["errors"]] == [("", "json_invalid")]
    assert [(e["pointer"], e["code"]) for e in missing.json()["errors"]] == [("", "missing")]


@pytest.mark.asyncio
async def test_an_unhandled_exception_is_a_500_that_says_nothing_but_the_correlation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="creativeflow_shared.fastapi"):
        async with client_of(build_app()) as client:
            response = await client.get("/crash", headers={CORRELATION_ID_HEADER: "c-500"})

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers[CORRELATION_ID_HEADER] == "c-500"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": UNEXPECTED_DETAIL,
        "instance": "/crash",
        "correlationId": "c-500",
    }
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]
    assert "c-500" in caplog.records[-1].getMessage()


@pytest.mark.asyncio
async def test_an_unmapped_library_error_is_logged_like_any_fault(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="creativeflow_shared.fastapi"):
        async with client_of(build_app()) as client:
            response = await client.get("/errors/unexpected")

    assert response.status_code == 500
    assert "hunter2" not in response.text
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [KernelError]


@pytest.mark.asyncio
async def test_an_error_after_the_response_started_ends_the_response() -> None:
    async with client_of(build_app()) as client:
        with pytest.raises(RuntimeError, match="broken mid-stream"):
            await client.get("/stream")


@pytest.mark.asyncio
async def test_unknown_routes_and_methods_are_problems_too() -> None:
    async with client_of(build_app()) as client:
        unknown = await client.get("/nowhere", headers={CORRELATION_ID_HEADER: "c-404"})
        not_allowed = await client.patch("/crash")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == PROBLEM_JSON
    assert unknown.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/nowhere",
        "correlationId": "c-404",
    }
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET"
    assert not_allowed.json()["title"] == "Method Not Allowed"


@pytest.mark.asyncio
async def test_an_http_exception_keeps_its_detail_and_headers() -> None:
    async with client_of(build_app()) as client:
        teapot = await client.get("/teapot")
        odd = await client.get("/odd")
        moved = await client.get("/moved")

    assert teapot.status_code == 418
    assert teapot.headers["x-pot"] == "tea"
    assert (teapot.json()["title"], teapot.json()["detail"]) == ("I'm a Teapot", "No coffee here")
    assert (odd.status_code, odd.json()["title"]) == (599, "Error")
    assert (moved.status_code, moved.content) == (304, b"")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("sent", "kept"),
    [("c-42", True), ("", False), ("has space", False), ("x" * 129, False), ("é", False)],
    ids=["valid", "empty", "a space", "too long", "not ascii"],
)
async def test_the_correlation_id_is_read_or_made_and_echoed(sent: str, kept: bool) -> None:
    async with client_of(build_app()) as client:
        response = await client.get(
            "/context", headers={CORRELATION_ID_HEADER.encode(): sent.encode("utf-8")}
        )

    seen = response.json()["correlationId"]
    assert response.headers[CORRELATION_ID_HEADER] == seen
    assert (seen == sent) is kept
    assert seen
    assert response.json()["same"] == "True"


@pytest.mark.asyncio
async def test_a_correlation_id_is_made_when_none_is_sent() -> None:
    async with client_of(build_app()) as client:
        first = await client.get("/context")
        second = await client.get("/context")

    assert first.headers[CORRELATION_ID_HEADER] != second.headers[CORRELATION_ID_HEADER]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("traceparent", "tracestate", "expected"),
    [
        (TRACEPARENT, "vendor=1", (TRACEPARENT, "vendor=1")),
        (TRACEPARENT, None, (TRACEPARENT, None)),
        ("00-" + "0" * 32 + "-b7ad6b7169203331-01", "vendor=1", (None, None)),
        ("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", None, (None, None)),
        ("garbage", "vendor=1", (None, None)),
        (TRACEPARENT, "x" * 513, (TRACEPARENT, None)),
    ],
    ids=["with state", "alone", "zero trace id", "version ff", "garbage", "state too long"],
)
async def test_the_traceparent_is_passed_on_when_valid(
    traceparent: str, tracestate: str | None, expected: tuple[str | None, str | None]
) -> None:
    headers = {"traceparent": traceparent} | ({"tracestate": tracestate} if tracestate else {})
    async with client_of(build_app()) as client:
        response = await client.get("/context", headers=headers)

    assert (response.json()["traceparent"], response.json()["tracestate"]) == expected


@pytest.mark.asyncio
async def test_the_context_dependency_needs_the_middleware() -> None:
    app = FastAPI()

    @app.get("/context")
    async def context(ctx: Annotated[RequestContext, Depends(request_context)]) -> str:
        return ctx.correlation_id

    async with client_of(app) as client:
        with pytest.raises(RuntimeError, match=r"install\(app\)"):
            await client.get("/context")


def test_the_problem_answers_are_documented_in_place_of_fastapis_422() -> None:
    document = build_app().openapi()

    responses = document["paths"]["/jobs"]["post"]["responses"]
    assert "422" not in responses
    assert set(responses) == {"200", "4XX", "5XX"}
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    assert responses["4XX"]["content"][PROBLEM_JSON]["schema"] == problem_ref
    assert responses["5XX"]["content"] == {PROBLEM_JSON: {"schema": problem_ref}}
    assert responses["4XX"]["content"] == {PROBLEM_JSON: {"schema": problem_ref}}
    assert "correlationId" in document["components"]["schemas"]["Problem"]["properties"]


def test_the_problem_responses_are_fresh_each_time() -> None:
    first = problem_responses()
    first["4XX"]["description"] = "changed"

    assert problem_responses()["4XX"]["description"] != "changed"
    assert json.dumps(problem_responses(), default=str)
