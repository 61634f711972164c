"""The RabbitMQ publisher: outbox messages as CloudEvents, each confirmed by the broker."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Self, cast

from aio_pika import DeliveryMode
from pamqp.commands import Basic

from creativeflow_shared.application import CloudEventEnvelope
from creativeflow_shared.application.ports import PublishOutcome
from creativeflow_shared.infrastructure.rabbitmq._confirms import confirmed
from creativeflow_shared.infrastructure.rabbitmq._connection import BrokerConnection
from creativeflow_shared.infrastructure.rabbitmq._topology import declare_event_exchange

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType
    from uuid import UUID

    from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
    from pamqp.common import FieldTable

    from creativeflow_shared.application import OutboxMessage

__all__ = ["RabbitMQPublisher"]


class RabbitMQPublisher:
    """An ``EventPublisher`` that publishes to a RabbitMQ topic exchange with confirms.

    Each message goes out in CloudEvents binary mode (the attributes as ``cloudEvents_``
    headers, the payload as a JSON body), with the event type as routing key, the event id as
    message id, persistent delivery and ``mandatory`` set. The messages of one call go out
    concurrently, and the call waits for the broker's answer to each: a confirm makes it
    confirmed; a message the broker returns (no queue is bound for its type), refuses
    (``basic.nack``), or does not confirm within ``timeout`` seconds, and every message of a
    closed channel, is a failure with its reason. ``publish`` raises only when the publisher
    was not connected.

    Connect with ``connect`` (and ``close``) or ``async with``; ``connect`` declares the
    durable topic exchange (idempotent). A connection opened from a URL is robust: after the
    broker restarts it reconnects, and a batch published meanwhile fails (the relay retries
    it).

    Examples:
        >>> publisher = RabbitMQPublisher(
        ...     "amqp://guest:guest@127.0.0.1/", exchange="events", source="/jobs"
        ... )
        >>> publisher.exchange, publisher.source
        ('events', '/jobs')
    """

    def __init__(
        self,
        connection: AbstractConnection | str,
        *,
        exchange: str,
        source: str,
        timeout: float = 10.0,
    ) -> None:
        """Publish through ``connection`` to ``exchange`` as the CloudEvents ``source``.

        ``connection`` is an aio-pika connection (the caller closes it) or a URL the
        publisher opens a robust connection to, and closes.

        Raises:
            ValueError: If ``exchange`` or ``source`` is empty, or ``timeout`` not positive.
        """
        if not exchange or not source or timeout <= 0:
            msg = "a publisher needs an exchange, a CloudEvents source and a positive timeout"
            raise ValueError(msg)
        self.exchange = exchange
        self.source = source
        self.timeout = timeout
        self._connection = BrokerConnection(connection)
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    async def __aenter__(self) -> Self:
        """Connect."""
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close."""
        await self.close()

    async def connect(self) -> None:
        """Open a channel with publisher confirms and declare the exchange (once)."""
        if self._exchange is not None:
            return
        connection = await self._connection.open()
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await declare_event_exchange(channel, self.exchange)
        self._channel = channel

    async def close(self) -> None:
        """Close the channel, and the connection if the publisher opened it."""
        channel, self._channel, self._exchange = self._channel, None, None
        if channel is not None and not channel.is_closed:
            await channel.close()
        await self._connection.close()

    async def publish(self, messages: Sequence[OutboxMessage]) -> PublishOutcome:
        """Publish ``messages`` concurrently and wait for the broker's answer to each.

        The call waits at most ``timeout`` seconds in all: a message the broker has not
        confirmed by then is a failure.

        Returns:
            The ids the broker confirmed, and for each other message why it failed.

        Raises:
            RuntimeError: If the publisher is not connected.
        """
        channel = self._channel
        if channel is None:
            msg = "connect the publisher (await publisher.connect(), or async with) first"
            raise RuntimeError(msg)
        sends = [asyncio.ensure_future(self._publish(channel, m)) for m in messages]
        if not sends:
            return PublishOutcome(confirmed=frozenset(), failures={})
        try:  # one deadline for the whole call
            await asyncio.wait(sends, timeout=self.timeout)
        finally:  # past the deadline, or the caller is cancelled: stop waiting for the rest
            late = [send for send in sends if not send.done()]
            for send in late:
                send.cancel()
        if late:
            await asyncio.wait(late)
        failures: dict[UUID, str] = {}
        confirmed: set[UUID] = set()
        for message, send in zip(messages, sends, strict=True):
            reason = self._late if send.cancelled() else send.result()
            if reason is None:
                confirmed.add(message.id)
            else:
                failures[message.id] = reason
        return PublishOutcome(confirmed=frozenset(confirmed), failures=failures)

    @property
    def _late(self) -> str:
        """Why a message whose confirm did not come in time failed."""
        return f"no confirm from the broker within {self.timeout:g} s"

    async def _publish(self, channel: AbstractChannel, message: OutboxMessage) -> str | None:
        amqp = CloudEventEnvelope.from_outbox(message, source=self.source).to_amqp()
        # The AMQP properties themselves, as aio-pika's ``Message`` would build them (building
        # them directly costs a twentieth of that).
        properties = Basic.Properties(
            content_type=amqp.content_type,
            # The envelope writes text and integers only, which AMQP headers carry.
            headers=cast("FieldTable", dict(amqp.application_properties)),
            delivery_mode=int(DeliveryMode.PERSISTENT),
            message_id=str(message.id),
        )

        async def publish() -> object:
            """What ``Exchange.publish`` does, on the properties built above."""
            underlay = await channel.get_underlay_channel()
            return await underlay.basic_publish(
                amqp.body,
                exchange=self.exchange,
                routing_key=message.event_type,
                properties=properties,
                mandatory=True,
            )

        return await confirmed(publish)
