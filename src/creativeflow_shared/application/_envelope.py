"""CloudEvents envelopes: how a published domain event travels between services.

An outbox row becomes a CloudEvents 1.0 event: the core attributes (``id`` is the event id,
``type`` the event type, ``subject`` the aggregate id, ``time`` when it happened) and extension
attributes for what the row's headers and columns add. It is written as structured JSON
(``application/cloudevents+json``) or as a binary-mode AMQP message (attributes as
``cloudEvents_``-prefixed application properties, the data as the body), and read back from
either into the consumer's request context and, through the event registry and its upcasters,
into the typed event. Reading never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast

from pydantic_core import to_json
from returns.result import Failure

from creativeflow_shared.application._context import RequestContext
from creativeflow_shared.application._envelope_attributes import (
    AMQP_ATTRIBUTES,
    JSON_ATTRIBUTES,
    SPEC_VERSION,
    decode_json,
    invalid,
    read_attributes,
)
from creativeflow_shared.domain import event_registry

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from returns.result import Result

    from creativeflow_shared.application._outbox import OutboxMessage
    from creativeflow_shared.domain import DomainEvent, EventRegistry, InvalidInputError

__all__ = ["AMQPMessage", "CloudEventEnvelope"]

#: The prefix of CloudEvents attributes among AMQP application properties. The binding allows
#: ``cloudEvents_`` and ``cloudEvents:`` and prefers ``_`` (JMS 2.0 selectors refuse ``:``).
_AMQP_PREFIX: Final = "cloudEvents_"
_AMQP_STEM: Final = "cloudEvents"
_AMQP_SEPARATORS: Final = frozenset("_:")
_CLOUDEVENTS_MEDIA_TYPE: Final = "application/cloudevents"
_STRUCTURED_JSON: Final = re.compile(
    r"application/cloudevents\+json[ \t]*(?:;.*)?", re.IGNORECASE | re.ASCII | re.DOTALL
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AMQPMessage:
    """The three parts of an AMQP message that carry a CloudEvent.

    On AMQP 1.0 they are the ``application-properties`` section, the ``content-type``
    property and the application data; on RabbitMQ's AMQP 0-9-1 they are the message
    ``headers``, ``content_type`` and body.

    Attributes:
        application_properties: The CloudEvents attributes, each under its prefixed name
            (``cloudEvents_type``), beside whatever other properties the message has.
        content_type: The data's media type (binary mode) or the event format's
            (structured mode, ``application/cloudevents+json``).
        body: The data (binary mode) or the whole event (structured mode).
    """

    application_properties: Mapping[str, object]
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudEventEnvelope:
    """A published domain event as a CloudEvents 1.0 event.

    Build one from an outbox row with ``from_outbox``; write it with ``to_json`` (structured
    mode) or ``to_amqp`` (binary mode); read one with ``from_json`` or ``from_amqp``, which
    return a ``Failure`` for anything that is not a valid envelope and never raise. The
    constructor does not check its values, as ``OutboxMessage``'s does not: the relay builds
    thousands per second from rows that were checked when they were committed.

    Each attribute is named on the wire as its field is named here without underscores
    (``schema_version`` is ``schemaversion``); ``specversion`` is always ``"1.0"``.

    Attributes:
        id: The event id.
        source: Who published it: a URI reference naming the service (``/generation``).
        type: The event's stable type name.
        time: When it happened.
        data: The event's fields as JSON-compatible data (the outbox payload).
        schema_version: The version of the data's shape (extension ``schemaversion``).
        subject: The id of the aggregate that recorded it.
        data_content_type: The media type of ``data``; always JSON.
        aggregate_type: The type of that aggregate (extension ``aggregatetype``).
        aggregate_version: Its version after the commit (extension ``aggregateversion``).
        correlation_id: The flow it belongs to (extension ``correlationid``).
        causation_id: The message that caused it (extension ``causationid``).
        tenant_id: The tenant it belongs to (extension ``tenantid``).
        actor_id: Who acted (extension ``actorid``).
        traceparent: The W3C trace context (distributed tracing extension).
        tracestate: The W3C trace state (distributed tracing extension).
        partition_key: Events with one key keep their order: the aggregate id
            (partitioning extension ``partitionkey``).

    Examples:
        >>> from datetime import UTC, datetime
        >>> from uuid import UUID
        >>> from creativeflow_shared.application import OutboxMessage
        >>> row = OutboxMessage(
        ...     id=UUID(int=1),
        ...     aggregate_type="job",
        ...     aggregate_id="job-1",
        ...     aggregate_version=2,
        ...     event_type="jobs.job_started",
        ...     schema_version=1,
        ...     payload={"job_id": "job-1"},
        ...     headers={"correlation_id": "flow-1"},
        ...     occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        ... )
        >>> envelope = CloudEventEnvelope.from_outbox(row, source="/jobs")
        >>> envelope.to_json()[:64]
        b'{"specversion":"1.0","id":"00000000-0000-0000-0000-000000000001"'
        >>> CloudEventEnvelope.from_json(envelope.to_json()).unwrap() == envelope
        True
        >>> envelope.context().correlation_id, envelope.context().causation_id == envelope.id
        ('flow-1', True)
    """

    #: The CloudEvents version of every envelope.
    specversion: ClassVar[str] = SPEC_VERSION
    #: The media type of the structured JSON form.
    media_type: ClassVar[str] = "application/cloudevents+json"

    id: str
    source: str
    type: str
    time: datetime
    data: dict[str, Any]
    schema_version: int
    subject: str | None = None
    data_content_type: str = "application/json"
    aggregate_type: str | None = None
    aggregate_version: int | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    tenant_id: str | None = None
    actor_id: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    partition_key: str | None = None

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def from_outbox(cls, message: OutboxMessage, *, source: str) -> CloudEventEnvelope:
        """Describe the outbox row ``message`` as a CloudEvent published by ``source``.

        Raises:
            ValueError: If ``source`` is empty.
        """
        if not source:
            msg = "a CloudEvent's source is a non-empty URI reference, such as '/generation'"
            raise ValueError(msg)
        # CloudEvents attributes are absent or non-empty: an empty header is left out.
        headers = message.headers
        return cls(
            id=str(message.id),
            source=source,
            type=message.event_type,
            time=message.occurred_at,
            data=message.payload,
            schema_version=message.schema_version,
            subject=message.aggregate_id or None,
            aggregate_type=message.aggregate_type or None,
            aggregate_version=message.aggregate_version,
            correlation_id=headers.get("correlation_id") or None,
            causation_id=headers.get("causation_id") or None,
            tenant_id=headers.get("tenant_id") or None,
            actor_id=headers.get("actor_id") or None,
            traceparent=headers.get("traceparent") or None,
            tracestate=headers.get("tracestate") or None,
            # The aggregate id, as change-data-capture keys the row: one aggregate's events
            # share a partition and keep their commit order.
            partition_key=message.aggregate_id or None,
        )

    # -- writing ------------------------------------------------------------------------------
    def attributes(self) -> dict[str, str | int | datetime]:
        """Return the CloudEvents context attributes by their wire names, absent ones left out.

        ``data`` is not an attribute; ``time`` is a ``datetime``. This is what another
        binding (or the CloudEvents SDK) needs beside ``data``.
        """
        candidates: dict[str, str | int | datetime | None] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": self.data_content_type,
            "schemaversion": self.schema_version,
            "aggregatetype": self.aggregate_type,
            "aggregateversion": self.aggregate_version,
            "correlationid": self.correlation_id,
            "causationid": self.causation_id,
            "tenantid": self.tenant_id,
            "actorid": self.actor_id,
            "traceparent": self.traceparent,
            "tracestate": self.tracestate,
            "partitionkey": self.partition_key,
        }
        return {name: value for name, value in candidates.items() if value is not None}

    def to_json(self) -> bytes:
        """Write the envelope in structured mode: one JSON object, ``data`` last (UTF-8)."""
        return to_json({**self.attributes(), "data": self.data})

    def to_amqp(self) -> AMQPMessage:
        """Write the envelope in binary mode for AMQP.

        Every attribute but ``datacontenttype`` becomes a ``cloudEvents_``-prefixed
        application property: text as a string, integers as integers (AMQP ``long``) and the
        time in its canonical RFC 3339 string form, which keeps microseconds where AMQP 0-9-1
        timestamps keep whole seconds. ``datacontenttype`` is the content type and the data,
        as JSON, the body.
        """
        properties: dict[str, object] = {}
        for name, value in self.attributes().items():
            # ``to_json`` writes the time exactly as the structured form does.
            properties[_AMQP_PREFIX + name] = (
                to_json(value)[1:-1].decode() if name == "time" else value
            )
        del properties[_AMQP_PREFIX + "datacontenttype"]
        return AMQPMessage(
            application_properties=properties,
            content_type=self.data_content_type,
            body=to_json(self.data),
        )

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def from_json(cls, data: object) -> Result[CloudEventEnvelope, InvalidInputError]:
        """Read a structured-mode CloudEvent (JSON text as bytes or str).

        Attributes the envelope does not know are ignored; ``data_base64`` is not read (the
        envelope's data is a JSON object).

        Returns:
            ``Success`` with the envelope, or ``Failure`` with an ``InvalidInputError`` that
            names every attribute at fault.
        """
        decoded = decode_json(data)
        if isinstance(decoded, Failure):
            return invalid(f"A structured CloudEvent {decoded.failure()}")
        attributes = decoded.unwrap()
        if not isinstance(attributes, dict):
            return invalid("A structured CloudEvent must be a JSON object")
        fields = read_attributes(cast("dict[str, object]", attributes), JSON_ATTRIBUTES)
        return fields.map(lambda values: cls(**values))

    @classmethod
    def from_amqp(cls, message: AMQPMessage) -> Result[CloudEventEnvelope, InvalidInputError]:
        """Read a CloudEvent from an AMQP message, in binary or structured mode.

        A content type that starts with ``application/cloudevents`` means structured mode
        (JSON is the format read); any other, or none, means binary mode, where attributes
        are application properties prefixed with ``cloudEvents_`` or ``cloudEvents:`` (one
        separator per message), a timestamp may be native or text, an integer a number or
        its text, and the body is the JSON data. Other properties are ignored.

        Returns:
            ``Success`` with the envelope, or ``Failure`` with an ``InvalidInputError``.
        """
        content_type = message.content_type
        if isinstance(content_type, str) and content_type.lower().startswith(
            _CLOUDEVENTS_MEDIA_TYPE
        ):
            if _STRUCTURED_JSON.fullmatch(content_type):
                return cls.from_json(message.body)
            return invalid(
                f"The event format {content_type!r} is not read here, only JSON", "content-type"
            )
        attributes: dict[str, object] = {}
        separators: set[str] = set()
        for key, value in message.application_properties.items():
            if key[11:12] in _AMQP_SEPARATORS and key[:11] == _AMQP_STEM:
                separators.add(key[11])
                attributes[key[12:]] = value
        if len(separators) > 1:
            return invalid(
                "A message must use one separator, '_' or ':', for all its CloudEvents attributes",
                "application-properties",
            )
        # The content type is the data's; the body is the data (never a property of that name).
        if content_type is not None:
            attributes["datacontenttype"] = content_type
        attributes["data"] = message.body
        return read_attributes(attributes, AMQP_ATTRIBUTES).map(lambda values: cls(**values))

    # -- consuming ----------------------------------------------------------------------------
    def context(self) -> RequestContext:
        """Return the request context of the work this event causes in a consumer.

        The flow continues (the same correlation id, or this event's id when the producer
        sent none), the cause is this event, and the tenant, actor and trace context carry
        over.

        Raises:
            ValueError: If a hand-built envelope holds a fact no request context takes (a
                parsed one never does).
        """
        return RequestContext(
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
            tenant_id=self.tenant_id,
            actor_id=self.actor_id,
            traceparent=self.traceparent,
            tracestate=self.tracestate,
        )

    def event(
        self, registry: EventRegistry = event_registry
    ) -> Result[DomainEvent, InvalidInputError]:
        """Read the typed event from ``data``, upcasting an older ``schemaversion``.

        Returns:
            ``Success`` with the event as its registered class, or ``Failure`` with an
            ``InvalidInputError`` (``UnknownEventTypeError`` for an unknown type or a newer
            schema version) located as the registry locates it (``payload``, ``event_type``).
        """
        return registry.from_payload(self.type, self.schema_version, self.data)
