"""Pytest fixtures for services built on the kernel, registered by the ``pytest11`` entry point.

Installing ``creativeflow-shared-backend[testing]`` makes these fixtures available in every test
suite, with no import:

* ``in_memory_database`` — a fresh ``InMemoryDatabase`` per test.
* ``sqlite_engine`` / ``async_sqlite_engine`` — one SQLite database file per test session (a
  file, not ``:memory:``, so that concurrent units of work see each other's commits); both
  engines open the same file, so tables created through one are visible through the other.
* ``postgres_engine`` / ``async_postgres_engine`` — engines on the PostgreSQL database named by
  ``CREATIVEFLOW_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
  When the server cannot be reached the test is skipped, or fails when ``CI`` is ``"true"``.
* ``rabbitmq_url`` — the URL of the RabbitMQ broker named by ``CREATIVEFLOW_TEST_RABBITMQ_URL``
  (default ``amqp://guest:guest@127.0.0.1:5672/``), once a connection to it succeeded; skipped,
  or failed on CI, like the PostgreSQL engines. Each test opens its own connections (they
  belong to the test's event loop) and should name its exchanges and queues uniquely.

The engines live for the whole session and are disposed at its end; the async ones use a
``NullPool``, because pooled async connections belong to the event loop that opened them and
each ``AsyncHarness`` runs its own loop. Creating and emptying tables is left to the
tests: the database is shared by every module of the session.

The plugin imports SQLAlchemy and the drivers only when a fixture needs them, so it costs
nothing at start-up and works when the drivers are not installed; a fixture whose driver is
missing raises an ``ImportError`` that names the extra to install.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.testing._in_memory import InMemoryDatabase

__all__ = [
    "async_postgres_engine",
    "async_sqlite_engine",
    "in_memory_database",
    "postgres_engine",
    "rabbitmq_url",
    "sqlite_engine",
]

#: The environment variable that names the PostgreSQL database of the tests.
POSTGRES_URL_VARIABLE = "CREATIVEFLOW_TEST_POSTGRES_URL"
#: The database used when the variable is not set (a local server with trust authentication).
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: The environment variable that names the RabbitMQ broker of the tests.
RABBITMQ_URL_VARIABLE = "CREATIVEFLOW_TEST_RABBITMQ_URL"
#: The broker used when the variable is not set (a local server with its default user).
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _require(module: str, extra: str) -> None:
    """Import ``module`` or raise an ``ImportError`` that names the extra which provides it.

    Raises:
        ImportError: If ``module`` is not installed.
    """
    try:
        importlib.import_module(module)
    except ImportError as exc:
        msg = f"this fixture needs {module!r}: pip install 'creativeflow-shared-backend[{extra}]'"
        raise ImportError(msg, name=module) from exc


def _postgres_url() -> str:
    """Return the URL of the PostgreSQL test database (see the module documentation)."""
    return os.environ.get(POSTGRES_URL_VARIABLE, DEFAULT_POSTGRES_URL)


def _unavailable(reason: str) -> NoReturn:
    """Skip the test for a missing service, or fail it on CI (where the service must exist)."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _unreachable(url: str, exc: DBAPIError) -> str:
    from sqlalchemy import make_url  # noqa: PLC0415 (imported when a fixture needs it)

    shown = make_url(url).render_as_string(hide_password=True)
    cause = str(exc.orig or exc).strip().splitlines()[0]
    return f"PostgreSQL is not reachable at {shown} (set {POSTGRES_URL_VARIABLE}): {cause}"


def _connect_postgres(url: str) -> Engine:
    """Return an engine on ``url`` once a connection succeeded (see ``_unavailable``)."""
    _require("psycopg", "postgresql")
    from sqlalchemy import create_engine, text  # noqa: PLC0415 (imported when a fixture needs it)
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415 (imported when a fixture needs it)

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        _unavailable(_unreachable(url, exc))
    return engine


def _connect_async_postgres(url: str) -> AsyncEngine:
    """Return an async engine (``NullPool``) on ``url`` once a connection succeeded."""
    _require("psycopg", "postgresql")
    _require("greenlet", "postgresql")
    from sqlalchemy import NullPool, text  # noqa: PLC0415 (imported when a fixture needs it)
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415 (imported when a fixture needs it)
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415 (needs greenlet)

    engine = create_async_engine(url, poolclass=NullPool)

    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        asyncio.run(probe())
    except OperationalError as exc:
        asyncio.run(engine.dispose())
        _unavailable(_unreachable(url, exc))
    return engine


def _rabbitmq_url() -> str:
    """Return the URL of the RabbitMQ test broker (see the module documentation)."""
    return os.environ.get(RABBITMQ_URL_VARIABLE, DEFAULT_RABBITMQ_URL)


def _connect_rabbitmq(url: str) -> str:
    """Return ``url`` once a connection to the broker succeeded (see ``_unavailable``)."""
    _require("aio_pika", "rabbitmq")
    import aio_pika  # noqa: PLC0415 (imported when the fixture is used)
    from yarl import URL  # noqa: PLC0415 (aio-pika's own dependency)

    async def probe() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        shown = str(URL(url).with_password(None) if URL(url).password else URL(url))
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _unavailable(f"RabbitMQ is not reachable at {shown} (set {RABBITMQ_URL_VARIABLE}): {cause}")
    return url


@pytest.fixture
def in_memory_database() -> InMemoryDatabase:
    """A fresh, empty in-memory database for the units of work of one test."""
    from creativeflow_shared.testing._in_memory import InMemoryDatabase  # noqa: PLC0415 (lazy)

    return InMemoryDatabase()


@pytest.fixture(scope="session")
def _creativeflow_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("creativeflow-sqlite") / "test.sqlite3")


@pytest.fixture(scope="session")
def sqlite_engine(_creativeflow_sqlite_file: str) -> Iterator[Engine]:
    """An engine on the session's SQLite database file (disposed at the end of the session)."""
    from sqlalchemy import create_engine  # noqa: PLC0415 (imported when a fixture needs it)

    engine = create_engine(f"sqlite:///{_creativeflow_sqlite_file}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def async_sqlite_engine(_creativeflow_sqlite_file: str) -> Iterator[AsyncEngine]:
    """An aiosqlite engine (``NullPool``) on the session's SQLite database file."""
    _require("aiosqlite", "sqlite-async")
    _require("greenlet", "sqlite-async")
    from sqlalchemy import NullPool  # noqa: PLC0415 (imported when a fixture needs it)
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415 (needs greenlet)

    engine = create_async_engine(
        f"sqlite+aiosqlite:///{_creativeflow_sqlite_file}", poolclass=NullPool
    )
    yield engine
    asyncio.run(engine.dispose())


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database (skipped when unreachable, failed on CI)."""
    engine = _connect_postgres(_postgres_url())
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def async_postgres_engine() -> Iterator[AsyncEngine]:
    """An async engine (psycopg, ``NullPool``) on the PostgreSQL test database."""
    engine = _connect_async_postgres(_postgres_url())
    yield engine
    asyncio.run(engine.dispose())


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """The URL of the RabbitMQ test broker (skipped when unreachable, failed on CI)."""
    return _connect_rabbitmq(_rabbitmq_url())
