"""The RabbitMQ consumer against the real broker: ack after commit, retries, dead letters."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import TYPE_CHECKING, cast

import aio_pika
import pytest
from returns.result import Failure, Success
from tests.integration.rabbitmq._broker import ready_count, take, wait_until

from creativeflow_shared.application import OutboxMessage, current_context
from creativeflow_shared.domain import utc_now, uuid7
from creativeflow_shared.infrastructure.rabbitmq import (
    ATTEMPTS_HEADER,
    LAST_ERROR_HEADER,
    ConsumerPolicy,
    RabbitMQConsumer,
    RabbitMQPublisher,
)

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractConnection
    from returns.result import Result
    from tests.integration.rabbitmq.conftest import Names

    from creativeflow_shared.application import CloudEventEnvelope, RequestContext
    from creativeflow_shared.infrastructure.rabbitmq import MessageHandler

_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
_DELAY = timedelta(seconds=0.2)
_FAST = ConsumerPolicy(prefetch=4, max_attempts=3, retry_delay=_DELAY, publish_timeout=5)


def _message(number: int = 1) -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="job",
        aggregate_id=f"job-{number}",
        aggregate_version=1,
        event_type="jobs.job_started",
        schema_version=1,
        payload={"number": number},
        headers={"correlation_id": "flow-7", "traceparent": _TRACEPARENT},
        occurred_at=utc_now(),
    )


async def _publish(url: str, names: Names, *messages: OutboxMessage) -> None:
    async with RabbitMQPublisher(url, exchange=names.exchange, source="/jobs") as publisher:
        outcome = await publisher.publish(messages)
    assert outcome.confirmed == {message.id for message in messages}


class _Recorder:
    """A handler that records what it saw, and fails its first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[CloudEventEnvelope, RequestContext, float]] = []

    async def __call__(self, envelope: CloudEventEnvelope) -> None:
        self.calls.append((envelope, current_context(), time.monotonic()))
        if len(self.calls) <= self.failures:
            msg = f"boom {len(self.calls)}"
            raise RuntimeError(msg)


def _consumer(
    connection: AbstractConnection | str,
    names: Names,
    handler: MessageHandler,
    policy: ConsumerPolicy = _FAST,
) -> RabbitMQConsumer:
    return RabbitMQConsumer(
        connection,
        exchange=names.exchange,
        queue=names.queue,
        bindings=["jobs.*"],
        handler=handler,
        policy=policy,
    )


# -- handled ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_handled_event_runs_in_its_producers_context_and_is_acknowledged(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    handler = _Recorder()
    sent = _message()

    async with _consumer(rabbitmq_url, names, handler) as consumer:
        await _publish(rabbitmq_url, names, sent)
        await wait_until(lambda: consumer.counters.handled == 1)

    [(envelope, context, _)] = handler.calls
    assert envelope.id == str(sent.id)
    assert envelope.data == {"number": 1}
    assert context.correlation_id == "flow-7"
    assert context.causation_id == str(sent.id)
    assert context.traceparent == _TRACEPARENT
    assert await ready_count(channel, names.queue) == 0  # acknowledged, not returned on close
    assert await ready_count(channel, f"{names.queue}.dead") == 0


@pytest.mark.asyncio
async def test_the_acknowledgement_waits_for_the_handler_to_return(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(envelope: CloudEventEnvelope) -> None:
        started.set()
        await release.wait()

    connection = await aio_pika.connect(rabbitmq_url)
    consumer = _consumer(connection, names, slow)
    await consumer.start()
    await _publish(rabbitmq_url, names, _message())
    await started.wait()

    await connection.close()  # the process dies while the handler's transaction is open
    release.set()
    await consumer.stop()

    # Never acknowledged: the broker has it again, for the next consumer.
    assert await ready_count(channel, names.queue) == 1
    assert (consumer.counters.handled, consumer.counters.unsettled) == (0, 1)


@pytest.mark.asyncio
async def test_consumers_handle_messages_concurrently_up_to_the_prefetch(
    rabbitmq_url: str, names: Names
) -> None:
    running, most, release = 0, 0, asyncio.Event()

    async def track(envelope: CloudEventEnvelope) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1

    async with _consumer(rabbitmq_url, names, track) as consumer:
        await _publish(rabbitmq_url, names, *(_message(n) for n in range(6)))
        await wait_until(lambda: most == _FAST.prefetch)
        release.set()
        await wait_until(lambda: consumer.counters.handled == 6)

    assert most == _FAST.prefetch


# -- retried and dead-lettered ----------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_failing_message_comes_back_after_the_delay_and_then_succeeds(
    rabbitmq_url: str, names: Names
) -> None:
    handler = _Recorder(failures=1)

    async with _consumer(rabbitmq_url, names, handler) as consumer:
        await _publish(rabbitmq_url, names, _message())
        await wait_until(lambda: consumer.counters.handled == 1)

    first, second = handler.calls
    assert first[0] == second[0]
    assert second[2] - first[2] >= _DELAY.total_seconds()
    assert (consumer.counters.retried, consumer.counters.dead_lettered) == (1, 0)


@pytest.mark.asyncio
async def test_a_message_that_keeps_failing_lands_in_the_dead_letter_queue_with_its_last_error(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    handler = _Recorder(failures=100)
    sent = _message()

    async with _consumer(rabbitmq_url, names, handler) as consumer:
        await _publish(rabbitmq_url, names, sent)
        [dead] = await take(channel, f"{names.queue}.dead", 1)

    assert len(handler.calls) == _FAST.max_attempts
    delays = [b[2] - a[2] for a, b in zip(handler.calls, handler.calls[1:], strict=False)]
    assert delays[0] >= _DELAY.total_seconds()
    assert delays[1] >= 2 * _DELAY.total_seconds()  # the delay doubles
    assert dead.message_id == str(sent.id)
    assert dead.headers[ATTEMPTS_HEADER] == 3
    assert dead.headers[LAST_ERROR_HEADER] == "RuntimeError: boom 3"
    assert dead.headers["cloudEvents_id"] == str(sent.id)
    assert (consumer.counters.retried, consumer.counters.dead_lettered) == (2, 1)
    assert await ready_count(channel, names.queue) == 0


@pytest.mark.asyncio
async def test_a_handler_that_returns_a_failure_is_retried_like_one_that_raises(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    answers: list[Result[None, str]] = [Failure("conflict"), Success(None)]

    async def answer(envelope: CloudEventEnvelope) -> Result[None, str]:
        return answers.pop(0)

    async with _consumer(rabbitmq_url, names, answer) as consumer:
        await _publish(rabbitmq_url, names, _message())
        await wait_until(lambda: consumer.counters.handled == 1)

    assert answers == []
    assert consumer.counters.retried == 1


@pytest.mark.asyncio
async def test_with_one_attempt_a_failure_goes_to_the_dead_letters_at_once(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    async def refuse(envelope: CloudEventEnvelope) -> Result[None, str]:
        return Failure("not for us")

    policy = ConsumerPolicy(max_attempts=1)
    async with _consumer(rabbitmq_url, names, refuse, policy) as consumer:
        await _publish(rabbitmq_url, names, _message())
        [dead] = await take(channel, f"{names.queue}.dead", 1)

    assert dead.headers[LAST_ERROR_HEADER] == "Failure: not for us"
    assert dead.headers[ATTEMPTS_HEADER] == 1
    assert consumer.counters.dead_lettered == 1


@pytest.mark.asyncio
async def test_a_message_that_is_not_an_event_goes_to_the_dead_letters_at_once(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    handler = _Recorder()

    async with _consumer(rabbitmq_url, names, handler) as consumer:
        exchange = await channel.get_exchange(names.exchange)
        await exchange.publish(aio_pika.Message(b"garbage", message_id="x"), "jobs.garbage")
        [dead] = await take(channel, f"{names.queue}.dead", 1)

    assert dead.body == b"garbage"
    [death] = cast("list[dict[str, object]]", dead.headers["x-death"])
    assert death["reason"] == "rejected"
    assert handler.calls == []
    assert consumer.counters.dead_lettered == 1


@pytest.mark.asyncio
async def test_a_failure_that_cannot_wait_for_a_retry_is_dead_lettered_by_the_broker(
    rabbitmq_url: str, names: Names, channel: AbstractChannel
) -> None:
    handler = _Recorder(failures=1)

    async with _consumer(rabbitmq_url, names, handler) as consumer:
        await channel.queue_delete(f"{names.queue}.retry")  # the retry route is gone
        await _publish(rabbitmq_url, names, _message())
        [dead] = await take(channel, f"{names.queue}.dead", 1)

    assert ATTEMPTS_HEADER not in dead.headers  # the original, rejected
    assert consumer.counters.dead_lettered == 1
    assert len(handler.calls) == 1


# -- lifecycle --------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_stop_lets_the_messages_in_hand_finish(rabbitmq_url: str, names: Names) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def slow(envelope: CloudEventEnvelope) -> None:
        started.set()
        await release.wait()
        finished.append(envelope.id)

    stop = asyncio.Event()
    consumer = _consumer(rabbitmq_url, names, slow)
    running = asyncio.create_task(consumer.run(stop))
    await wait_until(lambda: consumer._tag is not None)
    await _publish(rabbitmq_url, names, _message())
    await started.wait()

    stop.set()
    await wait_until(lambda: consumer._tag is None)  # stopping, with the handler still waiting
    release.set()
    await running

    assert len(finished) == 1
    assert consumer.counters.handled == 1


@pytest.mark.asyncio
async def test_a_consumer_starts_once_and_stops_any_number_of_times(
    rabbitmq_url: str, names: Names
) -> None:
    async with _consumer(rabbitmq_url, names, _Recorder()) as consumer:
        with pytest.raises(RuntimeError, match="already consuming"):
            await consumer.start()

    await consumer.stop()

    assert (consumer._tag, consumer._channel) == (None, None)
