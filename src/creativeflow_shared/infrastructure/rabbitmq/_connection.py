"""A connection to RabbitMQ that an adapter was given, or opens (and then closes) itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aio_pika

if TYPE_CHECKING:
    from aio_pika.abc import AbstractConnection

__all__ = ["BrokerConnection"]


class BrokerConnection:
    """A connection given by the caller (theirs to close), or a URL to open a robust one from.

    A connection opened from a URL is a robust one (``aio_pika.connect_robust``): it reconnects
    after the broker restarts and restores the channels, exchanges, queues, bindings and
    consumers declared through it. It is closed by ``close``; a given connection is not.
    """

    def __init__(self, connection: AbstractConnection | str) -> None:
        """Use ``connection``, or open a robust connection to the URL ``connection`` later."""
        self._given = None if isinstance(connection, str) else connection
        self._url = connection if isinstance(connection, str) else None
        self._opened: AbstractConnection | None = None

    async def open(self) -> AbstractConnection:
        """Return the given connection, or open the robust one (once)."""
        if self._given is not None:
            return self._given
        if self._opened is None:
            self._opened = await aio_pika.connect_robust(self._url)
        return self._opened

    async def close(self) -> None:
        """Close the connection this object opened, if any (a given one is left open)."""
        opened, self._opened = self._opened, None
        if opened is not None:
            await opened.close()
