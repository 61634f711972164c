"""Declaring the topology: idempotent, routed by pattern, retry and dead-letter routes."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

import aio_pika
import pytest
from tests.integration.rabbitmq._broker import ready_count, take

from creativeflow_shared.infrastructure.rabbitmq import Topology, declare_topology
from creativeflow_shared.infrastructure.rabbitmq._connection import BrokerConnection

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel
    from tests.integration.rabbitmq.conftest import Names


@pytest.mark.asyncio
async def test_declaring_twice_changes_nothing_and_routes_by_pattern(
    names: Names, channel: AbstractChannel
) -> None:
    first = await declare_topology(
        channel, exchange=names.exchange, queue=names.queue, bindings=["jobs.*", "credits.spent"]
    )
    again = await declare_topology(
        channel, exchange=names.exchange, queue=names.queue, bindings=["jobs.*", "credits.spent"]
    )
    exchange = await channel.get_exchange(names.exchange)
    for key in ("jobs.started", "credits.spent", "credits.granted", "jobs.a.b"):
        await exchange.publish(aio_pika.Message(key.encode()), key)

    taken = await take(channel, names.queue, 2)

    assert first == again == Topology.of(exchange=names.exchange, queue=names.queue)
    assert sorted(message.body for message in taken) == [b"credits.spent", b"jobs.started"]
    assert await ready_count(channel, names.queue) == 0


@pytest.mark.asyncio
async def test_what_expires_in_the_retry_queue_goes_back_to_the_consumers_queue_alone(
    names: Names, channel: AbstractChannel
) -> None:
    topology = await declare_topology(
        channel, exchange=names.exchange, queue=names.queue, bindings=["jobs.*"]
    )
    await channel.default_exchange.publish(
        aio_pika.Message(b"later", expiration=0.05), topology.retry_queue
    )

    [back] = await take(channel, topology.queue, 1)

    assert back.body == b"later"
    assert await ready_count(channel, topology.retry_queue) == 0


@pytest.mark.asyncio
async def test_a_rejected_message_goes_to_the_dead_letter_queue(
    names: Names, channel: AbstractChannel
) -> None:
    topology = await declare_topology(
        channel, exchange=names.exchange, queue=names.queue, bindings=["jobs.*"]
    )
    exchange = await channel.get_exchange(names.exchange)
    await exchange.publish(aio_pika.Message(b"poison"), "jobs.poisoned")
    queue = await channel.declare_queue(topology.queue, passive=True)
    message = await queue.get(timeout=5)

    await message.reject(requeue=False)

    [dead] = await take(channel, topology.dead_queue, 1)
    assert dead.body == b"poison"


@pytest.mark.asyncio
async def test_the_consumers_queue_gets_the_extra_arguments(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    topology = await declare_topology(
        channel,
        exchange=names.exchange,
        queue=names.queue,
        bindings=["jobs.*"],
        queue_arguments={"x-max-priority": 3},
    )

    # The broker refuses a declaration of the queue without the argument: it has it.
    async with await aio_pika.connect(rabbitmq_url) as connection:
        other = await connection.channel()
        with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
            await other.declare_queue(
                topology.queue,
                durable=True,
                arguments={"x-dead-letter-exchange": topology.dead_exchange},
            )


@pytest.mark.parametrize(
    ("exchange", "queue", "bindings"),
    [("", "q", ["a"]), ("e", "", ["a"]), ("e", "q", [""]), ("e", "q", "jobs.*")],
    ids=["no exchange", "no queue", "an empty pattern", "a string, not a sequence"],
)
@pytest.mark.asyncio
async def test_declaring_refuses_empty_names_and_patterns(
    channel: AbstractChannel, exchange: str, queue: str, bindings: list[str]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (two messages, both about names)
        await declare_topology(channel, exchange=exchange, queue=queue, bindings=bindings)


@pytest.mark.asyncio
async def test_a_connection_opened_from_a_url_is_opened_once_and_closed(rabbitmq_url: str) -> None:
    broker = BrokerConnection(rabbitmq_url)

    first = await broker.open()
    second = await broker.open()
    await broker.close()

    assert first is second
    assert first.is_closed


def test_importing_the_adapter_without_aio_pika_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "aio_pika", None)  # makes the import fail
    monkeypatch.delitem(sys.modules, "creativeflow_shared.infrastructure.rabbitmq._extra")

    with pytest.raises(ModuleNotFoundError, match=r"creativeflow-shared-backend\[rabbitmq\]") as e:
        importlib.import_module("creativeflow_shared.infrastructure.rabbitmq._extra")

    assert e.value.name == "aio_pika"
    assert isinstance(e.value.__cause__, ImportError)
