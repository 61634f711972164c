"""Publishing one message and waiting for the broker's answer, as a failure reason or none."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

from aiormq.exceptions import AMQPError, ChannelInvalidStateError, DeliveryError, PublishError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aio_pika.abc import AbstractExchange, AbstractMessage

__all__ = ["BROKER_FAULTS", "confirmed", "publish_confirmed"]

#: What a publication, an acknowledgement or a declaration raises when the broker or the
#: connection fails (a closed channel, a lost connection, a timeout), as opposed to a bug.
BROKER_FAULTS: Final = (AMQPError, ChannelInvalidStateError, OSError, TimeoutError)


async def publish_confirmed(
    exchange: AbstractExchange, message: AbstractMessage, routing_key: str, *, within: float
) -> str | None:
    """Publish ``message`` as mandatory and wait at most ``within`` seconds for the confirm.

    The channel must have publisher confirms on and ``on_return_raises``, so that a returned
    (unroutable) message raises instead of passing for a confirmed one.

    Returns:
        ``None`` when the broker confirmed the message, or why it did not (see ``confirmed``).
    """
    reason = await confirmed(
        lambda: exchange.publish(message, routing_key, mandatory=True, timeout=within)
    )
    if reason == _LATE:
        return f"no confirm from the broker within {within:g} s"
    return reason


async def confirmed(publish: Callable[[], Awaitable[object]]) -> str | None:
    """Run ``publish`` (a mandatory publication with confirms) and say why it failed, if it did.

    Returns:
        ``None`` when the broker confirmed the message, or why it did not: returned as
        unroutable, refused (``basic.nack``), not answered in time (``TimeoutError``), or the
        channel or connection failed.
    """
    try:
        await publish()
    except PublishError as returned:
        return f"unroutable: {returned}"
    except DeliveryError:
        return "refused: the broker did not confirm it (basic.nack)"
    except TimeoutError:
        return _LATE
    except BROKER_FAULTS as fault:
        return f"not sent: {type(fault).__name__}: {fault}".rstrip(": ")
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # the caller is being cancelled: let it end
        # The channel closed under the publication and cancelled its confirm.
        return "not sent: the channel closed before the broker confirmed it"
    return None


_LATE: Final = "no confirm from the broker in time"
