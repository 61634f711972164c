"""Numbers behave alike on every adapter: exact comparisons inside JSON, one rule for the rest.

Inside a stored JSON document, SQLite used to compare numbers through text (15 significant
digits), so ``0.1 + 0.2`` did not equal itself and ``2**70`` equalled 1. Non-finite numbers
and integers beyond 64 bits committed on one adapter and raised a driver error on another.
Now floats and integers compare exactly everywhere, and the values no store keeps are refused
by the model (non-finite numbers) or by the commit (anything a field typed ``Any`` holds), with
the same ``InvalidInputError`` on every adapter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError
from returns.result import Failure, Success
from sqlalchemy import MetaData

from creativeflow_shared.application import DocumentRepository
from creativeflow_shared.domain import (
    AggregateRoot,
    DomainEvent,
    Identity,
    InvalidInputError,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table

if TYPE_CHECKING:
    from returns.result import Result

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.testing import UnitOfWorkHarness


class GaugeId(Identity):
    pass


class Gauge(AggregateRoot[GaugeId]):
    score: float = 0.0
    counter: int = 0
    extra: Any = None


class GaugeRead(DomainEvent, event_type="integration.numbers.gauge_read"):
    value: float = 0.0
    raw: Any = None


class GaugeRepository(DocumentRepository[Gauge, GaugeId]):
    pass


GAUGE = where(Gauge)


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, GaugeRepository, name="numbers_gauges")
    outbox_table(tables, name="numbers_outbox")
    return tables


def _store(harness: UnitOfWorkHarness, *gauges: Gauge) -> None:
    with harness.open() as uow:
        for gauge in gauges:
            uow.repository(GaugeRepository).add(gauge)
        assert uow.commit() == Success(None)


def test_numbers_inside_json_compare_exactly(harness: UnitOfWorkHarness) -> None:
    third = Gauge(id=GaugeId.new(), score=0.1 + 0.2, counter=2**62 + 1)
    plain = Gauge(id=GaugeId.new(), score=0.3, counter=1)
    _store(harness, third, plain)

    with harness.open() as uow:
        gauges = uow.repository(GaugeRepository)
        actual = {
            "0.1 + 0.2": gauges.count(GAUGE.score.eq(0.1 + 0.2)),
            "0.3": gauges.count(GAUGE.score.eq(0.3)),
            "> 0.3": gauges.count(GAUGE.score.gt(0.3)),
            "2**62 + 1": gauges.count(GAUGE.counter.eq(2**62 + 1)),
            "2**62": gauges.count(GAUGE.counter.eq(2**62)),
            "1": gauges.count(GAUGE.counter.eq(1)),
            "> 2**62": gauges.count(GAUGE.counter.gt(2**62)),
        }

    assert actual == {
        "0.1 + 0.2": 1,
        "0.3": 1,
        "> 0.3": 1,
        "2**62 + 1": 1,
        "2**62": 0,
        "1": 1,
        "> 2**62": 1,
    }


def test_an_integer_beyond_64_bits_is_refused_by_every_adapter(harness: UnitOfWorkHarness) -> None:
    big = Gauge(id=GaugeId.new(), counter=2**70)
    small = Gauge(id=GaugeId.new(), counter=1)

    with harness.open() as uow:
        uow.repository(GaugeRepository).add(big)
        refused = uow.commit()
    _store(harness, small)
    with harness.open() as uow:
        matches = uow.repository(GaugeRepository).count(GAUGE.counter.eq(1))

    error = refused.failure() if isinstance(refused, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert error.field_errors[0].loc == ("counter",)
    assert matches == 1


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_number_is_refused_by_the_model_and_by_every_adapter(
    harness: UnitOfWorkHarness, number: float
) -> None:
    gauge = Gauge(id=GaugeId.new())
    with pytest.raises(ValidationError):
        Gauge(id=GaugeId.new(), score=number)
    with pytest.raises(ValidationError):
        gauge.score = number
    with pytest.raises(ValidationError):
        GaugeRead(value=number)
    gauge.extra = {"nested": [number]}  # ``Any`` is not validated: the commit refuses it
    evented = Gauge(id=GaugeId.new())
    evented.record(GaugeRead(raw=number))
    evented.record(GaugeRead(raw=[number]))  # every event that holds one is named

    outcomes: list[Result[None, CommitError]] = []
    for candidate in (gauge, evented):
        with harness.open() as uow:
            uow.repository(GaugeRepository).add(candidate)
            outcomes.append(uow.commit())
    with harness.open() as uow:
        stored = uow.repository(GaugeRepository).count()

    errors = [o.failure() for o in outcomes if isinstance(o, Failure)]
    assert [e.message for e in errors] == [
        "Gauge holds values no store keeps",
        "An event holds values no store keeps",
    ]
    assert [type(e) for e in errors] == [InvalidInputError, InvalidInputError]
    assert [
        [p.loc for p in e.field_errors] for e in errors if isinstance(e, InvalidInputError)
    ] == [
        [("extra", "nested", 0)],
        [("events", 0, "payload", "raw"), ("events", 1, "payload", "raw", 0)],
    ]
    assert stored == 0
    assert harness.outbox_messages() == []
