"""The pytest plugin's ``rabbitmq_url`` fixture, and how it reports a missing broker."""

from __future__ import annotations

import sys

import aio_pika
import pytest

from creativeflow_shared.testing import _pytest_plugin

# Nothing listens on port 1 of the loopback interface: connecting is refused at once.
CLOSED = "amqp://guest:s3cret@127.0.0.1:1/"


@pytest.mark.asyncio
async def test_the_fixture_names_a_broker_that_answers(rabbitmq_url: str) -> None:
    connection = await aio_pika.connect(rabbitmq_url)
    await connection.close()

    assert rabbitmq_url == _pytest_plugin._rabbitmq_url()


def test_the_broker_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATIVEFLOW_TEST_RABBITMQ_URL", CLOSED)

    assert _pytest_plugin._rabbitmq_url() == CLOSED


def test_the_broker_url_defaults_to_a_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREATIVEFLOW_TEST_RABBITMQ_URL", raising=False)

    assert _pytest_plugin._rabbitmq_url() == "amqp://guest:guest@127.0.0.1:5672/"


@pytest.mark.parametrize("url", [CLOSED, "amqp://127.0.0.1:1/"], ids=["password", "none"])
def test_an_unreachable_broker_skips_the_test_outside_ci(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="RabbitMQ is not reachable") as skipped:
        _pytest_plugin._connect_rabbitmq(url)

    assert "127.0.0.1:1" in str(skipped.value)
    assert "CREATIVEFLOW_TEST_RABBITMQ_URL" in str(skipped.value)
    assert "s3cret" not in str(skipped.value)


def test_an_unreachable_broker_fails_the_test_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="RabbitMQ is not reachable"):
        _pytest_plugin._connect_rabbitmq(CLOSED)


def test_a_broker_that_refuses_the_login_is_unreachable_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    wrong = _pytest_plugin._rabbitmq_url().replace("guest:guest@", "guest:wrong-password@")

    with pytest.raises(pytest.skip.Exception, match="ACCESS_REFUSED"):
        _pytest_plugin._connect_rabbitmq(wrong)


def test_the_fixture_without_aio_pika_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aio_pika", None)  # makes the import fail

    with pytest.raises(ImportError, match=r"creativeflow-shared-backend\[rabbitmq\]"):
        _pytest_plugin._connect_rabbitmq(CLOSED)
