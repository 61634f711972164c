"""SQLAlchemy adapters: data-mapper repositories, document storage, the outbox, units of work.

Works with SQLite (the embedded default) and PostgreSQL, through a sync ``Connection`` or an
``AsyncConnection``; the async flavour runs the same code through ``AsyncConnection.run_sync``.
Data-mapper repositories work through an ORM ``Session`` joined to the same transaction.
"""

from creativeflow_shared.infrastructure.sqlalchemy._column_types import (
    ExactDecimal,
    UtcDateTime,
    column_type,
)
from creativeflow_shared.infrastructure.sqlalchemy._compiler import SpecificationCompiler
from creativeflow_shared.infrastructure.sqlalchemy._data_mapper import DataMapperRepository
from creativeflow_shared.infrastructure.sqlalchemy._document_store import SQLAlchemyDocumentStore
from creativeflow_shared.infrastructure.sqlalchemy._errors import (
    ReferenceViolationError,
    translate_error,
)
from creativeflow_shared.infrastructure.sqlalchemy._idempotency import (
    SQLAlchemyIdempotencyStore,
    idempotency_table,
)
from creativeflow_shared.infrastructure.sqlalchemy._inbox_store import SQLAlchemyInboxStore
from creativeflow_shared.infrastructure.sqlalchemy._migrations import render_item
from creativeflow_shared.infrastructure.sqlalchemy._outbox_store import SQLAlchemyOutboxStore
from creativeflow_shared.infrastructure.sqlalchemy._relay_store import SQLAlchemyRelayStore
from creativeflow_shared.infrastructure.sqlalchemy._row_store import SQLAlchemyRowStore
from creativeflow_shared.infrastructure.sqlalchemy._tables import (
    document_table,
    document_tables,
    inbox_of,
    inbox_table,
    json_column_type,
    outbox_of,
    outbox_table,
)
from creativeflow_shared.infrastructure.sqlalchemy._unit_of_work import (
    AsyncSQLAlchemyUnitOfWork,
    SQLAlchemyUnitOfWork,
)

__all__ = [
    "AsyncSQLAlchemyUnitOfWork",
    "DataMapperRepository",
    "ExactDecimal",
    "ReferenceViolationError",
    "SQLAlchemyDocumentStore",
    "SQLAlchemyIdempotencyStore",
    "SQLAlchemyInboxStore",
    "SQLAlchemyOutboxStore",
    "SQLAlchemyRelayStore",
    "SQLAlchemyRowStore",
    "SQLAlchemyUnitOfWork",
    "SpecificationCompiler",
    "UtcDateTime",
    "column_type",
    "document_table",
    "document_tables",
    "idempotency_table",
    "inbox_of",
    "inbox_table",
    "json_column_type",
    "outbox_of",
    "outbox_table",
    "render_item",
    "translate_error",
]
