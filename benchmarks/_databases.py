"""The databases the persistence benchmarks run on, and the inputs they consume.

SQLite is a temporary file per group of cases, with ``journal_mode=WAL`` and
``synchronous=NORMAL`` on every connection (so identically for both sides of a case);
PostgreSQL is a schema of its own on the server, dropped when the run ends.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    from contextlib import ExitStack

    from sqlalchemy import Engine, MetaData
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "Postgres",
    "Supply",
    "progress",
    "sqlite_engine",
    "sqlite_file",
    "sqlite_pragmas",
]

#: Where the PostgreSQL cases look for a server unless told otherwise.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def progress(message: str) -> None:
    """Say what is being prepared, on standard error (standard output holds the results)."""
    print(message, file=sys.stderr, flush=True)


@dataclass(slots=True)
class Supply:
    """Fresh inputs for the calls of one timed batch, built untimed by ``prepare``."""

    make: Callable[[], object]
    items: list[Any] = field(default_factory=list[Any])

    def prepare(self, number: int) -> None:
        """Build the inputs of ``number`` calls (the harness calls it untimed)."""
        self.items = [self.make() for _ in range(number)]

    def take(self) -> Any:  # noqa: ANN401 (whatever ``make`` builds)
        """Return the input of one call."""
        return self.items.pop()


def sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:  # noqa: ANN401 (any driver)
    """Set WAL journaling and ``synchronous=NORMAL`` on a new SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _check_sqlite(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def sqlite_file(stack: ExitStack) -> str:
    """Return the path of a new SQLite file in a temporary directory ``stack`` removes."""
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="benchmarks-sqlite-"))
    return str(Path(directory) / "benchmarks.db")


def sqlite_engine(stack: ExitStack, metadata: MetaData) -> Engine:
    """Return an engine on a new SQLite file holding ``metadata``'s tables."""
    engine = create_engine(f"sqlite:///{sqlite_file(stack)}")
    event.listen(engine, "connect", sqlite_pragmas)
    stack.callback(engine.dispose)
    _check_sqlite(engine)
    metadata.create_all(engine)
    return engine


@dataclass(slots=True)
class Postgres:
    """A schema of its own on the PostgreSQL server, created on first use, dropped at exit."""

    url: str
    stack: ExitStack
    schema: str | None = None
    error: str | None = None

    def connect_args(self) -> dict[str, object]:
        """The driver arguments that put every connection into the schema."""
        return {"connect_timeout": 3, "options": f"-c search_path={self.schema}"}

    def ready(self) -> bool:
        """Create the schema; ``False`` (with :attr:`error`) if the server is unreachable."""
        if self.schema is not None or self.error is not None:
            return self.error is None
        schema = f"benchmarks_{secrets.token_hex(4)}"
        try:
            admin = create_engine(self.url, connect_args={"connect_timeout": 3})
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        except (SQLAlchemyError, ImportError) as exc:
            self.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            return False
        self.stack.callback(admin.dispose)
        self.stack.callback(self._drop, admin, schema)
        self.schema = schema
        return True

    @staticmethod
    def _drop(admin: Engine, schema: str) -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    def engine(self, metadata: MetaData) -> Engine:
        """Return an engine on the schema, with ``metadata``'s tables created in it."""
        engine = create_engine(self.url, connect_args=self.connect_args())
        self.stack.callback(engine.dispose)
        metadata.create_all(engine)
        return engine

    def async_engines(
        self, runner: asyncio.Runner, metadata: MetaData
    ) -> tuple[AsyncEngine, Engine]:
        """A psycopg async engine, and a sync engine on the same schema for the checks."""
        from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415 (when selected)

        checker = self.engine(metadata)
        engine = create_async_engine(self.url, connect_args=self.connect_args())
        self.stack.callback(lambda: runner.run(engine.dispose()))
        return engine, checker
