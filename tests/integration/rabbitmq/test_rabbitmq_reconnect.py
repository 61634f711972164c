"""The consumer after the broker drops its connection: it reconnects and loses nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

import aio_pika
import pytest
from tests.integration.rabbitmq._broker import close_on_the_broker, wait_until

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.domain import utc_now, uuid7
from creativeflow_shared.infrastructure.rabbitmq import RabbitMQConsumer, RabbitMQPublisher

if TYPE_CHECKING:
    from aio_pika.abc import AbstractRobustConnection
    from tests.integration.rabbitmq.conftest import Names

    from creativeflow_shared.application import CloudEventEnvelope


def _message(number: int) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="job",
        aggregate_id=f"job-{number}",
        aggregate_version=1,
        event_type="jobs.job_started",
        schema_version=1,
        payload={"number": number},
        occurred_at=utc_now(),
    )


async def _drop(connection: AbstractRobustConnection, connection_name: str) -> None:
    """Close the connection from the broker's side, or else close its transport under it."""
    if close_on_the_broker(connection_name):
        return
    transport = connection.transport
    assert transport is not None
    # The robust connection did not ask for this close: it treats it as a lost connection.
    await transport.connection.close(ConnectionResetError("dropped by the test"))


@pytest.mark.asyncio
async def test_a_robust_consumer_reconnects_and_consumes_what_was_published_meanwhile(
    rabbitmq_url: str, names: Names
) -> None:
    handled: list[str] = []

    async def record(envelope: CloudEventEnvelope) -> None:
        handled.append(envelope.id)

    connection_name = f"test-reconnect-{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect_robust(
        rabbitmq_url, client_properties={"connection_name": connection_name}, reconnect_interval=0.2
    )
    reconnected = asyncio.Event()

    def on_reconnect(*_: object) -> None:
        reconnected.set()

    connection.reconnect_callbacks.add(on_reconnect)
    consumer = RabbitMQConsumer(
        connection, exchange=names.exchange, queue=names.queue, bindings=["jobs.#"], handler=record
    )
    batches = [[_message(1)], [_message(2), _message(3)], [_message(4)]]
    publisher = RabbitMQPublisher(rabbitmq_url, exchange=names.exchange, source="/t")
    async with connection, consumer, publisher:
        await publisher.publish(batches[0])
        await wait_until(lambda: len(handled) == 1)

        await _drop(connection, connection_name)
        outcome = await publisher.publish(batches[1])  # queued while the consumer is away
        await asyncio.wait_for(reconnected.wait(), timeout=30)
        later = await publisher.publish(batches[2])
        await wait_until(lambda: len(handled) == 4, within=30)

    assert outcome.confirmed == {m.id for m in batches[1]}
    assert later.confirmed == {m.id for m in batches[2]}
    assert sorted(handled) == sorted(str(m.id) for batch in batches for m in batch)
