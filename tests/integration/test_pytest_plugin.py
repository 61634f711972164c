"""The pytest plugin: its entry point, its engines, and how it reports a missing database."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import make_url, text

from creativeflow_shared.testing import _pytest_plugin

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.testing import InMemoryDatabase

# Nothing listens on port 1 of the loopback interface: connecting is refused at once.
CLOSED = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/test"


def test_the_plugin_is_registered_under_the_pytest11_entry_point() -> None:
    (entry_point,) = entry_points(group="pytest11", name="creativeflow_shared")

    assert entry_point.value == "creativeflow_shared.testing._pytest_plugin"
    assert entry_point.load() is _pytest_plugin


def test_the_in_memory_database_fixture_starts_empty(in_memory_database: InMemoryDatabase) -> None:
    assert (in_memory_database.records, in_memory_database.outbox) == ({}, [])


def test_the_sqlite_engines_open_one_database_file(
    sqlite_engine: Engine, async_sqlite_engine: AsyncEngine
) -> None:
    sync_file, async_file = sqlite_engine.url.database, async_sqlite_engine.url.database

    assert sync_file == async_file
    assert sync_file is not None
    assert sync_file.endswith(".sqlite3")
    assert async_sqlite_engine.url.drivername == "sqlite+aiosqlite"


def test_the_postgres_engines_connect_to_the_configured_database(
    postgres_engine: Engine, async_postgres_engine: AsyncEngine
) -> None:
    with postgres_engine.connect() as connection:
        answer = connection.execute(text("SELECT 41 + 1")).scalar_one()

    assert answer == 42
    assert (
        postgres_engine.url == async_postgres_engine.url == make_url(_pytest_plugin._postgres_url())
    )


def test_the_postgres_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREATIVEFLOW_TEST_POSTGRES_URL", CLOSED)

    assert _pytest_plugin._postgres_url() == CLOSED


def test_the_postgres_url_defaults_to_a_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREATIVEFLOW_TEST_POSTGRES_URL", raising=False)

    assert _pytest_plugin._postgres_url() == "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize(
    "connect",
    [_pytest_plugin._connect_postgres, _pytest_plugin._connect_async_postgres],
    ids=["sync", "async"],
)
def test_an_unreachable_postgres_skips_the_test_outside_ci(
    monkeypatch: pytest.MonkeyPatch, connect: Callable[[str], object]
) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not reachable") as skipped:
        connect(CLOSED)

    assert "127.0.0.1:1" in str(skipped.value)
    assert "CREATIVEFLOW_TEST_POSTGRES_URL" in str(skipped.value)
    assert "s3cret" not in str(skipped.value)


@pytest.mark.parametrize(
    "connect",
    [_pytest_plugin._connect_postgres, _pytest_plugin._connect_async_postgres],
    ids=["sync", "async"],
)
def test_an_unreachable_postgres_fails_the_test_on_ci(
    monkeypatch: pytest.MonkeyPatch, connect: Callable[[str], object]
) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is not reachable"):
        connect(CLOSED)


@pytest.mark.parametrize(
    ("module", "extra"),
    [("aiosqlite", "sqlite-async"), ("psycopg", "postgresql"), ("greenlet", "postgresql")],
)
def test_a_missing_driver_raises_an_import_error_that_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes the import fail

    with pytest.raises(ImportError, match=rf"creativeflow-shared-backend\[{extra}\]") as raised:
        _pytest_plugin._require(module, extra)

    assert raised.value.name == module
    assert isinstance(raised.value.__cause__, ImportError)
