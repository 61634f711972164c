"""The consumer process of the end-to-end test: RabbitMQ → the bus → the inbox, on PostgreSQL.

Run as ``python -m tests.integration.e2e._consumer DATABASE_URL BROKER_URL EXCHANGE QUEUE``
from the repository root; it consumes until SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from returns.result import Failure, Result
from sqlalchemy.ext.asyncio import create_async_engine
from tests.integration.e2e._model import METADATA, JobFinished, Receipt, ReceiptId, Receipts

from creativeflow_shared.application import (
    AsyncMessageBus,
    AsyncUnitOfWork,
    CloudEventEnvelope,
    CommitError,
    current_context,
)
from creativeflow_shared.infrastructure.rabbitmq import ConsumerPolicy, RabbitMQConsumer
from creativeflow_shared.infrastructure.sqlalchemy import AsyncSQLAlchemyUnitOfWork


async def record_receipt(event: JobFinished, uow: AsyncUnitOfWork) -> Result[None, CommitError]:
    """The consumer's effect, in its unit of work: a receipt with the flow's context."""
    context = current_context()
    async with uow:
        receipt = Receipt(
            id=ReceiptId.new(),
            job=event.job,
            correlation_id=context.correlation_id,
            traceparent=context.traceparent,
        )
        uow.repository(Receipts).add(receipt)
        return await uow.commit()


async def consume(database_url: str, broker_url: str, exchange: str, queue: str) -> None:
    """Consume until SIGTERM."""
    engine = create_async_engine(database_url)
    bus = AsyncMessageBus(lambda: AsyncSQLAlchemyUnitOfWork(engine, METADATA))
    bus.subscribe(JobFinished, record_receipt)

    async def handle(envelope: CloudEventEnvelope) -> None:
        event = envelope.event()
        if isinstance(event, Failure):
            raise TypeError(str(event.failure()))
        await bus.receive(event.unwrap(), message_id=envelope.id, consumer="e2e-receipts")

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    policy = ConsumerPolicy(prefetch=20, max_attempts=3)
    consumer = RabbitMQConsumer(
        broker_url,
        exchange=exchange,
        queue=queue,
        bindings=["e2e.#"],
        handler=handle,
        policy=policy,
    )
    async with consumer:
        sys.stdout.write("consuming\n")
        sys.stdout.flush()
        await stop.wait()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(consume(*sys.argv[1:5]))
