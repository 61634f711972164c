"""Tables declared on the service's own ``MetaData``, so that Alembic sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from creativeflow_shared.application import (
    INBOX_KEY_MAX_LENGTH,
    OUTBOX_NAME_MAX_LENGTH,
    RELAY_ID_MAX_LENGTH,
    TENANT_ID_MAX_LENGTH,
)
from creativeflow_shared.infrastructure.sqlalchemy._column_types import UtcDateTime, column_type

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.application import DocumentRepository
    from creativeflow_shared.application.ports import Storage

__all__ = [
    "document_table",
    "document_tables",
    "inbox_of",
    "inbox_table",
    "json_column_type",
    "outbox_of",
    "outbox_table",
    "table_of",
]

_INFO_KEY = "creativeflow"
#: The rows the relay still has to publish: the predicate of the outbox's partial index.
_UNPUBLISHED = "status <> 'published'"


def json_column_type() -> JSON:
    """JSON that is ``JSONB`` on PostgreSQL (indexable, compact) and JSON text elsewhere."""
    return JSON().with_variant(JSONB(), "postgresql")


@dataclass(slots=True)
class _Declared:
    """The library's tables declared on one ``MetaData`` (kept in its ``info``)."""

    documents: dict[type[DocumentRepository[Any, Any]], Table] = field(
        default_factory=dict[type["DocumentRepository[Any, Any]"], Table]
    )
    by_storage: dict[Storage, Table] = field(default_factory=dict["Storage", Table])
    #: The tables a MetaData holds one of, by kind: ``"outbox"``, ``"inbox"``.
    singles: dict[str, Table] = field(default_factory=dict[str, Table])


def _registry(metadata: MetaData) -> _Declared:
    declared = metadata.info.get(_INFO_KEY)
    if not isinstance(declared, _Declared):
        declared = metadata.info[_INFO_KEY] = _Declared()
    return declared


def document_table(
    metadata: MetaData,
    repository: type[DocumentRepository[Any, Any]],
    *,
    name: str | None = None,
) -> Table:
    """Declare the table that stores ``repository``'s aggregates as documents.

    Columns: ``id`` (native UUID on PostgreSQL for UUID ids), ``tenant_id``, ``version``,
    ``created_at``, ``updated_at``, ``data`` (the aggregate as JSON/JSONB) and one column per
    projection, indexed or unique as the projection asks (unique together with ``tenant_id``
    for a tenant-owned aggregate, so that uniqueness holds within each tenant).

    The primary key is ``id``; for a tenant-owned aggregate it is ``(tenant_id, id)``: ids
    are unique within each tenant, so that adding an aggregate never reveals that another
    tenant holds the same id (see ADR 0017).

    Raises:
        TypeError: If the id or a projected attribute has no column type.
        ValueError: If ``metadata`` already holds a table of ``repository`` (one repository
            is stored in one table).
    """
    declared = _registry(metadata)
    existing = declared.documents.get(repository)
    if existing is not None:
        msg = (
            f"{repository.__name__} already has a table on this MetaData ({existing.name}): "
            "a repository is stored in one table"
        )
        raise ValueError(msg)
    storage = repository.storage
    table_name = name or _snake(storage.resource_name) + "s"
    id_annotation = storage.aggregate_class.model_fields["id"].annotation
    owned = storage.tenant_owned
    columns: list[Column[Any]] = [
        Column("id", column_type(id_annotation), nullable=False),
        Column("tenant_id", String(TENANT_ID_MAX_LENGTH), nullable=not owned),
        Column("version", Integer, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        Column("data", json_column_type(), nullable=False),
    ]
    key = ("tenant_id", "id") if owned else ("id",)
    extras: list[Index | UniqueConstraint | PrimaryKeyConstraint] = [
        PrimaryKeyConstraint(*key, name=f"pk_{table_name}")
    ]
    for projection in storage.projections:
        columns.append(
            Column(
                projection.name, column_type(projection.annotation), nullable=projection.nullable
            )
        )
        if projection.unique:
            scope = ("tenant_id", projection.name) if projection.per_tenant else (projection.name,)
            extras.append(UniqueConstraint(*scope, name=f"uq_{table_name}_{projection.name}"))
        elif projection.index:
            extras.append(Index(f"ix_{table_name}_{projection.name}", projection.name))
    table = Table(table_name, metadata, *columns, *extras)
    declared.documents[repository] = table
    declared.by_storage[storage] = table
    return table


def document_tables(metadata: MetaData) -> dict[type[DocumentRepository[Any, Any]], Table]:
    """Return the document tables declared on ``metadata``, by repository class."""
    return dict(_registry(metadata).documents)


def table_of(metadata: MetaData, storage: Storage) -> Table | None:
    """Return the document table of what ``storage`` describes on ``metadata``, or ``None``."""
    return _registry(metadata).by_storage.get(storage)


def outbox_table(metadata: MetaData, *, name: str = "outbox") -> Table:
    """Declare the transactional outbox table.

    Column names follow the outbox event router convention of change-data-capture tools
    (``id``, ``aggregatetype``, ``aggregateid``, ``type``, ``payload``), so that CDC can replace
    the polling relay without a migration. The rest serve the relay: schema version, headers,
    timestamps, attempts, last error, status (``pending``, ``published``, ``dead``) and the
    lease a relay holds on a row it publishes (``leased_by``, ``leased_until``).

    Raises:
        ValueError: If ``metadata`` already holds an outbox table (a unit of work writes its
            events to one outbox).
    """
    return _declare_single(
        metadata,
        "outbox",
        lambda: Table(
            name,
            metadata,
            Column("id", Uuid, primary_key=True),
            Column("aggregatetype", String(OUTBOX_NAME_MAX_LENGTH), nullable=False),
            Column("aggregateid", String(OUTBOX_NAME_MAX_LENGTH), nullable=False),
            Column("aggregateversion", BigInteger, nullable=True),
            Column("type", String(OUTBOX_NAME_MAX_LENGTH), nullable=False),
            Column("schemaversion", Integer, nullable=False),
            Column("payload", json_column_type(), nullable=False),
            Column("headers", json_column_type(), nullable=False),
            Column("occurred_at", UtcDateTime, nullable=False),
            Column("available_at", UtcDateTime, nullable=False),
            Column("published_at", UtcDateTime, nullable=True),
            Column("attempts", Integer, nullable=False, server_default=text("0")),
            Column("last_error", Text, nullable=True),
            Column("status", String(16), nullable=False, server_default=text("'pending'")),
            Column("leased_by", String(RELAY_ID_MAX_LENGTH), nullable=True),
            Column("leased_until", UtcDateTime, nullable=True),
            Index(f"ix_{name}_status_available_at", "status", "available_at"),
            # The relay's walk over the aggregates that have unpublished rows (ADR 0028).
            Index(
                f"ix_{name}_unpublished",
                "aggregatetype",
                "aggregateid",
                "aggregateversion",
                "id",
                postgresql_where=text(_UNPUBLISHED),
                sqlite_where=text(_UNPUBLISHED),
            ),
        ),
    )


def inbox_table(metadata: MetaData, *, name: str = "inbox") -> Table:
    """Declare the inbox table: the messages each consumer has handled (G4).

    Its primary key is the message id and the consumer's name: a unit of work that notes a
    message handled already cannot commit (``UnitOfWork.receive``).

    Raises:
        ValueError: If ``metadata`` already holds an inbox table.
    """
    return _declare_single(
        metadata,
        "inbox",
        lambda: Table(
            name,
            metadata,
            Column("message_id", String(INBOX_KEY_MAX_LENGTH), primary_key=True),
            Column("consumer", String(INBOX_KEY_MAX_LENGTH), primary_key=True),
            Column("received_at", UtcDateTime, nullable=False),
        ),
    )


def inbox_of(metadata: MetaData) -> Table:
    """Return the inbox table declared on ``metadata``.

    Raises:
        LookupError: If no inbox table was declared.
    """
    return _single_of(metadata, "inbox")


def outbox_of(metadata: MetaData) -> Table:
    """Return the outbox table declared on ``metadata``.

    Raises:
        LookupError: If no outbox table was declared.
    """
    return _single_of(metadata, "outbox")


def _declare_single(metadata: MetaData, kind: str, declare: Callable[[], Table]) -> Table:
    """Declare the one table of ``kind`` a MetaData may hold (a second one is refused)."""
    singles = _registry(metadata).singles
    existing = singles.get(kind)
    if existing is not None:
        msg = f"this MetaData already has an {kind} table ({existing.name}): declare one"
        raise ValueError(msg)
    table = singles[kind] = declare()
    return table


def _single_of(metadata: MetaData, kind: str) -> Table:
    """The table of ``kind`` declared on ``metadata`` by ``<kind>_table``."""
    table = _registry(metadata).singles.get(kind)
    if table is None:
        msg = f"declare the {kind} first: {kind}_table(metadata)"
        raise LookupError(msg)
    return table


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
