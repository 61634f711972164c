"""Unit tests of the SQL document store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from returns.result import Failure, Success
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Table,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from creativeflow_shared.application import (
    DocumentRepository,
    project,
)
from creativeflow_shared.application.ports import (
    RecordQuery,
    StoredRecord,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    Identity,
    InvalidInputError,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    ReferenceViolationError,
    SQLAlchemyDocumentStore,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection, Engine


class DeviceId(Identity):
    """The id of a device."""


class Device(AggregateRoot[DeviceId]):
    serial: str
    owner: int = 1
    enabled: bool = True
    level: int = 0


class DeviceRepository(DocumentRepository[Device, DeviceId]):
    projections = (
        project("serial", unique=True),
        project("owner"),
        project("enabled"),
        project("level"),
    )


_METADATA = MetaData()
_OWNERS = Table(
    "unit_store_owners", _METADATA, Column("id", Integer, primary_key=True, autoincrement=False)
)
_DEVICES = document_table(_METADATA, DeviceRepository, name="unit_store_devices")
_DEVICES.append_constraint(
    ForeignKeyConstraint(["owner"], [_OWNERS.c.id], name="fk_unit_store_devices_owner")
)
_DEVICES.append_constraint(CheckConstraint("level >= 0", name="ck_unit_store_devices_level"))
outbox_table(_METADATA, name="unit_store_outbox")


@pytest.fixture
def engine(unit_engine: Engine) -> Iterator[Engine]:
    """The engine with the tables created and owner 1 stored."""
    _METADATA.drop_all(unit_engine)
    _METADATA.create_all(unit_engine)
    with unit_engine.begin() as connection:
        connection.execute(insert(_OWNERS), [{"id": 1}, {"id": 2}])
    yield unit_engine
    _METADATA.drop_all(unit_engine)


@pytest.fixture
def postgres(unit_postgres_engine: Engine) -> Iterator[Engine]:
    """PostgreSQL alone (it refuses what SQLite keeps), with the tables created."""
    _METADATA.drop_all(unit_postgres_engine)
    _METADATA.create_all(unit_postgres_engine)
    yield unit_postgres_engine
    _METADATA.drop_all(unit_postgres_engine)


def _document(
    serial: str, *, version: int = 1, tenant_id: str | None = None, **projections: Any
) -> StoredRecord:
    device = Device(id=DeviceId.new(), serial=serial, **projections)
    return StoredRecord(
        id=device.id.root,
        version=version,
        tenant_id=tenant_id,
        data=device.model_dump(mode="json", exclude={"version"}),
        projections={
            "serial": device.serial,
            "owner": device.owner,
            "enabled": device.enabled,
            "level": device.level,
        },
    )


def _uuid(document: StoredRecord) -> uuid.UUID:
    assert isinstance(document.id, uuid.UUID)
    return document.id


def _changed(document: StoredRecord, **projections: Any) -> StoredRecord:
    data = {**document.data, **projections}
    return StoredRecord(
        id=document.id,
        version=document.version + 1,
        tenant_id=document.tenant_id,
        data=data,
        projections={**document.projections, **projections},
    )


def _store(connection: Connection) -> SQLAlchemyDocumentStore:
    return SQLAlchemyDocumentStore(connection, _DEVICES, DeviceRepository.storage)


def _inserted(engine: Engine, *documents: StoredRecord) -> None:
    with engine.connect() as connection:
        store = _store(connection)
        for document in documents:
            assert store.insert([document]) == Success(None)
        connection.commit()


def _row(engine: Engine, document: StoredRecord) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(_DEVICES).where(_DEVICES.c.id == document.id)).one()
    return dict(row._mapping)


# -- reading ------------------------------------------------------------------------------------
def test_an_inserted_document_is_read_back_with_its_version_tenant_and_data(
    engine: Engine,
) -> None:
    document = _document("s-1", tenant_id="t-1", level=4)
    _inserted(engine, document)

    with engine.connect() as connection:
        actual = _store(connection).get(document.id, None)

    assert actual == StoredRecord(document.id, 1, "t-1", document.data)


def test_an_inserted_document_fills_its_columns(engine: Engine) -> None:
    document = _document("s-1", level=4, enabled=False)

    _inserted(engine, document)

    row = _row(engine, document)
    assert (row["serial"], row["owner"], row["enabled"], row["level"]) == ("s-1", 1, False, 4)
    assert row["created_at"] == row["updated_at"]
    assert row["created_at"].tzinfo is not None


def test_get_of_another_tenant_or_a_missing_id_is_none(engine: Engine) -> None:
    document = _document("s-1", tenant_id="t-1")
    _inserted(engine, document)

    with engine.connect() as connection:
        store = _store(connection)
        actual = (
            store.get(document.id, "t-1") is not None,
            store.get(document.id, "t-2"),
            store.get(DeviceId.new().root, None),
        )

    assert actual == (True, None, None)


def test_find_filters_orders_and_windows(engine: Engine) -> None:
    levels = [n % 3 for n in range(6)]
    documents = [_document(f"s-{n}", level=lv, tenant_id="t-1") for n, lv in enumerate(levels)]
    _inserted(engine, *documents, _document("other", level=1, tenant_id="t-2"))
    level = where(Device).level
    query = RecordQuery(
        specification=level.ge(1),
        tenant_id="t-1",
        order_by=(level.desc(),),
        offset=1,
        limit=2,
    )
    expected = sorted(
        ((lv, d) for lv, d in zip(levels, documents, strict=True) if lv >= 1),
        key=lambda pair: (-pair[0], _uuid(pair[1])),
    )

    with engine.connect() as connection:
        store = _store(connection)
        found = store.find(query)
        counted = store.count(query)

    assert [d.id for d in found] == [d.id for _, d in expected[1:3]]
    assert counted == 4


def test_find_without_a_window_returns_every_match(engine: Engine) -> None:
    documents = [_document(f"s-{n}") for n in range(3)]
    _inserted(engine, *documents)

    with engine.connect() as connection:
        actual = _store(connection).find(RecordQuery())

    assert [d.id for d in actual] == sorted(_uuid(d) for d in documents)


def test_find_after_a_position_returns_the_rows_that_follow(engine: Engine) -> None:
    documents = [_document(f"s-{n}", level=n) for n in range(4)]
    _inserted(engine, *documents)
    keys = (where(Device).level.asc(),)

    with engine.connect() as connection:
        actual = _store(connection).find(
            RecordQuery(order_by=keys, after=(1, documents[1].id), limit=5)
        )

    assert [d.id for d in actual] == [documents[2].id, documents[3].id]


def test_stores_of_one_table_share_their_statements(engine: Engine) -> None:
    with engine.connect() as connection:
        first, second = _store(connection), _store(connection)

    assert first._statements is second._statements
    assert first._compiler is second._compiler


# -- inserting ----------------------------------------------------------------------------------
def test_inserting_a_taken_id_is_already_exists(engine: Engine) -> None:
    document = _document("s-1")
    _inserted(engine, document)
    twin = StoredRecord(document.id, 1, None, document.data, {**document.projections})
    twin.projections["serial"] = "s-2"

    with engine.connect() as connection:
        actual = _store(connection).insert([twin])

    assert isinstance(actual, Failure)
    error = actual.failure()
    assert isinstance(error, AlreadyExistsError)
    assert error.message == AlreadyExistsError("Device", document.id).message


def test_inserting_a_taken_unique_value_is_already_exists(engine: Engine) -> None:
    _inserted(engine, _document("s-1"))

    with engine.connect() as connection:
        actual = _store(connection).insert([_document("s-1")])

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), AlreadyExistsError)


def test_a_batch_of_documents_is_inserted_by_one_call(engine: Engine) -> None:
    documents = [_document(f"s-{n}") for n in range(3)]

    with engine.connect() as connection:
        actual = _store(connection).insert(documents)
        connection.commit()
        counted = _store(connection).count(RecordQuery())

    assert (actual, counted) == (Success(None), 3)


def test_a_document_the_database_refuses_is_invalid_input(postgres: Engine) -> None:
    # The repository refuses such values first; the store answers alike when sent one.
    document = _document("nul\x00")

    with postgres.connect() as connection:
        actual = _store(connection).insert([document])

    error = actual.failure() if isinstance(actual, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert error.field_errors[0].message == "Device holds a value the database cannot keep"


def test_a_change_the_database_refuses_is_invalid_input(postgres: Engine) -> None:
    document = _document("plain")
    with postgres.begin() as connection:
        connection.execute(insert(_OWNERS), [{"id": 1}])
    _inserted(postgres, document)

    with postgres.connect() as connection:
        actual = _store(connection).update(_changed(document, serial="nul\x00"), 1)

    error = actual.failure() if isinstance(actual, Failure) else None
    assert isinstance(error, InvalidInputError)
    assert error.field_errors[0].message == "Device holds a value the database cannot keep"


def test_a_clash_in_a_batch_names_the_clashing_document_where_the_database_says_it(
    engine: Engine,
) -> None:
    _inserted(engine, _document("taken"))
    clashing = _document("taken")

    with engine.connect() as connection:
        actual = _store(connection).insert([_document("free"), clashing, _document("also")])

    # PostgreSQL quotes the key's values, which name one document of the batch; SQLite not.
    named = clashing.id if engine.dialect.name == "postgresql" else "one of 3 new"
    assert isinstance(actual, Failure)
    assert actual.failure() == AlreadyExistsError("Device", named, key="serial")
    assert actual.failure().message == "Another Device holds this serial already"


def test_inserting_a_missing_reference_raises_a_reference_violation_from_the_driver_error(
    engine: Engine,
) -> None:
    with engine.connect() as connection, pytest.raises(ReferenceViolationError) as caught:
        _store(connection).insert([_document("s-1", owner=99)])

    assert isinstance(caught.value.__cause__, IntegrityError)


def test_inserting_a_row_the_database_refuses_otherwise_raises_the_driver_error(
    engine: Engine,
) -> None:
    with engine.connect() as connection, pytest.raises(IntegrityError) as caught:
        _store(connection).insert([_document("s-1", level=-1)])

    # As SQLAlchemy raised it: caused by the driver's error, not chained to itself.
    assert caught.value.__cause__ is caught.value.orig


# -- updating -----------------------------------------------------------------------------------
def test_updating_the_expected_version_replaces_the_document(engine: Engine) -> None:
    document = _document("s-1")
    _inserted(engine, document)
    changed = _changed(document, level=5, serial="s-9")

    with engine.connect() as connection:
        actual = _store(connection).update(changed, expected_version=1)
        connection.commit()

    row = _row(engine, document)
    assert actual == Success(True)
    assert (row["version"], row["level"], row["serial"], row["data"]["level"]) == (2, 5, "s-9", 5)
    assert row["updated_at"] >= row["created_at"]


def test_updating_another_version_or_a_missing_document_changes_nothing(engine: Engine) -> None:
    document = _document("s-1")
    _inserted(engine, document)

    with engine.connect() as connection:
        store = _store(connection)
        actual = (
            store.update(_changed(document, level=5), expected_version=7),
            store.update(_document("s-2"), expected_version=0),
        )
        connection.commit()

    assert actual == (Success(False), Success(False))
    assert _row(engine, document)["version"] == 1


def test_updating_onto_a_taken_unique_value_is_already_exists(engine: Engine) -> None:
    first, second = _document("s-1"), _document("s-2")
    _inserted(engine, first, second)

    with engine.connect() as connection:
        actual = _store(connection).update(_changed(second, serial="s-1"), expected_version=1)

    assert isinstance(actual, Failure)
    assert actual.failure() == AlreadyExistsError("Device", second.id, key="serial")


def test_updating_to_a_missing_reference_raises_a_reference_violation_from_the_driver_error(
    engine: Engine,
) -> None:
    document = _document("s-1")
    _inserted(engine, document)

    with engine.connect() as connection, pytest.raises(ReferenceViolationError) as caught:
        _store(connection).update(_changed(document, owner=99), expected_version=1)

    assert isinstance(caught.value.__cause__, IntegrityError)


def test_updating_to_a_row_the_database_refuses_otherwise_raises_the_driver_error(
    engine: Engine,
) -> None:
    document = _document("s-1")
    _inserted(engine, document)

    with engine.connect() as connection, pytest.raises(IntegrityError) as caught:
        _store(connection).update(_changed(document, level=-1), expected_version=1)

    # As SQLAlchemy raised it: caused by the driver's error, not chained to itself.
    assert caught.value.__cause__ is caught.value.orig


# -- deleting -----------------------------------------------------------------------------------
def test_deleting_the_expected_version_deletes_the_document(engine: Engine) -> None:
    document = _document("s-1")
    _inserted(engine, document)

    with engine.connect() as connection:
        actual = _store(connection).delete(document.id, expected_version=1, tenant_id=None)
        connection.commit()
        remaining = _store(connection).get(document.id, None)

    assert (actual, remaining) == (True, None)


def test_deleting_another_version_or_a_missing_document_deletes_nothing(engine: Engine) -> None:
    document = _document("s-1")
    _inserted(engine, document)

    with engine.connect() as connection:
        store = _store(connection)
        actual = (store.delete(document.id, 2, None), store.delete(DeviceId.new().root, 1, None))
        connection.commit()

    assert actual == (False, False)
    assert _row(engine, document)["version"] == 1


# -- through a repository -----------------------------------------------------------------------
def test_keyset_pages_walk_a_boolean_key(engine: Engine) -> None:
    devices = [Device(id=DeviceId.new(), serial=f"s-{n}", enabled=n % 2 == 0) for n in range(4)]
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        for device in devices:
            uow.repository(DeviceRepository).add(device)
        assert uow.commit() == Success(None)
    order = [where(Device).enabled.desc()]

    seen: list[DeviceId] = []
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(DeviceRepository)
        cursor: str | None = None
        while True:
            page = repository.page_after(cursor, order_by=order, limit=1).unwrap()
            seen += [device.id for device in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break

    expected = sorted(devices, key=lambda d: (not d.enabled, d.id.root))
    assert seen == [device.id for device in expected]
