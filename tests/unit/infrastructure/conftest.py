"""Engines for the SQLAlchemy adapter's unit tests: SQLite files and the PostgreSQL test database.

Every module declares its own tables (prefixed ``unit_``) on its own ``MetaData`` and creates
and drops them itself, because the PostgreSQL database is shared by every test module.
PostgreSQL tests are skipped when the server cannot be reached, and fail instead when the
``CI`` environment variable is ``"true"``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from sqlite3 import Connection as SQLiteConnection

    from sqlalchemy import Engine
    from sqlalchemy.pool import ConnectionPoolEntry

#: The PostgreSQL test database (overridden by ``CREATIVEFLOW_TEST_POSTGRES_URL``).
POSTGRES_URL = os.environ.get(
    "CREATIVEFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _enforce_foreign_keys(connection: SQLiteConnection, _: ConnectionPoolEntry) -> None:
    # SQLite checks foreign keys only when each connection asks for it.
    connection.execute("PRAGMA foreign_keys=ON")


@pytest.fixture
def unit_sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh SQLite file (a file: concurrent sessions see each other's commits)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'unit.sqlite3'}")
    event.listen(engine, "connect", _enforce_foreign_keys)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def unit_postgres_engine() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database (skipped when unreachable, failed on CI)."""
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        cause = str(exc.orig).strip().splitlines()[0]
        reason = f"PostgreSQL is not reachable ({cause}); set CREATIVEFLOW_TEST_POSTGRES_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def unit_engine(request: pytest.FixtureRequest) -> Engine:
    """Each database in turn: the SQLite file, then PostgreSQL."""
    name = "unit_sqlite_engine" if request.param == "sqlite" else "unit_postgres_engine"
    engine: Engine = request.getfixturevalue(name)
    return engine
