"""Unit tests of the column types of projected attributes."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from pydantic import AwareDatetime, BaseModel, FutureDatetime, PastDatetime, RootModel
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    MetaData,
    Numeric,
    String,
    Table,
    Uuid,
    create_mock_engine,
    insert,
    select,
)

from creativeflow_shared.domain import Identity, Slug
from creativeflow_shared.infrastructure.sqlalchemy import ExactDecimal, UtcDateTime, column_type

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Dialects without engines: the type decorators only read their names.
_SQLITE = create_mock_engine("sqlite://", executor=None).dialect
_POSTGRESQL = create_mock_engine("postgresql+psycopg://", executor=None).dialect
_PARIS_SUMMER = timezone(timedelta(hours=2))


class TicketId(Identity):
    """The id of a ticket."""


class Seat(RootModel[int]):
    pass


class Tags(RootModel[list[int]]):
    pass


class Colour(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    SMALL = 1


class Shape(enum.Enum):
    """An enum of text values that does not derive from ``str``."""

    ROUND = "round"
    SQUARE = "square"


class Mixed(enum.Enum):
    ONE = 1
    TWO = "two"


class Flag(enum.Enum):
    YES = True


class Address(BaseModel):
    city: str


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (bool, Boolean),
        (int, BigInteger),
        (float, Float),
        (Decimal, ExactDecimal),
        (str, String),
        (uuid.UUID, Uuid),
        (datetime, UtcDateTime),
        (AwareDatetime, UtcDateTime),
        (PastDatetime, UtcDateTime),
        (FutureDatetime, UtcDateTime),
        (date, Date),
        (TicketId, Uuid),
        (Slug, String),
        (Seat, BigInteger),
        (Colour, String),
        (Size, BigInteger),
        (Shape, String),
        (Flag, Boolean),
    ],
)
def test_column_type_stores_a_type_in_its_natural_order(
    annotation: object, expected: type[object]
) -> None:
    actual = column_type(annotation)

    assert type(actual) is expected


@pytest.mark.parametrize(
    "annotation",
    [Address, Mixed, Tags, list[int], int | None, bytes],
    ids=["a nested model", "a mixed enum", "a root model of a list", "a list", "a union", "bytes"],
)
def test_column_type_refuses_a_type_without_a_column_type(annotation: object) -> None:
    with pytest.raises(TypeError, match="cannot project an attribute of type"):
        column_type(annotation)


# -- timestamps ---------------------------------------------------------------------------------
def test_an_aware_timestamp_is_bound_in_utc() -> None:
    value = datetime(2026, 7, 1, 12, 0, tzinfo=_PARIS_SUMMER)

    actual = UtcDateTime().process_bind_param(value, _SQLITE)

    assert actual == value
    assert actual is not None
    assert (actual.tzinfo, actual.hour) == (UTC, 10)


def test_a_naive_timestamp_and_none_are_bound_as_they_are() -> None:
    naive = datetime(2026, 7, 1, 12, 0)  # noqa: DTZ001 (the case under test)

    actual = (
        UtcDateTime().process_bind_param(naive, _SQLITE),
        UtcDateTime().process_bind_param(None, _SQLITE),
    )

    assert actual == (naive, None)


def test_a_naive_timestamp_read_back_is_in_utc() -> None:
    naive = datetime(2026, 7, 1, 10, 0)  # noqa: DTZ001 (what SQLite returns)

    actual = UtcDateTime().process_result_value(naive, _SQLITE)

    assert actual == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_an_aware_timestamp_and_none_are_read_back_as_they_are() -> None:
    aware = datetime(2026, 7, 1, 12, 0, tzinfo=_PARIS_SUMMER)

    actual = (
        UtcDateTime().process_result_value(aware, _POSTGRESQL),
        UtcDateTime().process_result_value(None, _POSTGRESQL),
    )

    assert actual == (aware, None)
    assert actual[0] is aware


def test_a_timestamp_survives_a_round_trip_through_sqlite_as_the_same_instant(
    unit_sqlite_engine: Engine,
) -> None:
    metadata = MetaData()
    table = Table("unit_types_moments", metadata, Column("at", UtcDateTime, primary_key=True))
    metadata.create_all(unit_sqlite_engine)
    moment = datetime(2026, 7, 1, 12, 0, 0, 123_456, tzinfo=_PARIS_SUMMER)

    with unit_sqlite_engine.begin() as connection:
        connection.execute(insert(table), {"at": moment})
        actual = connection.execute(select(table.c.at)).scalar_one()

    assert actual == moment
    assert actual.tzinfo is UTC


# -- decimals -----------------------------------------------------------------------------------
def test_a_decimal_column_is_a_double_on_sqlite() -> None:
    actual = ExactDecimal().load_dialect_impl(_SQLITE)

    assert isinstance(actual, Float)


def test_a_decimal_column_is_an_exact_numeric_on_postgresql() -> None:
    actual = ExactDecimal().load_dialect_impl(_POSTGRESQL)

    assert isinstance(actual, Numeric)
    assert not isinstance(actual, Float)


def test_a_decimal_is_bound_as_a_float_on_sqlite_and_as_itself_on_postgresql() -> None:
    value = Decimal("12.34")

    actual = (
        ExactDecimal().process_bind_param(value, _SQLITE),
        ExactDecimal().process_bind_param(value, _POSTGRESQL),
        ExactDecimal().process_bind_param(None, _SQLITE),
    )

    assert actual == (12.34, value, None)
    assert type(actual[0]) is float
    assert actual[1] is value


@pytest.mark.parametrize(
    ("stored", "expected"),
    [(12.34, Decimal("12.34")), (Decimal("0.10"), Decimal("0.10")), (7, Decimal(7)), (None, None)],
)
def test_a_decimal_is_read_back_as_a_decimal(stored: object, expected: Decimal | None) -> None:
    actual = ExactDecimal().process_result_value(stored, _SQLITE)

    assert actual == expected
    assert str(actual) == str(expected)
