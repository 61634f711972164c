"""Unit tests of domain events and how their classes register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from creativeflow_shared.domain import DomainEvent, FixedClock, event_registry, use_clock


class CreditsSpent(DomainEvent, event_type="unit.event.credits_spent", schema_version=3):
    amount: int


class UnitEventNamedAfterItsClass(DomainEvent):
    """An event without an ``event_type`` keyword: its class name is its type."""


class TenantEvent(DomainEvent, abstract=True):
    """An intermediate base that is never published itself."""

    tenant: str


class TenantRenamed(TenantEvent, event_type="unit.event.tenant_renamed"):
    name: str


_NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


# -- class keywords and registration ----------------------------------------------------------
def test_the_event_type_and_schema_version_come_from_the_class_keywords() -> None:
    actual = (CreditsSpent.event_type, CreditsSpent.schema_version)

    assert actual == ("unit.event.credits_spent", 3)


def test_a_class_with_an_event_type_is_registered_under_it() -> None:
    assert event_registry.get("unit.event.credits_spent") is CreditsSpent


def test_the_event_type_defaults_to_the_class_name_and_the_version_to_1() -> None:
    actual = (UnitEventNamedAfterItsClass.event_type, UnitEventNamedAfterItsClass.schema_version)

    assert actual == ("UnitEventNamedAfterItsClass", 1)
    assert event_registry.get("UnitEventNamedAfterItsClass") is UnitEventNamedAfterItsClass


def test_an_abstract_event_class_is_not_registered() -> None:
    registered = {event_registry.get(name) for name in event_registry.event_types}

    assert TenantEvent not in registered
    assert "TenantEvent" not in event_registry


def test_a_subclass_of_an_abstract_event_class_is_registered_with_its_fields() -> None:
    event = TenantRenamed(tenant="acme", name="Acme Inc.")

    assert event_registry.get("unit.event.tenant_renamed") is TenantRenamed
    assert (event.tenant, event.name) == ("acme", "Acme Inc.")


def test_the_base_class_is_not_registered() -> None:
    assert "DomainEvent" not in event_registry


@pytest.mark.parametrize("schema_version", [0, -1, True, False, "2", 1.0, None])
def test_refuses_a_schema_version_that_is_not_a_positive_int(schema_version: Any) -> None:
    with pytest.raises(TypeError, match=r"BadVersion: schema_version must be an int >= 1"):

        class BadVersion(  # pyright: ignore[reportUnusedClass]
            DomainEvent, event_type="unit.event.bad_version", schema_version=schema_version
        ):
            pass

    assert "unit.event.bad_version" not in event_registry


def test_refuses_an_event_type_used_by_another_class() -> None:
    with pytest.raises(TypeError, match=r"'unit\.event\.credits_spent' of .* is already used by"):

        class Impostor(  # pyright: ignore[reportUnusedClass]
            DomainEvent, event_type="unit.event.credits_spent"
        ):
            pass

    assert event_registry.get("unit.event.credits_spent") is CreditsSpent


def test_refuses_an_empty_event_type() -> None:
    with pytest.raises(TypeError, match="Nameless needs a non-empty event_type"):

        class Nameless(DomainEvent, event_type=""):  # pyright: ignore[reportUnusedClass]
            pass

    assert "" not in event_registry


# -- instances --------------------------------------------------------------------------------
def test_occurred_at_comes_from_the_clock_in_use() -> None:
    with use_clock(FixedClock(_NEW_YEAR)):
        event = CreditsSpent(amount=5)

    assert event.occurred_at == _NEW_YEAR


def test_occurred_at_is_converted_to_utc() -> None:
    event = CreditsSpent(
        amount=5, occurred_at=datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))
    )

    assert event.occurred_at == _NEW_YEAR
    assert event.occurred_at.tzinfo is UTC


def test_a_naive_occurred_at_is_refused() -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 (a naive datetime is the input under test)

    with pytest.raises(ValidationError, match="timezone"):
        CreditsSpent(amount=5, occurred_at=naive)


def test_an_occurred_at_that_utc_cannot_represent_is_refused() -> None:
    too_early = datetime.min.replace(tzinfo=timezone(timedelta(hours=1)))

    with pytest.raises(ValidationError, match="out of the representable range"):
        CreditsSpent(amount=5, occurred_at=too_early)


def test_each_event_gets_its_own_uuid7_event_id() -> None:
    first, second = CreditsSpent(amount=5), CreditsSpent(amount=5)

    assert (first.event_id.version, second.event_id.version) == (7, 7)
    assert first.event_id < second.event_id


def test_the_aggregate_fields_are_empty_until_an_aggregate_records_the_event() -> None:
    event = CreditsSpent(amount=5)

    assert (event.aggregate_type, event.aggregate_id) == (None, None)


def test_an_event_is_frozen() -> None:
    event = CreditsSpent(amount=5)

    with pytest.raises(ValidationError, match="frozen"):
        setattr(event, "amount", 6)  # noqa: B010 (type checkers rightly refuse the plain assignment)

    assert event.amount == 5


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        CreditsSpent.model_validate({"amount": 5, "colour": "teal"})


def test_the_type_and_version_are_not_part_of_the_payload() -> None:
    event = CreditsSpent(amount=5, occurred_at=_NEW_YEAR)

    actual = event.model_dump(mode="json")

    assert actual == {
        "event_id": str(event.event_id),
        "occurred_at": "2026-01-01T00:00:00Z",
        "aggregate_type": None,
        "aggregate_id": None,
        "amount": 5,
    }
