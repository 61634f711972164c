"""The consumer's policy and attempt counting, and confirms that end in a cancellation or late."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

import pytest

from creativeflow_shared.application import OutboxMessage
from creativeflow_shared.domain import uuid7
from creativeflow_shared.infrastructure.rabbitmq import (
    ATTEMPTS_HEADER,
    ConsumerPolicy,
    RabbitMQPublisher,
)
from creativeflow_shared.infrastructure.rabbitmq._confirms import publish_confirmed
from creativeflow_shared.infrastructure.rabbitmq._consumer import _attempts

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractMessage


def test_the_delay_doubles_with_each_attempt_up_to_the_longest() -> None:
    policy = ConsumerPolicy(retry_delay=timedelta(seconds=1), max_retry_delay=timedelta(seconds=5))

    delays = [policy.delay(attempts).total_seconds() for attempts in (0, 1, 2, 3, 4, 5000)]

    assert delays == [1.0, 1.0, 2.0, 4.0, 5.0, 5.0]


@pytest.mark.parametrize(
    "settings",
    [
        {"prefetch": 0},
        {"max_attempts": 0},
        {"retry_delay": timedelta(0)},
        {"publish_timeout": 0.0},
        {"retry_delay": timedelta(seconds=2), "max_retry_delay": timedelta(seconds=1)},
    ],
    ids=["prefetch", "max_attempts", "retry_delay", "publish_timeout", "max below first"],
)
def test_the_policy_refuses_settings_no_consumer_can_work_with(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        ConsumerPolicy(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 0),
        ({ATTEMPTS_HEADER: 2}, 2),
        ({ATTEMPTS_HEADER: -1}, 0),
        ({ATTEMPTS_HEADER: "2"}, 0),
        ({ATTEMPTS_HEADER: True}, 0),
    ],
)
def test_a_missing_or_garbled_attempts_header_counts_none(
    headers: dict[str, object], expected: int
) -> None:
    assert _attempts(headers) == expected


class _HangingExchange:
    """Publishes nothing and never answers, or is cancelled under its caller.

    Through aio-pika's ``publish`` or, as the publisher sends, its channel's ``basic_publish``.
    """

    def __init__(self, *, cancel_inside: bool) -> None:
        self.cancel_inside = cancel_inside

    async def get_underlay_channel(self) -> _HangingExchange:
        return self

    async def basic_publish(self, *args: object, **kwargs: object) -> None:
        await self.publish()

    async def publish(
        self,
        *args: object,
        timeout: float | None = None,  # noqa: ASYNC109 (aio-pika's signature, which it fakes)
        **kwargs: object,
    ) -> None:
        if self.cancel_inside:
            raise asyncio.CancelledError
        await asyncio.wait_for(asyncio.Event().wait(), timeout)  # as aio-pika bounds the wait


def _exchange(*, cancel_inside: bool) -> AbstractExchange:
    return cast("AbstractExchange", _HangingExchange(cancel_inside=cancel_inside))


@pytest.mark.asyncio
async def test_a_confirm_cancelled_by_the_closing_channel_is_a_failure() -> None:
    message = cast("AbstractMessage", object())

    reason = await publish_confirmed(_exchange(cancel_inside=True), message, "k", within=1)

    assert reason == "not sent: the channel closed before the broker confirmed it"


@pytest.mark.asyncio
async def test_a_confirm_that_does_not_come_in_time_is_a_failure() -> None:
    message = cast("AbstractMessage", object())

    reason = await publish_confirmed(_exchange(cancel_inside=False), message, "k", within=0.01)

    assert reason == "no confirm from the broker within 0.01 s"


@pytest.mark.asyncio
async def test_cancelling_the_publisher_itself_still_cancels_it() -> None:
    message = cast("AbstractMessage", object())
    task = asyncio.create_task(
        publish_confirmed(_exchange(cancel_inside=False), message, "k", within=60)
    )
    await asyncio.sleep(0)  # let it start waiting

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.asyncio
async def test_cancelling_a_publication_cancels_every_message_it_was_waiting_for() -> None:
    publisher = RabbitMQPublisher("amqp://127.0.0.1/", exchange="events", source="/j")
    hanging = _HangingExchange(cancel_inside=False)  # connected to a broker that hangs
    publisher._channel = cast("AbstractChannel", hanging)
    publisher._exchange = cast("AbstractExchange", hanging)
    messages = [_outbox_message(), _outbox_message()]
    task = asyncio.create_task(publisher.publish(messages))
    await asyncio.sleep(0.01)  # let it send and wait
    assert len(asyncio.all_tasks()) == 4  # this test, the publication and its two messages

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)  # the cancelled sends end
    assert asyncio.all_tasks() == {asyncio.current_task()}


def _outbox_message() -> OutboxMessage:
    return OutboxMessage(
        id=uuid7(),
        aggregate_type="Job",
        aggregate_id="job-1",
        aggregate_version=1,
        event_type="JobStepped",
        schema_version=1,
        payload={},
        headers={},
        occurred_at=datetime.now(UTC),
    )
