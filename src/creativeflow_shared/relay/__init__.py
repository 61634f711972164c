"""The outbox relay as a process: ``python -m creativeflow_shared.relay``, ``creativeflow-relay``.

It wires the relay (``OutboxRelay``) to a service's outbox table through SQLAlchemy and to
RabbitMQ, and gives an operator the dead letters (list, replay), purging and the outbox's
stats. Everything is configured by flags or ``CREATIVEFLOW_*`` environment variables; run it
with ``--help``. It needs the ``postgresql`` (or an SQLite driver) and ``rabbitmq`` extras.

``main`` is the command; ``RelaySettings`` what it is configured with; ``JsonLogFormatter``
the one-line JSON log records it writes.
"""

from creativeflow_shared.relay._cli import main
from creativeflow_shared.relay._logs import JsonLogFormatter
from creativeflow_shared.relay._settings import RelaySettings

__all__ = ["JsonLogFormatter", "RelaySettings", "main"]
