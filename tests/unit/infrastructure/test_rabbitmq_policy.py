"""The consumer's policy and attempt counting, and confirms that end in a cancellation."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, cast

import pytest

from creativeflow_shared.infrastructure.rabbitmq import ATTEMPTS_HEADER, ConsumerPolicy
from creativeflow_shared.infrastructure.rabbitmq._confirms import publish_confirmed
from creativeflow_shared.infrastructure.rabbitmq._consumer import _attempts

if TYPE_CHECKING:
    from aio_pika.abc import AbstractExchange, AbstractMessage


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
    """Publishes nothing and never answers, or is cancelled under its caller."""

    def __init__(self, *, cancel_inside: bool) -> None:
        self.cancel_inside = cancel_inside

    async def publish(self, *args: object, **kwargs: object) -> None:
        if self.cancel_inside:
            raise asyncio.CancelledError
        await asyncio.Event().wait()


def _exchange(*, cancel_inside: bool) -> AbstractExchange:
    return cast("AbstractExchange", _HangingExchange(cancel_inside=cancel_inside))


@pytest.mark.asyncio
async def test_a_confirm_cancelled_by_the_closing_channel_is_a_failure() -> None:
    message = cast("AbstractMessage", object())

    reason = await publish_confirmed(_exchange(cancel_inside=True), message, "k", within=1)

    assert reason == "not sent: the channel closed before the broker confirmed it"


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
