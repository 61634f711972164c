"""One JSON object per log record: what a log pipeline parses without a pattern."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from typing_extensions import override

__all__ = ["JsonLogFormatter"]

#: The attributes every ``LogRecord`` has: the rest were given with ``extra=``.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonLogFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, and its extras.

    Examples:
        >>> record = logging.makeLogRecord(
        ...     {"name": "creativeflow_shared.relay", "msg": "relay started", "relay_id": "r1"}
        ... )
        >>> document = json.loads(JsonLogFormatter().format(record))
        >>> document["logger"], document["message"], document["relay_id"]
        ('creativeflow_shared.relay', 'relay started', 'r1')
    """

    @override
    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON object on one line."""
        document: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        document |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)
