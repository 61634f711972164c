"""G7: no tenant reads or writes another tenant's aggregates through the repositories."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData

from creativeflow_shared.application import (
    DocumentRepository,
    RequestContext,
    project,
    use_context,
)
from creativeflow_shared.domain import AggregateRoot, ForbiddenError, Identity, NotFoundError, where
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractContextManager

    from creativeflow_shared.testing import UnitOfWorkHarness

BACKENDS = [
    "in-memory",
    "in-memory-async",
    "sqlite",
    "sqlite-async",
    "postgresql",
    "postgresql-async",
]


class NoteId(Identity):
    pass


class Note(AggregateRoot[NoteId]):
    tenant_id: str
    title: str
    rank: int = 0


class NoteRepository(DocumentRepository[Note, NoteId]):
    projections = (project("rank"),)


NOTE = where(Note)
ACME, GLOBEX = "acme", "globex"


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, NoteRepository, name="g7_notes")
    outbox_table(tables, name="g7_outbox")
    return tables


@pytest.fixture(params=BACKENDS)
def harness(
    request: pytest.FixtureRequest, make_harness: Callable[[str], UnitOfWorkHarness]
) -> UnitOfWorkHarness:
    return make_harness(request.param)


def _note(tenant: str, title: str, rank: int) -> Note:
    return Note(id=NoteId.new(), tenant_id=tenant, title=title, rank=rank)


@pytest.fixture
def notes(harness: UnitOfWorkHarness) -> dict[str, list[Note]]:
    """Two notes of ACME and two of GLOBEX, with the same titles and ranks."""
    stored = {
        tenant: [_note(tenant, "plan", 1), _note(tenant, "memo", 2)] for tenant in (ACME, GLOBEX)
    }
    for tenant, tenant_notes in stored.items():
        with _as(tenant), harness.open() as uow:
            for note in tenant_notes:
                uow.repository(NoteRepository).add(note)
            assert uow.commit() == Success(None)
    return stored


def _as(tenant: str | None) -> AbstractContextManager[RequestContext]:
    return use_context(RequestContext.new(tenant_id=tenant))


def _ids(notes: Sequence[Note]) -> set[NoteId]:
    return {note.id for note in notes}


def test_g7_a_tenant_reads_only_its_own_aggregates(
    harness: UnitOfWorkHarness, notes: dict[str, list[Note]]
) -> None:
    acme, globex = notes[ACME], notes[GLOBEX]
    by_rank = [NOTE.rank.asc()]

    with _as(ACME), harness.open() as uow:
        repository = uow.repository(NoteRepository)
        own, foreign = repository.get(acme[0].id), repository.get(globex[0].id)
        exists = (repository.exists(acme[0].id), repository.exists(globex[0].id))
        found, planned = repository.find(), repository.find(NOTE.title.eq("plan"))
        counted = (repository.count(), repository.count(NOTE.rank.ge(1)))
        page = repository.page(order_by=by_rank, limit=10)
        first = repository.page_after(order_by=by_rank, limit=1).unwrap()
        second = repository.page_after(first.next_cursor, order_by=by_rank, limit=1).unwrap()

    assert isinstance(own, Success)
    assert isinstance(foreign, Failure)
    assert isinstance(foreign.failure(), NotFoundError)
    assert exists == (True, False)
    assert (_ids(found), _ids(planned)) == (_ids(acme), {acme[0].id})
    assert counted == (2, 2)
    assert (_ids(page.items), page.total, page.has_next) == (_ids(acme), 2, False)
    assert (_ids(first.items + second.items), second.next_cursor) == (_ids(acme), None)


def test_g7_writing_another_tenants_aggregate_is_forbidden(
    harness: UnitOfWorkHarness, notes: dict[str, list[Note]]
) -> None:
    intruder = _note(GLOBEX, "intruder", 9)

    with _as(ACME), harness.open() as uow:
        repository = uow.repository(NoteRepository)
        with pytest.raises(ForbiddenError):
            repository.add(intruder)
        with pytest.raises(ForbiddenError):
            repository.remove(notes[GLOBEX][0])
        committed = uow.commit()
    with _as(GLOBEX), harness.open() as uow:
        stored = uow.repository(NoteRepository).find()

    assert committed == Success(None)
    assert _ids(stored) == _ids(notes[GLOBEX])


def test_g7_moving_an_aggregate_to_another_tenant_is_refused_on_commit(
    harness: UnitOfWorkHarness, notes: dict[str, list[Note]]
) -> None:
    moved = notes[ACME][0]

    with _as(ACME), harness.open() as uow:
        uow.repository(NoteRepository).get(moved.id).unwrap().tenant_id = GLOBEX
        with pytest.raises(ForbiddenError):
            uow.commit()
    with _as(GLOBEX), harness.open() as uow:
        seen_by_globex = uow.repository(NoteRepository).exists(moved.id)
    with _as(ACME), harness.open() as uow:
        stored = uow.repository(NoteRepository).get(moved.id).unwrap()

    assert seen_by_globex is False
    assert (stored.tenant_id, stored.version) == (ACME, 1)


def test_g7_without_a_tenant_in_context_nothing_is_read_or_written(
    harness: UnitOfWorkHarness, notes: dict[str, list[Note]]
) -> None:
    known = notes[ACME][0]

    with _as(None), harness.open() as uow:
        repository = uow.repository(NoteRepository)
        calls: list[Callable[[], object]] = [
            lambda: repository.get(known.id),
            lambda: repository.exists(known.id),
            repository.find,
            repository.count,
            repository.page,
            lambda: repository.page_after(order_by=[NOTE.rank.asc()]),
            lambda: repository.add(_note(ACME, "orphan", 3)),
            lambda: repository.remove(known),
        ]
        for call in calls:
            with pytest.raises(ForbiddenError):
                call()
