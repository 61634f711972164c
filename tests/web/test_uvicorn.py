"""The example app behind a real uvicorn server on 127.0.0.1, over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from tests.web._jobs_app import build_app

from creativeflow_shared.fastapi import CORRELATION_ID_HEADER

if TYPE_CHECKING:
    from collections.abc import Iterator

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))  # a free port, chosen by the system
    port = listening.getsockname()[1]
    config = uvicorn.Config(
        build_app(), lifespan="off", ws="none", log_level="critical", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    listening.close()
    assert not thread.is_alive()


def test_a_task_is_created_once_and_read_back(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        created = client.post(
            "/tasks", json={"title": "write docs"}, headers={"Idempotency-Key": "k-1"}
        )
        replayed = client.post(
            "/tasks", json={"title": "write docs"}, headers={"Idempotency-Key": "k-1"}
        )
        read = client.get(f"/tasks/{created.json()['taskId']}")
        listed = client.get("/tasks")

    assert created.status_code == 201
    assert replayed.content == created.content
    assert read.json() == created.json()
    assert listed.json()["total"] == 1


def test_a_missing_task_is_a_404_problem(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.get(
            "/tasks/0196f0e4-1c2b-7000-8000-000000000000", headers={CORRELATION_ID_HEADER: "c-404"}
        )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers[CORRELATION_ID_HEADER] == "c-404"
    assert response.json()["code"] == "not_found"
    assert response.json()["correlationId"] == "c-404"


def test_a_rule_broken_is_a_422_problem(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        task_id = client.post("/tasks", json={"title": "once"}).json()["taskId"]
        done = client.post(f"/tasks/{task_id}/done")
        again = client.post(f"/tasks/{task_id}/done")

    assert (done.status_code, done.json()["done"]) == (200, True)
    assert (again.status_code, again.json()["code"]) == (422, "business_rule_violation")


def test_invalid_input_is_a_422_problem_with_pointers(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.post("/tasks", json={"title": ""})

    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/title"]


def test_an_unhandled_exception_is_a_generic_500(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.get("/crash", headers={CORRELATION_ID_HEADER: "c-500"})

    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": (
            "An unexpected error occurred. Quote the correlation id when you report the problem."
        ),
        "instance": "/crash",
        "correlationId": "c-500",
    }
    assert "s3cr3t" not in response.text


def test_the_correlation_id_is_echoed_and_the_traceparent_passed_on(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        response = client.get(
            "/context", headers={CORRELATION_ID_HEADER: "c-7", "traceparent": TRACEPARENT}
        )

    assert response.headers[CORRELATION_ID_HEADER] == "c-7"
    assert response.json() == {"correlationId": "c-7", "traceparent": TRACEPARENT}
