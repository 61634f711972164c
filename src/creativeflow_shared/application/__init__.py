"""The application layer: repositories, units of work, the message bus, the request context.

This is what service authors use. It orchestrates the domain and never imports SQLAlchemy,
drivers or web frameworks; the ports that storage adapters implement, and what they read,
are in ``creativeflow_shared.application.ports``, for adapter writers.
"""

from creativeflow_shared.application._async_repository import AsyncRepository
from creativeflow_shared.application._async_unit_of_work import AsyncUnitOfWork
from creativeflow_shared.application._command import Command, CommandClass
from creativeflow_shared.application._context import (
    TENANT_ID_MAX_LENGTH,
    RequestContext,
    current_context,
    use_context,
)
from creativeflow_shared.application._documents import (
    DocumentRepository,
    JsonKind,
    ProjectionRequest,
    json_kind,
    project,
)
from creativeflow_shared.application._envelope import AMQPMessage, CloudEventEnvelope
from creativeflow_shared.application._inbox import (
    INBOX_KEY_MAX_LENGTH,
    INBOX_RESOURCE,
    is_duplicate,
)
from creativeflow_shared.application._message_bus import AsyncMessageBus, ErrorHook, MessageBus
from creativeflow_shared.application._outbox import OUTBOX_NAME_MAX_LENGTH, OutboxMessage
from creativeflow_shared.application._pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CursorPage,
    Page,
    decode_cursor,
    encode_cursor,
)
from creativeflow_shared.application._queries import MAX_COMPARED_VALUES
from creativeflow_shared.application._relay import (
    RELAY_ID_MAX_LENGTH,
    OutboxRelay,
    RelayCounters,
    RelayPolicy,
)
from creativeflow_shared.application._repository import Repository
from creativeflow_shared.application._retry import retry, retry_async
from creativeflow_shared.application._storable import storable, unstorable_fields
from creativeflow_shared.application._tracing import current_trace
from creativeflow_shared.application._unit_of_work import CommitError, UnitOfWork

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "INBOX_KEY_MAX_LENGTH",
    "INBOX_RESOURCE",
    "MAX_COMPARED_VALUES",
    "MAX_PAGE_SIZE",
    "OUTBOX_NAME_MAX_LENGTH",
    "RELAY_ID_MAX_LENGTH",
    "TENANT_ID_MAX_LENGTH",
    "AMQPMessage",
    "AsyncMessageBus",
    "AsyncRepository",
    "AsyncUnitOfWork",
    "CloudEventEnvelope",
    "Command",
    "CommandClass",
    "CommitError",
    "CursorPage",
    "DocumentRepository",
    "ErrorHook",
    "JsonKind",
    "MessageBus",
    "OutboxMessage",
    "OutboxRelay",
    "Page",
    "ProjectionRequest",
    "RelayCounters",
    "RelayPolicy",
    "Repository",
    "RequestContext",
    "UnitOfWork",
    "current_context",
    "current_trace",
    "decode_cursor",
    "encode_cursor",
    "is_duplicate",
    "json_kind",
    "project",
    "retry",
    "retry_async",
    "storable",
    "unstorable_fields",
    "use_context",
]
