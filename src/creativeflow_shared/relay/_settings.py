"""What the relay process is configured with: flags, or ``CREATIVEFLOW_*`` variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from creativeflow_shared.application import RelayPolicy

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

__all__ = ["RelaySettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RelaySettings:
    """The relay process's configuration.

    Attributes:
        database_url: The SQLAlchemy URL of the service's database.
        outbox_table: The name of its outbox table.
        broker_url: The AMQP URL of RabbitMQ (``run`` only).
        exchange: The topic exchange events are published to.
        source: The CloudEvents ``source`` of the service's events.
        relay_id: This process's name in the leases it holds (a fresh one by default).
        policy: Batch size, lease and retries.
        stats_every: Seconds between two progress records in the log.
        log_json: Whether log records are JSON lines (else plain text).
    """

    database_url: str
    outbox_table: str = "outbox"
    broker_url: str | None = None
    exchange: str = "events"
    source: str = "/creativeflow"
    relay_id: str | None = None
    policy: RelayPolicy = field(default_factory=RelayPolicy)
    stats_every: float = 30.0
    log_json: bool = True

    @classmethod
    def from_arguments(cls, arguments: argparse.Namespace) -> RelaySettings:
        """The settings parsed by ``add_arguments``' parser.

        Raises:
            ValueError: If a value is out of range (a policy refuses it).
        """
        return cls(
            database_url=arguments.database_url,
            outbox_table=arguments.outbox_table,
            broker_url=arguments.broker_url,
            exchange=arguments.exchange,
            source=arguments.source,
            relay_id=arguments.relay_id,
            policy=RelayPolicy(
                batch_size=arguments.batch_size,
                lease=timedelta(seconds=arguments.lease),
                max_attempts=arguments.max_attempts,
                idle_wait=arguments.idle_wait,
            ),
            stats_every=arguments.stats_every,
            log_json=not arguments.plain_logs,
        )


def add_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Declare the settings as flags whose defaults come from ``CREATIVEFLOW_*`` variables."""

    def env(name: str, default: str | None = None) -> str | None:
        return environ.get(f"CREATIVEFLOW_{name}", default)

    database = env("DATABASE_URL")
    parser.add_argument(
        "--database-url",
        default=database,
        required=database is None,
        help="SQLAlchemy URL of the database (CREATIVEFLOW_DATABASE_URL)",
    )
    parser.add_argument("--outbox-table", default=env("OUTBOX_TABLE", "outbox"))
    parser.add_argument(
        "--broker-url", default=env("BROKER_URL"), help="AMQP URL (CREATIVEFLOW_BROKER_URL)"
    )
    parser.add_argument("--exchange", default=env("EXCHANGE", "events"))
    parser.add_argument("--source", default=env("SOURCE", "/creativeflow"))
    parser.add_argument("--relay-id", default=env("RELAY_ID"))
    # argparse converts a string default with ``type``, and says which flag is wrong.
    parser.add_argument("--batch-size", type=int, default=env("BATCH_SIZE", "100"))
    parser.add_argument("--lease", type=float, default=env("LEASE_SECONDS", "30"))
    parser.add_argument("--max-attempts", type=int, default=env("MAX_ATTEMPTS", "10"))
    parser.add_argument("--idle-wait", type=float, default=env("IDLE_WAIT", "0.5"))
    parser.add_argument("--stats-every", type=float, default=env("STATS_EVERY", "30"))
    parser.add_argument("--plain-logs", action="store_true", help="text logs instead of JSON")
