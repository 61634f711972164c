"""Suite-wide test configuration."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import delete

from creativeflow_shared.testing import AsyncHarness, SyncHarness

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy import Engine, MetaData

    from creativeflow_shared.testing import UnitOfWorkHarness

# The kit's pytest plugin, loaded here rather than through its entry point (which pyproject.toml
# blocks for this suite) so that coverage is already running when it is imported.
pytest_plugins = ["creativeflow_shared.testing._pytest_plugin"]

# Shared machines are noisy: a deadline would fail tests on timing, not on behaviour.
settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
# A one-off attack on a guarantee: ``HYPOTHESIS_PROFILE=thorough python3 scripts/dev.py test``.
settings.register_profile(
    "thorough", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow]
)
# Mutation testing runs every test hundreds of times: the same few examples each time, so that a
# mutant is killed by what it breaks, never by the luck of the draw.
settings.register_profile(
    "mutation", deadline=None, max_examples=30, derandomize=True, database=None
)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE")
settings.load_profile(_PROFILE or ("ci" if os.environ.get("CI") == "true" else "default"))

# Mutation testing tries mutants side by side, each in a test run of its own: tests that share a
# database server or file would see each other's tables. `scripts/dev.py mutate` sets this
# variable, and every test that asks for a database (directly, or through a backend named in
# its id) is left out of those runs.
_DATABASE_FIXTURES = frozenset(
    {
        "sqlite_engine",
        "async_sqlite_engine",
        "postgres_engine",
        "async_postgres_engine",
        "unit_engine",
        "unit_postgres_engine",
        "sqlite_tables",
        "postgres_tables",
        "rabbitmq_url",  # a broker is a server too: left out with the databases
    }
)
_DATABASE_BACKENDS = ("sqlite", "postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the tests that need a database when ``CREATIVEFLOW_NO_DATABASES`` is set."""
    if os.environ.get("CREATIVEFLOW_NO_DATABASES") != "1":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        backend = any(name in item.nodeid.lower() for name in _DATABASE_BACKENDS)
        (dropped if backend or names & _DATABASE_FIXTURES else kept).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


#: Every backend a unit of work runs on, as ``make_harness`` names them.
BACKENDS = (
    "in-memory",
    "in-memory-async",
    "sqlite",
    "sqlite-async",
    "postgresql",
    "postgresql-async",
)


# -- tables and harnesses for the contract and integration suites ------------------------------
# A module that uses ``make_harness`` defines a module-scoped ``metadata`` fixture with its own
# table names, so that modules sharing a database never touch each other's tables.
def _created(engine: Engine, metadata: MetaData) -> Iterator[Engine]:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)


@pytest.fixture(scope="module")
def sqlite_tables(sqlite_engine: Engine, metadata: MetaData) -> Iterator[Engine]:
    """The module's tables on the session's SQLite database, created once per module."""
    yield from _created(sqlite_engine, metadata)


@pytest.fixture(scope="module")
def postgres_tables(postgres_engine: Engine, metadata: MetaData) -> Iterator[Engine]:
    """The module's tables on the PostgreSQL test database, created once per module."""
    yield from _created(postgres_engine, metadata)


@pytest.fixture(params=BACKENDS)
def harness(
    request: pytest.FixtureRequest, make_harness: Callable[[str], UnitOfWorkHarness]
) -> UnitOfWorkHarness:
    """A harness on an empty store of each backend in turn (a module provides ``metadata``)."""
    return make_harness(request.param)


@pytest.fixture
def make_harness(
    request: pytest.FixtureRequest, metadata: MetaData
) -> Iterator[Callable[[str], UnitOfWorkHarness]]:
    """Return a function that opens a harness on an empty store of the named backend."""
    opened: list[UnitOfWorkHarness] = []

    def make(backend: str) -> UnitOfWorkHarness:
        harness: UnitOfWorkHarness
        match backend:
            case "in-memory":
                harness = SyncHarness.in_memory()
            case "in-memory-async":
                harness = AsyncHarness.in_memory()
            case "sqlite" | "postgresql":
                engine = _emptied(request, backend, metadata)
                harness = SyncHarness.sqlalchemy(engine, metadata)
            case "sqlite-async":
                _emptied(request, "sqlite", metadata)
                harness = AsyncHarness.sqlalchemy(
                    request.getfixturevalue("async_sqlite_engine"), metadata
                )
            case "postgresql-async":
                _emptied(request, "postgresql", metadata)
                harness = AsyncHarness.sqlalchemy(
                    request.getfixturevalue("async_postgres_engine"), metadata
                )
            case _:
                pytest.fail(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
        opened.append(harness)
        return harness

    yield make
    for harness in opened:
        harness.close()


def _emptied(request: pytest.FixtureRequest, database: str, metadata: MetaData) -> Engine:
    fixture = "sqlite_tables" if database == "sqlite" else "postgres_tables"
    engine: Engine = request.getfixturevalue(fixture)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
    return engine
