"""The unit of work contract on every adapter: in-memory, SQLite and PostgreSQL, sync and async."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData

from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table
from creativeflow_shared.testing import ContractItemRepository, UnitOfWorkContract

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.testing import UnitOfWorkHarness


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, ContractItemRepository, name="contract_uow_items")
    outbox_table(tables, name="contract_uow_outbox")
    return tables


class TestInMemoryUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory")


class TestAsyncInMemoryUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory-async")


class TestSQLiteUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite")


class TestAsyncSQLiteUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite-async")


class TestPostgreSQLUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql")


class TestAsyncPostgreSQLUnitOfWork(UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql-async")
