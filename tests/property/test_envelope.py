"""Properties of CloudEvents envelopes: reading never raises; writing then reading is identity.

G8 for the envelope's two entry points (structured JSON and AMQP messages), and the round trip
an event makes from the outbox to a consumer: event → outbox row → envelope → wire →
envelope → request context and event.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from creativeflow_shared.application import (
    AMQPMessage,
    CloudEventEnvelope,
    OutboxMessage,
    RequestContext,
    storable,
)
from creativeflow_shared.domain import DomainEvent, InvalidInputError
from creativeflow_shared.testing import events


class DraftWritten(DomainEvent, event_type="property.envelope.draft_written"):
    title: str
    words: int
    score: float
    tags: list[str]
    note: str | None = None


_NAMES = [
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "schemaversion",
    "aggregatetype",
    "aggregateversion",
    "correlationid",
    "causationid",
    "tenantid",
    "actorid",
    "traceparent",
    "tracestate",
    "partitionkey",
    "data",
]
_VALID: dict[str, object] = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "/generation",
    "type": "property.envelope.draft_written",
    "time": "2026-03-04T05:06:07Z",
    "schemaversion": 1,
    "data": {"title": "t", "words": 1, "score": 0.5, "tags": []},
}

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
_timestamp_texts = st.datetimes(timezones=st.none() | st.just(UTC)).map(datetime.isoformat)
_timezones = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
#: Values an attribute might plausibly hold, right or wrong, beside any JSON value.
_attribute_values = (
    _json_values
    | _timestamp_texts
    | st.integers(min_value=-(2**32), max_value=2**32).map(str)
    | st.sampled_from(["1.0", "", "application/json", "text/plain", "\x00", "t" * 65])
)
#: Values an AMQP client might hand over as an application property.
_amqp_values = (
    _attribute_values
    | st.binary(max_size=8)
    | st.datetimes(timezones=st.none() | _timezones)
    | st.integers()
)


def _assert_answers_with_a_result(result: Result[CloudEventEnvelope, InvalidInputError]) -> None:
    assert isinstance(result, Success | Failure)
    if isinstance(result, Failure):
        error: object = result.failure()
        assert isinstance(error, InvalidInputError)
        assert len(error.field_errors) >= 1
    else:
        # What is read is a whole envelope: it writes and reads back as itself, and its
        # consumer's request context can be built.
        envelope = result.unwrap()
        assert CloudEventEnvelope.from_json(envelope.to_json()) == result
        assert CloudEventEnvelope.from_amqp(envelope.to_amqp()) == result
        assert envelope.context().causation_id == envelope.id


# -- reading never raises ---------------------------------------------------------------------
@given(data=st.binary() | st.text() | _json_values | st.integers())
def test_from_json_answers_any_input_with_a_result(data: object) -> None:
    _assert_answers_with_a_result(CloudEventEnvelope.from_json(data))


@given(document=_json_values)
def test_from_json_answers_any_json_document_with_a_result(document: object) -> None:
    _assert_answers_with_a_result(CloudEventEnvelope.from_json(json.dumps(document)))


@given(
    changes=st.dictionaries(st.sampled_from(_NAMES), _attribute_values),
    removed=st.sets(st.sampled_from(_NAMES)),
)
def test_from_json_answers_any_near_miss_of_an_envelope_with_a_result(
    changes: dict[str, object], removed: set[str]
) -> None:
    document = {name: value for name, value in (_VALID | changes).items() if name not in removed}

    _assert_answers_with_a_result(CloudEventEnvelope.from_json(json.dumps(document)))


@given(
    properties=st.dictionaries(
        st.sampled_from(_NAMES).flatmap(
            lambda name: st.sampled_from([f"cloudEvents_{name}", f"cloudEvents:{name}"])
        )
        | st.text(max_size=16),
        _amqp_values,
    ),
    content_type=st.none()
    | st.sampled_from(["application/json", "application/cloudevents+json", "text/plain"])
    | st.text(max_size=40),
    body=st.binary() | _json_values.map(lambda value: json.dumps(value).encode()),
)
def test_from_amqp_answers_any_message_with_a_result(
    properties: dict[str, object], content_type: str | None, body: bytes
) -> None:
    message = AMQPMessage(application_properties=properties, content_type=content_type, body=body)

    _assert_answers_with_a_result(CloudEventEnvelope.from_amqp(message))


@given(
    changes=st.dictionaries(st.sampled_from(_NAMES), _amqp_values),
    removed=st.sets(st.sampled_from(_NAMES)),
)
def test_from_amqp_answers_any_near_miss_of_a_binary_message_with_a_result(
    changes: dict[str, object], removed: set[str]
) -> None:
    attributes = {name: value for name, value in (_VALID | changes).items() if name not in removed}
    body = attributes.pop("data", None)
    message = AMQPMessage(
        application_properties={f"cloudEvents_{name}": value for name, value in attributes.items()},
        content_type="application/json",
        # A drawn ``data`` of bytes is the body as it is; any other value, its JSON.
        body=body if isinstance(body, bytes) else json.dumps(body, default=str).encode(),
    )

    _assert_answers_with_a_result(CloudEventEnvelope.from_amqp(message))


# -- writing then reading is identity ---------------------------------------------------------
#: JSON has no NaN or infinity: events holding them are refused before they reach the outbox.
_drafts = events(DraftWritten, score=st.floats(allow_nan=False, allow_infinity=False))
_facts = st.text(min_size=1, max_size=40).filter(storable)
_contexts = st.builds(
    RequestContext,
    correlation_id=_facts,
    causation_id=st.none() | _facts,
    tenant_id=st.none() | st.text(min_size=1, max_size=64).filter(storable),
    actor_id=st.none() | _facts,
    traceparent=st.none() | _facts,
    tracestate=st.none() | _facts,
)


def _envelope_of(
    event: DomainEvent, context: RequestContext, version: int | None, source: str
) -> CloudEventEnvelope:
    row = OutboxMessage.from_event(event, aggregate_version=version, context=context)
    # The outbox refuses to store what not every store keeps; such an event is never sent.
    assume(storable(row.payload) and storable(row.aggregate_type) and storable(row.aggregate_id))
    return CloudEventEnvelope.from_outbox(row, source=source)


@given(
    event=_drafts,
    context=_contexts,
    version=st.none() | st.integers(min_value=0, max_value=2**31 - 1),
    source=_facts,
)
def test_an_event_reaches_the_consumer_as_itself_through_structured_json(
    event: DraftWritten, context: RequestContext, version: int | None, source: str
) -> None:
    envelope = _envelope_of(event, context, version, source)

    read = CloudEventEnvelope.from_json(envelope.to_json())

    assert read == Success(envelope)
    assert read.unwrap().event() == Success(event)


@given(
    event=_drafts,
    context=_contexts,
    version=st.none() | st.integers(min_value=0, max_value=2**31 - 1),
    source=_facts,
)
def test_an_event_reaches_the_consumer_as_itself_through_binary_amqp(
    event: DraftWritten, context: RequestContext, version: int | None, source: str
) -> None:
    envelope = _envelope_of(event, context, version, source)

    read = CloudEventEnvelope.from_amqp(envelope.to_amqp())

    assert read == Success(envelope)
    assert read.unwrap().event() == Success(event)


@given(event=_drafts, context=_contexts)
def test_the_consumers_context_continues_the_producers_flow(
    event: DraftWritten, context: RequestContext
) -> None:
    envelope = _envelope_of(event, context, None, "/generation")

    actual = CloudEventEnvelope.from_json(envelope.to_json()).unwrap().context()

    expected: dict[str, Any] = {
        "correlation_id": context.correlation_id,
        "causation_id": str(event.event_id),
        "tenant_id": context.tenant_id,
        "actor_id": context.actor_id,
        "traceparent": context.traceparent,
        "tracestate": context.tracestate,
    }
    assert actual == RequestContext(**expected)
