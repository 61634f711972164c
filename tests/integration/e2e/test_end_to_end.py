"""End to end on real services: a commit on PostgreSQL reaches a consumer in another process.

A unit of work commits jobs and their events on PostgreSQL, in a flow with a correlation id
and a trace; the relay process publishes them to RabbitMQ; a consumer process applies each
through the message bus and the inbox, on PostgreSQL. Midway, the broker closes both
processes' connections. Afterwards every event had its effect exactly once, in the producer's
flow (correlation id and traceparent), and a poison message sits in the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import aio_pika
import pytest
from sqlalchemy import func, select
from tests.integration.e2e._model import METADATA, Job, JobId, Jobs
from tests.integration.rabbitmq._broker import close_on_the_broker

from creativeflow_shared.application import RequestContext, use_context
from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyUnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Engine, MetaData

JOBS = 300
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    return METADATA


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(METADATA.tables[table])
            ).scalar_one()
        )


def _commit_jobs(engine: Engine, jobs: int) -> None:
    flow = RequestContext(correlation_id="e2e-flow", traceparent=TRACEPARENT)
    with use_context(flow):
        for _ in range(jobs):
            with SQLAlchemyUnitOfWork(engine, METADATA) as uow:
                job = Job(id=JobId.new())
                uow.repository(Jobs).add(job)
                job.finish()
                uow.commit().unwrap()


def _start(command: list[str]) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # noqa: S603 (the project's own modules, no shell)
        command,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors[-3000:]
    return errors


def _wait(condition: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


async def _publish_poison(broker_url: str, exchange: str) -> None:
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.get_exchange(exchange)
        await declared.publish(
            aio_pika.Message(b"\x00 not a cloud event", content_type="application/octet-stream"),
            routing_key="e2e.job_finished",
        )


async def _dead_letters(broker_url: str, queue: str) -> int:
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        dead = await channel.declare_queue(f"{queue}.dead", passive=True)
        return dead.declaration_result.message_count or 0


async def _dead_letters_and_cleanup(broker_url: str, exchange: str, queue: str) -> int:
    count = await _dead_letters(broker_url, queue)
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.retry", f"{queue}.dead"):
            await channel.queue_delete(name)
        for name in (exchange, f"{queue}.dead"):
            await channel.exchange_delete(name)
    return count


def test_a_commit_reaches_a_consumer_in_another_process_once_in_its_flow(
    postgres_tables: Engine, rabbitmq_url: str
) -> None:
    for table in reversed(METADATA.sorted_tables):
        with postgres_tables.begin() as connection:
            connection.execute(table.delete())
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"e2e-events-{suffix}", f"e2e-receipts-{suffix}"
    database_url = postgres_tables.url.render_as_string(hide_password=False)
    async_url = database_url  # psycopg serves both flavours
    names = {"relay": f"e2e-relay-{suffix}", "consumer": f"e2e-consumer-{suffix}"}

    def broker(role: str) -> str:
        return f"{rabbitmq_url.rstrip('/')}/?name={names[role]}"

    consumer = _start(
        [sys.executable, "-m", "tests.integration.e2e._consumer", async_url, broker("consumer"),
         exchange, queue]
    )  # fmt: skip
    assert consumer.stdout is not None
    assert consumer.stdout.readline().strip() == "consuming"  # the topology is declared

    _commit_jobs(postgres_tables, JOBS // 2)
    relay = _start(
        [sys.executable, "-m", "creativeflow_shared.relay", "--database-url", database_url,
         "--outbox-table", "e2e_outbox", "--broker-url", broker("relay"), "--exchange", exchange,
         "--source", "/e2e", "--lease", "5", "--idle-wait", "0.05", "run"]
    )  # fmt: skip
    _wait(lambda: _count(postgres_tables, "e2e_receipts") > 0, 60, "the first receipts")
    # The broker drops both processes' connections while events flow.
    _commit_jobs(postgres_tables, JOBS - JOBS // 2)
    dropped = [close_on_the_broker(name) for name in names.values()]
    asyncio.run(_publish_poison(rabbitmq_url, exchange))
    _wait(lambda: _count(postgres_tables, "e2e_receipts") >= JOBS, 120, "every receipt")
    _wait(lambda: asyncio.run(_dead_letters(rabbitmq_url, queue)) >= 1, 60, "the poison")
    time.sleep(0.5)  # a late duplicate would show now
    relay_log = _stop(relay)
    _stop(consumer)

    assert all(dropped), "the broker could not close the connections"
    assert relay_log.count('"message": "relay started"') == 1  # it reconnected, not restarted
    assert _count(postgres_tables, "e2e_receipts") == JOBS  # once each
    assert _count(postgres_tables, "e2e_inbox") == JOBS
    receipts = METADATA.tables["e2e_receipts"]
    with postgres_tables.connect() as connection:
        documents = connection.execute(select(receipts.c.data)).scalars().all()
    assert {(d["correlation_id"], d["traceparent"]) for d in documents} == {
        ("e2e-flow", TRACEPARENT)
    }
    assert asyncio.run(_dead_letters_and_cleanup(rabbitmq_url, exchange, queue)) == 1
