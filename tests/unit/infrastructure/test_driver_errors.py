"""Unit tests of driver errors translated into the kernel's errors, raised by real drivers.

Each mapping is proven with the error the driver itself raises, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from creativeflow_shared.application.ports import Projection
from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    InvalidInputError,
    UnavailableError,
)
from creativeflow_shared.infrastructure.sqlalchemy import ReferenceViolationError, translate_error
from creativeflow_shared.infrastructure.sqlalchemy._errors import name_the_key, name_the_record

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy import Connection, Engine
    from sqlalchemy.sql import Executable

_METADATA = MetaData()
_PARENTS = Table(
    "unit_errors_parents",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("code", String(16), nullable=False, unique=True),
)
_CHILDREN = Table(
    "unit_errors_children",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("parent_id", Integer, ForeignKey(_PARENTS.c.id), nullable=False),
    Column("quantity", Integer, CheckConstraint("quantity >= 0"), nullable=False),
)


@pytest.fixture
def engine(unit_engine: Engine) -> Iterator[Engine]:
    """The engine with the two tables, holding parent 1 (code ``a``)."""
    _METADATA.drop_all(unit_engine)
    _METADATA.create_all(unit_engine)
    with unit_engine.begin() as connection:
        connection.execute(insert(_PARENTS), {"id": 1, "code": "a"})
    yield unit_engine
    _METADATA.drop_all(unit_engine)


def _raised(engine: Engine, statement: Executable) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(statement)
    return caught.value


def _raised_on(connection: Connection, statement: Executable) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught:
        connection.execute(statement)
    connection.rollback()
    return caught.value


def test_a_duplicate_primary_key_is_already_exists(engine: Engine) -> None:
    error = _raised(engine, insert(_PARENTS).values(id=1, code="b"))

    actual = translate_error(error, "Parent", 1)

    assert isinstance(actual, AlreadyExistsError)
    assert actual.message == "Parent '1' already exists"
    assert actual.transient is False


def test_a_duplicate_unique_value_is_already_exists(engine: Engine) -> None:
    error = _raised(engine, insert(_PARENTS).values(id=2, code="a"))

    actual = translate_error(error, "Parent", 2)

    assert isinstance(actual, AlreadyExistsError)
    assert actual.details == AlreadyExistsError("Parent", 2).details


def test_a_foreign_key_violation_is_a_reference_violation(engine: Engine) -> None:
    error = _raised(engine, insert(_CHILDREN).values(id=1, parent_id=99, quantity=1))

    actual = translate_error(error, "Child", 1)

    assert isinstance(actual, ReferenceViolationError)
    assert isinstance(actual, BusinessRuleViolationError)
    assert (actual.code, actual.message) == (
        "reference_violation",
        "Child '1' refers to a missing record",
    )


def test_deleting_a_referenced_row_is_a_reference_violation(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(_CHILDREN).values(id=1, parent_id=1, quantity=1))

    error = _raised(engine, _PARENTS.delete().where(_PARENTS.c.id == 1))

    assert isinstance(translate_error(error, "Parent", 1), ReferenceViolationError)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(insert(_CHILDREN).values(id=1, parent_id=1, quantity=-1), id="a check"),
        pytest.param(insert(_CHILDREN).values(id=1, parent_id=1, quantity=None), id="not null"),
        pytest.param(text("SELEC 1"), id="a syntax error"),
        pytest.param(select(text("missing_column")).select_from(_PARENTS), id="unknown column"),
    ],
)
def test_an_unrelated_driver_error_is_not_translated(engine: Engine, statement: Executable) -> None:
    error = _raised(engine, statement)

    assert translate_error(error, "Child", 1) is None


def test_a_serialization_failure_is_a_transient_unavailability(
    unit_postgres_engine: Engine,
) -> None:
    engine = unit_postgres_engine
    _METADATA.drop_all(engine)
    _METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(_PARENTS), {"id": 1, "code": "a"})
    rename = update(_PARENTS).where(_PARENTS.c.id == 1)
    try:
        with engine.connect() as mine, engine.connect() as theirs:
            mine.execution_options(isolation_level="REPEATABLE READ")
            mine.execute(select(_PARENTS.c.code))  # takes the snapshot
            theirs.execute(rename.values(code="theirs"))
            theirs.commit()
            error = _raised_on(mine, rename.values(code="mine"))
    finally:
        _METADATA.drop_all(engine)

    actual = translate_error(error, "Parent", 1)

    assert getattr(error.orig, "sqlstate", None) == "40001"
    assert isinstance(actual, UnavailableError)
    assert (actual.transient, actual.dependency) == (True, "database")


def test_a_lock_that_is_not_available_is_a_transient_unavailability(
    unit_postgres_engine: Engine,
) -> None:
    engine = unit_postgres_engine
    _METADATA.drop_all(engine)
    _METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(_PARENTS), {"id": 1, "code": "a"})
    try:
        with engine.connect() as mine, engine.connect() as theirs:
            theirs.execute(select(_PARENTS).with_for_update())
            error = _raised_on(mine, select(_PARENTS).with_for_update(nowait=True))
            theirs.rollback()
    finally:
        _METADATA.drop_all(engine)

    actual = translate_error(error, "Parent", 1)

    assert getattr(error.orig, "sqlstate", None) == "55P03"
    assert isinstance(actual, UnavailableError)
    assert actual.transient is True


def _raised_with(connection: Connection, statement: str, params: dict[str, object]) -> DBAPIError:
    with pytest.raises(DBAPIError) as caught:
        connection.execute(text(statement), params)
    connection.rollback()
    return caught.value


def test_a_statement_timeout_is_a_transient_unavailability(unit_postgres_engine: Engine) -> None:
    with unit_postgres_engine.connect() as connection:
        connection.execute(text("SET LOCAL statement_timeout = '10ms'"))
        error = _raised_on(connection, text("SELECT pg_sleep(1)"))

    actual = translate_error(error, "Parent", 1)

    assert getattr(error.orig, "sqlstate", None) == "57014"
    assert isinstance(actual, UnavailableError)
    assert actual.transient is True


@pytest.mark.parametrize(
    ("statement", "params", "sqlstate"),
    [
        pytest.param("SELECT CAST(:v AS text)", {"v": "nope\x00"}, None, id="NUL (driver)"),
        pytest.param("INSERT INTO short_texts VALUES (:v)", {"v": "nope"}, "22001", id="too long"),
        pytest.param("SELECT CAST(:v AS bigint) + 1", {"v": 2**63 - 1}, "22003", id="range"),
        pytest.param("SELECT CAST(:v AS integer)", {"v": "nope"}, "22P02", id="invalid text"),
        pytest.param("SELECT CAST(:v AS jsonb)", {"v": '"nope\\u0000"'}, "22P05", id="JSON"),
    ],
)
def test_a_value_the_database_cannot_keep_is_invalid_input_without_the_drivers_words(
    unit_postgres_engine: Engine, statement: str, params: dict[str, object], sqlstate: str | None
) -> None:
    with unit_postgres_engine.connect() as connection:
        connection.execute(text("CREATE TEMP TABLE IF NOT EXISTS short_texts (value varchar(2))"))
        connection.commit()
        error = _raised_with(connection, statement, params)

    actual = translate_error(error, "Parent", 1)

    assert getattr(error.orig, "sqlstate", None) == sqlstate
    assert isinstance(actual, InvalidInputError)
    assert actual.field_errors[0].message == "Parent holds a value the database cannot keep"
    assert "nope" not in repr(actual.details)


def test_a_lost_connection_is_a_transient_unavailability(unit_postgres_engine: Engine) -> None:
    with unit_postgres_engine.connect() as doomed, unit_postgres_engine.connect() as killer:
        pid = doomed.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.commit()
        error = _raised_on(doomed, text("SELECT 1"))

    actual = translate_error(error, "Parent", 1)

    assert error.connection_invalidated is True
    assert isinstance(actual, UnavailableError)


def test_a_busy_sqlite_database_is_a_transient_unavailability(tmp_path: Path) -> None:
    # No busy timeout: the second writer fails at once instead of waiting for the first.
    engine = create_engine(f"sqlite:///{tmp_path / 'busy.sqlite3'}", connect_args={"timeout": 0})
    _METADATA.create_all(engine)
    try:
        with engine.connect() as first, engine.connect() as second:
            first.execute(insert(_PARENTS).values(id=1, code="a"))  # holds the write lock
            error = _raised_on(second, insert(_PARENTS).values(id=2, code="b"))
            first.rollback()
    finally:
        engine.dispose()

    actual = translate_error(error, "Parent", 2)

    assert getattr(error.orig, "sqlite_errorname", None) == "SQLITE_BUSY"
    assert isinstance(actual, UnavailableError)
    assert actual.transient is True


class CodelessDriverError(Exception):
    """A driver error that names no SQLSTATE (as psycopg's errors raised before a query)."""

    sqlstate = None


def test_an_error_without_a_driver_code_is_not_translated() -> None:
    error = DBAPIError("SELECT 1", None, CodelessDriverError("no code"))

    assert translate_error(error, "Parent", 1) is None


def test_a_clash_the_database_does_not_name_keeps_its_error() -> None:
    serial = Projection(name="serial", path=("serial",), annotation=str, nullable=False)
    error = AlreadyExistsError("Device", "d-1")
    error.__cause__ = DBAPIError("INSERT", {}, Exception("a database that names no key"))

    named = name_the_key(error, {frozenset({"serial"}): serial}, "tenant_id")

    assert named is error


class _Diagnostics:
    def __init__(self, detail: str | None, table: str) -> None:
        self.message_detail = detail
        self.table_name = table


class QuotingDriverError(Exception):
    """A unique violation as psycopg reports it, with the detail that quotes the key."""

    sqlstate = "23505"

    def __init__(self, detail: str | None, table: str) -> None:
        super().__init__("duplicate key value violates unique constraint")
        self.diag = _Diagnostics(detail, table)


def _batch_clash(detail: str | None, table: str = "devices") -> AlreadyExistsError:
    error = AlreadyExistsError("Device", "one of 3 new", key="serial", per_tenant=True)
    error.__cause__ = DBAPIError("INSERT", {}, QuotingDriverError(detail, table))
    return error


_BATCH: list[tuple[object, dict[str, object]]] = [
    ("d-1", {"tenant_id": "t-1", "serial": "a, b", "enabled": True, "level": 3}),
    ("d-2", {"tenant_id": "t-1", "serial": "c", "enabled": False, "level": 3}),
    ("d-3", {"tenant_id": "t-1", "serial": "c", "enabled": True, "price": Decimal("1.50")}),
]


@pytest.mark.parametrize(
    ("detail", "named"),
    [
        pytest.param("Key (tenant_id, serial)=(t-1, a, b) already exists.", "d-1", id="text"),
        pytest.param('Key ("serial", enabled)=(c, f) already exists.', "d-2", id="bool false"),
        pytest.param("Key (serial, enabled)=(c, t) already exists.", "d-3", id="bool true"),
        pytest.param("Key (level, enabled)=(3, t) already exists.", "d-1", id="int"),
    ],
)
def test_a_batch_clash_names_the_record_whose_values_postgresql_quotes(
    detail: str, named: str
) -> None:
    error = _batch_clash(detail)

    found = name_the_record(error, "devices", [(id_, values.get) for id_, values in _BATCH])

    assert (found.identifier, found.key, found.per_tenant) == (named, "serial", True)
    assert found.__cause__ is error.__cause__


@pytest.mark.parametrize(
    "detail",
    [
        pytest.param("Key (serial)=(c) already exists.", id="two records hold it"),
        pytest.param("Key (serial)=(z) already exists.", id="no record holds it"),
        pytest.param("Key (price)=(1.50) already exists.", id="a value rendered otherwise"),
        pytest.param("Key (parent_id, position)=(x, 0) already exists.", id="a child's key"),
        pytest.param("something else entirely", id="no quote"),
        pytest.param(None, id="no detail"),
    ],
)
def test_a_batch_clash_no_single_record_matches_keeps_speaking_of_the_batch(
    detail: str | None,
) -> None:
    error = _batch_clash(detail)

    assert name_the_record(error, "devices", [(i, values.get) for i, values in _BATCH]) is error


def test_a_clash_in_another_table_names_no_record_though_a_column_name_matches() -> None:
    # A child row's key (its own table) quotes values a root row may hold by chance.
    error = _batch_clash("Key (serial)=(a, b) already exists.", table="device_parts")

    assert name_the_record(error, "devices", [(i, values.get) for i, values in _BATCH]) is error
