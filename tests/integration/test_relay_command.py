"""The relay command in-process: operating the outbox, running until SIGTERM, bad settings."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import runpy
import signal
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData, create_engine, select

import creativeflow_shared.relay as relay_package
from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.application.ports import FailedMessage, OutboxStats
from creativeflow_shared.domain import uuid7
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyRelayStore,
    outbox_table,
)
from creativeflow_shared.relay import JsonLogFormatter, RelaySettings, main
from creativeflow_shared.relay._cli import _report

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine, Table


def _message(aggregate: str, version: int) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="Job",
        aggregate_id=aggregate,
        aggregate_version=version,
        event_type="cli.job_stepped",
        schema_version=1,
        payload={"step": version},
        headers={},
        occurred_at=datetime.now(UTC) - timedelta(seconds=1),
    )


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine, Table]]:
    url = f"sqlite:///{tmp_path / 'relay.db'}"
    engine = create_engine(url)
    table = outbox_table(MetaData(), name="outbox")
    table.metadata.create_all(engine)
    yield url, engine, table
    engine.dispose()


def _add(engine: Engine, table: Table, *messages: OutboxMessage) -> None:
    with engine.begin() as connection:
        SQLAlchemyOutboxStore(connection, table).append(messages)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line]


def test_the_operator_lists_replays_and_purges(
    database: tuple[str, Engine, Table], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine, table = database
    dead, published = _message("a", 1), _message("b", 1)
    _add(engine, table, dead, published)
    store = SQLAlchemyRelayStore(engine, table)
    now = datetime.now(UTC)

    async def prepare() -> None:
        await store.claim("r", limit=10, now=now, lease_until=now + timedelta(seconds=30))
        await store.mark_failed("r", [FailedMessage(id=dead.id, error="no route", retry_at=None)])
        await store.mark_published("r", [published.id], now=now - timedelta(days=10))

    asyncio.run(prepare())
    common = ["--database-url", url]

    assert main([*common, "stats"], environ={}) == 0
    assert _json_lines(capsys.readouterr().out) == [{"pending": 0, "dead": 1, "lag_seconds": 0.0}]
    assert main([*common, "dead-letters"], environ={}) == 0
    (letter,) = _json_lines(capsys.readouterr().out)
    assert (letter["id"], letter["attempts"], letter["last_error"]) == (str(dead.id), 1, "no route")
    assert main([*common, "replay", "--id", str(uuid.uuid4())], environ={}) == 0
    assert _json_lines(capsys.readouterr().out) == [{"replayed": 0}]
    assert main([*common, "replay", "--all"], environ={}) == 0
    assert _json_lines(capsys.readouterr().out) == [{"replayed": 1}]
    assert main([*common, "purge", "--older-than-days", "7"], environ={}) == 0
    assert _json_lines(capsys.readouterr().out) == [{"purged": 1}]
    with engine.connect() as connection:
        assert list(connection.execute(select(table.c.id))) == [(dead.id,)]


def test_settings_come_from_the_environment(database: tuple[str, Engine, Table]) -> None:
    url, _, _ = database
    environ = {"CREATIVEFLOW_DATABASE_URL": url, "CREATIVEFLOW_BATCH_SIZE": "7"}
    handlers = list(logging.getLogger().handlers)
    assert main(["--plain-logs", "stats"], environ=environ) == 0
    assert logging.getLogger().handlers == handlers  # the command's handler is gone again
    from creativeflow_shared.relay._cli import _parser  # noqa: PLC0415

    settings = RelaySettings.from_arguments(_parser(environ).parse_args(["stats"]))
    assert (settings.database_url, settings.policy.batch_size) == (url, 7)
    assert settings.log_json


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["run"], "run needs --broker-url"),
        (["--batch-size", "0", "stats"], "batch_size and max_attempts must be at least 1"),
        (["--batch-size", "many", "stats"], "invalid int value"),
        (["replay"], "one of the arguments --all --id is required"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(
    database: tuple[str, Engine, Table],
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    complaint: str,
) -> None:
    url, _, _ = database
    with pytest.raises(SystemExit) as exited:
        main(["--database-url", url, *arguments], environ={})
    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


def test_the_module_runs_as_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["creativeflow_shared.relay", "--help"])
    script = Path(relay_package.__file__).with_name("__main__.py")
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(script), run_name="__main__")  # as `python -m` runs it
    assert exited.value.code == 0


def test_run_relays_to_rabbitmq_until_sigterm_and_logs_json(
    database: tuple[str, Engine, Table],
    rabbitmq_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, engine, table = database
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"cli-events-{suffix}", f"cli-consumer-{suffix}"
    asyncio.run(_bind(rabbitmq_url, exchange, queue))
    stored = [_message("a", 1), _message("a", 2)]
    _add(engine, table, *stored)
    store = SQLAlchemyRelayStore(engine, table)

    def stop_when_published() -> None:
        deadline = time.monotonic() + 60
        while asyncio.run(store.stats()).pending and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # a progress record after it
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_published)
    stopper.start()
    arguments = ["--database-url", url, "--broker-url", rabbitmq_url, "--exchange", exchange]
    assert main([*arguments, "--stats-every", "0.1", "run"], environ={}) == 0
    stopper.join()

    records = _json_lines(capsys.readouterr().err)
    messages = [record["message"] for record in records]
    assert messages[0] == "relay started"
    assert messages[-1] == "relay progress"  # the last one, after the relay stopped
    assert "relay stopped" in messages
    assert records[-1]["published"] == 2
    assert records[-1]["pending"] == 0
    received = asyncio.run(_drain(rabbitmq_url, exchange, queue))
    assert received == [str(message.id) for message in stored]


async def _bind(broker_url: str, exchange: str, queue: str) -> None:
    import aio_pika  # noqa: PLC0415 (the rabbitmq extra)

    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_exchange(
            exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        bound = await channel.declare_queue(queue, durable=True)
        await bound.bind(declared, routing_key="#")


async def _drain(broker_url: str, exchange: str, queue: str) -> list[str]:
    import aio_pika  # noqa: PLC0415 (the rabbitmq extra)

    received: list[str] = []
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        bound = await channel.declare_queue(queue, durable=True)
        while (message := await bound.get(no_ack=True, fail=False)) is not None:
            received.append(str(message.message_id))
        await bound.delete(if_unused=False, if_empty=False)
        await channel.exchange_delete(exchange)
    return received


def test_a_progress_record_that_cannot_read_the_outbox_is_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Unreadable:
        async def stats(self) -> OutboxStats:
            raise ConnectionError("database away")

    class Relay:
        relay_id = "r"

        class counters:  # noqa: N801 (stands in for the attribute)
            @staticmethod
            def as_dict() -> dict[str, int]:
                return {}

    stop = asyncio.Event()
    stop.set()
    with caplog.at_level(logging.WARNING, logger="creativeflow_shared.relay"):
        asyncio.run(_report(Relay(), Unreadable(), 0.01, stop))  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == [
        "relay progress: the outbox could not be read"
    ]
    document = json.loads(JsonLogFormatter().format(caplog.records[0]))
    assert document["error"].endswith("ConnectionError: database away")
