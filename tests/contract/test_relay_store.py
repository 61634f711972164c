"""The relay store contract on every adapter: in memory, SQLite and PostgreSQL, sync and async.

The cases are the testing kit's ``RelayStoreContract`` (G2, G3): claims in order, leases,
retries, dead letters, replay, purge, and the relay on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import MetaData, delete

from creativeflow_shared.infrastructure.sqlalchemy import (
    SQLAlchemyOutboxStore,
    SQLAlchemyRelayStore,
    outbox_table,
)
from creativeflow_shared.testing import InMemoryRelayStore, RelayStoreContract

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from sqlalchemy import Engine

    from creativeflow_shared.application import OutboxMessage
    from creativeflow_shared.application.ports import RelayStore

STORES = ("in-memory", "sqlite", "sqlite-async", "postgresql", "postgresql-async")


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    metadata = MetaData()
    outbox_table(metadata, name="relay_contract_outbox")
    return metadata


class Outbox:
    """A relay store and a way to put committed messages into it."""

    def __init__(self, store: RelayStore, add: Callable[[Sequence[OutboxMessage]], None]) -> None:
        self.store = store
        self.add = add


@pytest.fixture(params=STORES)
def relay_outbox(request: pytest.FixtureRequest, metadata: MetaData) -> Iterator[Outbox]:
    backend: str = request.param
    if backend == "in-memory":
        memory = InMemoryRelayStore()
        yield Outbox(memory, memory.add)
        return
    database = "sqlite" if backend.startswith("sqlite") else "postgres"
    engine: Engine = request.getfixturevalue(f"{database}_tables")
    table = metadata.tables["relay_contract_outbox"]
    with engine.begin() as connection:
        connection.execute(delete(table))

    def add(messages: Sequence[OutboxMessage]) -> None:
        with engine.begin() as connection:
            SQLAlchemyOutboxStore(connection, table).append(messages)

    store_engine = (
        request.getfixturevalue(f"async_{database}_engine")
        if backend.endswith("-async")
        else engine
    )
    yield Outbox(SQLAlchemyRelayStore(store_engine, table), add)


class TestRelayStores(RelayStoreContract):
    """Every adapter's relay store, through the ``relay_outbox`` fixture above."""
