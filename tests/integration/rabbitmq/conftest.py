"""Fixtures of the RabbitMQ adapter's tests: unique names, cleaned up afterwards, and a channel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aio_pika
import pytest_asyncio

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from aio_pika.abc import AbstractChannel


@dataclass(frozen=True)
class Names:
    """An exchange and a consumer's queue of one test; ``<queue>.probe`` is free for it too."""

    exchange: str
    queue: str

    @property
    def probe(self) -> str:
        return f"{self.queue}.probe"


@pytest_asyncio.fixture
async def names(rabbitmq_url: str) -> AsyncIterator[Names]:
    suffix = uuid.uuid4().hex[:12]
    created = Names(exchange=f"test-events-{suffix}", queue=f"test-consumer-{suffix}")
    yield created
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        queue = created.queue
        for name in (queue, f"{queue}.retry", f"{queue}.dead", created.probe):
            await channel.queue_delete(name)
        for name in (created.exchange, f"{queue}.dead"):
            await channel.exchange_delete(name)


@pytest_asyncio.fixture
async def channel(rabbitmq_url: str) -> AsyncIterator[AbstractChannel]:
    """A channel of the test's own, to look at queues from outside the adapter."""
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        yield await connection.channel()
