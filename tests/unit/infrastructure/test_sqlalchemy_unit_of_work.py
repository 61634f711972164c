"""Unit tests of the unit of work on a SQLAlchemy ``Session`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from typing_extensions import override

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

if TYPE_CHECKING:
    from collections.abc import Iterator

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


class UndeclaredRepository(DocumentRepository[Meter, MeterId]):
    """A repository whose table was never declared."""


_METADATA = MetaData()
_METERS = document_table(_METADATA, MeterRepository, name="unit_uow_meters")
_OUTBOX = outbox_table(_METADATA, name="unit_uow_outbox")

# The same table without an outbox.
_BARE_METADATA = MetaData()
document_table(_BARE_METADATA, MeterRepository, name="unit_uow_bare")

# The same table with a unique key checked only at COMMIT (PostgreSQL only).
_DEFERRED_METADATA = MetaData()
_DEFERRED_METERS = document_table(_DEFERRED_METADATA, MeterRepository, name="unit_uow_deferred")
for _constraint in _DEFERRED_METERS.constraints:
    if isinstance(_constraint, UniqueConstraint):
        _constraint.deferrable, _constraint.initially = True, "DEFERRED"


class TrackedSession(Session):
    """A session that counts how often it is closed."""

    closes = 0

    @override
    def close(self) -> None:
        self.closes += 1
        super().close()


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


# -- the session --------------------------------------------------------------------------------
def test_a_block_on_an_engine_opens_a_session_and_closes_it_at_the_end(engine: Engine) -> None:
    uow = SQLAlchemyUnitOfWork(engine, _METADATA)

    with uow:
        session = uow.session
        assert isinstance(session, Session)

    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _ = uow.session


def test_the_session_outside_a_block_is_refused(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="inside a `with` block"):
        _ = SQLAlchemyUnitOfWork(engine, _METADATA).session


def test_each_block_on_an_engine_has_its_own_session(engine: Engine) -> None:
    uow = SQLAlchemyUnitOfWork(engine, _METADATA)
    with uow:
        first = uow.session
    with uow:
        second = uow.session

    assert first is not second


def test_a_borrowed_session_is_used_and_left_open(engine: Engine) -> None:
    meter = _meter("m-1")

    with TrackedSession(engine) as session:
        with SQLAlchemyUnitOfWork(session, _METADATA) as uow:
            assert uow.session is session
            uow.repository(MeterRepository).add(meter)
            assert uow.commit() == Success(None)
        closes_after_the_block = session.closes
        still_usable = session.execute(select(func.count()).select_from(_METERS)).scalar_one()

    assert closes_after_the_block == 0
    assert still_usable == 1
    assert _count(engine, "unit_uow_meters") == 1


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
def test_a_deferred_unique_violation_at_commit_raises_already_exists_from_the_driver_error(
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
            with pytest.raises(AlreadyExistsError) as caught:
                uow.commit()
            released = uow.collect_committed_events()
    finally:
        _DEFERRED_METADATA.drop_all(engine)

    assert isinstance(caught.value.__cause__, IntegrityError)
    assert getattr(caught.value.__cause__.orig, "sqlstate", None) == "23505"
    assert released == ()


def test_a_busy_database_at_commit_raises_unavailable_from_the_driver_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A driver error of SQLite's kind, raised where the real one would be: by Session.commit.
    busy = OperationalError("COMMIT", None, DriverError("SQLITE_BUSY"))

    def commit(_: Session) -> None:
        raise busy

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(MeterRepository).add(_meter("m-1"))
        monkeypatch.setattr(Session, "commit", commit)
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

    def commit(_: Session) -> None:
        raise failure

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        uow.repository(MeterRepository).add(_meter("m-1"))
        monkeypatch.setattr(Session, "commit", commit)
        with pytest.raises(OperationalError) as caught:
            uow.commit()
        monkeypatch.undo()

    assert caught.value is failure
    assert caught.value.__cause__ is None
