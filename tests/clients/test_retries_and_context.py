"""Waiting what the server asks, within the budget; the request context reaching the server."""

from __future__ import annotations

import socket
import time
import uuid
from typing import TYPE_CHECKING

import pytest
import stamina
from pydantic import BaseModel
from returns.result import Failure, Success
from tests.clients._flavours import FLAVOURS, Flavour, send

from creativeflow_shared.application import RequestContext, use_context
from creativeflow_shared.clients import CallPolicy, call
from creativeflow_shared.domain import UnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.clients._server import Scripted

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Job(BaseModel):
    id: str


def _token() -> str:
    return uuid.uuid4().hex


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_wait_a_server_asks_for_is_honoured(scripted: Scripted, flavour: Flavour) -> None:
    token = _token()
    # Without Retry-After the backoff would be at most 10 ms.
    policy = CallPolicy(attempts=3, attempt_timeout=10, total_timeout=20, first_delay=0.01)

    started = time.monotonic()
    outcome = send(flavour, scripted.base_url, call("GET", f"/busy/{token}?s=1", Job), policy)
    elapsed = time.monotonic() - started

    assert outcome == Success(Job(id="j-1"))
    assert scripted.attempts(token) == 2
    assert 0.95 <= elapsed < 8


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_wait_longer_than_the_budget_left_is_not_begun(
    scripted: Scripted, flavour: Flavour
) -> None:
    token = _token()
    policy = CallPolicy(attempts=3, attempt_timeout=10, total_timeout=20)

    started = time.monotonic()
    outcome = send(flavour, scripted.base_url, call("GET", f"/busy/{token}?s=60", Job), policy)
    elapsed = time.monotonic() - started

    assert outcome == Failure(UnavailableError("jobs", retry_after=60.0))
    assert outcome.failure().retry_after == 60.0  # type: ignore[attr-defined]
    assert scripted.attempts(token) == 1
    assert elapsed < 8


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_total_budget_bounds_every_retry(scripted: Scripted, flavour: Flavour) -> None:
    token = _token()
    policy = CallPolicy(
        attempts=1000, attempt_timeout=10, total_timeout=1.0, first_delay=0.05, max_delay=0.1
    )

    started = time.monotonic()
    outcome = send(flavour, scripted.base_url, call("GET", f"/always-busy/{token}", Job), policy)
    elapsed = time.monotonic() - started

    assert outcome == Failure(UnavailableError("jobs"))
    assert 2 <= scripted.attempts(token) < 1000
    assert elapsed < 1.0 + 5  # one attempt may run late on a busy machine, never a wait


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_attempts_of_the_policy_are_all_there_are(scripted: Scripted, flavour: Flavour) -> None:
    token = _token()
    policy = CallPolicy(attempts=4, attempt_timeout=10, total_timeout=20, first_delay=0)

    outcome = send(flavour, scripted.base_url, call("GET", f"/always-busy/{token}", Job), policy)

    assert outcome == Failure(UnavailableError("jobs"))
    assert scripted.attempts(token) == 4


@pytest.fixture
def stamina_testing() -> Iterator[None]:
    stamina.set_testing(True)  # a service's own tests switch retries off like this
    yield
    stamina.set_testing(False)


@pytest.mark.usefixtures("stamina_testing")
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_stamina_testing_mode_switches_retries_off(scripted: Scripted, flavour: Flavour) -> None:
    token = _token()

    outcome = send(flavour, scripted.base_url, call("GET", f"/flaky/{token}", Job))

    assert outcome == Failure(UnavailableError("jobs"))
    assert scripted.attempts(token) == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_request_context_reaches_the_server(scripted: Scripted, flavour: Flavour) -> None:
    token = _token()
    context = RequestContext(
        correlation_id="c-42",
        tenant_id="t-7",
        actor_id="u-1",
        traceparent=TRACEPARENT,
        tracestate="vendor=1",
    )

    with use_context(context):
        outcome = send(flavour, scripted.base_url, call("GET", f"/echo/{token}", dict[str, str]))

    received = outcome.unwrap()
    assert received["x-correlation-id"] == "c-42"
    assert received["x-tenant-id"] == "t-7"
    assert received["traceparent"] == TRACEPARENT
    assert received["tracestate"] == "vendor=1"
    assert "x-actor-id" not in received
    assert received["accept"] == "application/json, application/problem+json"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_attempt_carries_the_same_correlation_id(
    scripted: Scripted, flavour: Flavour
) -> None:
    token = _token()

    send(flavour, scripted.base_url, call("GET", f"/flaky/{token}", Job))  # no context set

    correlation_ids = [headers["x-correlation-id"] for headers in scripted.seen[token]]
    assert len(correlation_ids) == 2
    assert correlation_ids[0] == correlation_ids[1]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_calls_own_headers_and_body_are_sent(scripted: Scripted, flavour: Flavour) -> None:
    token = _token()
    sent = call(
        "POST",
        f"/flaky/{token}",
        Job,
        body=Job(id="j-9"),
        params={"page": "2"},
        headers={"X-Tenant-ID": "t-explicit", "Idempotency-Key": "k-7"},
    )

    with use_context(RequestContext(correlation_id="c-1", tenant_id="t-context")):
        outcome = send(flavour, scripted.base_url, sent)

    first = scripted.seen[token][0]
    assert outcome == Success(Job(id="j-1"))  # the key in the headers makes it retryable
    assert first["x-tenant-id"] == "t-explicit"
    assert first["idempotency-key"] == "k-7"
    assert first["content-type"] == "application/json"
    assert first["content-length"] == str(len(b'{"id":"j-9"}'))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_refused_connection_is_transient_and_keeps_its_cause(flavour: Flavour) -> None:
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    policy = CallPolicy(attempts=2, first_delay=0)

    error = send(flavour, f"http://127.0.0.1:{port}", call("GET", "/jobs/1", Job), policy).failure()

    assert error == UnavailableError("jobs")
    assert error.transient
    assert type(error.__cause__).__name__ == "ConnectError"
