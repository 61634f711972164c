"""The application layer: ports, units of work, request context and tenant isolation.

This layer orchestrates the domain; it defines the ports (storage, outbox) that adapters
implement and never imports SQLAlchemy, drivers or web frameworks.
"""

from creativeflow_shared.application._async_repository import AsyncRepository
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
from creativeflow_shared.application._message_bus import (
    AsyncMessageBus,
    Command,
    ErrorHook,
    MessageBus,
)
from creativeflow_shared.application._outbox import (
    OUTBOX_NAME_MAX_LENGTH,
    OutboxMessage,
    OutboxStore,
)
from creativeflow_shared.application._pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CursorPage,
    Page,
    decode_cursor,
    encode_cursor,
)
from creativeflow_shared.application._repository import (
    MAX_COMPARED_VALUES,
    Projection,
    RecordQuery,
    RecordStore,
    Repository,
    StoredRecord,
    WriteError,
    paths_of,
    set_version,
)
from creativeflow_shared.application._storable import storable, unstorable_fields
from creativeflow_shared.application._unit_of_work import (
    AsyncUnitOfWork,
    CommitError,
    Runner,
    StoreProvider,
    UnitOfWork,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_COMPARED_VALUES",
    "MAX_PAGE_SIZE",
    "OUTBOX_NAME_MAX_LENGTH",
    "TENANT_ID_MAX_LENGTH",
    "AsyncMessageBus",
    "AsyncRepository",
    "AsyncUnitOfWork",
    "Command",
    "CommitError",
    "CursorPage",
    "DocumentRepository",
    "ErrorHook",
    "JsonKind",
    "MessageBus",
    "OutboxMessage",
    "OutboxStore",
    "Page",
    "Projection",
    "ProjectionRequest",
    "RecordQuery",
    "RecordStore",
    "Repository",
    "RequestContext",
    "Runner",
    "StoreProvider",
    "StoredRecord",
    "UnitOfWork",
    "WriteError",
    "current_context",
    "decode_cursor",
    "encode_cursor",
    "json_kind",
    "paths_of",
    "project",
    "set_version",
    "storable",
    "unstorable_fields",
    "use_context",
]
