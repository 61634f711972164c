"""The RabbitMQ adapter (extra ``rabbitmq``, on aio-pika): publish events and consume them.

* ``RabbitMQPublisher`` is the outbox relay's ``EventPublisher``: CloudEvents in AMQP binary
  mode to a durable topic exchange, routed by event type, each message confirmed by the
  broker, an unroutable one a failure;
* ``declare_topology`` declares the exchange and, for each consumer, its queue, a retry
  queue and a dead-letter exchange and queue (``Topology`` names them);
* ``RabbitMQConsumer`` handles each event in its request context, acknowledges it after the
  handler's unit of work committed, retries a failing one with a delay (``ConsumerPolicy``),
  and dead-letters what cannot be read or fails too often.

Install it with ``pip install 'creativeflow-shared-backend[rabbitmq]'``; importing this package
without aio-pika raises a ``ModuleNotFoundError`` that says so.
"""

# First: without aio-pika, the error names the extra that installs it.
from creativeflow_shared.infrastructure.rabbitmq import _extra  # noqa: F401  # pyright: ignore[reportUnusedImport]
from creativeflow_shared.infrastructure.rabbitmq._consumer import MessageHandler, RabbitMQConsumer
from creativeflow_shared.infrastructure.rabbitmq._consumer_policy import (
    ATTEMPTS_HEADER,
    LAST_ERROR_HEADER,
    ConsumerCounters,
    ConsumerPolicy,
)
from creativeflow_shared.infrastructure.rabbitmq._publisher import RabbitMQPublisher
from creativeflow_shared.infrastructure.rabbitmq._topology import Topology, declare_topology

__all__ = [
    "ATTEMPTS_HEADER",
    "LAST_ERROR_HEADER",
    "ConsumerCounters",
    "ConsumerPolicy",
    "MessageHandler",
    "RabbitMQConsumer",
    "RabbitMQPublisher",
    "Topology",
    "declare_topology",
]
