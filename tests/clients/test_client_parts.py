"""The parts of a call, one at a time: policy, request, Retry-After, the retry decision."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import BaseModel
from returns.result import Failure, Success

from creativeflow_shared.application import RequestContext
from creativeflow_shared.clients import (
    CallPolicy,
    ServiceClient,
    call,
    context_headers,
    expecting,
)
from creativeflow_shared.clients._answer import read_answer, retry_after_of
from creativeflow_shared.clients._exchange import Exchange, TryAgain, wait_of
from creativeflow_shared.domain import (
    ConcurrencyConflictError,
    FixedClock,
    ForbiddenError,
    KernelError,
    NotFoundError,
    UnavailableError,
    use_clock,
)


class Job(BaseModel):
    id: str


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# -- the policy --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "wrong",
    [
        {"attempts": 0},
        {"attempt_timeout": 0},
        {"total_timeout": -1},
        {"first_delay": -0.1},
        {"max_delay": -1},
        {"total_timeout": float("inf")},
        {"first_delay": float("nan")},
    ],
)
def test_a_policy_that_could_not_run_is_refused(wrong: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="attempts must be at least 1"):
        CallPolicy(**wrong)  # type: ignore[arg-type]


def test_the_backoff_grows_to_its_ceiling_and_stays_under_it() -> None:
    policy = CallPolicy(first_delay=0.1, max_delay=0.3)

    waits = {retry: [policy.backoff(retry) for _ in range(200)] for retry in (1, 2, 3, 500)}

    assert all(0 <= w <= 0.1 for w in waits[1])
    assert all(0 <= w <= 0.2 for w in waits[2])
    assert all(0 <= w <= 0.3 for w in waits[3] + waits[500])
    assert max(waits[500]) > 0.2  # jittered up to the ceiling, not stuck at the first delay


# -- the request -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "headers", "key", "repeatable"),
    [
        ("get", {}, None, True),
        ("HEAD", {}, None, True),
        ("OPTIONS", {}, None, True),
        ("PUT", {}, None, True),
        ("DELETE", {}, None, True),
        ("POST", {}, None, False),
        ("PATCH", {}, None, False),
        ("POST", {}, "k-1", True),
        ("PATCH", {"idempotency-key": "k-1"}, None, True),
        ("POST", {"X-Other": "1"}, None, False),
    ],
)
def test_only_idempotent_calls_are_repeatable(
    method: str, headers: dict[str, str], key: str | None, repeatable: bool
) -> None:
    assert call(method, "/jobs", headers=headers, idempotency_key=key).repeatable is repeatable


def test_the_trace_state_travels_only_beside_a_trace_parent() -> None:
    alone = RequestContext(correlation_id="c-1", tracestate="vendor=1")
    traced = RequestContext(correlation_id="c-2", traceparent="00-a-b-01")

    assert context_headers(alone) == {"X-Correlation-ID": "c-1"}
    assert context_headers(traced) == {"X-Correlation-ID": "c-2", "traceparent": "00-a-b-01"}


def test_query_parameters_join_those_of_the_path() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    transport = httpx.MockTransport(answer)
    with httpx.Client(base_url="http://jobs.internal", transport=transport) as http:
        outcome = ServiceClient(http).send(call("GET", "/jobs?status=done", params={"page": "2"}))

    assert outcome == Success(None)
    assert str(seen[0].url) == "http://jobs.internal/jobs?status=done&page=2"


def test_a_bug_in_the_transport_is_raised_not_returned() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug")

    with (
        httpx.Client(
            base_url="http://jobs.internal", transport=httpx.MockTransport(broken)
        ) as http,
        pytest.raises(RuntimeError, match="a bug"),
    ):
        ServiceClient(http).send(call("GET", "/jobs/1", Job))


def test_importing_the_clients_without_httpx_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)  # makes the import fail
    monkeypatch.delitem(sys.modules, "creativeflow_shared.clients._extra")

    with pytest.raises(ModuleNotFoundError, match=r"creativeflow-shared-backend\[http\]") as e:
        importlib.import_module("creativeflow_shared.clients._extra")

    assert e.value.name == "httpx"
    assert isinstance(e.value.__cause__, ImportError)


# -- reading answers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Sat, 01 Jan 2000 00:00:30 GMT", 30.0),
        ("Sat, 01 Jan 2000 00:00:30 -0000", 30.0),
        ("Fri, 31 Dec 1999 23:59:00 GMT", 0.0),
        ("-1", None),
        ("1.5", None),
        ("٣", None),
        ("12345678901", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    with use_clock(FixedClock(datetime(2000, 1, 1, tzinfo=UTC))):
        assert retry_after_of(value) == seconds


def test_the_retry_after_header_wins_over_the_documents() -> None:
    response = httpx.Response(
        429,
        headers={"Content-Type": "application/problem+json", "Retry-After": "7"},
        content=b'{"status": 429, "retryAfter": 2}',
    )

    error = read_answer(response, Job, service="jobs").failure()

    assert isinstance(error, UnavailableError)
    assert error.retry_after == 7.0


def test_a_json_error_body_is_read_as_a_problem() -> None:
    response = httpx.Response(404, json={"code": "not_found", "resource": "Job", "resourceId": "1"})

    assert read_answer(response, Job, service="jobs") == Failure(NotFoundError("Job", "1"))


def test_a_body_is_not_read_when_no_model_is_asked_for() -> None:
    response = httpx.Response(200, content=b"not json at all")

    assert read_answer(response, None, service="jobs") == Success(None)


# -- the retry decision ------------------------------------------------------------------------
def _exchange(method: str = "GET", *, attempts: int = 3, total: float = 10) -> Exchange[Job]:
    policy = CallPolicy(attempts=attempts, total_timeout=total, first_delay=0.5, max_delay=1)
    return Exchange(call(method, "/jobs/1", Job), policy, "jobs", clock=FakeClock())


def _after(exchange: Exchange[Job], outcome: object, attempts: int = 1) -> float | None:
    exchange._attempts = attempts
    exchange.outcome = outcome  # type: ignore[assignment]
    return exchange.wait_before_next()


def test_a_transient_failure_is_retried_after_a_jittered_backoff() -> None:
    wait = _after(_exchange(), Failure(UnavailableError("jobs")))

    assert wait is not None
    assert 0 <= wait <= 0.5


@pytest.mark.parametrize(
    "outcome",
    [
        Success(Job(id="j-1")),
        Failure(NotFoundError("Job", "j-1")),
        Failure(ConcurrencyConflictError("Job", "j-1")),
        Failure(KernelError("a 500")),
    ],
)
def test_no_other_outcome_is_retried(outcome: object) -> None:
    assert _after(_exchange(), outcome) is None


def test_an_unsafe_call_is_not_retried() -> None:
    assert _after(_exchange("POST"), Failure(UnavailableError("jobs"))) is None


def test_no_attempt_follows_the_last() -> None:
    assert _after(_exchange(attempts=3), Failure(UnavailableError("jobs")), attempts=3) is None


def test_retry_after_is_waited_when_the_budget_allows_it() -> None:
    error = UnavailableError("jobs", retry_after=4)

    assert _after(_exchange(total=10), Failure(error)) == 4
    assert _after(_exchange(total=4), Failure(error)) is None


def test_a_transient_error_of_a_service_is_retried_too() -> None:
    class OverloadedError(KernelError):
        code = "overloaded"
        transient = True

    wait = _after(_exchange(), Failure(OverloadedError("busy")))

    assert wait is not None
    assert wait <= 0.5


def test_the_budget_left_cuts_the_attempts_timeout() -> None:
    exchange = _exchange(total=10)
    clock = exchange._clock
    assert isinstance(clock, FakeClock)
    clock.now += 9.5

    with httpx.Client() as http, exchange.sending(http) as request:
        timeout = request.extensions["timeout"]

    assert timeout == httpx.Timeout(0.5).as_dict()


def test_stamina_retries_only_what_asks_for_another_attempt() -> None:
    assert wait_of(TryAgain(0.25)) == 0.25
    assert wait_of(RuntimeError("a bug")) is False


# -- narrowing ---------------------------------------------------------------------------------
def test_expected_failures_are_kept_and_others_raised() -> None:
    unavailable = Failure(UnavailableError("jobs"))
    conflict = Failure(ConcurrencyConflictError("Job", "j-1"))

    assert expecting(unavailable, NotFoundError) == unavailable
    assert expecting(conflict, NotFoundError, ConcurrencyConflictError) == conflict
    assert expecting(conflict, NotFoundError, ForbiddenError, ConcurrencyConflictError) == conflict
    with pytest.raises(ConcurrencyConflictError):
        expecting(conflict, NotFoundError)
