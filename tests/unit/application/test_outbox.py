"""Unit tests of outbox messages built from domain events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from creativeflow_shared.application import (
    OUTBOX_NAME_MAX_LENGTH,
    OutboxMessage,
    RequestContext,
    use_context,
)
from creativeflow_shared.application._outbox import refuse_messages
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    DomainEvent,
    Identity,
    InvalidInputError,
)

_AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


class ParcelId(Identity):
    """The id of a parcel."""


class ParcelShipped(DomainEvent, event_type="unit_app.outbox.parcel_shipped", schema_version=2):
    carrier: str


class ClockTicked(DomainEvent, event_type="unit_app.outbox.clock_ticked"):
    tick: int


class Parcel(AggregateRoot[ParcelId], aggregate_type="parcel"):
    carrier: str = ""

    def ship(self, carrier: str) -> ParcelShipped:
        self.carrier = carrier
        return self.record(ParcelShipped(carrier=carrier, occurred_at=_AT))


def test_from_event_describes_an_aggregate_event_for_the_outbox() -> None:
    parcel = Parcel(id=ParcelId.new())
    event = parcel.ship("post")
    context = RequestContext(correlation_id="c-1", causation_id="m-0", tenant_id="t-1")

    actual = OutboxMessage.from_event(event, aggregate_version=3, context=context)

    assert actual == OutboxMessage(
        id=event.event_id,
        aggregate_type="parcel",
        aggregate_id=str(parcel.id),
        aggregate_version=3,
        event_type="unit_app.outbox.parcel_shipped",
        schema_version=2,
        payload=event.model_dump(mode="json"),
        headers={"correlation_id": "c-1", "causation_id": "m-0", "tenant_id": "t-1"},
        occurred_at=_AT,
    )


def test_from_event_leaves_absent_context_fields_out_of_the_headers() -> None:
    event = ClockTicked(tick=1)
    context = RequestContext(correlation_id="c-1", actor_id="a-1", traceparent="00-t-s-01")

    actual = OutboxMessage.from_event(event, context=context)

    assert actual.headers == {
        "correlation_id": "c-1",
        "actor_id": "a-1",
        "traceparent": "00-t-s-01",
    }


def test_from_event_puts_the_trace_state_in_the_headers_beside_the_trace_parent() -> None:
    event = ClockTicked(tick=1)
    context = RequestContext(
        correlation_id="c-1", traceparent="00-t-s-01", tracestate="vendor=opaque"
    )

    actual = OutboxMessage.from_event(event, context=context)

    assert actual.headers == {
        "correlation_id": "c-1",
        "traceparent": "00-t-s-01",
        "tracestate": "vendor=opaque",
    }


def test_from_event_files_an_event_without_an_aggregate_under_none_and_its_own_id() -> None:
    event = ClockTicked(tick=1)

    actual = OutboxMessage.from_event(event, context=RequestContext(correlation_id="c-1"))

    assert (actual.aggregate_type, actual.aggregate_id, actual.aggregate_version) == (
        "none",
        str(event.event_id),
        None,
    )


def test_from_event_takes_the_current_request_context_by_default() -> None:
    context = RequestContext.new(tenant_id="t-9")

    with use_context(context):
        actual = OutboxMessage.from_event(ClockTicked(tick=2))

    assert actual.headers == {"correlation_id": context.correlation_id, "tenant_id": "t-9"}


# -- what every store keeps -------------------------------------------------------------------
def _message(**changes: Any) -> OutboxMessage:
    event = ClockTicked(tick=1, occurred_at=_AT)
    message = OutboxMessage.from_event(event, context=RequestContext(correlation_id="c-1"))
    return replace(message, **changes)


def test_refuse_messages_keeps_messages_every_store_keeps() -> None:
    assert refuse_messages([_message(), _message()]) is None


def test_refuse_messages_refuses_an_event_written_twice() -> None:
    message = _message()

    actual = refuse_messages([message, message])

    assert isinstance(actual, AlreadyExistsError)


def test_refuse_messages_names_every_payload_and_name_no_store_keeps() -> None:
    messages = [
        _message(),
        _message(payload={"note": "nul\x00"}),
        _message(event_type="e" * (OUTBOX_NAME_MAX_LENGTH + 1)),
    ]

    actual = refuse_messages(messages)

    assert isinstance(actual, InvalidInputError)
    assert [(problem.loc, problem.type) for problem in actual.field_errors] == [
        (("events", 1, "payload", "note"), "unstorable"),
        (("events", 2), "string_too_long"),
    ]
