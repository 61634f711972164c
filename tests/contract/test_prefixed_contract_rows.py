"""The contract rows under a table-name prefix: the whole repository contract, on SQL.

Runs that share one database (CI jobs of several services) give the data-mapper contract rows
names of their own with ``contract_rows(prefix)``; the rows, their repository and the outbox
then behave exactly as the default ones, side by side with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import inspect

from creativeflow_shared.testing import (
    ContractItemRow,
    RepositoryContract,
    contract_rows,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine, MetaData

    from creativeflow_shared.testing import ContractItemMapperRepository, UnitOfWorkHarness

ROWS = contract_rows("prefixed_ci_")


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    return ROWS.metadata


class _Prefixed:
    @pytest.fixture
    def repository_class(self) -> type[ContractItemMapperRepository]:
        return ROWS.repository


class TestPrefixedRowsOnSQLite(_Prefixed, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite")


class TestPrefixedRowsOnPostgreSQL(_Prefixed, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql")


def test_the_prefix_names_every_table_and_none_is_shared_with_the_default_rows() -> None:
    assert sorted(ROWS.metadata.tables) == [
        "prefixed_ci_item_rows",
        "prefixed_ci_part_rows",
        "prefixed_ci_row_outbox",
    ]
    assert not set(ROWS.metadata.tables) & set(ContractItemRow.metadata.tables)
    assert ROWS.repository.storage.row_class.__table__.name == "prefixed_ci_item_rows"


def test_the_same_prefix_returns_the_same_rows() -> None:
    assert contract_rows("prefixed_ci_") is ROWS


@pytest.mark.parametrize("prefix", ["", "Upper_", "1st_", "with-dash_", "x" * 31, "spa ce"])
def test_a_prefix_no_database_takes_unquoted_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="table-name prefix"):
        contract_rows(prefix)


def test_the_longest_prefix_names_every_table_and_index_whole_on_postgresql(
    postgres_engine: Engine,
) -> None:
    rows = contract_rows("p" * 30)
    rows.metadata.create_all(postgres_engine)  # PostgreSQL refuses a name beyond 63 characters
    try:
        names = set(inspect(postgres_engine).get_table_names())
        assert set(rows.metadata.tables) <= names
    finally:
        rows.metadata.drop_all(postgres_engine)


def test_prefixed_and_default_rows_live_side_by_side_in_one_database(
    postgres_engine: Engine,
) -> None:
    default = ContractItemRow.metadata
    for tables in (default, ROWS.metadata):
        tables.create_all(postgres_engine)
    try:
        names = set(inspect(postgres_engine).get_table_names())
        assert {*default.tables, *ROWS.metadata.tables} <= names
    finally:
        for tables in (ROWS.metadata, default):
            tables.drop_all(postgres_engine)
