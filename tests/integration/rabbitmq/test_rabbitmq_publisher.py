"""The RabbitMQ publisher against the real broker: the contract, the wire form, each failure."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from uuid import UUID

import aio_pika
import pytest
from tests.integration.rabbitmq._broker import take

from creativeflow_shared.application import AMQPMessage, CloudEventEnvelope, OutboxMessage
from creativeflow_shared.domain import utc_now, uuid7
from creativeflow_shared.infrastructure.rabbitmq import RabbitMQPublisher
from creativeflow_shared.testing import InMemoryPublisher, PublisherContract

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from aio_pika.abc import AbstractChannel
    from tests.integration.rabbitmq.conftest import Names

    from creativeflow_shared.application.ports import EventPublisher

_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _message(event_type: str = "jobs.job_started") -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="job",
        aggregate_id="job-1",
        aggregate_version=3,
        event_type=event_type,
        schema_version=1,
        payload={"job_id": "job-1"},
        headers={"correlation_id": "flow-1", "traceparent": _TRACEPARENT, "tenant_id": "t-1"},
        occurred_at=utc_now(),
    )


# -- the contract, over the fake and the broker ---------------------------------------------------
class _InMemoryHarness:
    routed_type = "contract.routed"
    unroutable_type = "contract.unroutable"

    def __init__(self) -> None:
        self.publisher = InMemoryPublisher(
            refuse=lambda m: "no route" if m.event_type == self.unroutable_type else None
        )

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncGenerator[EventPublisher]:
        yield self.publisher

    async def delivered(self) -> list[UUID]:
        return [message.id for message in self.publisher.published]


class _RabbitMQHarness:
    """A publisher opened from the URL, and a queue bound to ``routed_type`` alone."""

    routed_type = "contract.routed"
    unroutable_type = "contract.unroutable"

    def __init__(self, url: str, names: Names) -> None:
        self.url, self.names = url, names
        self._channel: AbstractChannel | None = None

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncGenerator[EventPublisher]:
        async with await aio_pika.connect(self.url) as connection:
            self._channel = await connection.channel()
            exchange = await self._channel.declare_exchange(
                self.names.exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
            queue = await self._channel.declare_queue(self.names.probe, durable=True)
            await queue.bind(exchange, self.routed_type)
            publisher = RabbitMQPublisher(self.url, exchange=self.names.exchange, source="/t")
            async with publisher:
                yield publisher

    async def delivered(self) -> list[UUID]:
        assert self._channel is not None
        queue = await self._channel.declare_queue(self.names.probe, passive=True)
        ids: list[UUID] = []
        while (message := await queue.get(fail=False)) is not None:
            await message.ack()
            ids.append(UUID(message.message_id))
        return ids


class TestInMemoryPublisher(PublisherContract):
    @pytest.fixture
    def publisher_harness(self) -> _InMemoryHarness:
        return _InMemoryHarness()


class TestRabbitMQPublisher(PublisherContract):
    @pytest.fixture
    def publisher_harness(self, rabbitmq_url: str, names: Names) -> _RabbitMQHarness:
        return _RabbitMQHarness(rabbitmq_url, names)


# -- the wire form ----------------------------------------------------------------------------
async def _bound_probe(channel: AbstractChannel, names: Names, pattern: str) -> None:
    exchange = await channel.declare_exchange(
        names.exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(names.probe, durable=True)
    await queue.bind(exchange, pattern)


@pytest.mark.asyncio
async def test_a_message_arrives_as_a_persistent_cloudevent_routed_by_its_type(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    await _bound_probe(channel, names, "jobs.*")
    sent = _message()

    async with RabbitMQPublisher(rabbitmq_url, exchange=names.exchange, source="/jobs") as pub:
        outcome = await pub.publish([sent])
    [received] = await take(channel, names.probe, 1)

    assert outcome.confirmed == frozenset({sent.id})
    assert received.routing_key == "jobs.job_started"
    assert received.message_id == str(sent.id)
    assert received.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert received.content_type == "application/json"
    assert received.headers["cloudEvents_type"] == "jobs.job_started"
    assert received.headers["cloudEvents_id"] == str(sent.id)
    assert received.headers["cloudEvents_source"] == "/jobs"
    assert received.headers["cloudEvents_correlationid"] == "flow-1"
    assert received.headers["cloudEvents_aggregateversion"] == 3
    envelope = CloudEventEnvelope.from_amqp(
        AMQPMessage(
            application_properties=received.headers,
            content_type=received.content_type,
            body=received.body,
        )
    ).unwrap()
    assert envelope == CloudEventEnvelope.from_outbox(sent, source="/jobs")
    assert envelope.context().correlation_id == "flow-1"
    assert envelope.context().traceparent == _TRACEPARENT


# -- failures ---------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_message_the_broker_refuses_is_a_failure(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    # A full queue that refuses new messages makes the broker answer basic.nack.
    exchange = await channel.declare_exchange(
        names.exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(
        names.probe, durable=True, arguments={"x-max-length": 0, "x-overflow": "reject-publish"}
    )
    await queue.bind(exchange, "#")
    sent = _message()

    async with RabbitMQPublisher(rabbitmq_url, exchange=names.exchange, source="/jobs") as pub:
        outcome = await pub.publish([sent])

    assert outcome.confirmed == frozenset()
    assert outcome.failures[sent.id].startswith("refused")


@pytest.mark.asyncio
async def test_a_message_unconfirmed_within_the_timeout_is_a_failure(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    await _bound_probe(channel, names, "#")
    sent = _message()
    publisher = RabbitMQPublisher(rabbitmq_url, exchange=names.exchange, source="/j", timeout=1e-6)

    async with publisher:
        outcome = await publisher.publish([sent])

    assert outcome.confirmed == frozenset()
    assert outcome.failures[sent.id] == "no confirm from the broker within 1e-06 s"


@pytest.mark.asyncio
async def test_every_message_of_a_closed_connection_is_a_failure_not_an_exception(
    rabbitmq_url: str, names: Names
) -> None:
    connection = await aio_pika.connect(rabbitmq_url)
    publisher = RabbitMQPublisher(connection, exchange=names.exchange, source="/jobs")
    await publisher.connect()
    await connection.close()
    batch = [_message(), _message()]

    outcome = await publisher.publish(batch)
    await publisher.close()

    assert outcome.confirmed == frozenset()
    assert set(outcome.failures) == {message.id for message in batch}
    assert all(reason.startswith("not sent: ") for reason in outcome.failures.values())


@pytest.mark.asyncio
async def test_a_publisher_leaves_a_given_connection_open_and_connects_once(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    await _bound_probe(channel, names, "#")
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        publisher = RabbitMQPublisher(connection, exchange=names.exchange, source="/jobs")
        await publisher.connect()
        first = publisher._channel
        await publisher.connect()
        assert publisher._channel is first

        await publisher.close()
        await publisher.close()

        assert not connection.is_closed
        assert publisher._channel is None


@pytest.mark.asyncio
async def test_publishing_before_connecting_is_a_bug_that_raises() -> None:
    publisher = RabbitMQPublisher("amqp://127.0.0.1/", exchange="events", source="/jobs")

    with pytest.raises(RuntimeError, match="connect the publisher"):
        await publisher.publish([_message()])


@pytest.mark.parametrize(
    ("exchange", "source", "timeout"), [("", "/j", 1.0), ("events", "", 1.0), ("events", "/j", 0)]
)
def test_a_publisher_needs_an_exchange_a_source_and_a_positive_timeout(
    exchange: str, source: str, timeout: float
) -> None:
    with pytest.raises(ValueError, match="needs an exchange"):
        RabbitMQPublisher("amqp://127.0.0.1/", exchange=exchange, source=source, timeout=timeout)
