"""The contracts over the data-mapper repository on every adapter, children included.

In memory, SQLite and PostgreSQL, sync and async: ``RepositoryContract`` and
``UnitOfWorkContract`` run with ``ContractItemMapperRepository`` (the contract item in rows
of its own, its parts in child rows) instead of the document repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creativeflow_shared.testing import (
    ContractItemMapperRepository,
    ContractItemRow,
    RepositoryContract,
    UnitOfWorkContract,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import MetaData

    from creativeflow_shared.testing import UnitOfWorkHarness


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    # The rows' own metadata, with its outbox: its table names are used by this module alone.
    return ContractItemRow.metadata


class _DataMapper:
    @pytest.fixture
    def repository_class(self) -> type[ContractItemMapperRepository]:
        return ContractItemMapperRepository


# -- the repository contract ------------------------------------------------------------------
class TestInMemoryDataMapperRepository(_DataMapper, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory")


class TestAsyncInMemoryDataMapperRepository(_DataMapper, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory-async")


class TestSQLiteDataMapperRepository(_DataMapper, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite")


class TestAsyncSQLiteDataMapperRepository(_DataMapper, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite-async")


class TestPostgreSQLDataMapperRepository(_DataMapper, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql")


class TestAsyncPostgreSQLDataMapperRepository(_DataMapper, RepositoryContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql-async")


# -- the unit of work contract ----------------------------------------------------------------
class TestInMemoryDataMapperUnitOfWork(_DataMapper, UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory")


class TestAsyncInMemoryDataMapperUnitOfWork(_DataMapper, UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("in-memory-async")


class TestSQLiteDataMapperUnitOfWork(_DataMapper, UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite")


class TestAsyncSQLiteDataMapperUnitOfWork(_DataMapper, UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("sqlite-async")


class TestPostgreSQLDataMapperUnitOfWork(_DataMapper, UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql")


class TestAsyncPostgreSQLDataMapperUnitOfWork(_DataMapper, UnitOfWorkContract):
    @pytest.fixture
    def harness(self, make_harness: Callable[[str], UnitOfWorkHarness]) -> UnitOfWorkHarness:
        return make_harness("postgresql-async")
