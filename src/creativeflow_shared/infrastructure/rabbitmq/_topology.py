"""The exchanges and queues events travel through, declared idempotently.

One durable topic exchange per system carries every event, routed by its event type. Each
consumer has a durable queue bound to it with the event types it wants (patterns such as
``jobs.*``), and beside it:

* ``<queue>.retry``: where a failed message waits out its delay (a per-message expiration)
  before the broker dead-letters it back into ``<queue>`` through the default exchange;
* ``<queue>.dead``: a fanout exchange and its queue, where messages that cannot be parsed, or
  failed too often, wait for an operator. ``<queue>`` dead-letters into it.

Exchanges and queues live in separate namespaces, so the dead-letter exchange and its queue
share their name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aio_pika import ExchangeType

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

__all__ = ["Topology", "declare_event_exchange", "declare_queues", "declare_topology"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Topology:
    """The names of what ``declare_topology`` declares for one consumer.

    Attributes:
        exchange: The topic exchange events are published to.
        queue: The consumer's queue.
        retry_queue: Where its failed messages wait for their next attempt (``<queue>.retry``).
        dead_exchange: The fanout exchange its dead letters go to (``<queue>.dead``).
        dead_queue: The queue that keeps them (``<queue>.dead``).

    Examples:
        >>> Topology.of(exchange="events", queue="notifications").retry_queue
        'notifications.retry'
    """

    exchange: str
    queue: str
    retry_queue: str
    dead_exchange: str
    dead_queue: str

    @classmethod
    def of(cls, *, exchange: str, queue: str) -> Topology:
        """Name the retry and dead-letter parts of ``queue`` after it.

        Raises:
            ValueError: If ``exchange`` or ``queue`` is empty (the default exchange and
                server-named queues are not for events).
        """
        if not exchange or not queue:
            msg = "an event exchange and a consumer's queue need names"
            raise ValueError(msg)
        return cls(
            exchange=exchange,
            queue=queue,
            retry_queue=f"{queue}.retry",
            dead_exchange=f"{queue}.dead",
            dead_queue=f"{queue}.dead",
        )


async def declare_event_exchange(channel: AbstractChannel, name: str) -> AbstractExchange:
    """Declare the durable topic exchange ``name`` (idempotent) and return it."""
    return await channel.declare_exchange(name, ExchangeType.TOPIC, durable=True)


async def declare_topology(
    channel: AbstractChannel,
    *,
    exchange: str,
    queue: str,
    bindings: Sequence[str],
    queue_arguments: Mapping[str, str | int | bool] | None = None,
) -> Topology:
    """Declare the event exchange and one consumer's queues; declaring again changes nothing.

    The exchange is a durable topic exchange; ``queue`` is durable, bound to it with each
    routing-key pattern of ``bindings`` (``jobs.*``, ``jobs.#``, an exact event type), and
    dead-letters into ``<queue>.dead``; ``<queue>.retry`` sends what expires in it back to
    ``queue``. Everything is declared with the same arguments every time, so a second
    declaration (another instance of the service, a restart, a reconnect) is a no-op. A
    declaration whose arguments differ from the existing ones is refused by the broker
    (``PRECONDITION_FAILED``, which closes the channel): change a queue's arguments by
    deleting it, or through a policy.

    Args:
        channel: The channel to declare through (a robust channel re-declares it all after a
            reconnect).
        exchange: The event exchange's name.
        queue: The consumer's queue.
        bindings: The routing-key patterns of the events the consumer wants.
        queue_arguments: More arguments of the consumer's queue (``x-queue-type``, ...).

    Returns:
        The names of what was declared.

    Raises:
        ValueError: If a name is empty or a binding pattern is empty.
    """
    topology, _, _ = await declare_queues(
        channel, exchange=exchange, queue=queue, bindings=bindings, arguments=queue_arguments
    )
    return topology


async def declare_queues(
    channel: AbstractChannel,
    *,
    exchange: str,
    queue: str,
    bindings: Sequence[str],
    arguments: Mapping[str, str | int | bool] | None,
) -> tuple[Topology, AbstractQueue, AbstractExchange]:
    """Declare what ``declare_topology`` declares.

    Returns:
        The names, the consumer's queue and the dead-letter exchange.

    Raises:
        ValueError: If a name is empty or a binding pattern is empty.
    """
    topology = Topology.of(exchange=exchange, queue=queue)
    if isinstance(bindings, str) or not all(bindings):
        msg = "bindings are a sequence of non-empty routing-key patterns, such as ['jobs.*']"
        raise ValueError(msg)
    events = await declare_event_exchange(channel, topology.exchange)
    dead = await channel.declare_exchange(topology.dead_exchange, ExchangeType.FANOUT, durable=True)
    dead_queue = await channel.declare_queue(topology.dead_queue, durable=True)
    await dead_queue.bind(dead, routing_key="")
    # Expired messages go back to the consumer's queue alone, not to every queue bound to
    # the event type: the default exchange routes by queue name.
    await channel.declare_queue(
        topology.retry_queue,
        durable=True,
        arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": topology.queue},
    )
    main = await channel.declare_queue(
        topology.queue,
        durable=True,
        arguments={**(arguments or {}), "x-dead-letter-exchange": topology.dead_exchange},
    )
    for pattern in bindings:
        await main.bind(events, routing_key=pattern)
    return topology, main, dead
