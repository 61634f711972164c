"""G7: no tenant reads or writes another tenant's aggregates through the repositories.

Every check runs on every backend and in both storage styles: the notes are stored as
documents, and as rows of their own through a data-mapper repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import pytest
from returns.result import Failure, Success
from sqlalchemy import MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

from creativeflow_shared.application import (
    DocumentRepository,
    Repository,
    RequestContext,
    project,
    use_context,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ForbiddenError,
    Identity,
    NotFoundError,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    document_table,
    outbox_table,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from contextlib import AbstractContextManager

    from returns.result import Result

    from creativeflow_shared.application import CommitError
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
    projections = (project("rank"), project("title", unique=True))


_METADATA = MetaData()
document_table(_METADATA, NoteRepository, name="g7_notes")
outbox_table(_METADATA, name="g7_outbox")


class _Rows(DeclarativeBase):
    metadata = _METADATA


class NoteRow(_Rows):
    """Keyed by tenant and id, as a document table keys tenant-owned documents (ADR 0017)."""

    __tablename__ = "dm_g7_notes"
    __table_args__ = (UniqueConstraint("tenant_id", "title"),)

    tenant_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int]


class NoteRowRepository(DataMapperRepository[Note, NoteId, NoteRow]):
    columns: ClassVar[Mapping[str, Any]] = {"title": NoteRow.title, "rank": NoteRow.rank}

    @override
    def to_row(self, aggregate: Note) -> NoteRow:
        return NoteRow(id=aggregate.id.value, title=aggregate.title, rank=aggregate.rank)

    @override
    def to_domain(self, row: NoteRow) -> Note:
        return Note(id=NoteId(row.id), tenant_id=row.tenant_id, title=row.title, rank=row.rank)


NOTE = where(Note)
ACME, GLOBEX = "acme", "globex"
_Notes = type[Repository[Note, NoteId]]


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    """The notes' document table, their rows and the outbox."""
    return _METADATA


@pytest.fixture(params=BACKENDS)
def harness(
    request: pytest.FixtureRequest, make_harness: Callable[[str], UnitOfWorkHarness]
) -> UnitOfWorkHarness:
    return make_harness(request.param)


@pytest.fixture(params=[NoteRepository, NoteRowRepository], ids=["documents", "rows"])
def repository(request: pytest.FixtureRequest) -> _Notes:
    """Each storage style in turn."""
    kind: _Notes = request.param
    return kind


def _note(tenant: str, title: str, rank: int) -> Note:
    return Note(id=NoteId.new(), tenant_id=tenant, title=title, rank=rank)


@pytest.fixture
def notes(harness: UnitOfWorkHarness, repository: _Notes) -> dict[str, list[Note]]:
    """Two notes of ACME and two of GLOBEX, with the same titles and ranks."""
    stored = {
        tenant: [_note(tenant, "plan", 1), _note(tenant, "memo", 2)] for tenant in (ACME, GLOBEX)
    }
    for tenant, tenant_notes in stored.items():
        with _as(tenant), harness.open() as uow:
            for note in tenant_notes:
                uow.repository(repository).add(note)
            assert uow.commit() == Success(None)
    return stored


def _as(tenant: str | None) -> AbstractContextManager[RequestContext]:
    return use_context(RequestContext.new(tenant_id=tenant))


def _ids(notes: Sequence[Note]) -> set[NoteId]:
    return {note.id for note in notes}


def test_g7_a_tenant_reads_only_its_own_aggregates(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    acme, globex = notes[ACME], notes[GLOBEX]
    by_rank = [NOTE.rank.asc()]

    with _as(ACME), harness.open() as uow:
        notes_ = uow.repository(repository)
        own, foreign = notes_.get(acme[0].id), notes_.get(globex[0].id)
        exists = (notes_.exists(acme[0].id), notes_.exists(globex[0].id))
        found, planned = notes_.find(), notes_.find(NOTE.title.eq("plan"))
        counted = (notes_.count(), notes_.count(NOTE.rank.ge(1)))
        page = notes_.page(order_by=by_rank, limit=10)
        first = notes_.page_after(order_by=by_rank, limit=1).unwrap()
        second = notes_.page_after(first.next_cursor, order_by=by_rank, limit=1).unwrap()

    assert isinstance(own, Success)
    assert isinstance(foreign, Failure)
    assert isinstance(foreign.failure(), NotFoundError)
    assert exists == (True, False)
    assert (_ids(found), _ids(planned)) == (_ids(acme), {acme[0].id})
    assert counted == (2, 2)
    assert (_ids(page.items), page.total, page.has_next) == (_ids(acme), 2, False)
    assert (_ids(first.items + second.items), second.next_cursor) == (_ids(acme), None)


def test_g7_writing_another_tenants_aggregate_is_forbidden(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    intruder = _note(GLOBEX, "intruder", 9)

    with _as(ACME), harness.open() as uow:
        notes_ = uow.repository(repository)
        with pytest.raises(ForbiddenError):
            notes_.add(intruder)
        with pytest.raises(ForbiddenError):
            notes_.remove(notes[GLOBEX][0])
        committed = uow.commit()
    with _as(GLOBEX), harness.open() as uow:
        stored = uow.repository(repository).find()

    assert committed == Success(None)
    assert _ids(stored) == _ids(notes[GLOBEX])


def test_g7_moving_an_aggregate_to_another_tenant_is_refused_on_commit(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    moved = notes[ACME][0]

    with _as(ACME), harness.open() as uow:
        uow.repository(repository).get(moved.id).unwrap().tenant_id = GLOBEX
        with pytest.raises(ForbiddenError):
            uow.commit()
    with _as(GLOBEX), harness.open() as uow:
        seen_by_globex = uow.repository(repository).exists(moved.id)
    with _as(ACME), harness.open() as uow:
        stored = uow.repository(repository).get(moved.id).unwrap()

    assert seen_by_globex is False
    assert (stored.tenant_id, stored.version) == (ACME, 1)


def test_g7_without_a_tenant_in_context_nothing_is_read_or_written(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    known = notes[ACME][0]

    with _as(None), harness.open() as uow:
        notes_ = uow.repository(repository)
        calls: list[Callable[[], object]] = [
            lambda: notes_.get(known.id),
            lambda: notes_.exists(known.id),
            notes_.find,
            notes_.count,
            notes_.page,
            lambda: notes_.page_after(order_by=[NOTE.rank.asc()]),
            lambda: notes_.add(_note(ACME, "orphan", 3)),
            lambda: notes_.remove(known),
        ]
        for call in calls:
            with pytest.raises(ForbiddenError):
                call()


def test_g7_unique_values_are_unique_within_a_tenant_and_reveal_nothing_across_tenants(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    # Both tenants hold a "plan" already (the fixture committed them without a clash).
    with _as(ACME), harness.open() as uow:
        uow.repository(repository).add(_note(ACME, "plan", 5))
        clash = uow.commit()
    with _as(GLOBEX), harness.open() as uow:
        uow.repository(repository).add(_note(GLOBEX, "draft", 5))
        fresh = uow.commit()
    with _as(ACME), harness.open() as uow:
        uow.repository(repository).add(_note(ACME, "draft", 6))
        taken_elsewhere = uow.commit()

    assert isinstance(clash, Failure)
    assert isinstance(clash.failure(), AlreadyExistsError)
    assert (fresh, taken_elsewhere) == (Success(None), Success(None))
    assert [n.title for n in notes[ACME]] == [n.title for n in notes[GLOBEX]]


@pytest.mark.parametrize("claimed_version", [0, 1, 2, 3])
def test_g7_removing_another_tenants_aggregate_through_a_forged_object_is_not_found(
    harness: UnitOfWorkHarness,
    repository: _Notes,
    notes: dict[str, list[Note]],
    claimed_version: int,
) -> None:
    """The attack: GLOBEX removes ACME's note through an object claiming to be its own.

    Whatever version it guesses, the delete matches no row of GLOBEX and comes back exactly as
    for an id nobody holds: nothing is deleted and nothing tells the id exists.
    """
    secret = notes[ACME][0]
    forged = Note(id=secret.id, tenant_id=GLOBEX, title="x", version=claimed_version)
    unknown = Note(id=NoteId.new(), tenant_id=GLOBEX, title="x", version=claimed_version)

    outcomes: list[Result[None, CommitError]] = []
    for target in (forged, unknown):
        with _as(GLOBEX), harness.open() as uow:
            uow.repository(repository).remove(target)
            outcomes.append(uow.commit())
    with _as(ACME), harness.open() as uow:
        stored = uow.repository(repository).get(secret.id)

    assert [type(o.failure()) if isinstance(o, Failure) else o for o in outcomes] == [
        NotFoundError,
        NotFoundError,
    ]
    assert [o.failure().code for o in outcomes if isinstance(o, Failure)] == ["not_found"] * 2
    assert (stored.unwrap().title, stored.unwrap().version) == ("plan", 1)


def test_g7_adding_an_id_another_tenant_holds_reveals_nothing_and_touches_nothing(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    """Ids are unique within a tenant: GLOBEX may add its own note under ACME's note's id.

    The add succeeds as it would for an unknown id (nothing reveals that ACME holds it), and
    each tenant reads its own note under that id.
    """
    secret = notes[ACME][0]

    with _as(GLOBEX), harness.open() as uow:
        uow.repository(repository).add(Note(id=secret.id, tenant_id=GLOBEX, title="mine"))
        added = uow.commit()
    with _as(ACME), harness.open() as uow:
        acme_sees = uow.repository(repository).get(secret.id).unwrap()
    with _as(GLOBEX), harness.open() as uow:
        globex_sees = uow.repository(repository).get(secret.id).unwrap()
        uow.repository(repository).remove(globex_sees)
        removed = uow.commit()
    with _as(ACME), harness.open() as uow:
        still = uow.repository(repository).get(secret.id).unwrap()

    assert added == Success(None)
    assert (acme_sees.tenant_id, acme_sees.title) == (ACME, "plan")
    assert (globex_sees.tenant_id, globex_sees.title) == (GLOBEX, "mine")
    assert removed == Success(None)
    assert (still.title, still.version) == ("plan", 1)


def test_g7_one_unit_of_work_never_hands_one_tenants_aggregate_to_another(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    """The identity map is per tenant: a second tenant's read in the same unit of work misses."""
    secret = notes[ACME][0]

    with harness.open() as uow:
        with _as(ACME):
            loaded = uow.repository(repository).get(secret.id)
        with _as(GLOBEX):
            seen = uow.repository(repository).get(secret.id)
            exists = uow.repository(repository).exists(secret.id)

    assert isinstance(loaded, Success)
    assert isinstance(seen, Failure)
    assert isinstance(seen.failure(), NotFoundError)
    assert exists is False


def test_g7_an_aggregate_loaded_by_one_tenant_and_committed_under_another_changes_nothing(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    """Moved to GLOBEX and committed in GLOBEX's context, ACME's note is not found, not moved.

    The update is constrained by the committing context's tenant: it matches no row, and the
    stored tenant column and document keep agreeing.
    """
    moved = notes[ACME][0]

    with harness.open() as uow:
        with _as(ACME):
            loaded = uow.repository(repository).get(moved.id).unwrap()
        loaded.tenant_id = GLOBEX
        loaded.title = "stolen"
        with _as(GLOBEX):
            committed = uow.commit()
    with _as(ACME), harness.open() as uow:
        stored = uow.repository(repository).get(moved.id).unwrap()
        by_title = uow.repository(repository).count(NOTE.title.eq("plan"))
    with _as(GLOBEX), harness.open() as uow:
        stolen = uow.repository(repository).count(NOTE.title.eq("stolen"))

    assert isinstance(committed, Failure)
    assert isinstance(committed.failure(), NotFoundError)
    assert (stored.tenant_id, stored.title, stored.version) == (ACME, "plan", 1)
    assert (by_title, stolen) == (1, 0)


def test_g7_a_keyset_cursor_of_one_tenant_pages_only_the_other_tenants_own_aggregates(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    """A cursor handed to another tenant continues over that tenant's aggregates only."""
    by_rank = [NOTE.rank.asc()]
    with _as(ACME), harness.open() as uow:
        cursor = uow.repository(repository).page_after(order_by=by_rank, limit=1).unwrap()
    assert cursor.next_cursor is not None

    with _as(GLOBEX), harness.open() as uow:
        page = uow.repository(repository).page_after(cursor.next_cursor, order_by=by_rank)

    assert _ids(page.unwrap().items) <= _ids(notes[GLOBEX])
