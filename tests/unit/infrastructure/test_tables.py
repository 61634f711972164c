"""Unit tests of the document and outbox tables declared on a service's ``MetaData``."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    create_mock_engine,
    inspect,
)
from sqlalchemy.dialects.postgresql import JSONB

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import AggregateRoot, Identity
from creativeflow_shared.infrastructure.sqlalchemy import (
    ExactDecimal,
    UtcDateTime,
    document_table,
    document_tables,
    json_column_type,
    outbox_of,
    outbox_table,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine, Table


class StepId(Identity):
    """The id of a job step."""


class Place(BaseModel):
    city: str


class JobStep(AggregateRoot[StepId]):
    code: str
    cost: Decimal
    order: int
    note: str | None = None
    place: Place | None = None


class JobStepRepository(DocumentRepository[JobStep, StepId]):
    projections = (
        project("code", unique=True, index=True),
        project("cost", index=True),
        project("order"),
        project("note", name="remark"),
    )


class Counter(AggregateRoot[int]):
    tenant_id: str


class CounterRepository(DocumentRepository[Counter, int]):
    pass


class Badge(AggregateRoot[int]):
    tenant_id: str
    code: str


class BadgeRepository(DocumentRepository[Badge, int]):
    projections = (project("code", unique=True),)


class Tag(AggregateRoot[str]):
    text: str


class TagRepository(DocumentRepository[Tag, str]):
    pass


class Label(AggregateRoot[str]):
    place: Place


class LabelRepository(DocumentRepository[Label, str]):
    projections = (project("place"),)


def _constraints(table: Table) -> dict[str, list[str]]:
    return {
        str(c.name): [column.name for column in c.columns]
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    }


def _indexes(table: Table) -> dict[str, list[str]]:
    return {str(i.name): [column.name for column in i.columns] for i in table.indexes}


# -- document tables ----------------------------------------------------------------------------
def test_a_document_table_has_the_document_columns_then_one_per_projection() -> None:
    table = document_table(MetaData(), JobStepRepository, name="unit_tables_steps")

    actual = [(c.name, type(c.type), c.nullable, c.primary_key) for c in table.columns]

    assert actual == [
        ("id", Uuid, False, True),
        ("tenant_id", String, True, False),
        ("version", Integer, False, False),
        ("created_at", UtcDateTime, False, False),
        ("updated_at", UtcDateTime, False, False),
        ("data", JSON, False, False),
        ("code", String, False, False),
        ("cost", ExactDecimal, False, False),
        ("order", BigInteger, False, False),
        ("remark", String, True, False),
    ]


def test_a_document_table_names_its_unique_constraints_and_indexes_after_itself() -> None:
    table = document_table(MetaData(), JobStepRepository, name="unit_tables_steps")

    assert _constraints(table) == {"uq_unit_tables_steps_code": ["code"]}
    assert _indexes(table) == {"ix_unit_tables_steps_cost": ["cost"]}


def test_a_tenant_owned_unique_projection_is_unique_within_each_tenant() -> None:
    table = document_table(MetaData(), BadgeRepository, name="unit_tables_badges")

    assert _constraints(table) == {"uq_unit_tables_badges_code": ["tenant_id", "code"]}
    assert [p.per_tenant for p in BadgeRepository.storage.projections] == [True]
    assert [p.per_tenant for p in JobStepRepository.storage.projections if p.unique] == [False]


def test_a_document_table_is_named_after_the_resource_by_default() -> None:
    table = document_table(MetaData(), JobStepRepository)

    assert table.name == "job_steps"


def test_a_document_table_keys_tenant_owned_aggregates_by_tenant_and_id() -> None:
    table = document_table(MetaData(), CounterRepository, name="unit_tables_counters")
    shared = document_table(MetaData(), JobStepRepository)

    assert type(table.c.id.type) is BigInteger
    assert [column.name for column in table.primary_key.columns] == ["tenant_id", "id"]
    assert table.c.tenant_id.nullable is False
    assert [column.name for column in shared.primary_key.columns] == ["id"]
    assert shared.c.tenant_id.nullable is True


def test_a_document_table_with_text_ids_has_a_text_key() -> None:
    table = document_table(MetaData(), TagRepository, name="unit_tables_tags")

    assert type(table.c.id.type) is String


def test_a_document_table_refuses_a_projection_without_a_column_type() -> None:
    with pytest.raises(TypeError, match="cannot project"):
        document_table(MetaData(), LabelRepository, name="unit_tables_labels")


def test_the_data_column_is_jsonb_on_postgresql_and_json_elsewhere() -> None:
    column_type = json_column_type()

    actual = (
        column_type.dialect_impl(create_mock_engine("postgresql+psycopg://", None).dialect),
        column_type.dialect_impl(create_mock_engine("sqlite://", None).dialect),
    )

    assert isinstance(actual[0], JSONB)
    assert isinstance(actual[1], JSON)
    assert not isinstance(actual[1], JSONB)


def test_document_tables_lists_the_declared_tables_by_repository() -> None:
    metadata = MetaData()
    steps = document_table(metadata, JobStepRepository, name="unit_tables_steps")
    counters = document_table(metadata, CounterRepository, name="unit_tables_counters")

    actual = document_tables(metadata)
    actual.clear()

    assert document_tables(metadata) == {JobStepRepository: steps, CounterRepository: counters}


def test_document_tables_of_a_metadata_without_any_is_empty() -> None:
    assert document_tables(MetaData()) == {}


# -- the outbox ---------------------------------------------------------------------------------
def test_the_outbox_uses_the_change_data_capture_column_names() -> None:
    table = outbox_table(MetaData(), name="unit_tables_outbox")

    actual = [(c.name, type(c.type), c.nullable) for c in table.columns]

    assert actual == [
        ("id", Uuid, False),
        ("aggregatetype", String, False),
        ("aggregateid", String, False),
        ("aggregateversion", BigInteger, True),
        ("type", String, False),
        ("schemaversion", Integer, False),
        ("payload", JSON, False),
        ("headers", JSON, False),
        ("occurred_at", UtcDateTime, False),
        ("available_at", UtcDateTime, False),
        ("published_at", UtcDateTime, True),
        ("attempts", Integer, False),
        ("last_error", Text, True),
        ("status", String, False),
        ("leased_by", String, True),
        ("leased_until", UtcDateTime, True),
    ]
    assert table.c.id.primary_key is True


def test_the_outbox_has_relay_and_per_aggregate_indexes() -> None:
    table = outbox_table(MetaData(), name="unit_tables_outbox")

    assert _indexes(table) == {
        "ix_unit_tables_outbox_status_available_at": ["status", "available_at"],
        "ix_unit_tables_outbox_unpublished": [
            "aggregatetype",
            "aggregateid",
            "aggregateversion",
            "id",
        ],
    }
    assert all(isinstance(index, Index) for index in table.indexes)
    unpublished = next(i for i in table.indexes if i.name == "ix_unit_tables_outbox_unpublished")
    for dialect in ("postgresql", "sqlite"):
        where = unpublished.dialect_options[dialect]["where"]
        assert str(where) == "status <> 'published'"


def test_the_outbox_is_named_outbox_by_default() -> None:
    assert outbox_table(MetaData()).name == "outbox"


def test_outbox_of_returns_the_declared_outbox() -> None:
    metadata = MetaData()
    table = outbox_table(metadata, name="unit_tables_outbox")

    assert outbox_of(metadata) is table


def test_outbox_of_a_metadata_without_an_outbox_is_a_lookup_error() -> None:
    metadata = MetaData()
    document_table(metadata, JobStepRepository, name="unit_tables_steps")

    with pytest.raises(LookupError, match=r"outbox_table\(metadata\)"):
        outbox_of(metadata)


def test_a_second_table_for_one_repository_is_refused() -> None:
    metadata = MetaData()
    document_table(metadata, JobStepRepository, name="unit_tables_steps")

    with pytest.raises(
        ValueError, match=r"JobStepRepository already has a table .*unit_tables_steps"
    ):
        document_table(metadata, JobStepRepository, name="unit_tables_other_steps")

    assert list(metadata.tables) == ["unit_tables_steps"]


def test_a_second_outbox_is_refused() -> None:
    metadata = MetaData()
    outbox_table(metadata, name="unit_tables_outbox")

    with pytest.raises(ValueError, match=r"already has an outbox table \(unit_tables_outbox\)"):
        outbox_table(metadata, name="unit_tables_other_outbox")

    assert list(metadata.tables) == ["unit_tables_outbox"]


# -- on a real database -------------------------------------------------------------------------
def test_the_tables_are_created_with_their_defaults(unit_engine: Engine) -> None:
    metadata = MetaData()
    document_table(metadata, JobStepRepository, name="unit_tables_steps")
    outbox_table(metadata, name="unit_tables_outbox")
    metadata.drop_all(unit_engine)
    metadata.create_all(unit_engine)
    try:
        inspector = inspect(unit_engine)
        unique = inspector.get_unique_constraints("unit_tables_steps")
        # PostgreSQL also lists the index behind each unique constraint.
        indexes = [
            i
            for i in inspector.get_indexes("unit_tables_steps")
            if "duplicates_constraint" not in i
        ]
        defaults = {
            c["name"]: str(c["default"])
            for c in inspector.get_columns("unit_tables_outbox")
            if c["default"] is not None
        }
    finally:
        metadata.drop_all(unit_engine)

    assert [(u["name"], u["column_names"]) for u in unique] == [
        ("uq_unit_tables_steps_code", ["code"])
    ]
    assert [(i["name"], i["column_names"]) for i in indexes] == [
        ("ix_unit_tables_steps_cost", ["cost"])
    ]
    assert sorted(defaults) == ["attempts", "status"]
    assert "pending" in defaults["status"]
