"""Outbox messages: domain events written in the same transaction as the state they explain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from creativeflow_shared.application._context import RequestContext, current_context
from creativeflow_shared.application._storable import storable, unstorable_fields
from creativeflow_shared.domain import (
    AlreadyExistsError,
    EventRegistry,
    FieldError,
    InvalidInputError,
    event_registry,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from uuid import UUID

    from creativeflow_shared.domain import DomainEvent

__all__ = ["OUTBOX_NAME_MAX_LENGTH", "OutboxMessage", "outbox_messages", "refuse_messages"]

#: The longest aggregate type, aggregate id and event type an outbox row keeps.
OUTBOX_NAME_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxMessage:
    """One event waiting in the outbox, with everything a relay needs to publish it.

    The field names follow the outbox-event-router convention of change-data-capture tools
    (``aggregatetype``, ``aggregateid``, ``type``, ``payload``) in the SQL table.

    Attributes:
        id: The event id (UUIDv7).
        aggregate_type: The type of the aggregate that recorded the event (or ``"none"``).
        aggregate_id: Its id as text (or the event id for events without an aggregate).
        aggregate_version: The aggregate's version after the commit that stored the event.
        event_type: The event's stable type name.
        schema_version: The version of the payload's shape.
        payload: The event's fields as JSON-compatible data.
        headers: Request context: correlation, causation, tenant, actor, traceparent and
            tracestate (each present only when the context has it).
        occurred_at: When the event happened.
    """

    id: UUID
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int | None
    event_type: str
    schema_version: int
    payload: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict[str, str])
    occurred_at: datetime

    @classmethod
    def from_event(
        cls,
        event: DomainEvent,
        *,
        aggregate_version: int | None = None,
        context: RequestContext | None = None,
        registry: EventRegistry = event_registry,
    ) -> OutboxMessage:
        """Describe ``event`` for the outbox, with the request context as headers."""
        context = context or current_context()
        headers = {
            "correlation_id": context.correlation_id,
            "causation_id": context.causation_id,
            "tenant_id": context.tenant_id,
            "actor_id": context.actor_id,
            "traceparent": context.traceparent,
            "tracestate": context.tracestate,
        }
        return cls(
            id=event.event_id,
            aggregate_type=event.aggregate_type or "none",
            aggregate_id=event.aggregate_id or str(event.event_id),
            aggregate_version=aggregate_version,
            event_type=event.event_type,
            schema_version=event.schema_version,
            payload=registry.to_payload(event),
            headers={key: value for key, value in headers.items() if value is not None},
            occurred_at=event.occurred_at,
        )


def outbox_messages(
    recorded: Sequence[tuple[int | None, Sequence[DomainEvent]]],
    free: Sequence[DomainEvent],
    context: RequestContext,
) -> list[OutboxMessage]:
    """The outbox messages of a commit, all in one request context.

    Each aggregate's events come with the version it stores (``None`` for a removed one),
    then the events of no aggregate.
    """
    messages = [
        OutboxMessage.from_event(event, aggregate_version=version, context=context)
        for version, events in recorded
        for event in events
    ]
    messages += (OutboxMessage.from_event(event, context=context) for event in free)
    return messages


def refuse_messages(
    messages: list[OutboxMessage],
) -> InvalidInputError | AlreadyExistsError | None:
    """Refuse outbox messages that not every store keeps, or that repeat an event.

    Every store answers alike: an event recorded twice in one commit is already there;
    a payload no store keeps, or a name longer than an outbox row holds, is invalid. (The
    headers come from the request context, which refuses what no store keeps.)
    """
    seen: set[object] = set()
    for message in messages:
        if message.id in seen:
            return AlreadyExistsError("outbox message", message.id)
        seen.add(message.id)
    problems: list[FieldError] = []
    for index, message in enumerate(messages):
        if not storable(message.payload):
            problems += unstorable_fields(message.payload, "events", index, "payload")
        names = (message.aggregate_type, message.aggregate_id, message.event_type)
        if max(map(len, names)) > OUTBOX_NAME_MAX_LENGTH:
            msg = (
                "Aggregate types, aggregate ids and event types hold "
                f"{OUTBOX_NAME_MAX_LENGTH} characters at most"
            )
            problems.append(FieldError(("events", index), msg, "string_too_long"))
    if problems:
        return InvalidInputError(problems, "An event holds values no store keeps")
    return None
