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
    ConcurrencyConflictError,
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


class GlobalNoteRow(_Rows):
    """Keyed by the id alone: ids are unique across tenants (ADR 0017 names the trade-off)."""

    __tablename__ = "dm_g7_global_notes"
    __table_args__ = (UniqueConstraint("tenant_id", "title"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int]


class GlobalNoteRowRepository(DataMapperRepository[Note, NoteId, GlobalNoteRow]):
    @override
    def to_row(self, aggregate: Note) -> GlobalNoteRow:
        return GlobalNoteRow(id=aggregate.id.value, title=aggregate.title, rank=aggregate.rank)

    @override
    def to_domain(self, row: GlobalNoteRow) -> Note:
        return Note(id=NoteId(row.id), tenant_id=row.tenant_id, title=row.title, rank=row.rank)


NOTE = where(Note)
ACME, GLOBEX = "acme", "globex"
_Notes = type[Repository[Note, NoteId]]


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    """The notes' document table, their rows and the outbox."""
    return _METADATA


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
    error = clash.failure()
    assert isinstance(error, AlreadyExistsError)
    # The clash names the key and its scope: within the tenant.
    assert (error.key, error.per_tenant) == ("title", True)
    assert error.message == "Another Note of the tenant holds this title already"
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


def test_g7_every_read_of_a_tenant_hands_out_the_one_object_its_unit_of_work_tracks(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    """``get``, ``find``, ``page`` and ``page_after`` of one tenant share its identity map."""
    by_rank = [NOTE.rank.asc()]
    first = notes[ACME][0]

    with _as(ACME), harness.open() as uow:
        notes_ = uow.repository(repository)
        loaded = notes_.get(first.id).unwrap()
        found = notes_.find(order_by=by_rank)
        paged = notes_.page(order_by=by_rank).items
        keyset = notes_.page_after(order_by=by_rank).unwrap().items
        again = notes_.get(first.id).unwrap()

    assert found[0] is loaded
    assert paged[0] is loaded
    assert keyset[0] is loaded
    assert again is loaded


def test_g7_an_aggregate_a_tenant_removed_is_gone_from_its_every_read(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    by_rank = [NOTE.rank.asc()]
    first, second = notes[ACME]

    with _as(ACME), harness.open() as uow:
        notes_ = uow.repository(repository)
        notes_.remove(notes_.get(first.id).unwrap())
        seen = [
            _ids(notes_.find(order_by=by_rank)),
            _ids(notes_.page(order_by=by_rank).items),
            _ids(notes_.page_after(order_by=by_rank).unwrap().items),
        ]
        exists = notes_.exists(first.id)

    assert seen == [{second.id}] * 3
    assert exists is False


def test_g7_two_writers_of_one_tenants_aggregate_conflict_as_anywhere(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    """Constraining writes by the tenant does not turn a lost race into a not-found."""
    contested = notes[ACME][0]

    with _as(ACME), harness.open() as first, harness.open() as second:
        mine = first.repository(repository).get(contested.id).unwrap()
        theirs = second.repository(repository).get(contested.id).unwrap()
        mine.rank, theirs.rank = 7, 8
        assert first.commit() == Success(None)
        changed = second.commit()
        second.rollback()
        stale = second.repository(repository).get(contested.id).unwrap()
    with _as(ACME), harness.open() as third:
        third.repository(repository).remove(stale)
        stale.rank = 9
        second_uow_removal = third.commit()
    with _as(ACME), harness.open() as fourth:
        outdated = Note(id=contested.id, tenant_id=ACME, title="plan", rank=1, version=1)
        fourth.repository(repository).remove(outdated)
        removed = fourth.commit()

    assert isinstance(changed, Failure)
    assert isinstance(changed.failure(), ConcurrencyConflictError)
    assert second_uow_removal == Success(None)
    assert isinstance(removed, Failure)
    assert isinstance(removed.failure(), NotFoundError)


def test_g7_an_aggregate_whose_tenant_changes_after_its_removal_is_refused_on_commit(
    harness: UnitOfWorkHarness, repository: _Notes, notes: dict[str, list[Note]]
) -> None:
    target = notes[ACME][0]

    with _as(ACME), harness.open() as uow:
        notes_ = uow.repository(repository)
        loaded = notes_.get(target.id).unwrap()
        notes_.remove(loaded)
        loaded.tenant_id = GLOBEX
        with pytest.raises(ForbiddenError):
            uow.commit()
    with _as(ACME), harness.open() as uow:
        still = uow.repository(repository).exists(target.id)

    assert still is True


def test_g7_rows_keyed_by_the_id_alone_still_write_only_the_tenants_own_rows(
    harness: UnitOfWorkHarness,
) -> None:
    """With a global key, a forged write is still not found; only ``add`` tells a taken id.

    The documented trade-off of a key of the id alone (ADR 0017): the one answer that tells
    another tenant's id from an unknown one is ``AlreadyExistsError`` on ``add``.
    """
    secret = _note(ACME, "plan", 1)
    with _as(ACME), harness.open() as uow:
        uow.repository(GlobalNoteRowRepository).add(secret)
        assert uow.commit() == Success(None)

    outcomes: list[Result[None, CommitError]] = []
    for version in (0, 1, 2):
        forged = Note(id=secret.id, tenant_id=GLOBEX, title="x", version=version)
        with _as(GLOBEX), harness.open() as uow:
            uow.repository(GlobalNoteRowRepository).remove(forged)
            outcomes.append(uow.commit())
    with _as(GLOBEX), harness.open() as uow:
        uow.repository(GlobalNoteRowRepository).add(Note(id=secret.id, tenant_id=GLOBEX, title="y"))
        added = uow.commit()
    with _as(ACME), harness.open() as uow:
        stored = uow.repository(GlobalNoteRowRepository).get(secret.id).unwrap()

    assert [type(o.failure()) for o in outcomes if isinstance(o, Failure)] == [NotFoundError] * 3
    assert isinstance(added, Failure)
    assert isinstance(added.failure(), AlreadyExistsError)
    assert (stored.tenant_id, stored.title, stored.version) == (ACME, "plan", 1)
