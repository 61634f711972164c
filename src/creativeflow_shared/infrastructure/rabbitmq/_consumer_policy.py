"""How a RabbitMQ consumer takes messages in, retries them, and gives up on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

__all__ = ["ATTEMPTS_HEADER", "LAST_ERROR_HEADER", "ConsumerCounters", "ConsumerPolicy"]

#: The header that counts a message's failed attempts (absent before the first failure).
ATTEMPTS_HEADER: Final = "creativeflow-attempts"
#: The header that says why the last attempt failed (the exception's type and text).
LAST_ERROR_HEADER: Final = "creativeflow-last-error"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerPolicy:
    """How many messages a consumer handles at once, and how it retries a failing one.

    Attributes:
        prefetch: The most unacknowledged messages the broker hands the consumer at once;
            they are handled concurrently. ``1`` handles one message at a time, in queue
            order.
        max_attempts: Attempts after which a failing message goes to the dead-letter
            queue (``1`` dead-letters at the first failure).
        retry_delay: How long a message waits after its first failure; each further
            failure doubles it.
        max_retry_delay: The longest wait between two attempts.
        publish_timeout: Seconds to wait for the broker's confirm when a message is moved
            to the retry or the dead-letter queue.

    Raises:
        ValueError: If a count or duration is not positive, or ``max_retry_delay`` is
            shorter than ``retry_delay``.

    Examples:
        >>> policy = ConsumerPolicy(retry_delay=timedelta(seconds=1), max_attempts=4)
        >>> [policy.delay(attempts).total_seconds() for attempts in (1, 2, 3)]
        [1.0, 2.0, 4.0]
    """

    prefetch: int = 10
    max_attempts: int = 5
    retry_delay: timedelta = timedelta(seconds=1)
    max_retry_delay: timedelta = timedelta(minutes=5)
    publish_timeout: float = 10.0

    def __post_init__(self) -> None:
        """Refuse settings no consumer can work with."""
        if self.prefetch < 1 or self.max_attempts < 1:
            msg = "prefetch and max_attempts must be at least 1"
            raise ValueError(msg)
        if self.retry_delay <= timedelta(0) or self.publish_timeout <= 0:
            msg = "retry_delay and publish_timeout must be positive"
            raise ValueError(msg)
        if self.max_retry_delay < self.retry_delay:
            msg = "max_retry_delay must not be shorter than retry_delay"
            raise ValueError(msg)

    def delay(self, attempts: int) -> timedelta:
        """How long a message that has failed ``attempts`` times waits before the next one."""
        doubled = self.retry_delay.total_seconds() * 2.0 ** min(max(attempts, 1) - 1, 1000)
        return timedelta(seconds=min(doubled, self.max_retry_delay.total_seconds()))


@dataclass(slots=True)
class ConsumerCounters:
    """What a consumer has done since it started: counters an operator scrapes or logs.

    Attributes:
        handled: Messages whose handler returned, acknowledged.
        retried: Failed messages sent to wait for another attempt.
        dead_lettered: Messages sent to the dead-letter queue (unreadable or failed too
            often).
        unsettled: Messages whose acknowledgement could not be sent (the channel closed):
            the broker delivers them again, and the inbox absorbs the repeat.
    """

    handled: int = 0
    retried: int = 0
    dead_lettered: int = 0
    unsettled: int = 0
