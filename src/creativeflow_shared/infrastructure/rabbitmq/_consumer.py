"""The RabbitMQ consumer: each message parsed, handled in its request context, then acked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Self, TypeAlias

from aio_pika import DeliveryMode, Message
from returns.result import Failure, Result

from creativeflow_shared.application import AMQPMessage, CloudEventEnvelope, use_context
from creativeflow_shared.infrastructure.rabbitmq._confirms import BROKER_FAULTS, publish_confirmed
from creativeflow_shared.infrastructure.rabbitmq._connection import BrokerConnection
from creativeflow_shared.infrastructure.rabbitmq._consumer_policy import (
    ATTEMPTS_HEADER,
    LAST_ERROR_HEADER,
    ConsumerCounters,
    ConsumerPolicy,
)
from creativeflow_shared.infrastructure.rabbitmq._topology import Topology, declare_queues

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import TracebackType

    from aio_pika.abc import (
        AbstractChannel,
        AbstractConnection,
        AbstractExchange,
        AbstractIncomingMessage,
        AbstractQueue,
    )

__all__ = ["MessageHandler", "RabbitMQConsumer"]

_log = logging.getLogger("creativeflow_shared.rabbitmq")

#: What a consumer runs for each event: it opens a unit of work, records the message in the
#: inbox, applies the effects and commits. Returning (``None`` or a ``Success``) means
#: committed; raising, or returning a ``Failure``, means failed: the message is retried.
MessageHandler: TypeAlias = Callable[[CloudEventEnvelope], Awaitable[Result[object, object] | None]]

#: The longest error text kept in the last-error header.
_ERROR_LIMIT: Final = 1000
#: What the broker writes when it dead-letters a message: the history of the old message,
#: not of the copy a retry publishes.
_BROKER_HEADERS: Final = frozenset(
    {
        "x-death",
        "x-first-death-exchange",
        "x-first-death-queue",
        "x-first-death-reason",
        "x-last-death-exchange",
        "x-last-death-queue",
        "x-last-death-reason",
    }
)


class RabbitMQConsumer:
    """Consumes one queue: every event is handled, then acknowledged, retried or dead-lettered.

    ``start`` declares the topology (``declare_topology``) and consumes the queue with the
    policy's prefetch. For each message:

    * a message that is not a CloudEvent envelope is rejected without requeueing: the broker
      moves it to the dead-letter queue at once;
    * otherwise ``handler(envelope)`` runs inside ``use_context(envelope.context())`` (the
      producer's correlation id, tenant and trace, with this event as the cause), and the
      message is acknowledged only after the handler returned, that is after its unit of
      work committed;
    * when the handler raises or returns a ``Failure``, a copy of the message with its
      attempts counted in a header is published, with a confirm, to ``<queue>.retry``,
      which sends it back after the policy's delay; after ``max_attempts`` the copy goes to
      the dead-letter queue with the last error in a header. Only then is the original
      acknowledged. A process that dies between the confirm and the acknowledgement leaves
      both: the message is handled once more, and the inbox absorbs the repeat.

    Messages are handled concurrently, up to the prefetch. A connection opened from a URL is
    robust: after the broker restarts it reconnects, declares the topology again and
    resumes consuming. Messages in hand when the connection dropped are delivered again.

    Examples:
        >>> async def handle(envelope: CloudEventEnvelope) -> None: ...
        >>> consumer = RabbitMQConsumer(
        ...     "amqp://guest:guest@127.0.0.1/",
        ...     exchange="events",
        ...     queue="notifications",
        ...     bindings=["jobs.*"],
        ...     handler=handle,
        ... )
        >>> consumer.topology.dead_queue
        'notifications.dead'
    """

    def __init__(  # noqa: PLR0913 (each is a separate, keyword-only setting)
        self,
        connection: AbstractConnection | str,
        *,
        exchange: str,
        queue: str,
        bindings: Sequence[str],
        handler: MessageHandler,
        policy: ConsumerPolicy | None = None,
        queue_arguments: Mapping[str, str | int | bool] | None = None,
    ) -> None:
        """Consume ``queue``, bound to ``exchange`` by ``bindings``, with ``handler``.

        ``connection`` is an aio-pika connection (``connect_robust`` for reconnects; the
        caller closes it) or a URL the consumer opens a robust connection to, and closes.
        """
        self.topology = Topology.of(exchange=exchange, queue=queue)
        self.policy = policy or ConsumerPolicy()
        self.counters = ConsumerCounters()
        self._bindings = tuple(bindings)
        self._queue_arguments = queue_arguments
        self._handler = handler
        self._connection = BrokerConnection(connection)
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._dead: AbstractExchange | None = None
        self._tag: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Self:
        """Start consuming."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop gracefully."""
        await self.stop()

    async def start(self) -> None:
        """Declare the topology and start consuming.

        Raises:
            RuntimeError: If the consumer is already consuming.
        """
        if self._tag is not None:
            msg = "the consumer is already consuming"
            raise RuntimeError(msg)
        connection = await self._connection.open()
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.set_qos(prefetch_count=self.policy.prefetch)
        _, queue, dead = await declare_queues(
            channel,
            exchange=self.topology.exchange,
            queue=self.topology.queue,
            bindings=self._bindings,
            arguments=self._queue_arguments,
        )
        self._channel, self._queue, self._dead = channel, queue, dead
        self._tag = await queue.consume(self._deliver)

    async def stop(self) -> None:
        """Stop taking messages, let those in hand finish, then close.

        Messages the broker had sent but the consumer had not started are returned to the
        queue when the channel closes.
        """
        queue, tag, self._tag = self._queue, self._tag, None
        if queue is not None and tag is not None:
            try:
                await queue.cancel(tag)
            except BROKER_FAULTS:
                _log.warning("could not cancel the consumer of %s", self.topology.queue)
        if self._tasks:
            await asyncio.wait(set(self._tasks))
        channel, self._channel = self._channel, None
        if channel is not None and not channel.is_closed:
            await channel.close()
        await self._connection.close()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, then stop gracefully."""
        async with self:
            await stop.wait()

    # -- one message ----------------------------------------------------------------------------
    async def _deliver(self, message: AbstractIncomingMessage) -> None:
        # A task of our own: the client cancels its delivery tasks when the channel closes,
        # and a handler must not be cancelled in the middle of its commit.
        task = asyncio.create_task(self._process(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, message: AbstractIncomingMessage) -> None:
        parsed = CloudEventEnvelope.from_amqp(
            AMQPMessage(
                application_properties=message.headers,
                content_type=message.content_type,
                body=message.body,
            )
        )
        if isinstance(parsed, Failure):
            _log.error(
                "message %s on %s is not an event envelope; dead-lettered: %s",
                message.message_id,
                self.topology.queue,
                parsed.failure(),
            )
            settled = await self._settle(message, message.reject(requeue=False))
            self.counters.dead_lettered += settled
            return
        error = await self._handle(parsed.unwrap())
        if error is None:
            settled = await self._settle(message, message.ack())
            self.counters.handled += settled
            return
        await self._retry(message, error)

    async def _handle(self, envelope: CloudEventEnvelope) -> str | None:
        """Run the handler in the event's context; return why it failed, or ``None``."""
        try:
            with use_context(envelope.context()):
                outcome = await self._handler(envelope)
        except Exception as error:  # noqa: BLE001 (the consumer is a process boundary: retried)
            _log.warning("handling event %s (%s) failed", envelope.id, envelope.type, exc_info=True)
            return f"{type(error).__name__}: {error}"
        if isinstance(outcome, Failure):
            _log.warning("handling event %s (%s) failed: %s", envelope.id, envelope.type, outcome)
            return f"Failure: {outcome.failure()}"
        return None

    async def _retry(self, message: AbstractIncomingMessage, error: str) -> None:
        """Send a copy to wait for its next attempt, or to the dead letters; ack the original."""
        attempts = _attempts(message.headers) + 1
        headers = {k: v for k, v in message.headers.items() if k not in _BROKER_HEADERS}
        headers[ATTEMPTS_HEADER] = attempts
        headers[LAST_ERROR_HEADER] = error[:_ERROR_LIMIT]
        dead = attempts >= self.policy.max_attempts
        copy = Message(
            message.body,
            headers=headers,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type=message.type,
            app_id=message.app_id,
            timestamp=message.timestamp,
            delivery_mode=DeliveryMode.PERSISTENT,
            expiration=None if dead else self.policy.delay(attempts),
        )
        channel, dead_exchange = self._channel, self._dead
        assert channel is not None  # noqa: S101 (messages arrive only after start)
        assert dead_exchange is not None  # noqa: S101 (idem)
        if dead:
            target, key = dead_exchange, message.routing_key or self.topology.queue
        else:
            target, key = channel.default_exchange, self.topology.retry_queue
        reason = await publish_confirmed(target, copy, key, within=self.policy.publish_timeout)
        await self._moved(message, reason, dead=dead)

    async def _moved(
        self, message: AbstractIncomingMessage, reason: str | None, *, dead: bool
    ) -> None:
        """Ack the original of a copy the broker confirmed; reject it when the copy failed."""
        if reason is not None:
            # Never lose it: the broker dead-letters a rejected message by itself (without
            # the error header).
            _log.error(
                "could not move message %s of %s for another attempt (%s); dead-lettered",
                message.message_id,
                self.topology.queue,
                reason,
            )
            settled = await self._settle(message, message.reject(requeue=False))
            self.counters.dead_lettered += settled
            return
        settled = await self._settle(message, message.ack())
        if dead:
            self.counters.dead_lettered += settled
        else:
            self.counters.retried += settled

    # Each caller awaits ``_settle`` before it reads a counter: ``counter += await ...`` would
    # read it before the await and lose the counts of the handlers that ran meanwhile.
    async def _settle(self, message: AbstractIncomingMessage, settling: Awaitable[None]) -> bool:
        """Send an ack or a reject (never requeued: dead-lettered by the broker).

        Returns:
            ``True``, or ``False`` when the channel is gone (the broker delivers it again).
        """
        try:
            await settling
        except BROKER_FAULTS:
            self.counters.unsettled += 1
            _log.warning(
                "could not settle message %s of %s: the broker delivers it again",
                message.message_id,
                self.topology.queue,
            )
            return False
        return True


def _attempts(headers: Mapping[str, object]) -> int:
    """Return how many failed attempts a message's header counts (0 when none or garbled)."""
    value = headers.get(ATTEMPTS_HEADER)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
