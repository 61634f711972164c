"""Unit tests of CloudEvents envelopes: building from the outbox, writing, reading, consuming."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from returns.result import Failure, Result, Success

from creativeflow_shared.application import (
    AMQPMessage,
    CloudEventEnvelope,
    OutboxMessage,
    RequestContext,
)
from creativeflow_shared.domain import (
    DomainEvent,
    FieldError,
    InvalidInputError,
    UnknownEventTypeError,
    event_registry,
)

_AT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
_EVENT_ID = UUID("0195f3a4-5b6c-7d8e-9fa0-b1c2d3e4f506")
_ABSENT = object()  # an attribute left out of a message
_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class JobStarted(DomainEvent, event_type="unit_app.envelope.job_started", schema_version=3):
    job_id: str
    credits: int


@event_registry.upcaster("unit_app.envelope.job_started", from_version=1)
def _name_the_job(payload: dict[str, Any]) -> dict[str, Any]:
    payload["job_id"] = payload.pop("job")
    return payload


@event_registry.upcaster("unit_app.envelope.job_started", from_version=2)
def _count_credits(payload: dict[str, Any]) -> dict[str, Any]:
    payload["credits"] = payload.pop("cost_in_credits")
    return payload


def _row(**changes: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "id": _EVENT_ID,
        "aggregate_type": "job",
        "aggregate_id": "job-1",
        "aggregate_version": 4,
        "event_type": "unit_app.envelope.job_started",
        "schema_version": 3,
        "payload": {"job_id": "job-1", "credits": 5, "event_id": str(_EVENT_ID)},
        "headers": {
            "correlation_id": "flow-1",
            "causation_id": "command-1",
            "tenant_id": "tenant-1",
            "actor_id": "user-1",
            "traceparent": _TRACEPARENT,
            "tracestate": "vendor=opaque",
        },
        "occurred_at": _AT,
    }
    return OutboxMessage(**(fields | changes))


def _envelope(**changes: Any) -> CloudEventEnvelope:
    return CloudEventEnvelope.from_outbox(_row(**changes), source="/generation")


def _structured(**changes: object) -> bytes:
    """The structured JSON of the reference envelope, with attributes changed or removed."""
    document: dict[str, object] = {**_envelope().attributes(), "data": _envelope().data}
    document["time"] = "2026-03-04T05:06:07.891011Z"
    for name, value in changes.items():
        if value is _ABSENT:
            del document[name]
        else:
            document[name] = value
    return json.dumps(document).encode()


def _problems(result: Result[object, InvalidInputError]) -> list[FieldError]:
    assert isinstance(result, Failure)
    return list(result.failure().field_errors)


def _locations(result: Result[object, InvalidInputError]) -> list[tuple[str | int, ...]]:
    return [problem.loc for problem in _problems(result)]


# -- building ---------------------------------------------------------------------------------
def test_from_outbox_maps_the_row_and_its_headers_onto_attributes() -> None:
    actual = _envelope()

    assert actual == CloudEventEnvelope(
        id=str(_EVENT_ID),
        source="/generation",
        type="unit_app.envelope.job_started",
        time=_AT,
        data={"job_id": "job-1", "credits": 5, "event_id": str(_EVENT_ID)},
        schema_version=3,
        subject="job-1",
        data_content_type="application/json",
        aggregate_type="job",
        aggregate_version=4,
        correlation_id="flow-1",
        causation_id="command-1",
        tenant_id="tenant-1",
        actor_id="user-1",
        traceparent=_TRACEPARENT,
        tracestate="vendor=opaque",
        partition_key="job-1",
    )


def test_from_outbox_leaves_out_what_the_row_does_not_have() -> None:
    actual = _envelope(aggregate_version=None, headers={"correlation_id": "flow-1"})

    assert actual.attributes() == {
        "specversion": "1.0",
        "id": str(_EVENT_ID),
        "source": "/generation",
        "type": "unit_app.envelope.job_started",
        "time": _AT,
        "subject": "job-1",
        "datacontenttype": "application/json",
        "schemaversion": 3,
        "aggregatetype": "job",
        "correlationid": "flow-1",
        "partitionkey": "job-1",
    }


def test_from_outbox_leaves_out_empty_names_and_headers_which_no_reader_takes() -> None:
    headers = dict.fromkeys(
        ["correlation_id", "causation_id", "actor_id", "traceparent", "tracestate"], ""
    )
    envelope = _envelope(aggregate_type="", aggregate_id="", headers=headers)

    actual = CloudEventEnvelope.from_json(envelope.to_json())

    assert sorted(envelope.attributes()) == [
        "aggregateversion",
        "datacontenttype",
        "id",
        "schemaversion",
        "source",
        "specversion",
        "time",
        "type",
    ]
    assert actual == Success(envelope)


def test_from_outbox_refuses_an_empty_source() -> None:
    with pytest.raises(ValueError, match="non-empty URI reference"):
        CloudEventEnvelope.from_outbox(_row(), source="")


def test_every_extension_attribute_name_follows_the_cloudevents_naming_rules() -> None:
    core = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype"}

    extensions = set(_envelope().attributes()) - core

    assert sorted(name for name in extensions if not re.fullmatch(r"[a-z0-9]{1,20}", name)) == []
    assert len(extensions) == 10


def test_each_attribute_is_named_as_its_field_without_underscores() -> None:
    envelope = _envelope()
    fields = {
        field.name.replace("_", ""): getattr(envelope, field.name)
        for field in dataclasses.fields(envelope)
        if field.name != "data"
    }

    assert envelope.attributes() == {"specversion": "1.0", **fields}


# -- structured mode --------------------------------------------------------------------------
def test_to_json_writes_every_attribute_then_the_data_as_one_object() -> None:
    actual = _envelope().to_json()

    assert actual.startswith(
        b'{"specversion":"1.0","id":"0195f3a4-5b6c-7d8e-9fa0-b1c2d3e4f506",'
        b'"source":"/generation","type":"unit_app.envelope.job_started",'
        b'"time":"2026-03-04T05:06:07.891011Z","subject":"job-1",'
        b'"datacontenttype":"application/json","schemaversion":3,'
    )
    assert actual.endswith(
        b',"data":{"job_id":"job-1","credits":5,"event_id":"' + str(_EVENT_ID).encode() + b'"}}'
    )


def test_from_json_reads_what_to_json_writes() -> None:
    envelope = _envelope()

    actual = CloudEventEnvelope.from_json(envelope.to_json())

    assert actual == Success(envelope)


def test_from_json_reads_text_as_well_as_bytes() -> None:
    actual = CloudEventEnvelope.from_json(_envelope().to_json().decode())

    assert actual == Success(_envelope())


def test_from_json_ignores_attributes_it_does_not_know() -> None:
    actual = CloudEventEnvelope.from_json(_structured(comexampleother="x", dataschema="/s"))

    assert actual == Success(_envelope())


def test_from_json_takes_an_absent_content_type_as_json_and_leaves_out_absent_extensions() -> None:
    data = _structured(
        datacontenttype=_ABSENT, subject=_ABSENT, aggregatetype=_ABSENT, tenantid=_ABSENT
    )

    actual = CloudEventEnvelope.from_json(data).unwrap()

    assert (actual.data_content_type, actual.subject, actual.aggregate_type, actual.tenant_id) == (
        "application/json",
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "is not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"a": NaN}', "is not valid JSON"),
        ("\ud800", "must be valid Unicode text"),
        (42, "must be JSON text"),
    ],
)
def test_from_json_refuses_what_is_not_a_json_object(data: object, message: str) -> None:
    problems = _problems(CloudEventEnvelope.from_json(data))

    assert [problem.loc for problem in problems] == [()]
    assert message in problems[0].message


def test_from_json_names_every_missing_required_attribute() -> None:
    actual = CloudEventEnvelope.from_json(b"{}")

    assert [(problem.loc, problem.type) for problem in _problems(actual)] == [
        (("specversion",), "missing"),
        (("id",), "missing"),
        (("source",), "missing"),
        (("type",), "missing"),
        (("time",), "missing"),
        (("schemaversion",), "missing"),
        (("data",), "missing"),
    ]


@pytest.mark.parametrize(
    ("attribute", "value", "kind"),
    [
        ("specversion", "0.3", "literal_error"),
        ("specversion", 1.0, "literal_error"),
        ("id", 7, "string_type"),
        ("source", "", "string_too_short"),
        ("type", "a\x00b", "string_unstorable"),
        ("time", 1_700_000_000, "datetime_type"),
        ("time", "yesterday", "datetime_from_date_parsing"),
        ("time", "2026-03-04T05:06:07", "timezone_aware"),
        ("time", "9999-12-31T23:30:00-01:00", "datetime_range"),
        ("datacontenttype", "text/plain", "content_type"),
        ("schemaversion", 0, "int_range"),
        ("schemaversion", 2**31, "int_range"),
        ("schemaversion", 2.0, "int_type"),
        ("schemaversion", True, "int_type"),
        ("schemaversion", "02", "int_type"),
        ("aggregateversion", -1, "int_range"),
        ("tenantid", "t" * 65, "tenant_id"),
        ("tenantid", "", "string_too_short"),
        ("data", [1, 2], "dict_type"),
        ("data", "text", "dict_type"),
    ],
)
def test_from_json_refuses_an_attribute_with_a_value_it_does_not_take(
    attribute: str, value: object, kind: str
) -> None:
    actual = CloudEventEnvelope.from_json(_structured(**{attribute: value}))

    assert [(problem.loc, problem.type) for problem in _problems(actual)] == [((attribute,), kind)]


def test_from_json_reports_every_problem_at_once() -> None:
    actual = CloudEventEnvelope.from_json(_structured(id="", correlationid=5, data=None))

    assert _locations(actual) == [("id",), ("correlationid",), ("data",)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        ("2147483647", 2**31 - 1),
    ],
)
def test_from_json_reads_an_integer_in_its_canonical_string_form(value: str, expected: int) -> None:
    actual = CloudEventEnvelope.from_json(_structured(aggregateversion=value)).unwrap()

    assert actual.aggregate_version == expected


@pytest.mark.parametrize(
    "value",
    ["application/json; charset=utf-8", "application/vnd.example+json", "TEXT/JSON"],
)
def test_from_json_takes_any_json_media_type(value: str) -> None:
    actual = CloudEventEnvelope.from_json(_structured(datacontenttype=value)).unwrap()

    assert actual.data_content_type == value


def test_from_json_reads_a_time_with_an_offset_as_the_same_instant_in_utc() -> None:
    actual = CloudEventEnvelope.from_json(_structured(time="2026-03-04T07:06:07.891011+02:00"))

    assert actual.unwrap().time == _AT
    assert actual.unwrap().time.tzinfo is UTC


# -- binary mode over AMQP --------------------------------------------------------------------
def test_to_amqp_puts_attributes_in_prefixed_properties_and_the_data_in_the_body() -> None:
    actual = _envelope().to_amqp()

    assert actual == AMQPMessage(
        application_properties={
            "cloudEvents_specversion": "1.0",
            "cloudEvents_id": str(_EVENT_ID),
            "cloudEvents_source": "/generation",
            "cloudEvents_type": "unit_app.envelope.job_started",
            "cloudEvents_time": "2026-03-04T05:06:07.891011Z",
            "cloudEvents_subject": "job-1",
            "cloudEvents_schemaversion": 3,
            "cloudEvents_aggregatetype": "job",
            "cloudEvents_aggregateversion": 4,
            "cloudEvents_correlationid": "flow-1",
            "cloudEvents_causationid": "command-1",
            "cloudEvents_tenantid": "tenant-1",
            "cloudEvents_actorid": "user-1",
            "cloudEvents_traceparent": _TRACEPARENT,
            "cloudEvents_tracestate": "vendor=opaque",
            "cloudEvents_partitionkey": "job-1",
        },
        content_type="application/json",
        body=b'{"job_id":"job-1","credits":5,"event_id":"' + str(_EVENT_ID).encode() + b'"}',
    )


def test_from_amqp_reads_what_to_amqp_writes() -> None:
    envelope = _envelope()

    actual = CloudEventEnvelope.from_amqp(envelope.to_amqp())

    assert actual == Success(envelope)


def _binary(**changes: object) -> AMQPMessage:
    message = _envelope().to_amqp()
    properties = dict(message.application_properties)
    for name, value in changes.items():
        if value is _ABSENT:
            del properties[name]
        else:
            properties[name] = value
    return AMQPMessage(
        application_properties=properties, content_type=message.content_type, body=message.body
    )


def test_from_amqp_reads_the_colon_separator_and_ignores_other_properties() -> None:
    message = _envelope().to_amqp()
    properties: dict[str, object] = {
        "cloudEvents:" + name.removeprefix("cloudEvents_"): value
        for name, value in message.application_properties.items()
    }
    properties |= {"x-death": "elsewhere", "cloudevents_id": "wrong case", "cloudEvents": "x"}

    actual = CloudEventEnvelope.from_amqp(
        AMQPMessage(
            application_properties=properties,
            content_type=message.content_type,
            body=message.body,
        )
    )

    assert actual == Success(_envelope())


def test_from_amqp_refuses_a_message_that_mixes_separators() -> None:
    actual = CloudEventEnvelope.from_amqp(_binary(**{"cloudEvents:tenantid": "tenant-1"}))

    assert _locations(actual) == [("application-properties",)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_772_600_767_891, datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)),
        (datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),
        (datetime(2026, 3, 4, 5, 6, 7), datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),  # noqa: DTZ001 (a client's zone-less AMQP timestamp)
        (
            datetime(2026, 3, 4, 7, 6, 7, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        ),
        ("2026-03-04T05:06:07Z", datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),
    ],
)
def test_from_amqp_reads_a_native_amqp_timestamp_or_its_text(
    value: object, expected: datetime
) -> None:
    actual = CloudEventEnvelope.from_amqp(_binary(cloudEvents_time=value)).unwrap()

    assert actual.time == expected
    assert actual.time.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (10**20, "datetime_range"),
        (-(10**15), "datetime_range"),
        (1.5, "datetime_type"),
        (True, "datetime_type"),
    ],
)
def test_from_amqp_refuses_a_timestamp_out_of_range_or_of_another_type(
    value: object, kind: str
) -> None:
    actual = CloudEventEnvelope.from_amqp(_binary(cloudEvents_time=value))

    assert [(problem.loc, problem.type) for problem in _problems(actual)] == [(("time",), kind)]


def test_from_amqp_reads_integers_sent_as_their_canonical_text() -> None:
    actual = CloudEventEnvelope.from_amqp(
        _binary(cloudEvents_schemaversion="3", cloudEvents_aggregateversion="4")
    )

    assert actual == Success(_envelope())


def test_from_amqp_takes_the_content_type_over_a_property_of_that_name() -> None:
    actual = CloudEventEnvelope.from_amqp(_binary(cloudEvents_datacontenttype="text/plain"))

    assert actual == Success(_envelope())


def test_from_amqp_takes_the_body_over_a_property_named_data() -> None:
    actual = CloudEventEnvelope.from_amqp(_binary(cloudEvents_data="not the data"))

    assert actual == Success(_envelope())


def test_from_amqp_takes_a_message_without_a_content_type_as_json() -> None:
    message = _envelope().to_amqp()

    actual = CloudEventEnvelope.from_amqp(
        AMQPMessage(
            application_properties=message.application_properties,
            content_type=None,
            body=message.body,
        )
    )

    assert actual == Success(_envelope())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "data is not valid JSON"),
        (b"[]", "data must be a JSON object"),
        (b"", "data is not valid JSON"),
    ],
)
def test_from_amqp_refuses_a_body_that_is_not_a_json_object(body: bytes, message: str) -> None:
    envelope = _envelope().to_amqp()

    problems = _problems(
        CloudEventEnvelope.from_amqp(
            AMQPMessage(
                application_properties=envelope.application_properties,
                content_type="application/json",
                body=body,
            )
        )
    )

    assert [problem.loc for problem in problems] == [("data",)]
    assert problems[0].message.startswith(message)


def test_from_amqp_names_every_missing_attribute_of_a_message_without_properties() -> None:
    actual = CloudEventEnvelope.from_amqp(
        AMQPMessage(application_properties={}, content_type="application/json", body=b"{}")
    )

    assert _locations(actual) == [
        ("specversion",),
        ("id",),
        ("source",),
        ("type",),
        ("time",),
        ("schemaversion",),
    ]


@pytest.mark.parametrize(
    "content_type", ["application/cloudevents+json", "Application/CloudEvents+JSON; charset=utf-8"]
)
def test_from_amqp_reads_a_structured_message_from_its_body(content_type: str) -> None:
    message = AMQPMessage(
        application_properties={"cloudEvents_id": "ignored in structured mode"},
        content_type=content_type,
        body=_envelope().to_json(),
    )

    actual = CloudEventEnvelope.from_amqp(message)

    assert actual == Success(_envelope())


def test_from_amqp_refuses_a_structured_message_in_a_format_other_than_json() -> None:
    message = AMQPMessage(
        application_properties={}, content_type="application/cloudevents+avro", body=b"\x00"
    )

    actual = CloudEventEnvelope.from_amqp(message)

    assert _locations(actual) == [("content-type",)]


# -- consuming --------------------------------------------------------------------------------
def test_context_continues_the_flow_with_this_event_as_the_cause() -> None:
    envelope = CloudEventEnvelope.from_json(_envelope().to_json()).unwrap()

    actual = envelope.context()

    assert actual == RequestContext(
        correlation_id="flow-1",
        causation_id=str(_EVENT_ID),
        tenant_id="tenant-1",
        actor_id="user-1",
        traceparent=_TRACEPARENT,
        tracestate="vendor=opaque",
    )


def test_context_starts_the_flow_at_this_event_when_the_producer_sent_no_correlation_id() -> None:
    envelope = _envelope(headers={})

    actual = envelope.context()

    assert actual == RequestContext(correlation_id=str(_EVENT_ID), causation_id=str(_EVENT_ID))


def test_event_reads_the_typed_event_from_the_data() -> None:
    event = JobStarted(job_id="job-1", credits=5, occurred_at=_AT)
    row = OutboxMessage.from_event(event, context=RequestContext(correlation_id="flow-1"))
    envelope = CloudEventEnvelope.from_outbox(row, source="/generation")

    read = CloudEventEnvelope.from_json(envelope.to_json()).unwrap()

    actual = read.event()

    assert actual == Success(event)


def test_event_upcasts_data_of_an_older_schema_version() -> None:
    old = {"job": "job-1", "cost_in_credits": 5, "event_id": str(_EVENT_ID), "occurred_at": _AT}
    envelope = _envelope(schema_version=1, payload=old)
    read = CloudEventEnvelope.from_json(envelope.to_json()).unwrap()

    actual = read.event()

    assert actual == Success(
        JobStarted(job_id="job-1", credits=5, event_id=_EVENT_ID, occurred_at=_AT)
    )


def test_event_refuses_an_unknown_type_or_a_newer_schema_version() -> None:
    unknown = _envelope(event_type="unit_app.envelope.nobody").event()
    newer = _envelope(schema_version=4).event()

    assert isinstance(unknown.failure(), UnknownEventTypeError)
    assert isinstance(newer.failure(), UnknownEventTypeError)


def test_event_refuses_data_the_event_class_does_not_validate() -> None:
    actual = _envelope(payload={"job_id": "job-1", "credits": "many"}).event()

    assert _locations(actual) == [("payload", "credits")]
