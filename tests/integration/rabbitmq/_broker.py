"""Bounded waits on the broker for the RabbitMQ adapter's tests (no sleeping as synchronisation)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from aio_pika.abc import AbstractChannel, AbstractIncomingMessage


async def wait_until(condition: Callable[[], bool], *, within: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            msg = "the condition did not hold in time"
            raise AssertionError(msg)
        await asyncio.sleep(0.02)


async def take(
    channel: AbstractChannel, queue: str, count: int, *, within: float = 10.0
) -> list[AbstractIncomingMessage]:
    """Take ``count`` messages from ``queue`` (acknowledged), waiting up to ``within`` seconds."""
    declared = await channel.declare_queue(queue, passive=True)
    taken: list[AbstractIncomingMessage] = []
    deadline = time.monotonic() + within
    while len(taken) < count:
        message = await declared.get(fail=False)
        if message is None:
            if time.monotonic() > deadline:
                msg = f"{len(taken)} of {count} messages arrived in {queue}"
                raise AssertionError(msg)
            await asyncio.sleep(0.02)
            continue
        await message.ack()
        taken.append(message)
    return taken


async def ready_count(channel: AbstractChannel, queue: str) -> int:
    """How many messages wait in ``queue``, not counting those delivered and unacknowledged."""
    declared = await channel.declare_queue(queue, passive=True)
    result = declared.declaration_result
    return int(result.message_count or 0)


def close_on_the_broker(connection_name: str) -> bool:
    """Have the broker close the connection of that client name; ``False`` without ``rabbitmqctl``.

    Only this test's connection is closed: other tests may share the broker.
    """
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        return False
    listed = subprocess.run(  # noqa: S603 (the broker's own tool, arguments from this test)
        [ctl, "list_connections", "pid", "client_properties", "-s"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    for line in listed.stdout.splitlines():
        pid, _, properties = line.partition("\t")
        if f'{{"connection_name","{connection_name}"}}' in properties:
            closed = subprocess.run(  # noqa: S603 (idem)
                [ctl, "close_connection", pid, "test: broker-side close"],
                capture_output=True,
                check=False,
                timeout=60,
            )
            return closed.returncode == 0
    return False
