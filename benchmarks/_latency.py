"""A TCP proxy on loopback that adds network latency, and a round-trip counter built on it.

Every chunk of bytes is forwarded ``delay / 2`` after it arrived, in each direction, so one
round trip (the client sends, then waits for the answer) costs ``delay`` more than on a direct
connection; chunks sent back to back (a pipeline) are not delayed one after the other. Timing
an operation through a proxy with no delay and through one with a large delay then *counts*
its round trips: ``(slow - fast) / delay``, which no noise of a few milliseconds can change.
"""

from __future__ import annotations

import queue
import socket
import statistics
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

__all__ = ["LatencyProxy", "count_round_trips"]

_CHUNK = 65536


class LatencyProxy:
    """Forwards connections on ``127.0.0.1:port`` to ``target``, ``delay`` seconds per round trip.

    Attributes:
        port: The local port clients connect to.
        delay: The round-trip time it adds, in seconds.
    """

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        """Listen on a free local port; each connection is forwarded to ``target``."""
        self.delay = delay
        self._target = target
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, name="latency-proxy", daemon=True).start()

    def close(self) -> None:
        """Stop accepting connections (those open end when their peers close them)."""
        self._closed = True
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for source, sink in ((client, upstream), (upstream, client)):
                chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()
                threading.Thread(target=self._read, args=(source, chunks), daemon=True).start()
                threading.Thread(target=self._write, args=(sink, chunks), daemon=True).start()

    def _read(self, source: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            try:
                data = source.recv(_CHUNK)
            except OSError:
                data = b""
            chunks.put((time.perf_counter() + self.delay / 2, data))
            if not data:
                return

    @staticmethod
    def _write(sink: socket.socket, chunks: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            due, data = chunks.get()
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return


def count_round_trips(
    operation: Callable[[int], AbstractContextManager[Callable[[], object]]],
    *,
    target: tuple[str, int] = ("127.0.0.1", 5432),
    delay: float = 0.05,
    repeats: int = 5,
) -> float:
    """Return how many round trips one call of the operation waits for.

    ``operation(port)`` is a context manager that sets the operation up against a server
    reached through ``port`` (and tears it down) and gives the call to time. It is timed
    (median of ``repeats``, after two warm-up calls) through a proxy without delay and through
    one adding ``delay`` per round trip.
    """
    medians: list[float] = []
    for added in (0.0, delay):
        proxy = LatencyProxy(target, added)
        try:
            with operation(proxy.port) as call:
                medians.append(_median_time(call, repeats))
        finally:
            proxy.close()
    fast, slow = medians
    return (slow - fast) / delay


def _median_time(call: Callable[[], object], repeats: int) -> float:
    call()
    call()
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
