"""The repository contract on every adapter: in-memory, SQLite and PostgreSQL, sync and async."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData

from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table
from creativeflow_shared.testing import ContractItemRepository, RepositoryContract

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.testing import UnitOfWorkHarness


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="contract_repository_items")
    outbox_table(tables, name="contract_repository_outbox")
    return tables


class TestInMemoryRepository(RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory")


class TestAsyncInMemoryRepository(RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory-async")


class TestSQLiteRepository(RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite")


class TestAsyncSQLiteRepository(RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite-async")


class TestPostgreSQLRepository(RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql")


class TestAsyncPostgreSQLRepository(RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql-async")
