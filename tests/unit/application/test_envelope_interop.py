"""Interoperability of envelopes with the official CloudEvents SDK (a test-only dependency).

Our structured JSON is read by the SDK's JSON format (and by its legacy HTTP API), the SDK's
events are read by us in structured mode and in binary AMQP mode, and our binary AMQP messages
are read by the SDK's AMQP binding: every attribute and extension arrives intact.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from cloudevents.core.bindings import amqp as sdk_amqp
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkCloudEvent

# The legacy API leaves the argument of its optional unmarshaller untyped.
from cloudevents.v1.http import (
    from_json as legacy_from_json,  # pyright: ignore[reportUnknownVariableType]
)
from returns.result import Success

from creativeflow_shared.application import AMQPMessage, CloudEventEnvelope, OutboxMessage

_AT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _envelope() -> CloudEventEnvelope:
    row = OutboxMessage(
        id=UUID("0195f3a4-5b6c-7d8e-9fa0-b1c2d3e4f506"),
        aggregate_type="job",
        aggregate_id="job-1",
        aggregate_version=4,
        event_type="interop.job_started",
        schema_version=2,
        payload={"job_id": "job-1", "credits": 5, "tags": ["a", "b"], "note": None},
        headers={
            "correlation_id": "flow-1",
            "causation_id": "command-1",
            "tenant_id": "tenant-1",
            "actor_id": "user-1",
            "traceparent": _TRACEPARENT,
            "tracestate": "vendor=opaque",
        },
        occurred_at=_AT,
    )
    return CloudEventEnvelope.from_outbox(row, source="/generation")


def _sdk_event(envelope: CloudEventEnvelope) -> SdkCloudEvent:
    """The SDK's own event with our attribute set (its constructor checks the names)."""
    return SdkCloudEvent(attributes=dict(envelope.attributes()), data=envelope.data)


# -- ours read by the SDK ---------------------------------------------------------------------
def test_the_sdk_reads_our_structured_json_with_every_attribute_and_extension() -> None:
    envelope = _envelope()

    actual = JSONFormat().read(None, envelope.to_json())

    assert actual.get_attributes() == envelope.attributes()
    assert len(actual.get_attributes()) == 17
    assert actual.get_data() == envelope.data


def test_the_sdk_legacy_http_api_reads_our_structured_json() -> None:
    envelope = _envelope()

    actual = legacy_from_json(envelope.to_json())

    assert actual.get_attributes() == {
        **envelope.attributes(),
        "time": "2026-03-04T05:06:07.891011Z",
    }
    assert actual.get_data() == envelope.data


def test_the_sdk_amqp_binding_reads_our_binary_message() -> None:
    envelope = _envelope()
    ours = envelope.to_amqp()
    message = sdk_amqp.AMQPMessage(
        properties={"content-type": ours.content_type},
        application_properties=dict(ours.application_properties),
        application_data=ours.body,
    )

    actual = sdk_amqp.from_binary(message, JSONFormat())

    assert actual.get_attributes() == envelope.attributes()
    assert actual.get_data() == envelope.data


def test_our_binary_message_has_the_sdk_amqp_bindings_property_names() -> None:
    envelope = _envelope()
    # The time is left out: the SDK writes native AMQP timestamps, we write the canonical text.
    sdk_message = sdk_amqp.to_binary(_sdk_event(envelope), JSONFormat())

    actual = envelope.to_amqp()

    assert set(actual.application_properties) == set(sdk_message.application_properties)
    assert {
        name: value
        for name, value in actual.application_properties.items()
        if name != "cloudEvents_time"
    } == {
        name: value
        for name, value in sdk_message.application_properties.items()
        if name != "cloudEvents_time"
    }
    assert actual.content_type == sdk_message.properties["content-type"]


# -- the SDK's read by us ---------------------------------------------------------------------
def test_we_read_the_sdks_structured_json() -> None:
    envelope = _envelope()

    actual = CloudEventEnvelope.from_json(JSONFormat().write(_sdk_event(envelope)))

    assert actual == Success(envelope)


def test_we_read_the_sdks_binary_amqp_message_with_its_native_timestamp() -> None:
    envelope = _envelope()
    sdk_message = sdk_amqp.to_binary(_sdk_event(envelope), JSONFormat())

    actual = CloudEventEnvelope.from_amqp(
        AMQPMessage(
            application_properties=sdk_message.application_properties,
            content_type=sdk_message.properties.get("content-type"),
            body=sdk_message.application_data,
        )
    )

    # A native AMQP timestamp counts milliseconds: the microseconds do not travel.
    assert sdk_message.application_properties["cloudEvents_time"] == 1_772_600_767_891
    assert actual == Success(replace(envelope, time=_AT.replace(microsecond=891000)))


def test_we_read_the_sdks_structured_amqp_message() -> None:
    envelope = _envelope()
    sdk_message = sdk_amqp.to_structured(_sdk_event(envelope), JSONFormat())

    actual = CloudEventEnvelope.from_amqp(
        AMQPMessage(
            application_properties=sdk_message.application_properties,
            content_type=sdk_message.properties["content-type"],
            body=sdk_message.application_data,
        )
    )

    assert actual == Success(envelope)


def test_we_read_an_sdk_event_with_only_the_attributes_we_require() -> None:
    event = SdkCloudEvent(
        attributes={
            "id": "e-1",
            "source": "https://example.com/other",
            "type": "interop.other",
            "time": _AT,
            "schemaversion": 1,
        },
        data={"a": 1},
    )

    actual = CloudEventEnvelope.from_json(JSONFormat().write(event))

    assert actual == Success(
        CloudEventEnvelope(
            id="e-1",
            source="https://example.com/other",
            type="interop.other",
            time=_AT,
            data={"a": 1},
            schema_version=1,
        )
    )
