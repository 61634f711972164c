"""The relay command: ``run`` the relay, or list, replay and purge what the outbox holds.

``run`` relays until SIGTERM or SIGINT, then finishes (or releases) the batch in hand and
exits 0; it logs a progress record with the counters and the outbox's lag every
``--stats-every`` seconds. The other commands print JSON on standard output for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import MetaData, create_engine

from creativeflow_shared.application import OutboxRelay
from creativeflow_shared.domain import SystemClock
from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyRelayStore, outbox_table
from creativeflow_shared.relay._logs import JsonLogFormatter
from creativeflow_shared.relay._settings import RelaySettings, add_arguments

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping, Sequence

    from creativeflow_shared.infrastructure.rabbitmq import RabbitMQPublisher

__all__ = ["main"]

_log = logging.getLogger("creativeflow_shared.relay")


def main(arguments: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the command line ``arguments`` (``sys.argv`` by default); return the exit status."""
    parser = _parser(os.environ if environ is None else environ)
    parsed = parser.parse_args(arguments)
    try:
        settings = RelaySettings.from_arguments(parsed)
    except ValueError as error:
        parser.error(str(error))
    if parsed.command == "run" and settings.broker_url is None:
        parser.error("run needs --broker-url (or CREATIVEFLOW_BROKER_URL)")
    with _logging(settings):
        return asyncio.run(_COMMANDS[parsed.command](settings, parsed))


def _parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="creativeflow-relay",
        description="Relay a service's outbox to RabbitMQ, or operate the outbox.",
    )
    add_arguments(parser, environ)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="relay until SIGTERM/SIGINT")
    listing = commands.add_parser("dead-letters", help="list dead-lettered messages (JSON)")
    listing.add_argument("--limit", type=int, default=100)
    replay = commands.add_parser("replay", help="make dead-lettered messages due again")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true")
    which.add_argument("--id", action="append", type=UUID, dest="ids")
    purge = commands.add_parser("purge", help="delete messages published long ago")
    purge.add_argument("--older-than-days", type=float, required=True)
    commands.add_parser("stats", help="pending and dead counts, and the lag (JSON)")
    return parser


@contextlib.contextmanager
def _logging(settings: RelaySettings) -> Generator[None]:
    """Log INFO and above to standard error while the command runs (JSON lines by default)."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@contextlib.contextmanager
def _store(settings: RelaySettings) -> Generator[SQLAlchemyRelayStore]:
    engine = create_engine(settings.database_url)
    try:
        yield SQLAlchemyRelayStore(engine, outbox_table(MetaData(), name=settings.outbox_table))
    finally:
        engine.dispose()


def _publisher(settings: RelaySettings) -> RabbitMQPublisher:
    from creativeflow_shared.infrastructure.rabbitmq import (  # noqa: PLC0415 (run's extra only)
        RabbitMQPublisher,
    )

    url = settings.broker_url or ""  # main refuses `run` without one
    return RabbitMQPublisher(url, exchange=settings.exchange, source=settings.source)


async def _run(settings: RelaySettings, _parsed: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with _store(settings) as store:
        publisher = _publisher(settings)
        relay = OutboxRelay(store, publisher, policy=settings.policy, relay_id=settings.relay_id)
        async with publisher:
            reporter = asyncio.create_task(_report(relay, store, settings.stats_every, stop))
            try:
                await relay.run(stop)
            finally:
                stop.set()
                await reporter
    return 0


async def _report(
    relay: OutboxRelay, store: SQLAlchemyRelayStore, every: float, stop: asyncio.Event
) -> None:
    """Log the counters and the outbox's lag every ``every`` seconds, and once at the end."""
    clock = SystemClock()
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        try:
            stats = await store.stats()
        except Exception:  # noqa: BLE001 (a progress record must not stop the relay)
            _log.warning("relay progress: the outbox could not be read", exc_info=True)
        else:
            _log.info(
                "relay progress",
                extra={
                    "relay_id": relay.relay_id,
                    **relay.counters.as_dict(),
                    "pending": stats.pending,
                    "dead_letters": stats.dead,
                    "lag_seconds": round(stats.lag_seconds(clock.now()), 3),
                },
            )
        if stop.is_set():
            return


async def _dead_letters(settings: RelaySettings, parsed: argparse.Namespace) -> int:
    with _store(settings) as store:
        letters = await store.dead_letters(limit=parsed.limit)
    for letter in letters:
        message = letter.message
        _print(
            {
                "id": str(message.id),
                "aggregate_type": message.aggregate_type,
                "aggregate_id": message.aggregate_id,
                "aggregate_version": message.aggregate_version,
                "event_type": message.event_type,
                "occurred_at": message.occurred_at.isoformat(),
                "attempts": letter.attempts,
                "last_error": letter.last_error,
            }
        )
    return 0


async def _replay(settings: RelaySettings, parsed: argparse.Namespace) -> int:
    ids = None if parsed.all else parsed.ids
    with _store(settings) as store:
        replayed = await store.replay(ids, now=SystemClock().now())
    _print({"replayed": replayed})
    return 0


async def _purge(settings: RelaySettings, parsed: argparse.Namespace) -> int:
    before = SystemClock().now() - timedelta(days=parsed.older_than_days)
    with _store(settings) as store:
        _print({"purged": await store.purge(published_before=before)})
    return 0


async def _stats(settings: RelaySettings, _parsed: argparse.Namespace) -> int:
    with _store(settings) as store:
        stats = await store.stats()
    lag = stats.lag_seconds(SystemClock().now())
    _print({"pending": stats.pending, "dead": stats.dead, "lag_seconds": round(lag, 3)})
    return 0


def _print(document: object) -> None:
    sys.stdout.write(json.dumps(document) + "\n")


_COMMANDS = {
    "run": _run,
    "dead-letters": _dead_letters,
    "replay": _replay,
    "purge": _purge,
    "stats": _stats,
}
