"""Every scripted answer, read by both flavours over real HTTP: the same outcome from each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel
from returns.result import Failure, Success
from tests.clients._flavours import FLAVOURS, QUICK, Flavour, send
from tests.clients._server import PROXY_INTERNALS, Scripted

from creativeflow_shared.clients import CallPolicy, ServiceCall, call
from creativeflow_shared.domain import (
    ConcurrencyConflictError,
    FieldError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnavailableError,
)

if TYPE_CHECKING:
    from returns.result import Result


class Job(BaseModel):
    id: str


@dataclass(frozen=True)
class Scenario:
    name: str
    call: ServiceCall[Any]
    expected: Result[object, KernelError]
    attempts: int = 1
    policy: CallPolicy | None = None


SCENARIOS = [
    Scenario("a job", call("GET", "/answer/job", Job), Success(Job(id="j-1"))),
    Scenario(
        "a list of jobs",
        call("GET", "/answer/jobs", list[Job]),
        Success([Job(id="j-1"), Job(id="j-2")]),
    ),
    Scenario("no content", call("POST", "/created/{token}"), Success(None)),
    Scenario("503, then a job", call("GET", "/flaky/{token}", Job), Success(Job(id="j-1")), 2),
    Scenario("PUT is retried", call("PUT", "/flaky/{token}", Job), Success(Job(id="j-1")), 2),
    Scenario("DELETE is retried", call("DELETE", "/flaky/{token}", Job), Success(Job(id="j-1")), 2),
    Scenario(
        "POST with a key is retried",
        call("POST", "/flaky/{token}", Job, idempotency_key="k-1"),
        Success(Job(id="j-1")),
        2,
    ),
    Scenario(
        "a plain POST is tried once",
        call("POST", "/flaky/{token}", Job),
        Failure(UnavailableError("jobs")),
    ),
    Scenario(
        "too slow",
        call("GET", "/slow/{token}", Job),
        Failure(UnavailableError("jobs")),
        policy=CallPolicy(attempts=1, attempt_timeout=0.5),
    ),
    Scenario(
        "404 problem",
        call("GET", "/answer/missing", Job),
        Failure(NotFoundError("Job", "j-404")),
    ),
    Scenario(
        "409 problem",
        call("GET", "/answer/conflict", Job),
        Failure(ConcurrencyConflictError("Job", "j-1", expected_version=3)),
    ),
    Scenario(
        "422 problem",
        call("POST", "/answer/invalid", Job),
        Failure(InvalidInputError([FieldError(("prompt",), "is too long", "string_too_long")])),
    ),
    Scenario(
        "500 problem",
        call("GET", "/answer/failing", Job),
        Failure(
            KernelError(
                "jobs answered with a problem this service does not know",
                details={"status": 500, "type": "about:blank"},
            )
        ),
    ),
    Scenario(
        "502 HTML page", call("POST", "/answer/gateway", Job), Failure(UnavailableError("jobs"))
    ),
    Scenario(
        "500 HTML page",
        call("GET", "/answer/html-500", Job),
        Failure(KernelError("jobs answered 500 without problem details", details={"status": 500})),
    ),
    Scenario(
        "a redirect is not followed",
        call("GET", "/answer/moved", Job),
        Failure(
            KernelError("jobs answered with the unexpected status 302", details={"status": 302})
        ),
    ),
    Scenario(
        "429 problem", call("POST", "/answer/rate-limited", Job), Failure(UnavailableError("jobs"))
    ),
    Scenario(
        "not a job",
        call("GET", "/answer/not-a-job", Job),
        Failure(
            InvalidInputError(
                [FieldError(("id",), "Field required", "missing")],
                "jobs answered with a body that is not valid",
            )
        ),
    ),
    Scenario(
        "not JSON",
        call("GET", "/answer/not-json", Job),
        Failure(
            InvalidInputError(
                [FieldError((), "Invalid JSON: expected value at line 1 column 1", "json_invalid")],
                "jobs answered with a body that is not valid",
            )
        ),
    ),
]


def _run(scripted: Scripted, flavour: Flavour, scenario: Scenario) -> tuple[object, int]:
    token = uuid.uuid4().hex
    planned = scenario.call
    path = planned.path.replace("{token}", token)
    sent = call(
        planned.method,
        path,
        planned.model,
        idempotency_key=planned.idempotency_key,
    )
    policy = QUICK if scenario.policy is None else scenario.policy
    outcome = send(flavour, scripted.base_url, sent, policy)
    return outcome, scripted.attempts(token) if "{token}" in planned.path else scenario.attempts


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_each_answer_is_read_into_its_outcome(
    scripted: Scripted, flavour: Flavour, scenario: Scenario
) -> None:
    outcome, attempts = _run(scripted, flavour, scenario)

    assert outcome == scenario.expected
    assert attempts == scenario.attempts


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_the_sync_and_the_async_client_agree(scripted: Scripted, scenario: Scenario) -> None:
    outcomes = {flavour: _run(scripted, flavour, scenario) for flavour in FLAVOURS}

    assert outcomes["sync"] == outcomes["async"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_problem_is_read_back_with_its_fields(scripted: Scripted, flavour: Flavour) -> None:
    missing = send(flavour, scripted.base_url, call("GET", "/answer/missing", Job)).failure()
    conflict = send(flavour, scripted.base_url, call("GET", "/answer/conflict", Job)).failure()
    invalid = send(flavour, scripted.base_url, call("GET", "/answer/invalid", Job)).failure()

    assert isinstance(missing, NotFoundError)
    assert (missing.resource, missing.identifier) == ("Job", "j-404")
    assert isinstance(conflict, ConcurrencyConflictError)
    assert (conflict.resource, conflict.identifier, conflict.expected_version) == ("Job", "j-1", 3)
    assert isinstance(invalid, InvalidInputError)
    assert [(e.loc, e.type) for e in invalid.field_errors] == [(("prompt",), "string_too_long")]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("page", ["gateway", "html-500"])
def test_an_html_page_leaks_nothing_into_the_error(
    scripted: Scripted, flavour: Flavour, page: str
) -> None:
    error = send(flavour, scripted.base_url, call("GET", f"/answer/{page}", Job)).failure()

    shown = f"{error!r} {error} {dict(error.details)} {error.args}"
    assert PROXY_INTERNALS not in shown
    assert "html" not in shown.lower()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_timeout_is_transient_and_keeps_its_cause(scripted: Scripted, flavour: Flavour) -> None:
    policy = CallPolicy(attempts=1, attempt_timeout=0.3)

    error = send(flavour, scripted.base_url, call("GET", "/slow/t-cause", Job), policy).failure()

    assert isinstance(error, UnavailableError)
    assert error.transient
    assert type(error.__cause__).__name__ == "ReadTimeout"
