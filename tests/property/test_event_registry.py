"""Events survive serialization, old payloads are upcast, and event types stay unique."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.domain import (
    Currency,
    DomainEvent,
    Email,
    EventRegistry,
    Identity,
    Money,
    NonEmptyStr,
    Percentage,
    Slug,
    TimeRange,
    UnknownEventTypeError,
    event_registry,
)
from creativeflow_shared.testing import aware_datetimes, events, non_empty_strs

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class OrderId(Identity):
    pass


class CustomerId(Identity):
    pass


class OrderPlaced(DomainEvent, event_type="prop.registry.order_placed"):
    order_id: OrderId
    customer_id: CustomerId
    customer: Email
    total: Money
    note: NonEmptyStr | None = None


class CampaignScheduled(DomainEvent, event_type="prop.registry.campaign_scheduled"):
    campaign: Slug
    window: TimeRange
    discount: Percentage
    currencies: list[Currency]


class CreditsCounted(DomainEvent, event_type="prop.registry.credits_counted"):
    workspace: str
    credits: int
    labels: dict[str, str]


class PromptSubmitted(DomainEvent, event_type="prop.registry.prompt_submitted", schema_version=3):
    """Version 1 named the text ``prompt``; version 3 added ``language``."""

    text: NonEmptyStr
    language: str


@event_registry.upcaster(PromptSubmitted.event_type, from_version=1)
def _prompt_becomes_text(payload: dict[str, Any]) -> dict[str, Any]:
    payload["text"] = payload.pop("prompt")
    return payload


@event_registry.upcaster(PromptSubmitted.event_type, from_version=2)
def _language_defaults_to_english(payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "language": "en"}


class StyleChosen(DomainEvent, event_type="prop.registry.style_chosen", schema_version=3):
    """Only the step from version 2 has an upcaster: version 1 payloads cannot be read."""

    style: str


event_registry.add_upcaster(StyleChosen.event_type, 2, lambda payload: payload)


class Renamed(DomainEvent, event_type="prop.registry.renamed", schema_version=2):
    """Version 1 had an untrimmed ``title``; its upcaster assumes the title is text."""

    name: str


@event_registry.upcaster(Renamed.event_type, from_version=1)
def _title_becomes_a_trimmed_name(payload: dict[str, Any]) -> dict[str, Any]:
    return {"name": payload.pop("title").strip(), **payload}


any_event = st.one_of(
    events(OrderPlaced), events(CampaignScheduled), events(CreditsCounted), events(PromptSubmitted)
)


def _envelope(event_type: str, schema_version: object, payload: object) -> str:
    return json.dumps(
        {"event_type": event_type, "schema_version": schema_version, "payload": payload}
    )


def _common_fields(event_id: UUID, occurred_at: datetime) -> dict[str, str]:
    return {"event_id": str(event_id), "occurred_at": occurred_at.isoformat()}


# -- round trips -------------------------------------------------------------------------------
@given(event=any_event)
def test_an_event_survives_a_json_round_trip_unchanged(event: DomainEvent) -> None:
    data = event_registry.to_json(event)

    restored = event_registry.from_json(data)

    assert restored == Success(event)
    assert type(restored.unwrap()) is type(event)


@given(event=any_event)
def test_an_event_survives_a_round_trip_through_json_text(event: DomainEvent) -> None:
    text = event_registry.to_json(event).decode()

    assert event_registry.from_json(text) == Success(event)


@given(event=any_event)
def test_an_event_survives_a_round_trip_through_its_payload(event: DomainEvent) -> None:
    payload = event_registry.to_payload(event)

    restored = event_registry.from_payload(event.event_type, event.schema_version, payload)

    assert restored == Success(event)


# -- upcasting ---------------------------------------------------------------------------------
@given(text=non_empty_strs(), event_id=st.uuids(), occurred_at=aware_datetimes())
def test_a_version_1_payload_is_upcast_through_version_2_to_the_current_class(
    text: NonEmptyStr, event_id: UUID, occurred_at: datetime
) -> None:
    payload = {"prompt": text.value, **_common_fields(event_id, occurred_at)}
    expected = PromptSubmitted(text=text, language="en", event_id=event_id, occurred_at=occurred_at)

    from_parts = event_registry.from_payload(PromptSubmitted.event_type, 1, payload)
    from_json = event_registry.from_json(_envelope(PromptSubmitted.event_type, 1, payload))

    assert from_parts == Success(expected)
    assert from_json == Success(expected)
    assert payload["prompt"] == text.value  # the caller's payload is left alone


@given(text=non_empty_strs(), event_id=st.uuids(), occurred_at=aware_datetimes())
def test_a_version_2_payload_takes_only_the_last_upcaster(
    text: NonEmptyStr, event_id: UUID, occurred_at: datetime
) -> None:
    payload = {"text": text.value, **_common_fields(event_id, occurred_at)}
    expected = PromptSubmitted(text=text, language="en", event_id=event_id, occurred_at=occurred_at)

    result = event_registry.from_json(_envelope(PromptSubmitted.event_type, 2, payload))

    assert result == Success(expected)


@given(style=st.text())
def test_a_missing_upcaster_link_gives_an_unknown_event_type_failure(style: str) -> None:
    payload = {"style": style}

    results = (
        event_registry.from_payload(StyleChosen.event_type, 1, payload),
        event_registry.from_json(_envelope(StyleChosen.event_type, 1, payload)),
    )

    for result in results:
        assert isinstance(result, Failure)
        assert isinstance(result.failure(), UnknownEventTypeError)


@given(event=any_event, newer_by=st.integers(min_value=1, max_value=2**70))
def test_a_newer_schema_version_gives_an_unknown_event_type_failure(
    event: DomainEvent, newer_by: int
) -> None:
    version = event.schema_version + newer_by
    payload = event_registry.to_payload(event)

    results = (
        event_registry.from_payload(event.event_type, version, payload),
        event_registry.from_json(_envelope(event.event_type, version, payload)),
    )

    for result in results:
        assert isinstance(result, Failure)
        assert isinstance(result.failure(), UnknownEventTypeError)


@given(event_type=st.text().filter(lambda name: name not in event_registry))
def test_an_unregistered_event_type_gives_an_unknown_event_type_failure(event_type: str) -> None:
    result = event_registry.from_json(_envelope(event_type, 1, {}))

    assert isinstance(result, Failure)
    assert isinstance(result.failure(), UnknownEventTypeError)


# -- unique names ------------------------------------------------------------------------------
def _define_event(event_type: str) -> type[DomainEvent]:
    class Impostor(DomainEvent, event_type=event_type):
        pass

    return Impostor


@given(taken=st.sampled_from([OrderPlaced, CampaignScheduled, CreditsCounted, PromptSubmitted]))
def test_defining_a_second_class_with_a_taken_event_type_raises_type_error(
    taken: type[DomainEvent],
) -> None:
    with pytest.raises(TypeError):
        _define_event(taken.event_type)

    assert event_registry.get(taken.event_type) is taken


def test_a_registry_refuses_to_register_an_event_type_twice() -> None:
    registry = EventRegistry()
    registry.register(OrderPlaced)

    with pytest.raises(TypeError):
        registry.register(OrderPlaced)

    assert registry.event_types == {OrderPlaced.event_type}


# -- regressions -------------------------------------------------------------------------------
@pytest.mark.parametrize("version", [True, 1.0], ids=["true", "float"])
def test_reading_json_refuses_a_schema_version_that_is_not_an_integer(version: object) -> None:
    event = CreditsCounted(workspace="w-1", credits=3, labels={})
    payload = event_registry.to_payload(event)

    from_parts = event_registry.from_payload(event.event_type, version, payload)
    from_json = event_registry.from_json(_envelope(event.event_type, version, payload))

    assert isinstance(from_parts, Failure)
    assert isinstance(from_json, Failure)


@given(title=st.one_of(st.none(), st.integers(), st.lists(st.text(), max_size=2)))
def test_an_old_payload_of_the_wrong_shape_for_its_upcaster_gives_a_failure(
    title: object,
) -> None:
    payload = {"title": title}

    results = (
        event_registry.from_payload(Renamed.event_type, 1, payload),
        event_registry.from_json(_envelope(Renamed.event_type, 1, payload)),
    )

    for result in results:
        assert isinstance(result, Failure)
