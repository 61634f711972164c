# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""Contract suites every unit of work and repository must pass, sync and async alike.

Each contract test is written once, against a sync-style *facade*. A *harness* opens units of
work and hands out that facade: ``SyncHarness`` wraps a ``UnitOfWork`` directly, and
``AsyncHarness`` drives an ``AsyncUnitOfWork`` through its real ``async`` API on an
event loop of its own, so async adapters are exercised for real, not through their sync core.

The suites store ``ContractItem`` (with its ``ContractPart`` children) through any
``Repository[ContractItem, ContractItemId]``: the document repository
``ContractItemRepository`` by default, or the data-mapper repository
``ContractItemMapperRepository`` (rows ``ContractItemRow`` and ``ContractPartRow``), so both
storage styles are held to one behaviour.

A service runs the suites against its own backend by subclassing them and providing a
``harness`` fixture::

    class TestOrdersOnPostgreSQL(RepositoryContract):
        @pytest.fixture
        def harness(self, postgres_engine: Engine) -> Iterator[UnitOfWorkHarness]:
            metadata = MetaData()
            document_table(metadata, ContractItemRepository)
            outbox_table(metadata)
            metadata.create_all(postgres_engine)
            harness = SyncHarness.sqlalchemy(postgres_engine, metadata)
            yield harness
            harness.close()
            metadata.drop_all(postgres_engine)

and, for the data-mapper style, by naming the repository too (its rows' ``MetaData`` already
holds an outbox table)::

    class TestRowsOnPostgreSQL(RepositoryContract):
        @pytest.fixture
        def repository_class(self) -> type[ContractItemMapperRepository]:
            return ContractItemMapperRepository

        @pytest.fixture
        def harness(self, postgres_engine: Engine) -> Iterator[UnitOfWorkHarness]:
            metadata = ContractItemRow.metadata
            metadata.create_all(postgres_engine)
            harness = SyncHarness.sqlalchemy(postgres_engine, metadata)
            yield harness
            harness.close()
            metadata.drop_all(postgres_engine)

Fixtures a subclass provides or overrides:

* ``harness`` (required): a ``UnitOfWorkHarness`` over an **empty** store whose tables
  include those of ``repository_class`` and an outbox.
* ``repository_class`` (optional): the repository under test, any
  ``Repository[ContractItem, ContractItemId]``; ``ContractItemRepository`` unless
  overridden. Override it with ``ContractItemMapperRepository`` to prove the data-mapper
  style, or with a subclass of either built on the service's own repository base to prove
  that the subclass keeps the repository's behaviour.
"""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from contextlib import contextmanager
from operator import methodcaller
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import pytest
from returns.result import Failure, Success

from creativeflow_shared.application import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AsyncRepository,
    AsyncUnitOfWork,
    CursorPage,
    OutboxMessage,
    Page,
    Repository,
    RequestContext,
    UnitOfWork,
    encode_cursor,
    use_context,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    InvalidInputError,
    NotFoundError,
    SortKey,
    Specification,
    utc_now,
    where,
)
from creativeflow_shared.testing._contract_model import (
    ContractItem,
    ContractItemChanged,
    ContractItemId,
    ContractItemRepository,
    ContractPart,
)
from creativeflow_shared.testing._in_memory import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator, Sequence
    from contextlib import AbstractContextManager

    from returns.result import Result
    from sqlalchemy import Connection, Engine, MetaData, Table
    from sqlalchemy.ext.asyncio import AsyncEngine

    from creativeflow_shared.application import CommitError
    from creativeflow_shared.domain import DomainEvent

__all__ = [
    "AsyncHarness",
    "RepositoryContract",
    "RepositoryFacade",
    "SyncHarness",
    "UnitOfWorkContract",
    "UnitOfWorkFacade",
    "UnitOfWorkHarness",
]

A = TypeVar("A", bound=AggregateRoot[Any])
I = TypeVar("I")  # noqa: E741 (the conventional name of an id type parameter)
I_contra = TypeVar("I_contra", contravariant=True)
T = TypeVar("T")


# -- the facade the contracts are written against ---------------------------------------------
class RepositoryFacade(Protocol[A, I_contra]):
    """A repository seen synchronously, whichever flavour of unit of work stands behind it."""

    def get(self, id_: I_contra, /) -> Result[A, NotFoundError]:
        """See ``Repository.get``."""
        ...

    def exists(self, id_: I_contra, /) -> bool:
        """See ``Repository.exists``."""
        ...

    def find(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int | None = None,
    ) -> list[A]:
        """See ``Repository.find``."""
        ...

    def count(self, specification: Specification[A] | None = None) -> int:
        """See ``Repository.count``."""
        ...

    def page(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[A]:
        """See ``Repository.page``."""
        ...

    def page_after(
        self,
        cursor: str | None = None,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Result[CursorPage[A], InvalidInputError]:
        """See ``Repository.page_after``."""
        ...

    def add(self, aggregate: A, /) -> None:
        """See ``Repository.add``."""
        ...

    def remove(self, aggregate: A, /) -> None:
        """See ``Repository.remove``."""
        ...


class UnitOfWorkFacade(Protocol):
    """A unit of work seen synchronously, whichever flavour stands behind it."""

    def repository(self, kind: type[Repository[A, I]], /) -> RepositoryFacade[A, I]:
        """Return repository ``kind`` bound to this unit of work."""
        ...

    def record(self, event: DomainEvent, /) -> None:
        """Queue an event that belongs to no aggregate."""
        ...

    def commit(self) -> Result[None, CommitError]:
        """Commit (see ``UnitOfWork.commit``)."""
        ...

    def rollback(self) -> None:
        """Discard every uncommitted change."""
        ...

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        """Return the events of the commits so far and forget them."""
        ...


class UnitOfWorkHarness(Protocol):
    """Opens units of work of one backend for the contract suites, and shows its outbox."""

    def open(self) -> AbstractContextManager[UnitOfWorkFacade]:
        """Start a unit of work; leaving the block ends it (rolling back what is uncommitted)."""
        ...

    def outbox_messages(self) -> list[OutboxMessage]:
        """Return every committed outbox message, oldest first."""
        ...

    def close(self) -> None:
        """Release what the harness holds (an event loop, for instance)."""
        ...


# -- the sync harness -------------------------------------------------------------------------
class _SyncUnitOfWork:
    __slots__ = ("_uow",)

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def repository(self, kind: type[Repository[A, I]], /) -> RepositoryFacade[A, I]:
        return self._uow.repository(kind)

    def record(self, event: DomainEvent, /) -> None:
        self._uow.record(event)

    def commit(self) -> Result[None, CommitError]:
        return self._uow.commit()

    def rollback(self) -> None:
        self._uow.rollback()

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        return self._uow.collect_committed_events()


class SyncHarness:
    """Runs the contracts against a synchronous ``UnitOfWork``.

    Args:
        factory: Returns a new, unentered unit of work (one per ``open``).
        outbox: Returns the committed outbox messages, oldest first.
    """

    def __init__(
        self, factory: Callable[[], UnitOfWork], outbox: Callable[[], Sequence[OutboxMessage]]
    ) -> None:
        """Open units of work from ``factory`` and read the outbox through ``outbox``."""
        self._factory = factory
        self._outbox = outbox

    @classmethod
    def in_memory(cls, database: InMemoryDatabase | None = None) -> SyncHarness:
        """Return a harness of ``InMemoryUnitOfWork`` over ``database`` (or a new one)."""
        shared = database if database is not None else InMemoryDatabase()
        return cls(lambda: InMemoryUnitOfWork(shared), lambda: shared.outbox)

    @classmethod
    def sqlalchemy(cls, engine: Engine, metadata: MetaData) -> SyncHarness:
        """Return a harness of ``SQLAlchemyUnitOfWork`` on ``engine`` with ``metadata``'s tables."""
        from creativeflow_shared.infrastructure.sqlalchemy import (  # noqa: PLC0415 (keeps SQLAlchemy out of `import creativeflow_shared.testing`)
            SQLAlchemyUnitOfWork,
            outbox_of,
        )

        table = outbox_of(metadata)

        def _outbox_rows() -> list[OutboxMessage]:
            with engine.connect() as connection:
                return _read_outbox(connection, table)

        return cls(lambda: SQLAlchemyUnitOfWork(engine, metadata), _outbox_rows)

    @contextmanager
    def open(self) -> Generator[UnitOfWorkFacade]:
        """Start a unit of work; leaving the block ends it (rolling back what is uncommitted)."""
        with self._factory() as uow:
            yield _SyncUnitOfWork(uow)

    def outbox_messages(self) -> list[OutboxMessage]:
        """Return every committed outbox message, oldest first."""
        return list(self._outbox())

    def close(self) -> None:
        """Nothing to release: the harness does not own the engine or the database."""


# -- the async harness ------------------------------------------------------------------------
class _AsyncRepository(Generic[A, I]):
    __slots__ = ("_loop", "_repository")

    def __init__(self, repository: AsyncRepository[A, I], loop: asyncio.AbstractEventLoop) -> None:
        self._repository = repository
        self._loop = loop

    def get(self, id_: I, /) -> Result[A, NotFoundError]:
        return self._loop.run_until_complete(self._repository.get(id_))

    def exists(self, id_: I, /) -> bool:
        return self._loop.run_until_complete(self._repository.exists(id_))

    def find(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int | None = None,
    ) -> list[A]:
        found = self._repository.find(specification, order_by=order_by, limit=limit)
        return self._loop.run_until_complete(found)

    def count(self, specification: Specification[A] | None = None) -> int:
        return self._loop.run_until_complete(self._repository.count(specification))

    def page(
        self,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[A]:
        page = self._repository.page(specification, order_by=order_by, offset=offset, limit=limit)
        return self._loop.run_until_complete(page)

    def page_after(
        self,
        cursor: str | None = None,
        specification: Specification[A] | None = None,
        *,
        order_by: Sequence[SortKey[A]] = (),
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Result[CursorPage[A], InvalidInputError]:
        page = self._repository.page_after(cursor, specification, order_by=order_by, limit=limit)
        return self._loop.run_until_complete(page)

    def add(self, aggregate: A, /) -> None:
        self._repository.add(aggregate)

    def remove(self, aggregate: A, /) -> None:
        self._repository.remove(aggregate)


class _AsyncUnitOfWork:
    __slots__ = ("_loop", "_uow")

    def __init__(self, uow: AsyncUnitOfWork, loop: asyncio.AbstractEventLoop) -> None:
        self._uow = uow
        self._loop = loop

    def repository(self, kind: type[Repository[A, I]], /) -> RepositoryFacade[A, I]:
        return _AsyncRepository(self._uow.repository(kind), self._loop)

    def record(self, event: DomainEvent, /) -> None:
        self._uow.record(event)

    def commit(self) -> Result[None, CommitError]:
        return self._loop.run_until_complete(self._uow.commit())

    def rollback(self) -> None:
        self._loop.run_until_complete(self._uow.rollback())

    def collect_committed_events(self) -> tuple[DomainEvent, ...]:
        return self._uow.collect_committed_events()


class AsyncHarness:
    """Runs the contracts against an ``AsyncUnitOfWork``, on an event loop of its own.

    Every facade call awaits the real async method (``await uow.commit()``,
    ``await repository.get(...)``) with ``loop.run_until_complete``. Call ``close`` when
    done: it closes the loop.

    Args:
        factory: Returns a new, unentered async unit of work (one per ``open``).
        outbox: Returns an awaitable of the committed outbox messages, oldest first.
    """

    def __init__(
        self,
        factory: Callable[[], AsyncUnitOfWork],
        outbox: Callable[[], Awaitable[Sequence[OutboxMessage]]],
    ) -> None:
        """Open units of work from ``factory`` and read the outbox through ``outbox``."""
        self._factory = factory
        self._outbox = outbox
        self._loop = asyncio.new_event_loop()

    @classmethod
    def in_memory(cls, database: InMemoryDatabase | None = None) -> AsyncHarness:
        """Return a harness of ``AsyncInMemoryUnitOfWork`` over ``database`` (or a new one)."""
        shared = database if database is not None else InMemoryDatabase()

        async def _outbox_rows() -> list[OutboxMessage]:
            return list(shared.outbox)

        return cls(lambda: AsyncInMemoryUnitOfWork(shared), _outbox_rows)

    @classmethod
    def sqlalchemy(cls, engine: AsyncEngine, metadata: MetaData) -> AsyncHarness:
        """Return a harness of ``AsyncSQLAlchemyUnitOfWork`` on ``engine`` with ``metadata``.

        Give the engine a ``NullPool`` (as the pytest plugin's async engines have) when it
        outlives the harness: pooled async connections belong to the loop that opened them.
        """
        from creativeflow_shared.infrastructure.sqlalchemy import (  # noqa: PLC0415 (keeps SQLAlchemy out of `import creativeflow_shared.testing`)
            AsyncSQLAlchemyUnitOfWork,
            outbox_of,
        )

        table = outbox_of(metadata)

        async def _outbox_rows() -> list[OutboxMessage]:
            async with engine.connect() as connection:
                return await connection.run_sync(_read_outbox, table)

        return cls(lambda: AsyncSQLAlchemyUnitOfWork(engine, metadata), _outbox_rows)

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` to completion on the harness's loop (for async test code)."""
        return self._loop.run_until_complete(awaitable)

    @contextmanager
    def open(self) -> Generator[UnitOfWorkFacade]:
        """Enter a new async unit of work (``async with``) and yield its sync-style facade."""
        uow = self._factory()
        self.run(uow.__aenter__())
        try:
            yield _AsyncUnitOfWork(uow, self._loop)
        except BaseException as exc:
            self.run(uow.__aexit__(type(exc), exc, exc.__traceback__))
            raise
        self.run(uow.__aexit__(None, None, None))

    def outbox_messages(self) -> list[OutboxMessage]:
        """Return every committed outbox message, oldest first."""
        return list(self.run(self._outbox()))

    def close(self) -> None:
        """Close the harness's event loop."""
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.close()


def _read_outbox(connection: Connection, table: Table) -> list[OutboxMessage]:
    from sqlalchemy import select  # noqa: PLC0415 (keeps SQLAlchemy out of `import creativeflow_shared.testing`)

    rows = connection.execute(select(table).order_by(table.c.id)).mappings()
    return [
        OutboxMessage(
            id=row["id"],
            aggregate_type=row["aggregatetype"],
            aggregate_id=row["aggregateid"],
            aggregate_version=row["aggregateversion"],
            event_type=row["type"],
            schema_version=row["schemaversion"],
            payload=row["payload"],
            headers=row["headers"],
            occurred_at=row["occurred_at"],
        )
        for row in rows
    ]


# -- helpers shared by the suites -------------------------------------------------------------
_ITEM = where(ContractItem)
_Items = type[Repository[ContractItem, ContractItemId]]


class _Contract:
    """Fixtures and helpers both suites share."""

    @pytest.fixture
    def repository_class(self) -> _Items:
        """The repository under test (see the module documentation); documents by default."""
        return ContractItemRepository

    @staticmethod
    def store(harness: UnitOfWorkHarness, kind: _Items, *items: ContractItem) -> None:
        """Add ``items`` and commit them in a unit of work of their own."""
        with harness.open() as uow:
            repository = uow.repository(kind)
            for item in items:
                repository.add(item)
            assert uow.commit() == Success(None)

    @staticmethod
    def load(harness: UnitOfWorkHarness, kind: _Items, item: ContractItem) -> ContractItem | None:
        """Read ``item`` back in a new unit of work (``None`` when it is not stored)."""
        with harness.open() as uow:
            loaded = uow.repository(kind).get(item.id)
        return loaded.value_or(None)


def _skus(items: Sequence[ContractItem]) -> list[str]:
    return [item.sku for item in items]


def _sku(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _catalogue() -> list[ContractItem]:
    return [
        ContractItem.new("a", rank=1, label="red", stock=0, active=True),
        ContractItem.new("b", rank=2, note="x", label="blue", stock=5, active=False),
        ContractItem.new("c", rank=2, note="y", label="red", stock=10, active=True),
        ContractItem.new("d", rank=3, label="green", stock=3, active=True),
        ContractItem.new("e", rank=5, note="x", label="blue", stock=7, active=False),
    ]


def _parts(*parts: tuple[str, int]) -> tuple[ContractPart, ...]:
    return tuple(ContractPart(name=name, quantity=quantity) for name, quantity in parts)


#: Children in neither name nor quantity order, so that a read in another order shows.
_PARTS = (("nut", 2), ("bolt", 4), ("washer", 9), ("anchor", 1))


def _drop_every_part(item: ContractItem) -> None:
    for name, _ in _PARTS:
        item.drop_part(name)


_CHILDREN_CHANGES = [
    pytest.param(methodcaller("add_part", "spring", 3), [*_PARTS, ("spring", 3)], id="add a part"),
    pytest.param(methodcaller("drop_part", "nut"), _PARTS[1:], id="drop the first part"),
    pytest.param(
        methodcaller("drop_part", "bolt"), [_PARTS[0], *_PARTS[2:]], id="drop a middle part"
    ),
    pytest.param(methodcaller("drop_part", "anchor"), _PARTS[:-1], id="drop the last part"),
    pytest.param(
        methodcaller("change_part", "washer", 90),
        [*_PARTS[:2], ("washer", 90), _PARTS[3]],
        id="change a part",
    ),
    pytest.param(_drop_every_part, [], id="drop every part"),
]


class _AbandonedError(Exception):
    """Raised inside a unit of work's block to leave it abruptly."""


def _abandon(harness: UnitOfWorkHarness, kind: _Items, item: ContractItem) -> None:
    with harness.open() as uow:
        uow.repository(kind).add(item)
        item.rerank(1)
        raise _AbandonedError


_SPECIFICATIONS = [
    pytest.param(_ITEM.rank.eq(2), {"b", "c"}, id="rank =="),
    pytest.param(_ITEM.rank.ne(2), {"a", "d", "e"}, id="rank !="),
    pytest.param(_ITEM.rank.lt(3), {"a", "b", "c"}, id="rank <"),
    pytest.param(_ITEM.rank.gt(2), {"d", "e"}, id="rank >"),
    pytest.param(_ITEM.rank.le(1), {"a"}, id="rank <="),
    pytest.param(_ITEM.rank.ge(3), {"d", "e"}, id="rank >="),
    pytest.param(_ITEM.rank.in_([1, 5]), {"a", "e"}, id="rank in"),
    pytest.param(_ITEM.label.eq("red"), {"a", "c"}, id="label =="),
    pytest.param(_ITEM.label.ne("red"), {"b", "d", "e"}, id="label !="),
    pytest.param(_ITEM.label.in_(["blue", "green"]), {"b", "d", "e"}, id="label in"),
    pytest.param(_ITEM.stock.gt(4), {"b", "c", "e"}, id="stock >"),
    pytest.param(_ITEM.active.eq(False), {"b", "e"}, id="active =="),  # noqa: FBT003 (a value)
    pytest.param(_ITEM.note.is_null(), {"a", "d"}, id="is null"),
    pytest.param(_ITEM.note.is_not_null(), {"b", "c", "e"}, id="is not null"),
    pytest.param(_ITEM.note.eq("x"), {"b", "e"}, id="nullable =="),
    pytest.param(_ITEM.note.ne("x"), {"c"}, id="nullable != skips null"),
    pytest.param(~_ITEM.note.eq("x"), {"c"}, id="not nullable == skips null"),
    pytest.param(_ITEM.rank.ge(2) & _ITEM.label.eq("red"), {"c"}, id="and"),
    pytest.param(_ITEM.rank.eq(1) | _ITEM.note.is_null(), {"a", "d"}, id="or"),
    pytest.param(~(_ITEM.rank.lt(3) & _ITEM.label.eq("red")), {"b", "d", "e"}, id="not and"),
    pytest.param(~_ITEM.rank.eq(2) | _ITEM.stock.ge(10), {"a", "c", "d", "e"}, id="not or"),
]

# A cursor holds the ordering it was written for ("+rank": rank ascending), the sort values
# and the id of the last item of its page. Each garbage cursor is wrong in one way.
_GARBAGE_CURSORS = [
    pytest.param("not a cursor!", id="not base64"),
    pytest.param("", id="empty"),
    pytest.param(encode_cursor(["+rank", 1]), id="too few values"),
    pytest.param(encode_cursor(["+rank", 1, str(uuid.uuid4()), 3]), id="too many values"),
    pytest.param(encode_cursor(["+rank", "one", str(uuid.uuid4())]), id="wrong sort value"),
    pytest.param(encode_cursor(["+rank", 1, "not-a-uuid"]), id="wrong id"),
    pytest.param(encode_cursor([1, str(uuid.uuid4())]), id="no ordering"),
    pytest.param(encode_cursor(["-rank", 1, str(uuid.uuid4())]), id="another ordering"),
    pytest.param(encode_cursor(["+rank", 2**63, str(uuid.uuid4())]), id="rank beyond 64 bits"),
    pytest.param(encode_cursor(["+rank", -(2**63) - 1, str(uuid.uuid4())]), id="rank below"),
    pytest.param(base64.urlsafe_b64encode(b'{"rank": 1}').decode(), id="not a list"),
    pytest.param("w\u00e9", id="not ascii"),
]

# Values no store keeps: each comes back as not found, ``False``, or an ``InvalidInputError``
# on every adapter, never as a driver's error.
_UNSTORABLE_TEXT = [
    pytest.param("nul\x00inside", id="NUL"),
    pytest.param("lone \ud800 surrogate", id="lone surrogate"),
]
_UNSTORABLE_SPECIFICATIONS = [
    pytest.param(_ITEM.rank.eq(2**63), id="int beyond 64 bits"),
    pytest.param(_ITEM.rank.lt(-(2**63) - 1), id="int below 64 bits"),
    pytest.param(_ITEM.stock.eq(2**64), id="int in JSON beyond 64 bits"),
    pytest.param(_ITEM.label.eq("nul\x00inside"), id="NUL in JSON text"),
    pytest.param(_ITEM.sku.eq("nul\x00inside"), id="NUL in a column"),
    pytest.param(_ITEM.sku.in_(["ok", "lone \ud800"]), id="lone surrogate in IN"),
    pytest.param(_ITEM.rank.eq(1) | ~_ITEM.note.eq("\x00"), id="deep inside"),
]


def _failed_with(result: Result[object, object], kind: type[Exception]) -> bool:
    """Whether ``result`` is a ``Failure`` whose error is a ``kind``."""
    return isinstance(result, Failure) and isinstance(result.failure(), kind)


# -- the repository contract ------------------------------------------------------------------
class RepositoryContract(_Contract):
    """What every repository does, of either storage style, whatever stores it.

    Run it as ``Test<Adapter>``; the same cases hold a document repository and a data-mapper
    repository (children included) to one behaviour.

    Subclass it and provide a ``harness`` fixture (see the module documentation).
    """

    # -- reading and writing ---------------------------------------------------------------
    def test_an_added_aggregate_is_read_back_in_a_new_unit_of_work(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """An added aggregate is committed as version 1 and read back whole later."""
        item = ContractItem.new(_sku("added"), rank=7, note="kept", label="blue", stock=3)

        self.store(harness, repository_class, item)
        loaded = self.load(harness, repository_class, item)

        assert loaded is not None
        assert loaded is not item
        assert loaded.model_dump() == item.model_dump()
        assert (loaded.version, item.version) == (1, 1)

    def test_getting_a_missing_id_fails_with_not_found(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``get`` of an id nobody stored returns ``Failure(NotFoundError)``."""
        missing = ContractItem.new(_sku("missing"))

        with harness.open() as uow:
            result = uow.repository(repository_class).get(missing.id)

        assert isinstance(result, Failure)
        assert isinstance(result.failure(), NotFoundError)

    def test_exists_tells_stored_ids_from_missing_ones(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``exists`` is true for a stored id and false for a missing one."""
        stored, missing = ContractItem.new(_sku("stored")), ContractItem.new(_sku("missing"))
        self.store(harness, repository_class, stored)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            actual = (repository.exists(stored.id), repository.exists(missing.id))

        assert actual == (True, False)

    def test_a_removed_aggregate_is_gone_after_commit(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A removed aggregate is deleted on commit; the others stay."""
        item, other = ContractItem.new(_sku("removed")), ContractItem.new(_sku("kept"))
        self.store(harness, repository_class, item, other)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(item.id).unwrap())
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None
        assert self.load(harness, repository_class, other) is not None

    def test_a_removed_aggregate_is_gone_for_its_unit_of_work_before_the_commit(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """After ``remove`` the unit of work no longer reads the aggregate; commit deletes it."""
        item, other = ContractItem.new(_sku("removed"), rank=1), ContractItem.new(_sku("kept"))
        self.store(harness, repository_class, item, other)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(item.id).unwrap())
            got, exists = repository.get(item.id), repository.exists(item.id)
            found = repository.find(order_by=[_ITEM.rank.asc()])
            committed = uow.commit()

        assert isinstance(got, Failure)
        assert isinstance(got.failure(), NotFoundError)
        assert exists is False
        assert [entry.id for entry in found] == [other.id]
        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None

    def test_an_aggregate_added_and_removed_in_one_unit_of_work_is_never_stored(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Adding then removing an aggregate in one unit of work stores nothing."""
        item = ContractItem.new(_sku("fleeting"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(item)
            repository.remove(item)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None

    def test_one_commit_removes_changes_and_adds_aggregates_together(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A commit applies every kind of change at once: removal, change and addition."""
        removed, changed = ContractItem.new(_sku("removed")), ContractItem.new(_sku("changed"))
        self.store(harness, repository_class, removed, changed)
        added = ContractItem.new(_sku("added"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(removed.id).unwrap())
            repository.get(changed.id).unwrap().rerank(5)
            repository.add(added)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, removed) is None
        stored = [self.load(harness, repository_class, item) for item in (changed, added)]
        assert [(i.rank, i.version) if i else None for i in stored] == [(5, 2), (0, 1)]

    def test_a_unique_value_freed_by_a_removal_can_be_taken_in_the_same_commit(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A commit may remove an aggregate and add another with its unique value."""
        old = ContractItem.new(_sku("replaced"), rank=1)
        self.store(harness, repository_class, old)
        new = ContractItem.new(old.sku, rank=2)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(old.id).unwrap())
            repository.add(new)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, old) is None
        stored = self.load(harness, repository_class, new)
        assert stored is not None
        assert (stored.sku, stored.rank) == (old.sku, 2)

    def test_two_reads_of_one_id_in_a_unit_of_work_return_the_same_object(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """The identity map: every read of one id in a unit of work returns one object."""
        item = ContractItem.new(_sku("mapped"), rank=4)
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            first = repository.get(item.id).unwrap()
            second = repository.get(item.id).unwrap()
            (found,) = repository.find(_ITEM.rank.eq(4))

        assert first is second
        assert found is first

    # -- querying --------------------------------------------------------------------------
    @pytest.mark.parametrize(("specification", "expected"), _SPECIFICATIONS)
    def test_find_and_count_select_what_the_specification_selects(
        self,
        harness: UnitOfWorkHarness,
        repository_class: _Items,
        specification: Specification[ContractItem],
        expected: set[str],
    ) -> None:
        """``find`` and ``count`` agree with the specification, null semantics included."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            found = repository.find(specification)
            counted = repository.count(specification)

        assert set(_skus(found)) == expected
        assert counted == len(expected)

    def test_find_without_a_specification_returns_everything(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Without a specification ``find`` and ``count`` cover every aggregate."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            found, counted = repository.find(), repository.count()

        assert sorted(_skus(found)) == ["a", "b", "c", "d", "e"]
        assert counted == len(found)

    def test_find_orders_by_projected_fields_and_breaks_ties_by_id(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``find`` orders by projected fields, equal values by id, and honours ``limit``."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            ascending = repository.find(order_by=[_ITEM.rank.asc()])
            descending = repository.find(order_by=[_ITEM.rank.desc()], limit=3)

        assert _skus(ascending) == ["a", "b", "c", "d", "e"]
        assert _skus(descending) == ["e", "d", "b"]

    def test_find_orders_missing_values_after_every_value(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``None`` sorts after every value: last ascending, first descending."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            ascending = repository.find(order_by=[_ITEM.note.asc()])
            descending = repository.find(order_by=[_ITEM.note.desc(), _ITEM.rank.desc()])

        assert _skus(ascending) == ["b", "e", "c", "a", "d"]
        assert _skus(descending) == ["d", "a", "c", "e", "b"]

    def test_find_can_select_by_id(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Specifications can select aggregates by id."""
        catalogue = _catalogue()
        self.store(harness, repository_class, *catalogue)
        wanted = [catalogue[1].id, catalogue[3].id]

        with harness.open() as uow:
            found = uow.repository(repository_class).find(_ITEM.id.in_(wanted))

        assert sorted(_skus(found)) == ["b", "d"]

    def test_offset_pages_report_their_place_and_the_total(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Offset pages carry their items, the total, their offset and whether more follow."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            pages = [
                repository.page(order_by=[_ITEM.rank.asc()], offset=offset, limit=2)
                for offset in (0, 2, 4)
            ]
            filtered = repository.page(_ITEM.rank.ge(2), order_by=[_ITEM.rank.desc()], limit=10)

        actual = [(_skus(p.items), p.total, p.offset, p.limit, p.has_next) for p in pages]
        assert actual == [
            (["a", "b"], 5, 0, 2, True),
            (["c", "d"], 5, 2, 2, True),
            (["e"], 5, 4, 2, False),
        ]
        assert (_skus(filtered.items), filtered.total, filtered.has_next) == (
            ["e", "d", "b", "c"],
            4,
            False,
        )

    @pytest.mark.parametrize(
        "key",
        [
            pytest.param(_ITEM.rank.asc(), id="ascending"),
            pytest.param(_ITEM.rank.desc(), id="desc"),
        ],
    )
    def test_keyset_pages_walk_every_match_once_in_a_stable_order(
        self, harness: UnitOfWorkHarness, repository_class: _Items, key: SortKey[ContractItem]
    ) -> None:
        """Following cursors visits every aggregate once, in order, equal sort values by id."""
        ranks = [3, 1, 2, 2, 1, 3, 2, 2, 1]
        items = [ContractItem.new(_sku(f"walk{n}"), rank=rank) for n, rank in enumerate(ranks)]
        self.store(harness, repository_class, *items)
        by_id = sorted(items, key=lambda item: item.id.value)
        expected = sorted(by_id, key=lambda item: -item.rank if key.descending else item.rank)

        walked: list[ContractItem] = []
        cursors: list[str | None] = [None]
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            while True:
                page = repository.page_after(cursors[-1], order_by=[key], limit=2).unwrap()
                walked.extend(page.items)
                if page.next_cursor is None:
                    break
                cursors.append(page.next_cursor)

        assert _skus(walked) == _skus(expected)
        assert len(cursors) == (len(items) + 1) // 2

    def test_keyset_pages_follow_the_specification(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Keyset pages contain only matches, across cursors."""
        self.store(harness, repository_class, *_catalogue())
        spec, key = _ITEM.label.ne("green"), _ITEM.rank.desc()

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            first = repository.page_after(None, spec, order_by=[key], limit=3).unwrap()
            rest = repository.page_after(first.next_cursor, spec, order_by=[key], limit=3)

        assert _skus(first.items) == ["e", "b", "c"]
        assert isinstance(rest, Success)
        assert (_skus(rest.unwrap().items), rest.unwrap().next_cursor) == (["a"], None)

    def test_a_keyset_page_of_an_empty_store_is_empty_and_last(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """The first keyset page of an empty store is empty and has no next cursor."""
        with harness.open() as uow:
            page = uow.repository(repository_class).page_after(order_by=[_ITEM.rank.asc()])

        assert page == Success(CursorPage((), None))

    @pytest.mark.parametrize("cursor", _GARBAGE_CURSORS)
    def test_a_garbage_cursor_fails_with_invalid_input(
        self, harness: UnitOfWorkHarness, repository_class: _Items, cursor: str
    ) -> None:
        """A cursor the repository did not write returns ``Failure(InvalidInputError)``."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            result = uow.repository(repository_class).page_after(
                cursor, order_by=[_ITEM.rank.asc()]
            )

        assert isinstance(result, Failure)
        assert isinstance(result.failure(), InvalidInputError)

    def test_a_cursor_written_for_one_ordering_is_refused_for_another(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A cursor only continues the ordering it was written for; another is refused."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            first = repository.page_after(order_by=[_ITEM.rank.desc()], limit=2).unwrap()
            cursor = first.next_cursor
            assert cursor is not None
            same = repository.page_after(cursor, order_by=[_ITEM.rank.desc()], limit=2)
            other = repository.page_after(cursor, order_by=[_ITEM.rank.asc()], limit=2)
            by_sku = repository.page_after(cursor, order_by=[_ITEM.sku.desc()], limit=2)

        assert isinstance(same, Success)
        assert _failed_with(other, InvalidInputError)
        assert _failed_with(by_sku, InvalidInputError)

    def test_the_largest_page_size_is_accepted_and_one_more_is_refused(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Pages hold 1 to ``MAX_PAGE_SIZE`` items; other sizes and negative offsets raise."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            largest = repository.page(limit=MAX_PAGE_SIZE)
            keyset = repository.page_after(limit=MAX_PAGE_SIZE).unwrap()
            refused: list[Callable[[], object]] = [
                lambda: repository.page(limit=MAX_PAGE_SIZE + 1),
                lambda: repository.page_after(limit=MAX_PAGE_SIZE + 1),
                lambda: repository.page(limit=0),
                lambda: repository.page_after(limit=0),
                lambda: repository.page(offset=-1),
                lambda: repository.page(offset=2**63),
                lambda: repository.find(limit=-1),
            ]
            for call in refused:
                with pytest.raises(ValueError, match="limit"):
                    call()

        assert (len(largest.items), largest.limit, len(keyset.items)) == (5, MAX_PAGE_SIZE, 5)
        assert DEFAULT_PAGE_SIZE <= MAX_PAGE_SIZE

    def test_get_returns_the_aggregate_added_earlier_in_the_unit_of_work(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """The identity map holds added aggregates too: ``get`` returns the very object."""
        item = ContractItem.new(_sku("fresh"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(item)
            got, exists = repository.get(item.id), repository.exists(item.id)

        assert got.unwrap() is item
        assert exists is True

    def test_the_version_is_a_set_field_after_a_save_and_after_a_load(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A saved or loaded aggregate reports ``version`` among its set fields.

        ``model_dump(exclude_unset=True)`` (a partial update, a PATCH body) then keeps it.
        """
        item = ContractItem.new(_sku("versioned"))

        self.store(harness, repository_class, item)
        loaded = self.load(harness, repository_class, item)

        assert "version" in item.model_fields_set
        assert loaded is not None
        assert "version" in loaded.model_fields_set
        assert loaded.model_dump(exclude_unset=True)["version"] == 1

    # -- values no store keeps -------------------------------------------------------------
    @pytest.mark.parametrize(
        "hostile",
        [
            *_UNSTORABLE_TEXT,
            pytest.param(2**64, id="int beyond 64 bits"),
            pytest.param(str(uuid.uuid4()), id="id as text"),
            pytest.param(None, id="none"),
            pytest.param(True, id="a bool"),
            pytest.param(["x"], id="unhashable"),
        ],
    )
    def test_an_id_no_store_holds_is_not_found(
        self, harness: UnitOfWorkHarness, repository_class: _Items, hostile: object
    ) -> None:
        """``get`` and ``exists`` of an id of another type, or one no store holds, find nothing."""
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            # An id of the wrong type is what an attacker sends, not what a type checker allows.
            got, exists = repository.get(hostile), repository.exists(hostile)  # type: ignore[arg-type]

        assert _failed_with(got, NotFoundError)
        assert exists is False

    @pytest.mark.parametrize("specification", _UNSTORABLE_SPECIFICATIONS)
    def test_a_specification_comparing_a_value_no_store_holds_is_invalid_input(
        self,
        harness: UnitOfWorkHarness,
        repository_class: _Items,
        specification: Specification[ContractItem],
    ) -> None:
        """Comparing with a value no store keeps is an ``InvalidInputError`` on every adapter.

        ``find``, ``count`` and ``page`` raise it; ``page_after`` returns it as a ``Failure``.
        """
        self.store(harness, repository_class, *_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            raised: list[InvalidInputError] = []
            for call in (repository.find, repository.count, repository.page):
                with pytest.raises(InvalidInputError) as caught:
                    call(specification)
                raised.append(caught.value)
            keyset = repository.page_after(None, specification, order_by=[_ITEM.rank.asc()])

        assert all(error.field_errors for error in raised)
        assert _failed_with(keyset, InvalidInputError)

    @pytest.mark.parametrize(
        ("change", "where_"),
        [
            pytest.param({"label": "nul\x00inside"}, ("label",), id="NUL in JSON text"),
            pytest.param({"sku": "nul\x00sku"}, ("sku",), id="NUL in a column"),
            pytest.param({"note": "lone \ud800"}, ("note",), id="lone surrogate"),
            pytest.param({"stock": 2**64}, ("stock",), id="int beyond 64 bits"),
            pytest.param({"rank": -(2**63) - 1}, ("rank",), id="int below 64 bits in a column"),
        ],
    )
    def test_an_aggregate_holding_a_value_no_store_keeps_fails_the_commit_with_invalid_input(
        self,
        harness: UnitOfWorkHarness,
        repository_class: _Items,
        change: dict[str, Any],
        where_: tuple[str, ...],
    ) -> None:
        """A value no store keeps fails the commit with ``InvalidInputError``, storing nothing.

        Added or changed, the aggregate is refused alike on every adapter, the error locates
        the value, and nothing of the commit is stored.
        """
        stored = ContractItem.new(_sku("stored"))
        self.store(harness, repository_class, stored)
        added = ContractItem.new(_sku("added"))
        for name, value in change.items():
            setattr(added, name, value)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.get(stored.id).unwrap().rerank(3)
            repository.add(added)
            failed_add = uow.commit()
            uow.rollback()
            loaded = repository.get(stored.id).unwrap()
            for name, value in change.items():
                setattr(loaded, name, value)
            failed_change = uow.commit()

        for failed in (failed_add, failed_change):
            error = failed.failure() if isinstance(failed, Failure) else None
            assert isinstance(error, InvalidInputError)
            assert [e.loc[-len(where_) :] for e in error.field_errors] == [where_]
        assert self.load(harness, repository_class, added) is None
        reloaded = self.load(harness, repository_class, stored)
        assert reloaded is not None
        assert (reloaded.rank, reloaded.version) == (stored.rank, 1)
        assert harness.outbox_messages() == []

    # -- what the repository refuses -------------------------------------------------------
    def test_ordering_by_a_field_kept_in_no_column_raises_type_error(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Ordering by a field in no column (or, for keyset pages, nullable) is a ``TypeError``.

        ``weight``, ``listed_at`` and ``price`` are kept in no column of either storage style.
        """
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            calls: list[tuple[Callable[[], object], str]] = [
                (lambda: repository.find(order_by=[_ITEM.weight.asc()]), "cannot order by weight"),
                (
                    lambda: repository.page(order_by=[_ITEM.listed_at.desc()]),
                    "cannot order by listed_at",
                ),
                (
                    lambda: repository.page_after(order_by=[_ITEM.price.amount.asc()]),
                    "cannot order by price.amount",
                ),
                (
                    lambda: repository.find(order_by=[_ITEM.rank.asc(), _ITEM.weight.desc()]),
                    "cannot order by weight",
                ),
                # A nullable key cannot position a keyset page either.
                (lambda: repository.page_after(order_by=[_ITEM.note.asc()]), "note may be None"),
            ]
            for call, message in calls:
                with pytest.raises(TypeError, match=f"^{re.escape(message)}"):
                    call()

    @pytest.mark.parametrize(
        ("specification", "culprit"),
        [
            pytest.param(_ITEM.weight.gt("1.5"), "weight", id="decimal"),
            pytest.param(_ITEM.price.amount.lt("10"), "price.amount", id="nested decimal"),
            pytest.param(_ITEM.listed_at.lt(utc_now()), "listed_at", id="datetime"),
            pytest.param(_ITEM.rank.eq(1) & _ITEM.weight.eq("1.25"), "weight", id="inside and"),
        ],
    )
    def test_a_specification_on_a_decimal_or_datetime_in_no_column_raises_type_error(
        self,
        harness: UnitOfWorkHarness,
        repository_class: _Items,
        specification: Specification[ContractItem],
        culprit: str,
    ) -> None:
        """Comparing decimals or datetimes kept in no column is a ``TypeError`` naming them.

        No storage style compares them (a document's JSON misorders them), and the message
        names the attribute and the repository to change.
        """
        expected = f"^{re.escape(culprit)} .*{re.escape(repository_class.__name__)}"
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            with pytest.raises(TypeError, match=expected):
                repository.find(specification)
            with pytest.raises(TypeError, match=expected):
                repository.count(specification)

    def test_adding_a_taken_unique_value_fails_the_commit_with_already_exists(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Adding an aggregate whose unique value is taken fails the commit; nothing is stored."""
        sku = _sku("taken")
        self.store(harness, repository_class, ContractItem.new(sku))
        clash = ContractItem.new(sku)

        with harness.open() as uow:
            uow.repository(repository_class).add(clash)
            result = uow.commit()

        assert isinstance(result, Failure)
        assert isinstance(result.failure(), AlreadyExistsError)
        assert self.load(harness, repository_class, clash) is None

    def test_changing_to_a_taken_unique_value_fails_the_commit_with_already_exists(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Changing a unique value to a taken one fails the commit; the old value stays."""
        first, second = ContractItem.new(_sku("first")), ContractItem.new(_sku("second"))
        self.store(harness, repository_class, first, second)

        with harness.open() as uow:
            loaded = uow.repository(repository_class).get(second.id).unwrap()
            loaded.sku = first.sku
            result = uow.commit()

        assert isinstance(result, Failure)
        assert isinstance(result.failure(), AlreadyExistsError)
        stored = self.load(harness, repository_class, second)
        assert stored is not None
        assert stored.sku == second.sku

    def test_adding_a_taken_id_fails_the_commit_with_already_exists(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Adding an aggregate under a taken id fails the commit; the stored one stays."""
        original = ContractItem.new(_sku("original"))
        self.store(harness, repository_class, original)
        twin = ContractItem(id=original.id, sku=_sku("twin"))

        with harness.open() as uow:
            uow.repository(repository_class).add(twin)
            result = uow.commit()

        assert isinstance(result, Failure)
        assert isinstance(result.failure(), AlreadyExistsError)
        stored = self.load(harness, repository_class, original)
        assert stored is not None
        assert stored.sku == original.sku

    # -- children --------------------------------------------------------------------------
    def test_children_are_read_back_in_their_order(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Each aggregate's children are read back with it, in their order, by get and find."""
        first = ContractItem.new(_sku("first"), rank=1, parts=_parts(*_PARTS))
        second = ContractItem.new(_sku("second"), rank=2, parts=_parts(("bolt", 7), ("nut", 1)))
        bare = ContractItem.new(_sku("bare"), rank=3)
        self.store(harness, repository_class, first, second, bare)

        with harness.open() as uow:
            got = uow.repository(repository_class).get(first.id).unwrap()
        with harness.open() as uow:
            found = uow.repository(repository_class).find(order_by=[_ITEM.rank.asc()])

        assert got.parts == _parts(*_PARTS)
        assert [item.parts for item in found] == [_parts(*_PARTS), second.parts, ()]

    @pytest.mark.parametrize(("change", "expected"), _CHILDREN_CHANGES)
    def test_a_change_of_the_children_of_a_loaded_aggregate_is_saved(
        self,
        harness: UnitOfWorkHarness,
        repository_class: _Items,
        change: Callable[[ContractItem], object],
        expected: Sequence[tuple[str, int]],
    ) -> None:
        """Adding, dropping or changing a loaded aggregate's child is saved as its next version."""
        item = ContractItem.new(_sku("parent"), parts=_parts(*_PARTS))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            change(uow.repository(repository_class).get(item.id).unwrap())
            committed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert stored is not None
        assert (stored.parts, stored.version) == (_parts(*expected), 2)

    def test_each_commit_of_one_unit_of_work_saves_the_children_as_they_are(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Children changed between the commits of one unit of work are saved by each commit."""
        item = ContractItem.new(_sku("parent"), parts=_parts(("bolt", 4), ("nut", 2)))
        steps = [
            methodcaller("add_part", "washer", 9),
            methodcaller("drop_part", "bolt"),
            methodcaller("change_part", "washer", 1),
            methodcaller("drop_part", "nut"),
        ]
        saved: list[tuple[tuple[ContractPart, ...], int] | None] = []

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            assert uow.commit() == Success(None)
            for step in steps:
                step(item)
                assert uow.commit() == Success(None)
                stored = self.load(harness, repository_class, item)
                saved.append(None if stored is None else (stored.parts, stored.version))

        assert saved == [
            (_parts(("bolt", 4), ("nut", 2), ("washer", 9)), 2),
            (_parts(("nut", 2), ("washer", 9)), 3),
            (_parts(("nut", 2), ("washer", 1)), 4),
            (_parts(("washer", 1)), 5),
        ]

    def test_removing_an_aggregate_removes_its_children(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A removed aggregate goes with its children: its id and part names are free again."""
        item = ContractItem.new(_sku("parent"), parts=_parts(*_PARTS))
        self.store(harness, repository_class, item)
        # The same id with fewer parts of the same names: a child left behind would clash with
        # a new one or be read back beside them.
        reborn = ContractItem(id=item.id, sku=item.sku, parts=_parts(("anchor", 5), ("nut", 6)))
        namesake = ContractItem.new(_sku("namesake"), parts=_parts(*_PARTS))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.remove(repository.get(item.id).unwrap())
            removed = uow.commit()
        gone = self.load(harness, repository_class, item)
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(reborn)
            repository.add(namesake)
            added = uow.commit()
        stored = [self.load(harness, repository_class, i) for i in (reborn, namesake)]

        assert (removed, gone, added) == (Success(None), None, Success(None))
        assert [i.parts if i else None for i in stored] == [reborn.parts, _parts(*_PARTS)]

    # -- versions and optimistic concurrency -------------------------------------------------
    def test_the_version_grows_by_one_per_committed_change(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Each committed change adds one to the version, within and across units of work."""
        item = ContractItem.new(_sku("versioned"))
        versions: list[int] = []

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            assert uow.commit() == Success(None)
            versions.append(item.version)
            for rank in (1, 2):
                item.rerank(rank)
                assert uow.commit() == Success(None)
                versions.append(item.version)
        with harness.open() as uow:
            loaded = uow.repository(repository_class).get(item.id).unwrap()
            loaded.rerank(3)
            assert uow.commit() == Success(None)
        stored = self.load(harness, repository_class, item)

        assert versions == [1, 2, 3]
        assert stored is not None
        assert (stored.version, stored.rank) == (4, 3)

    def test_an_unchanged_loaded_aggregate_is_not_rewritten(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Committing an aggregate that was only read leaves its version alone."""
        item = ContractItem.new(_sku("unchanged"))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            loaded = repository.get(item.id).unwrap()
            repository.find()
            committed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert loaded.version == 1
        assert stored is not None
        assert stored.version == 1

    def test_the_second_of_two_writers_of_one_version_gets_a_conflict_and_writes_nothing(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Of two writers of one version the second gets a conflict and none of its writes."""
        item = ContractItem.new(_sku("contested"), rank=1)
        self.store(harness, repository_class, item)
        bystander = ContractItem.new(_sku("bystander"))

        with harness.open() as first, harness.open() as second:
            # Added before the conflicting change, so a partial commit would keep it.
            second.repository(repository_class).add(bystander)
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.rerank(10)
            theirs.rerank(20)
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert isinstance(second_result, Failure)
        assert isinstance(second_result.failure(), ConcurrencyConflictError)
        stored = self.load(harness, repository_class, item)
        assert stored is not None
        assert (stored.rank, stored.version) == (10, 2)
        assert self.load(harness, repository_class, bystander) is None
        assert [message.payload["rank"] for message in harness.outbox_messages()] == [10]

    def test_removing_an_aggregate_changed_meanwhile_fails_with_a_conflict(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Removing an aggregate someone changed since it was read is a conflict."""
        item = ContractItem.new(_sku("contested"), rank=1)
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.rerank(10)
            second.repository(repository_class).remove(theirs)
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert isinstance(second_result, Failure)
        assert isinstance(second_result.failure(), ConcurrencyConflictError)
        stored = self.load(harness, repository_class, item)
        assert stored is not None
        assert (stored.rank, stored.version) == (10, 2)

    @pytest.mark.parametrize("change", ["rerank", "remove"])
    def test_writing_an_aggregate_removed_meanwhile_fails_with_not_found(
        self, harness: UnitOfWorkHarness, repository_class: _Items, change: str
    ) -> None:
        """Changing or removing an aggregate someone removed since it was read is not found.

        A versioned write that matches no stored record says so (``NotFoundError``), as it
        says for an id that was never stored; only a record with another version is a
        conflict.
        """
        item = ContractItem.new(_sku("contested"), rank=1)
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            first.repository(repository_class).remove(mine)
            if change == "rerank":
                theirs.rerank(20)
            else:
                second.repository(repository_class).remove(theirs)
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert _failed_with(second_result, NotFoundError)
        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_removing_an_aggregate_never_stored_fails_with_not_found(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Removing an aggregate no store holds (whatever version it claims) is not found."""
        ghosts = [ContractItem.new(_sku("ghost")) for _ in range(3)]
        for version, ghost in enumerate(ghosts):
            ghost.version = version

        results: list[Result[None, CommitError]] = []
        for ghost in ghosts:
            with harness.open() as uow:
                uow.repository(repository_class).remove(ghost)
                results.append(uow.commit())

        assert all(_failed_with(result, NotFoundError) for result in results)
        # Each names the aggregate it could not find, as a read of its id would.
        missing = [r.failure() for r in results if isinstance(r, Failure)]
        assert [getattr(error, "identifier", None) for error in missing] == [
            str(ghost.id) for ghost in ghosts
        ]

    def test_a_conflict_on_remove_names_the_version_the_remover_read(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A removal that lost a race reports the version it expected to delete."""
        item = ContractItem.new(_sku("contested"), rank=1)
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            first.repository(repository_class).get(item.id).unwrap().rerank(2)
            second.repository(repository_class).remove(
                second.repository(repository_class).get(item.id).unwrap()
            )
            assert first.commit() == Success(None)
            lost = second.commit()

        error = lost.failure() if isinstance(lost, Failure) else None
        assert isinstance(error, ConcurrencyConflictError)
        assert error.expected_version == 1

    def test_concurrent_changes_of_the_children_of_one_version_conflict(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A children-only change bumps the version; a concurrent one of that version conflicts.

        The loser's changes (a changed and a dropped child) are not stored.
        """
        item = ContractItem.new(_sku("contested"), parts=_parts(("bolt", 4), ("nut", 2)))
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.add_part("washer", 9)
            theirs.change_part("bolt", 40)
            theirs.drop_part("nut")
            first_result, second_result = first.commit(), second.commit()

        assert first_result == Success(None)
        assert isinstance(second_result, Failure)
        assert isinstance(second_result.failure(), ConcurrencyConflictError)
        assert (mine.version, theirs.version) == (2, 1)
        stored = self.load(harness, repository_class, item)
        assert stored is not None
        assert (stored.parts, stored.version) == (
            _parts(("bolt", 4), ("nut", 2), ("washer", 9)),
            2,
        )
        actual = [(m.aggregate_id, m.aggregate_version) for m in harness.outbox_messages()]
        assert actual == [(str(item.id), 2)]


# -- the unit of work contract ----------------------------------------------------------------
class UnitOfWorkContract(_Contract):
    """What every unit of work does with transactions and events (run as ``Test<Adapter>``).

    Subclass it and provide a ``harness`` fixture (see the module documentation).
    """

    def test_leaving_the_block_without_commit_rolls_back(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Leaving the block without ``commit`` stores no aggregate and no outbox row."""
        item = ContractItem.new(_sku("uncommitted"))

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            item.rerank(3)
            uow.record(ContractItemChanged(rank=0))

        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_an_exception_leaving_the_block_rolls_back_and_propagates(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """An exception leaving the block propagates, and nothing of the block is stored."""
        item = ContractItem.new(_sku("abandoned"))

        with pytest.raises(_AbandonedError):
            _abandon(harness, repository_class, item)

        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_rollback_discards_changes_and_forgets_loaded_aggregates(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``rollback`` discards changes and events, and forgets what was loaded."""
        stored = ContractItem.new(_sku("stored"), rank=1)
        self.store(harness, repository_class, stored)
        added = ContractItem.new(_sku("added"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(added)
            loaded = repository.get(stored.id).unwrap()
            loaded.rerank(9)
            uow.record(ContractItemChanged(rank=0))
            uow.rollback()
            committed = uow.commit()
            events = uow.collect_committed_events()

        assert committed == Success(None)
        assert events == ()
        assert self.load(harness, repository_class, added) is None
        reloaded = self.load(harness, repository_class, stored)
        assert reloaded is not None
        assert (reloaded.rank, reloaded.version) == (1, 1)
        assert harness.outbox_messages() == []

    def test_a_rolled_back_change_of_children_leaves_the_stored_children_unchanged(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """After ``rollback`` the stored children are unchanged and are what a new read sees."""
        item = ContractItem.new(_sku("parent"), parts=_parts(("bolt", 4), ("nut", 2)))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            loaded = repository.get(item.id).unwrap()
            loaded.add_part("washer", 9)
            loaded.drop_part("bolt")
            loaded.change_part("nut", 20)
            uow.rollback()
            committed = uow.commit()
            reread = repository.get(item.id).unwrap()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert reread is not loaded
        assert (reread.parts, reread.version) == (item.parts, 1)
        assert stored is not None
        assert (stored.parts, stored.version) == (item.parts, 1)
        assert harness.outbox_messages() == []

    def test_a_failed_commit_stores_none_of_the_children_changes(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A commit that fails on a taken unique value stores none of the children's changes."""
        taken = ContractItem.new(_sku("taken"))
        item = ContractItem.new(_sku("parent"), parts=_parts(("bolt", 4), ("nut", 2)))
        self.store(harness, repository_class, taken, item)

        with harness.open() as uow:
            loaded = uow.repository(repository_class).get(item.id).unwrap()
            loaded.add_part("washer", 9)
            loaded.drop_part("bolt")
            loaded.sku = taken.sku
            failed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert isinstance(failed, Failure)
        assert isinstance(failed.failure(), AlreadyExistsError)
        assert stored is not None
        assert (stored.sku, stored.parts, stored.version) == (item.sku, item.parts, 1)
        assert harness.outbox_messages() == []

    def test_recorded_events_reach_the_outbox_with_their_aggregate_and_the_request_context(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Each event is stored with its aggregate, the new version and the request context."""
        item = ContractItem.new(_sku("evented"))
        context = RequestContext.new(
            tenant_id="tenant-1",
            actor_id="actor-1",
            traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ).caused_by("message-1")

        with use_context(context), harness.open() as uow:
            uow.repository(repository_class).add(item)
            item.rerank(5)
            assert uow.commit() == Success(None)
            item.rerank(6)
            assert uow.commit() == Success(None)

        actual = [
            (
                message.aggregate_type,
                message.aggregate_id,
                message.aggregate_version,
                message.event_type,
                message.schema_version,
                message.payload["rank"],
            )
            for message in harness.outbox_messages()
        ]
        assert actual == [
            ("creativeflow.contract.item", str(item.id), 1, ContractItemChanged.event_type, 1, 5),
            ("creativeflow.contract.item", str(item.id), 2, ContractItemChanged.event_type, 1, 6),
        ]
        assert [message.headers for message in harness.outbox_messages()] == 2 * [
            {
                "correlation_id": context.correlation_id,
                "causation_id": "message-1",
                "tenant_id": "tenant-1",
                "actor_id": "actor-1",
                "traceparent": context.traceparent,
            }
        ]

    def test_committed_events_are_released_once(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``collect_committed_events`` returns the committed events once, then nothing."""
        item = ContractItem.new(_sku("released"))

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            item.rerank(1)
            item.rerank(2)
            assert uow.commit() == Success(None)
            first = uow.collect_committed_events()
            second = uow.collect_committed_events()

        assert [(type(e), e.aggregate_id) for e in first] == 2 * [
            (ContractItemChanged, str(item.id))
        ]
        assert [event.event_id for event in first] == [m.id for m in harness.outbox_messages()]
        assert second == ()

    def test_a_failed_commit_writes_no_outbox_row_and_releases_no_event(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """A commit that fails on a conflict stores no outbox row and releases no event."""
        item = ContractItem.new(_sku("contested"))
        self.store(harness, repository_class, item)

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            mine.rerank(1)
            theirs.rerank(2)
            second.record(ContractItemChanged(rank=-1))
            assert first.commit() == Success(None)
            failed = second.commit()
            released = second.collect_committed_events()

        assert isinstance(failed, Failure)
        assert released == ()
        assert [message.payload["rank"] for message in harness.outbox_messages()] == [1]

    def test_an_event_only_change_writes_its_row_and_bumps_the_version(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """An aggregate that only recorded an event is saved as a new version with its row."""
        item = ContractItem.new(_sku("touched"), rank=4)
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            uow.repository(repository_class).get(item.id).unwrap().touch()
            committed = uow.commit()
        stored = self.load(harness, repository_class, item)

        assert committed == Success(None)
        assert stored is not None
        assert (stored.version, stored.rank) == (2, 4)
        actual = [(m.aggregate_id, m.aggregate_version) for m in harness.outbox_messages()]
        assert actual == [(str(item.id), 2)]

    def test_an_event_of_no_aggregate_is_stored_on_commit(self, harness: UnitOfWorkHarness) -> None:
        """``record`` stores an event of no aggregate on commit and releases it."""
        event = ContractItemChanged(rank=8)

        with harness.open() as uow:
            uow.record(event)
            committed = uow.commit()
            released = uow.collect_committed_events()

        assert committed == Success(None)
        assert released == (event,)
        actual = [
            (m.id, m.aggregate_type, m.aggregate_id, m.aggregate_version, m.payload["rank"])
            for m in harness.outbox_messages()
        ]
        assert actual == [(event.event_id, "none", str(event.event_id), None, 8)]

    def test_an_event_of_no_aggregate_is_dropped_when_the_block_ends_without_commit(
        self, harness: UnitOfWorkHarness
    ) -> None:
        """An event of no aggregate is dropped when the block ends without a commit."""
        with harness.open() as uow:
            uow.record(ContractItemChanged(rank=8))

        assert harness.outbox_messages() == []

    def test_the_events_of_a_removed_aggregate_are_stored(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """The events of an aggregate removed in the commit are stored too."""
        item = ContractItem.new(_sku("farewell"))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            loaded = repository.get(item.id).unwrap()
            loaded.touch()
            repository.remove(loaded)
            committed = uow.commit()

        assert committed == Success(None)
        assert self.load(harness, repository_class, item) is None
        actual = [(m.aggregate_id, m.event_type) for m in harness.outbox_messages()]
        assert actual == [(str(item.id), ContractItemChanged.event_type)]

    # -- a commit that does not succeed changes nothing ------------------------------------
    def test_a_failed_commit_leaves_the_aggregates_and_their_events_as_before(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """After a failed commit every aggregate keeps its version and its pending events.

        The queued events of no aggregate stay queued too, and a second ``commit`` tries the
        same work again: it fails again rather than reporting a success it did not store.
        """
        item = ContractItem.new(_sku("contested"))
        self.store(harness, repository_class, item)
        added = ContractItem.new(_sku("added"))

        with harness.open() as first, harness.open() as second:
            mine = first.repository(repository_class).get(item.id).unwrap()
            theirs = second.repository(repository_class).get(item.id).unwrap()
            second.repository(repository_class).add(added)
            added.rerank(4)
            theirs.rerank(2)
            second.record(ContractItemChanged(rank=-1))
            mine.rerank(1)
            assert first.commit() == Success(None)
            failed = second.commit()
            after = (theirs.version, len(theirs.pending_events), added.version)
            pending = [len(theirs.pending_events), len(added.pending_events)]
            retried = second.commit()
            released = second.collect_committed_events()

        assert _failed_with(failed, ConcurrencyConflictError)
        assert after == (1, 1, 0)
        assert pending == [1, 1]
        assert _failed_with(retried, ConcurrencyConflictError)
        assert released == ()
        assert self.load(harness, repository_class, added) is None
        assert [m.payload["rank"] for m in harness.outbox_messages()] == [1]

    def test_a_commit_retried_after_a_failure_stores_the_state_with_all_its_events(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """Retrying the same objects after a failed commit stores state and events together.

        What a retry loop does: the first commit fails (a unique value is taken), the cause
        is fixed, and the same aggregates are committed again with every event they recorded.
        """
        taken = ContractItem.new(_sku("taken"))
        changed = ContractItem.new(_sku("changed"))
        self.store(harness, repository_class, taken, changed)
        added = ContractItem.new(taken.sku)
        free = ContractItemChanged(rank=100)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(added)
            added.rerank(7)
            repository.get(changed.id).unwrap().rerank(8)
            uow.record(free)
            failed = uow.commit()
            added.sku = _sku("fixed")
            retried = uow.commit()
            released = uow.collect_committed_events()

        assert _failed_with(failed, AlreadyExistsError)
        assert retried == Success(None)
        stored = [self.load(harness, repository_class, i) for i in (added, changed)]
        assert [(i.rank, i.version) if i else None for i in stored] == [(7, 1), (8, 2)]
        messages = harness.outbox_messages()
        assert sorted(m.payload["rank"] for m in messages) == [7, 8, 100]
        assert sorted(e.event_id for e in released) == sorted(m.id for m in messages)
        assert added.pending_events == ()

    def test_rollback_after_a_failed_commit_forgets_the_work(
        self, harness: UnitOfWorkHarness, repository_class: _Items
    ) -> None:
        """``rollback`` after a failed commit forgets it: the next commit stores new work only."""
        taken = ContractItem.new(_sku("taken"))
        self.store(harness, repository_class, taken)
        fresh = ContractItem.new(_sku("fresh"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(ContractItem(id=taken.id, sku=_sku("twin")))
            uow.record(ContractItemChanged(rank=-1))
            failed = uow.commit()
            uow.rollback()
            repository.add(fresh)
            committed = uow.commit()

        assert _failed_with(failed, AlreadyExistsError)
        assert committed == Success(None)
        assert self.load(harness, repository_class, fresh) is not None
        assert harness.outbox_messages() == []
