"""G8: whatever a server answers (status, headers, body), reading it returns a ``Result``."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from returns.result import Failure, Success

from creativeflow_shared.api import PROBLEM_JSON
from creativeflow_shared.clients._answer import read_answer, retry_after_of
from creativeflow_shared.domain import KernelError, UnavailableError


class Job(BaseModel):
    id: str
    tags: list[str] = []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
_PROBLEM = st.fixed_dictionaries(
    {},
    optional={
        "type": st.text() | st.just("https://errors.creativeflow.dev/not-found"),
        "status": st.integers(-1, 1000) | st.text(),
        "code": st.sampled_from(["not_found", "unavailable", "invalid_input", "x"]) | _JSON,
        "detail": _JSON,
        "retryAfter": _JSON,
        "errors": st.lists(st.fixed_dictionaries({"pointer": _JSON}), max_size=2),
        "resource": _JSON,
        "resourceId": _JSON,
        "expectedVersion": _JSON,
        "id": _JSON,
    },
)
_BODIES = (
    st.binary(max_size=64)
    | _JSON.map(lambda value: json.dumps(value).encode())
    | _PROBLEM.map(lambda value: json.dumps(value).encode())
)
_HEADER_VALUES = st.binary(max_size=40).filter(lambda v: b"\r" not in v and b"\n" not in v)
_HEADERS = st.lists(
    st.tuples(
        st.sampled_from([b"content-type", b"retry-after", b"x-other"]),
        st.sampled_from(
            [PROBLEM_JSON.encode(), b"application/json; charset=utf-8", b"text/html", b"5"]
        )
        | _HEADER_VALUES,
    ),
    max_size=4,
)
_MODELS: list[Any] = [Job, list[Job], dict[str, int], None]


@given(
    status=st.integers(100, 599),
    headers=_HEADERS,
    body=_BODIES,
    model=st.sampled_from(_MODELS),
)
def test_any_answer_reads_into_a_result(
    status: int, headers: list[tuple[bytes, bytes]], body: bytes, model: Any
) -> None:
    response = httpx.Response(status, headers=headers, content=body)

    outcome = read_answer(response, model, service="jobs")

    assert isinstance(outcome, Success | Failure)
    if isinstance(outcome, Failure):
        error = outcome.failure()
        assert isinstance(error, KernelError)
        if status in {429, 502, 503, 504}:
            assert isinstance(error, UnavailableError)
    else:
        assert 200 <= status < 300


@given(value=st.text() | st.none())
def test_any_retry_after_reads_into_seconds_or_none(value: str | None) -> None:
    seconds = retry_after_of(value)

    assert seconds is None or seconds >= 0
