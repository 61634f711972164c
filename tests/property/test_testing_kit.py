"""The public testing kit: its strategies yield valid values and plug into ``st.from_type``."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import pytest
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import AwareDatetime, BaseModel, Field

from creativeflow_shared.domain import (
    Currency,
    DomainEvent,
    Email,
    Identity,
    Money,
    NonEmptyStr,
    Percentage,
    Slug,
    TimeRange,
)
from creativeflow_shared.testing import (
    aware_datetimes,
    currencies,
    emails,
    events,
    identities,
    money,
    non_empty_strs,
    percentages,
    register_strategies,
    slugs,
    time_ranges,
)


class OrderId(Identity):
    pass


class JobId(Identity):
    pass


class SubOrderId(OrderId):
    """An id type derived from another id type."""


class JobQueued(DomainEvent, event_type="prop.kit.job_queued"):
    job_id: JobId
    owner: Email
    budget: Money
    queued_for: AwareDatetime | None
    priority: Annotated[int, Field(ge=0, le=9)]
    note: str = ""


VALUE_STRATEGIES: dict[str, tuple[st.SearchStrategy[BaseModel], type[BaseModel]]] = {
    "emails": (emails(), Email),
    "currencies": (currencies(), Currency),
    "money": (money(), Money),
    "money-in-yen": (money("JPY"), Money),
    "money-in-dinar": (money(Currency("KWD")), Money),
    "slugs": (slugs(), Slug),
    "non_empty_strs": (non_empty_strs(), NonEmptyStr),
    "percentages": (percentages(), Percentage),
    "time_ranges": (time_ranges(), TimeRange),
    "identities": (identities(OrderId), OrderId),
    "events": (events(JobQueued), JobQueued),
}
BUILT_IN_TYPES: list[type[BaseModel]] = [
    Currency,
    Email,
    Money,
    NonEmptyStr,
    Percentage,
    Slug,
    TimeRange,
    OrderId,
    JobId,
]


# -- every strategy yields valid values ----------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "expected_type"), VALUE_STRATEGIES.values(), ids=list(VALUE_STRATEGIES)
)
@given(data=st.data())
def test_a_strategy_yields_valid_instances_of_its_type(
    values: st.SearchStrategy[BaseModel], expected_type: type[BaseModel], data: st.DataObject
) -> None:
    value = data.draw(values)

    revalidated = expected_type.model_validate(value.model_dump())
    from_json = expected_type.model_validate_json(value.model_dump_json())

    assert type(value) is expected_type
    assert revalidated == value
    assert from_json == value


@given(amount=money("jpy", max_abs_amount=Decimal(500)))
def test_money_keeps_to_the_currency_and_the_bound_it_is_given(amount: Money) -> None:
    assert amount.currency == Currency("JPY")
    assert abs(amount.amount) <= 500


@given(amount=money("EUR", max_abs_amount=Decimal("0.05")))
def test_money_bounds_may_be_fractions_of_a_unit(amount: Money) -> None:
    assert abs(amount.minor_units) <= 5


def test_money_includes_negative_amounts_and_amounts_with_cents() -> None:
    negative = find(money(), lambda amount: amount.is_negative)
    with_cents = find(money("EUR"), lambda amount: amount.minor_units % 100 != 0)

    assert negative.is_negative
    assert with_cents.amount != with_cents.amount.to_integral_value()


@given(amount=money(max_abs_amount=Decimal(0)))
def test_money_with_a_bound_of_zero_yields_only_zero(amount: Money) -> None:
    assert amount.is_zero


@pytest.mark.parametrize(
    "bound", [Decimal(-1), Decimal(10**15), Decimal("NaN"), Decimal("Infinity")], ids=str
)
def test_money_refuses_a_bound_outside_what_money_holds(bound: Decimal) -> None:
    with pytest.raises(InvalidArgument):
        money(max_abs_amount=bound)


def test_money_refuses_an_unknown_currency() -> None:
    with pytest.raises(InvalidArgument):
        money("XYZ")


@given(moment=aware_datetimes())
def test_aware_datetimes_are_timezone_aware_and_within_the_century(moment: datetime) -> None:
    assert moment.tzinfo is not None
    assert moment.utcoffset() is not None
    assert 2000 <= moment.year <= 2100


def test_aware_datetimes_include_offsets_other_than_utc() -> None:
    moment = find(aware_datetimes(), lambda moment: moment.utcoffset() != timedelta(0))

    assert moment.utcoffset() != timedelta(0)


def test_time_ranges_include_empty_ones() -> None:
    empty = find(time_ranges(), lambda span: span.duration == timedelta(0))

    assert empty.start == empty.end


@given(id_type=st.sampled_from([OrderId, JobId, SubOrderId]), data=st.data())
def test_identities_yields_ids_of_the_requested_type(
    id_type: type[Identity], data: st.DataObject
) -> None:
    value = data.draw(identities(id_type))

    assert type(value) is id_type


def test_identities_include_uuid7_and_other_uuids() -> None:
    version_7 = find(identities(OrderId), lambda order_id: order_id.value.version == 7)
    other = find(identities(OrderId), lambda order_id: order_id.value.version != 7)

    assert version_7.value.version == 7
    assert other.value.version != 7


# -- events ------------------------------------------------------------------------------------
@given(event=events(JobQueued))
def test_events_honour_field_types_and_constraints(event: JobQueued) -> None:
    assert type(event) is JobQueued
    assert type(event.job_id) is JobId
    assert 0 <= event.priority <= 9
    assert event.occurred_at.utcoffset() == timedelta(0)


@given(event=events(JobQueued, note=st.just("fixed"), priority=st.just(7)))
def test_events_use_the_overrides_given(event: JobQueued) -> None:
    assert (event.note, event.priority) == ("fixed", 7)


def test_events_refuse_overrides_for_fields_the_event_lacks() -> None:
    with pytest.raises(InvalidArgument, match="colour"):
        events(JobQueued, colour=st.just("red"))


def test_events_stamp_some_events_with_an_aggregate() -> None:
    stamped = find(events(JobQueued), lambda event: event.aggregate_id is not None)

    assert stamped.aggregate_id is not None


# -- registration with Hypothesis --------------------------------------------------------------
@pytest.mark.parametrize("value_type", BUILT_IN_TYPES, ids=lambda value_type: value_type.__name__)
@given(data=st.data())
def test_from_type_resolves_every_built_in_value_and_id_type(
    value_type: type[BaseModel], data: st.DataObject
) -> None:
    value = data.draw(st.from_type(value_type))

    assert type(value) is value_type


# To type checkers ``AwareDatetime`` is ``Annotated[datetime, ...]``; at runtime it is a class.
_AWARE_DATETIME: Any = AwareDatetime


@given(moment=st.from_type(_AWARE_DATETIME))
def test_from_type_resolves_aware_datetimes(moment: datetime) -> None:
    assert moment.utcoffset() is not None


def test_registering_again_picks_up_id_types_defined_since() -> None:
    class InvoiceId(Identity):
        pass

    register_strategies()
    invoice_id = find(st.from_type(InvoiceId), lambda _: True)

    assert type(invoice_id) is InvoiceId


def test_registering_again_keeps_a_strategy_registered_in_between() -> None:
    class TicketId(Identity):
        pass

    fixed = TicketId(UUID(int=1))
    register_strategies()
    st.register_type_strategy(TicketId, st.just(fixed))

    register_strategies()
    ticket_id = find(st.from_type(TicketId), lambda _: True)

    assert ticket_id == fixed


def test_hypothesis_finds_the_plugin_through_its_entry_point() -> None:
    (entry_point,) = importlib.metadata.entry_points(group="hypothesis", name="creativeflow_shared")

    assert entry_point.load() is register_strategies


@pytest.mark.parametrize(
    "first_import",
    [
        "import hypothesis",
        "import creativeflow_shared.testing",
        "import creativeflow_shared.testing._strategies",
    ],
    ids=["hypothesis-alone", "the-kit", "a-kit-module"],
)
def test_the_strategies_are_registered_whichever_is_imported_first(first_import: str) -> None:
    # A fresh interpreter: Hypothesis runs its plugins once, while it is first imported.
    script = (
        f"{first_import}\n"
        "import sys\n"
        "from hypothesis import find, strategies as st\n"
        "from creativeflow_shared.domain import Email\n"
        "assert 'creativeflow_shared.testing' in sys.modules\n"
        "print(type(find(st.from_type(Email), lambda _: True)).__name__)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "HYPOTHESIS_NO_PLUGINS"}

    completed = subprocess.run(  # noqa: S603 (this interpreter, running a fixed script)
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "Email"


def test_the_kit_without_hypothesis_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = importlib.util.find_spec("creativeflow_shared.testing._strategies")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "hypothesis", None)

    with pytest.raises(ImportError, match=r"creativeflow-shared-backend\[testing\]") as raised:
        spec.loader.exec_module(module)

    assert isinstance(raised.value.__cause__, ImportError)
