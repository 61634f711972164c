"""Every error category becomes its status, headers and exact problem document."""

from __future__ import annotations

import json

import pytest

from creativeflow_shared.api import (
    PROBLEM_JSON,
    ErrorMapping,
    Problem,
    ProblemMapper,
    problem_for,
)
from creativeflow_shared.application import RequestContext, use_context
from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    CurrencyMismatchError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
    UnknownEventTypeError,
)

CONTEXT = RequestContext(correlation_id="corr-1")
BASE = "https://errors.creativeflow.dev/"
JSON_ONLY = {"Content-Type": PROBLEM_JSON}
UNEXPECTED: dict[str, object] = {
    "type": "about:blank",
    "title": "Internal Server Error",
    "status": 500,
    "detail": "An unexpected error occurred. Quote the correlation id when you report the problem.",
    "correlationId": "corr-1",
}


class InsufficientCreditsError(BusinessRuleViolationError):
    code = "insufficient_credits"


CASES: list[tuple[str, BaseException, int, dict[str, str], dict[str, object]]] = [
    (
        "not found",
        NotFoundError("Job", "j-1"),
        404,
        JSON_ONLY,
        {
            "type": BASE + "not-found",
            "title": "Resource not found",
            "status": 404,
            "detail": "Job 'j-1' was not found",
            "code": "not_found",
            "correlationId": "corr-1",
            "resource": "Job",
            "resourceId": "j-1",
        },
    ),
    (
        "already exists",
        AlreadyExistsError("Job", "j-1"),
        409,
        JSON_ONLY,
        {
            "type": BASE + "already-exists",
            "title": "Resource already exists",
            "status": 409,
            "detail": "Job 'j-1' already exists",
            "code": "already_exists",
            "correlationId": "corr-1",
            "resource": "Job",
            "resourceId": "j-1",
        },
    ),
    (
        "a unique key taken",
        AlreadyExistsError("User", "u-2", key="email", per_tenant=True),
        409,
        JSON_ONLY,
        {
            "type": BASE + "already-exists",
            "title": "Resource already exists",
            "status": 409,
            "detail": "Another User of the tenant holds this email already",
            "code": "already_exists",
            "correlationId": "corr-1",
            "resource": "User",
            "resourceId": "u-2",
            "key": "email",
            "perTenant": True,
        },
    ),
    (
        "concurrency conflict",
        ConcurrencyConflictError("Job", "j-1", expected_version=3),
        409,
        JSON_ONLY,
        {
            "type": BASE + "concurrency-conflict",
            "title": "Concurrency conflict",
            "status": 409,
            "detail": "Job 'j-1' was changed concurrently",
            "code": "concurrency_conflict",
            "correlationId": "corr-1",
            "resource": "Job",
            "resourceId": "j-1",
            "expectedVersion": 3,
        },
    ),
    (
        "invalid input",
        InvalidInputError(
            [
                FieldError(("email",), "not an email", "value_error"),
                FieldError(("items", 0, "a/b~c"), "required", "missing"),
                FieldError((), "too many fields", "too_long"),
            ]
        ),
        422,
        JSON_ONLY,
        {
            "type": BASE + "invalid-input",
            "title": "Invalid input",
            "status": 422,
            "detail": "The input is invalid",
            "code": "invalid_input",
            "correlationId": "corr-1",
            "errors": [
                {"pointer": "/email", "detail": "not an email", "code": "value_error"},
                {"pointer": "/items/0/a~1b~0c", "detail": "required", "code": "missing"},
                {"pointer": "", "detail": "too many fields", "code": "too_long"},
            ],
        },
    ),
    (
        "unknown event type",
        UnknownEventTypeError("job.started"),
        422,
        JSON_ONLY,
        {
            "type": BASE + "invalid-input",
            "title": "Invalid input",
            "status": 422,
            "detail": "Unknown event type 'job.started'",
            "code": "unknown_event_type",
            "correlationId": "corr-1",
            "errors": [
                {
                    "pointer": "/event_type",
                    "detail": "no event class is registered for event type 'job.started'",
                    "code": "unknown_event_type",
                }
            ],
            "eventType": "job.started",
        },
    ),
    (
        "business rule",
        BusinessRuleViolationError("The job is cancelled already"),
        422,
        JSON_ONLY,
        {
            "type": BASE + "business-rule-violation",
            "title": "Business rule violated",
            "status": 422,
            "detail": "The job is cancelled already",
            "code": "business_rule_violation",
            "correlationId": "corr-1",
        },
    ),
    (
        "a service's business rule",
        InsufficientCreditsError("Not enough credits", details={"balance": 3}),
        422,
        JSON_ONLY,
        {
            "type": BASE + "business-rule-violation",
            "title": "Business rule violated",
            "status": 422,
            "detail": "Not enough credits",
            "code": "insufficient_credits",
            "correlationId": "corr-1",
        },
    ),
    (
        "currency mismatch",
        CurrencyMismatchError("EUR", "USD"),
        422,
        JSON_ONLY,
        {
            "type": BASE + "business-rule-violation",
            "title": "Business rule violated",
            "status": 422,
            "detail": "Cannot combine EUR with USD",
            "code": "currency_mismatch",
            "correlationId": "corr-1",
            "left": "EUR",
            "right": "USD",
        },
    ),
    (
        "unauthorized",
        UnauthorizedError(),
        401,
        {"Content-Type": PROBLEM_JSON, "WWW-Authenticate": "Bearer"},
        {
            "type": BASE + "unauthorized",
            "title": "Authentication required",
            "status": 401,
            "detail": "Authentication is required",
            "code": "unauthorized",
            "correlationId": "corr-1",
        },
    ),
    (
        "forbidden",
        ForbiddenError(),
        403,
        JSON_ONLY,
        {
            "type": BASE + "forbidden",
            "title": "Forbidden",
            "status": 403,
            "detail": "This action is not allowed",
            "code": "forbidden",
            "correlationId": "corr-1",
        },
    ),
    (
        "unavailable, with a delay",
        UnavailableError("database", retry_after=2.5),
        503,
        {"Content-Type": PROBLEM_JSON, "Retry-After": "3"},
        {
            "type": BASE + "unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "unavailable",
            "correlationId": "corr-1",
            "retryAfter": 3,
        },
    ),
    (
        "unavailable, without a delay",
        UnavailableError("database"),
        503,
        JSON_ONLY,
        {
            "type": BASE + "unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": "The service is temporarily unavailable. Try again later.",
            "code": "unavailable",
            "correlationId": "corr-1",
        },
    ),
    ("the root error", KernelError("the pool of db-7 is exhausted"), 500, JSON_ONLY, UNEXPECTED),
    ("any other exception", RuntimeError("password=hunter2"), 500, JSON_ONLY, UNEXPECTED),
]


@pytest.mark.parametrize(
    ("error", "status", "headers", "document"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_error_category_has_its_status_headers_and_document(
    error: BaseException, status: int, headers: dict[str, str], document: dict[str, object]
) -> None:
    response = problem_for(error, context=CONTEXT)

    assert response.status == status
    assert dict(response.headers) == headers
    assert json.loads(response.body) == document
    assert list(json.loads(response.body))[:3] == ["type", "title", "status"]


def test_a_conflict_is_a_failed_precondition_when_the_request_carried_if_match() -> None:
    response = problem_for(
        ConcurrencyConflictError("Job", "j-1"), if_match_sent=True, context=CONTEXT
    )

    assert response.status == 412
    assert json.loads(response.body)["status"] == 412
    assert json.loads(response.body)["type"] == BASE + "concurrency-conflict"


@pytest.mark.parametrize("error", [NotFoundError("Job", "j-1"), RuntimeError("boom")])
def test_if_match_changes_nothing_but_a_conflict(error: BaseException) -> None:
    plain = problem_for(error, context=CONTEXT)

    conditional = problem_for(error, if_match_sent=True, context=CONTEXT)

    assert conditional == plain


def test_the_correlation_id_comes_from_the_current_context_by_default() -> None:
    with use_context(RequestContext(correlation_id="from-the-context")):
        response = problem_for(NotFoundError("Job", "j-1"))

    assert response.problem.correlation_id == "from-the-context"


def test_the_instance_names_the_occurrence() -> None:
    response = problem_for(ForbiddenError(), context=CONTEXT, instance="/jobs/j-1")

    assert json.loads(response.body)["instance"] == "/jobs/j-1"


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -1.0])
def test_a_delay_that_is_not_a_number_of_seconds_is_left_out(seconds: float) -> None:
    response = problem_for(UnavailableError("broker", retry_after=seconds), context=CONTEXT)

    assert "Retry-After" not in response.headers
    assert response.problem.retry_after is None


def test_the_challenge_of_a_401_is_the_mappers() -> None:
    mapper = ProblemMapper(challenge='Bearer realm="jobs"')

    response = mapper.problem_for(UnauthorizedError("The token expired"), context=CONTEXT)

    assert response.headers["WWW-Authenticate"] == 'Bearer realm="jobs"'
    assert response.problem.detail == "The token expired"


def test_text_that_json_cannot_hold_is_replaced() -> None:
    response = problem_for(BusinessRuleViolationError("bad \ud800 rule"), context=CONTEXT)

    assert json.loads(response.body)["detail"] == "bad ? rule"


def test_the_headers_cannot_be_changed() -> None:
    response = problem_for(ForbiddenError(), context=CONTEXT)

    with pytest.raises(TypeError):
        response.headers["X-Debug"] = "1"  # type: ignore[index]


# -- services extend the table -------------------------------------------------------------------
class QuotaExceededError(BusinessRuleViolationError):
    code = "quota_exceeded"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The quota of {limit} jobs is used up")
        self.limit = limit


class JobGoneError(NotFoundError):
    code = "job_gone"


def _quota(problem: Problem, service: str) -> QuotaExceededError | None:
    limit = problem.extensions.get("limit")
    return QuotaExceededError(limit) if isinstance(limit, int) else None


QUOTA = ErrorMapping[QuotaExceededError](
    status=429,
    type="https://errors.example.com/quota-exceeded",
    title="Quota exceeded",
    members=lambda e: {"limit": e.limit, "detail": "overridden?", "code": "overridden?"},
    restore=_quota,
)


def test_a_service_row_gives_its_error_its_own_status_type_title_and_members() -> None:
    mapper = ProblemMapper().extend(QuotaExceededError, QUOTA)

    response = mapper.problem_for(QuotaExceededError(10), context=CONTEXT)

    assert response.status == 429
    assert json.loads(response.body) == {
        "type": "https://errors.example.com/quota-exceeded",
        "title": "Quota exceeded",
        "status": 429,
        "detail": "The quota of 10 jobs is used up",
        "code": "quota_exceeded",
        "correlationId": "corr-1",
        "limit": 10,
    }


def test_a_service_row_is_read_back_into_the_services_error() -> None:
    mapper = ProblemMapper().extend(QuotaExceededError, QUOTA)
    body = mapper.problem_for(QuotaExceededError(10), context=CONTEXT).body

    error = mapper.error_from_problem(body)

    assert error == QuotaExceededError(10)
    assert isinstance(error, QuotaExceededError)
    assert error.limit == 10


def test_extending_leaves_the_original_mapper_as_it_was() -> None:
    library = ProblemMapper()

    library.extend(QuotaExceededError, QUOTA)

    assert library.problem_for(QuotaExceededError(10), context=CONTEXT).status == 422


def test_a_row_may_give_only_what_differs_from_its_parents() -> None:
    mapper = ProblemMapper().extend(JobGoneError, ErrorMapping(status=410, title="Job gone"))

    response = mapper.problem_for(JobGoneError("Job", "j-1"), context=CONTEXT)

    assert response.status == 410
    assert json.loads(response.body) == {
        "type": BASE + "not-found",
        "title": "Job gone",
        "status": 410,
        "detail": "Job 'j-1' was not found",
        "code": "job_gone",
        "correlationId": "corr-1",
        "resource": "Job",
        "resourceId": "j-1",
    }


def test_a_direct_subclass_of_the_root_is_unexpected_until_it_has_a_row() -> None:
    class ServiceError(KernelError):
        code = "service_error"

    mapper = ProblemMapper().extend(
        ServiceError,
        ErrorMapping(
            status=418, type="https://errors.example.com/teapot", title="Teapot", detail=str
        ),
    )

    unmapped = problem_for(ServiceError("internal text"), context=CONTEXT)
    mapped = mapper.problem_for(ServiceError("shown text"), context=CONTEXT)

    assert json.loads(unmapped.body) == UNEXPECTED
    assert (mapped.status, mapped.problem.detail, mapped.problem.code) == (
        418,
        "shown text",
        "service_error",
    )


@pytest.mark.parametrize("status", [200, 399, 600])
def test_a_row_refuses_a_status_that_is_not_an_error(status: int) -> None:
    with pytest.raises(ValueError, match="HTTP error status"):
        ErrorMapping[KernelError](status=status)
