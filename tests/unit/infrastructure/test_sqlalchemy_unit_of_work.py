"""Unit tests of the unit of work on a SQLAlchemy connection (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, NewType

import pytest
from pydantic import BaseModel, Field
from returns.result import Failure, Success
from sqlalchemy import Connection, MetaData, UniqueConstraint, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from creativeflow_shared.application import DocumentRepository, RequestContext, project, use_context
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    DomainEvent,
    Identity,
    UnavailableError,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)
from creativeflow_shared.infrastructure.sqlalchemy._transactions import Transactions

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy import Engine


class MeterId(Identity):
    """The id of a meter."""


class MeterRead(DomainEvent, event_type="unit_infra.uow.meter_read"):
    value: int


class MetersAudited(DomainEvent, event_type="unit_infra.uow.meters_audited"):
    count: int


class Meter(AggregateRoot[MeterId], aggregate_type="meter"):
    serial: str
    value: int = 0

    def read(self, value: int) -> None:
        self.value = value
        self.record(MeterRead(value=value))


class MeterRepository(DocumentRepository[Meter, MeterId]):
    projections = (project("serial", unique=True), project("value"))


class Reading(BaseModel):
    at: datetime
    amount: Decimal
    ratio: float
    tags: list[str]


class GaugeId(Identity):
    """The id of a gauge."""


class Gauge(AggregateRoot[GaugeId]):
    """An aggregate of values whose stored JSON may be spelled differently when read back."""

    name: str
    reading: Reading
    history: list[Reading] = Field(default_factory=list[Reading])
    note: str | None = None
    scale: float = 1.0


class GaugeRepository(DocumentRepository[Gauge, GaugeId]):
    projections = (project("reading.amount"),)


class UndeclaredRepository(DocumentRepository[Meter, MeterId]):
    """A repository whose table was never declared."""


TicketNumber = NewType("TicketNumber", int)


class Ticket(AggregateRoot[TicketNumber]):
    """An aggregate whose id is a ``NewType`` of ``int``."""

    title: str


class TicketRepository(DocumentRepository[Ticket, TicketNumber]):
    pass


_METADATA = MetaData()
_TICKETS = document_table(_METADATA, TicketRepository, name="unit_uow_tickets")
_METERS = document_table(_METADATA, MeterRepository, name="unit_uow_meters")
_OUTBOX = outbox_table(_METADATA, name="unit_uow_outbox")
document_table(_METADATA, GaugeRepository, name="unit_uow_gauges")

# The same table without an outbox.
_BARE_METADATA = MetaData()
document_table(_BARE_METADATA, MeterRepository, name="unit_uow_bare")

# The same table with a unique key checked only at COMMIT (PostgreSQL only).
_DEFERRED_METADATA = MetaData()
_DEFERRED_METERS = document_table(_DEFERRED_METADATA, MeterRepository, name="unit_uow_deferred")
for _constraint in _DEFERRED_METERS.constraints:
    if isinstance(_constraint, UniqueConstraint):
        _constraint.deferrable, _constraint.initially = True, "DEFERRED"


class DriverError(Exception):
    """A stand-in for a driver's exception, with SQLite's error name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sqlite_errorname = name


@pytest.fixture
def engine(unit_engine: Engine) -> Iterator[Engine]:
    """The engine with the meter and outbox tables created."""
    _METADATA.drop_all(unit_engine)
    _METADATA.create_all(unit_engine)
    yield unit_engine
    _METADATA.drop_all(unit_engine)


def _meter(serial: str) -> Meter:
    return Meter(id=MeterId.new(), serial=serial)


def _count(engine: Engine, table_name: str) -> int:
    table = _METADATA.tables[table_name]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _stored(engine: Engine, *meters: Meter) -> None:
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        for meter in meters:
            uow.repository(MeterRepository).add(meter)
        assert uow.commit() == Success(None)


# -- the connection -----------------------------------------------------------------------------
def test_a_block_on_an_engine_checks_out_a_connection_and_returns_it_at_the_end(
    engine: Engine,
) -> None:
    uow = SQLAlchemyUnitOfWork(engine, _METADATA)

    with uow:
        connection = uow.connection
        closed_in_the_block = connection.closed

    assert (closed_in_the_block, connection.closed) == (False, True)
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _ = uow.connection


def test_the_connection_outside_a_block_is_refused(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _ = SQLAlchemyUnitOfWork(engine, _METADATA).connection


def test_each_block_on_an_engine_has_its_own_connection(engine: Engine) -> None:
    uow = SQLAlchemyUnitOfWork(engine, _METADATA)
    with uow:
        first = uow.connection
    with uow:
        second = uow.connection

    assert first is not second


def test_a_given_connection_is_used_and_left_open(engine: Engine) -> None:
    meter = _meter("m-1")

    with engine.connect() as connection:
        with SQLAlchemyUnitOfWork(connection, _METADATA) as uow:
            assert uow.connection is connection
            uow.repository(MeterRepository).add(meter)
            assert uow.commit() == Success(None)
        left_open = not connection.closed
        in_transaction = connection.in_transaction()

    assert (left_open, in_transaction) == (True, False)
    assert _count(engine, "unit_uow_meters") == 1


def test_a_given_connection_is_rolled_back_when_the_block_did_not_commit(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        with SQLAlchemyUnitOfWork(connection, _METADATA) as uow:
            uow.repository(MeterRepository).add(_meter("m-1"))
            uow.repository(MeterRepository).find()  # starts the transaction
        in_transaction = connection.in_transaction()
        counted = connection.execute(select(func.count()).select_from(_METERS)).scalar_one()
        connection.rollback()

    assert (in_transaction, counted) == (False, 0)


def test_committing_or_rolling_back_a_block_that_sent_nothing_sends_nothing(
    engine: Engine,
) -> None:
    sent: list[str] = []

    def on_commit(_: Connection) -> None:
        sent.append("COMMIT")

    def on_rollback(_: Connection) -> None:
        sent.append("ROLLBACK")

    with engine.connect() as connection:
        event.listen(connection, "commit", on_commit)
        event.listen(connection, "rollback", on_rollback)
        with SQLAlchemyUnitOfWork(connection, _METADATA) as uow:
            committed = uow.commit()
            uow.rollback()
        silent = list(sent)
        with SQLAlchemyUnitOfWork(connection, _METADATA) as uow:
            uow.repository(MeterRepository).find()
            uow.commit()

    assert (committed, silent) == (Success(None), [])
    assert sent == ["COMMIT"]


def test_releasing_a_unit_of_work_that_holds_no_connection_does_nothing(engine: Engine) -> None:
    uow = SQLAlchemyUnitOfWork(engine, _METADATA)

    uow._end()

    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _ = uow.connection


def test_a_repository_without_a_declared_table_is_a_lookup_error(engine: Engine) -> None:
    with (
        SQLAlchemyUnitOfWork(engine, _METADATA) as uow,
        pytest.raises(LookupError, match=r"document_table\(metadata, UndeclaredRepository\)"),
    ):
        uow.repository(UndeclaredRepository)


# -- commit -------------------------------------------------------------------------------------
def test_commit_writes_the_aggregate_and_its_outbox_rows_in_one_transaction(
    engine: Engine,
) -> None:
    meter = _meter("m-1")
    context = RequestContext(correlation_id="c-1", tenant_id="t-1")

    with use_context(context), SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(MeterRepository).add(meter)
        meter.read(7)
        uow.record(MetersAudited(count=1))
        committed = uow.commit()

    with engine.connect() as connection:
        rows = connection.execute(select(_OUTBOX).order_by(_OUTBOX.c.type)).mappings().all()
    assert committed == Success(None)
    assert [
        (r["aggregatetype"], r["aggregateid"], r["aggregateversion"], r["type"]) for r in rows
    ] == [
        ("meter", str(meter.id), 1, "unit_infra.uow.meter_read"),
        ("none", str(rows[1]["id"]), None, "unit_infra.uow.meters_audited"),
    ]
    first = rows[0]
    assert (first["schemaversion"], first["attempts"], first["status"]) == (1, 0, "pending")
    assert first["payload"]["value"] == 7
    assert first["headers"] == {"correlation_id": "c-1", "tenant_id": "t-1"}
    assert first["occurred_at"] == first["available_at"]
    assert first["published_at"] is None


def test_leaving_without_commit_writes_nothing(engine: Engine) -> None:
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        meter = _meter("m-1")
        uow.repository(MeterRepository).add(meter)
        meter.read(1)

    assert (_count(engine, "unit_uow_meters"), _count(engine, "unit_uow_outbox")) == (0, 0)


def test_a_failed_commit_rolls_back_what_it_wrote(engine: Engine) -> None:
    _stored(engine, _meter("taken"))

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(MeterRepository)
        fresh = _meter("fresh")
        repository.add(fresh)
        fresh.read(1)
        repository.add(_meter("taken"))
        actual = uow.commit()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), AlreadyExistsError)
    assert (_count(engine, "unit_uow_meters"), _count(engine, "unit_uow_outbox")) == (1, 0)


def test_a_second_writer_of_the_same_version_gets_a_conflict(engine: Engine) -> None:
    meter = _meter("m-1")
    _stored(engine, meter)

    with (
        SQLAlchemyUnitOfWork(engine, _METADATA) as first,
        SQLAlchemyUnitOfWork(engine, _METADATA) as second,
    ):
        first.repository(MeterRepository).get(meter.id).unwrap().read(1)
        second.repository(MeterRepository).get(meter.id).unwrap().read(2)
        assert first.commit() == Success(None)
        actual = second.commit()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), ConcurrencyConflictError)


def test_a_removal_or_a_change_frees_a_unique_value_for_a_new_aggregate(engine: Engine) -> None:
    removed, renamed = _meter("m-1"), _meter("m-2")
    _stored(engine, removed, renamed)

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(MeterRepository)
        repository.add(_meter("m-1"))
        repository.add(_meter("m-2"))
        repository.remove(repository.get(removed.id).unwrap())
        repository.get(renamed.id).unwrap().serial = "m-3"
        actual = uow.commit()

    with engine.connect() as connection:
        serials = connection.execute(select(_METERS.c.serial).order_by(_METERS.c.serial))
        stored = list(serials.scalars())
    assert actual == Success(None)
    assert stored == ["m-1", "m-2", "m-3"]


def test_a_removal_survives_reading_again_before_the_commit(engine: Engine) -> None:
    doomed, kept = _meter("m-1"), _meter("m-2")
    _stored(engine, doomed, kept)

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(MeterRepository)
        repository.remove(repository.get(doomed.id).unwrap())
        found = [m.id for m in repository.find(order_by=[where(Meter).serial.asc()])]
        assert uow.commit() == Success(None)

    assert found == [kept.id]
    assert _count(engine, "unit_uow_meters") == 1


def test_reading_aggregates_without_changing_them_writes_nothing(engine: Engine) -> None:
    # The JSON read back is the snapshot changes are detected against: JSONB may reorder keys
    # and respell numbers, yet an unchanged aggregate must not look changed.
    reading = Reading(
        at=datetime(2026, 3, 1, 12, 30, 0, 5, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        amount=Decimal("1.10"),
        ratio=1e16,
        tags=["\u00e9t\u00e9", "\U0001f600", ""],
    )
    gauge = Gauge(id=GaugeId.new(), name="g", reading=reading, history=[reading], scale=0.1)
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(GaugeRepository).add(gauge)
        assert uow.commit() == Success(None)

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(GaugeRepository)
        loaded = [repository.get(gauge.id).unwrap(), *repository.find()]
        committed = uow.commit()

    assert committed == Success(None)
    assert [g.version for g in loaded] == [1, 1]
    assert loaded[0] == gauge
    assert loaded[0].model_dump() == gauge.model_dump()


def test_a_unit_of_work_without_events_needs_no_outbox(unit_engine: Engine) -> None:
    _BARE_METADATA.drop_all(unit_engine)
    _BARE_METADATA.create_all(unit_engine)
    try:
        with SQLAlchemyUnitOfWork(unit_engine, _BARE_METADATA) as uow:
            uow.repository(MeterRepository).add(_meter("m-1"))
            actual = uow.commit()
    finally:
        _BARE_METADATA.drop_all(unit_engine)

    assert actual == Success(None)


# -- errors at COMMIT ---------------------------------------------------------------------------
def test_a_deferred_unique_violation_at_commit_is_a_failure_caused_by_the_driver_error(
    unit_postgres_engine: Engine,
) -> None:
    # PostgreSQL checks a DEFERRABLE INITIALLY DEFERRED key only at COMMIT (SQLite cannot defer
    # unique keys): both inserts succeed and the commit itself fails.
    engine = unit_postgres_engine
    _DEFERRED_METADATA.drop_all(engine)
    _DEFERRED_METADATA.create_all(engine)
    try:
        with SQLAlchemyUnitOfWork(engine, _DEFERRED_METADATA) as uow:
            repository = uow.repository(MeterRepository)
            repository.add(_meter("twin"))
            repository.add(_meter("twin"))
            committed = uow.commit()
            released = uow.collect_committed_events()
    finally:
        _DEFERRED_METADATA.drop_all(engine)

    error = committed.failure()
    assert isinstance(error, AlreadyExistsError)
    assert error.message.startswith("unique key '")
    assert isinstance(error.__cause__, IntegrityError)
    assert getattr(error.__cause__.orig, "sqlstate", None) == "23505"
    assert released == ()


def _fail_at_commit(monkeypatch: pytest.MonkeyPatch, commit: Callable[[object], None]) -> None:
    """Make whatever sends COMMIT raise (on PostgreSQL the unit of work sends it, ADR 0025)."""
    monkeypatch.setattr(Connection, "commit", commit)
    monkeypatch.setattr(Transactions, "commit", commit)


def test_a_busy_database_at_commit_raises_unavailable_from_the_driver_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A driver error of SQLite's kind, raised where the real one would be: by the COMMIT.
    busy = OperationalError("COMMIT", None, DriverError("SQLITE_BUSY"))

    def commit(_: object) -> None:
        raise busy

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(MeterRepository).add(_meter("m-1"))
        _fail_at_commit(monkeypatch, commit)
        with pytest.raises(UnavailableError) as caught:
            uow.commit()
        monkeypatch.undo()

    assert caught.value.__cause__ is busy
    assert caught.value.transient is True
    assert _count(engine, "unit_uow_meters") == 0


def test_an_untranslated_driver_error_at_commit_is_raised_as_it_is(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    failure = OperationalError("COMMIT", None, DriverError("SQLITE_IOERR"))

    def commit(_: object) -> None:
        raise failure

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(MeterRepository).add(_meter("m-1"))
        _fail_at_commit(monkeypatch, commit)
        with pytest.raises(OperationalError) as caught:
            uow.commit()
        monkeypatch.undo()

    assert caught.value is failure
    assert caught.value.__cause__ is None


def test_an_id_of_a_new_type_is_kept_in_a_column_of_its_supertype(engine: Engine) -> None:
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(TicketRepository).add(Ticket(id=TicketNumber(42), title="Render stuck"))
        assert uow.commit() == Success(None)

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        tickets = uow.repository(TicketRepository)
        by_id, by_text = tickets.get(TicketNumber(42)), tickets.get("42")
        invalid = tickets.get("forty-two")

    assert str(_TICKETS.c.id.type) in {"INTEGER", "BIGINT"}
    assert by_id.unwrap().title == by_text.unwrap().title == "Render stuck"
    assert invalid.failure().code == "invalid_input"
