"""Unit tests of the document repository: its definition, queries, pages, tenancy and writes.

The repository runs over the in-memory store of the testing kit, which runs the same repository
code as the SQL store; the SQL specifics are tested with the SQLAlchemy adapter.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, NewType, TypeVar, cast

import pytest
from pydantic import BaseModel, Field
from returns.result import Failure, Success

from creativeflow_shared.application import (
    DocumentRepository,
    JsonKind,
    ProjectionRequest,
    RequestContext,
    encode_cursor,
    json_kind,
    project,
    use_context,
)
from creativeflow_shared.application.ports import (
    Projection,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    AlreadyExistsError,
    ConcurrencyConflictError,
    FieldError,
    ForbiddenError,
    Identity,
    InvalidInputError,
    NotFoundError,
    where,
)
from creativeflow_shared.testing import InMemoryDatabase, InMemoryUnitOfWork

T = TypeVar("T")


class JobId(Identity):
    """The id of a job."""


class Stage(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    ONE = 1
    TWO = "two"


class Cost(BaseModel):
    amount: Decimal
    currency: str = "EUR"


class Venue(BaseModel):
    city: str


class Job(AggregateRoot[JobId]):
    name: str
    stage: Stage = Stage.QUEUED
    cost: Cost = Cost(amount=Decimal("1.00"))
    rank: int = 0
    score: int | None = None
    venue: Venue | None = None
    fee: Decimal = Decimal(0)


class JobRepository(DocumentRepository[Job, JobId]):
    projections = (
        project("name", unique=True),
        project("cost.amount", index=True),
        project("rank"),
        project("score"),
        project("venue.city", name="city"),
    )


class NoteId(Identity):
    """The id of a note."""


class Note(AggregateRoot[NoteId]):
    tenant_id: str
    text: str = ""


class NoteRepository(DocumentRepository[Note, NoteId]):
    resource_name = "TenantNote"


def _job(name: str, **fields: Any) -> Job:
    return Job.model_validate({"id": JobId.new(), "name": name, **fields})


def _stored(database: InMemoryDatabase, *jobs: Job) -> list[Job]:
    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        for job in jobs:
            repository.add(job)
        assert uow.commit() == Success(None)
    return list(jobs)


def _ids(jobs: list[Job] | tuple[Job, ...]) -> list[JobId]:
    return [job.id for job in jobs]


def _tenant(tenant_id: str | None) -> RequestContext:
    return RequestContext(correlation_id="c-1", tenant_id=tenant_id)


# -- defining a repository ----------------------------------------------------------------------
def test_a_repository_takes_its_aggregate_type_and_name_from_the_generic_arguments() -> None:
    assert (JobRepository.aggregate_class, JobRepository.resource_name) == (Job, "Job")
    assert JobRepository.storage.tenant_owned is False


def test_a_repository_keeps_a_resource_name_its_class_sets() -> None:
    assert NoteRepository.resource_name == "TenantNote"


def test_a_repository_of_an_aggregate_with_a_tenant_id_is_tenant_owned() -> None:
    assert NoteRepository.storage.tenant_owned is True


def test_a_repository_without_generic_arguments_is_refused() -> None:
    with pytest.raises(TypeError, match="must name its types"):

        class Nameless(DocumentRepository):  # type: ignore[type-arg]
            pass


def test_a_repository_of_something_other_than_an_aggregate_is_refused() -> None:
    with pytest.raises(TypeError, match="must name its types"):

        class OfInts(DocumentRepository[int, str]):  # type: ignore[type-var]
            pass


def test_a_subclass_of_a_repository_keeps_its_aggregate_type() -> None:
    class AuditedJobs(JobRepository):
        pass

    assert (AuditedJobs.aggregate_class, AuditedJobs.storage.projections) == (
        Job,
        JobRepository.storage.projections,
    )


def test_a_generic_subclass_of_a_repository_keeps_its_aggregate_type() -> None:
    class TaggedJobs(JobRepository, Generic[T]):
        pass

    assert TaggedJobs.aggregate_class is Job


def test_projections_resolve_paths_names_types_and_options() -> None:
    actual = {p.name: p for p in JobRepository.storage.projections}

    assert actual == {
        "name": Projection("name", ("name",), str, nullable=False, unique=True),
        "cost_amount": Projection(
            "cost_amount", ("cost", "amount"), Decimal, nullable=False, index=True
        ),
        "rank": Projection("rank", ("rank",), int, nullable=False),
        "score": Projection("score", ("score",), int, nullable=True),
        "city": Projection("city", ("venue", "city"), str, nullable=True),
    }


def test_a_resolved_projection_is_taken_as_it_is() -> None:
    given = Projection("label", ("name",), str, nullable=False, index=True)

    class LabelledJobs(DocumentRepository[Job, JobId]):
        projections = (given,)

    assert LabelledJobs.storage.projections == (given,)


def test_a_projection_of_an_unknown_attribute_is_refused_when_the_class_is_defined() -> None:
    with pytest.raises(AttributeError, match="colour"):

        class Colourful(DocumentRepository[Job, JobId]):  # pyright: ignore[reportUnusedClass]
            projections = (project("colour"),)


# -- how unprojected attributes compare inside JSON ------------------------------------------
@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, JsonKind.STRING),
        (int, JsonKind.INTEGER),
        (bool, JsonKind.BOOLEAN),
        (float, JsonKind.FLOAT),
        (uuid.UUID, JsonKind.STRING),
        (JobId, JsonKind.STRING),
        (Stage, JsonKind.STRING),
        (Level, JsonKind.INTEGER),
        (Mixed, None),
        (Decimal, None),
        (datetime, None),
        (date, None),
        (Venue, None),
    ],
)
def test_json_kind_says_how_values_of_a_type_compare_inside_json(
    annotation: object, expected: JsonKind | None
) -> None:
    assert json_kind(annotation) is expected


# -- the paths a specification compares ---------------------------------------------------------
def test_the_paths_of_a_specification_are_every_compared_path_in_order() -> None:
    job = where(Job)
    specification = (job.name.eq("a") | ~job.score.is_null()) & job.cost.amount.gt(1)

    actual = specification.paths()

    assert actual == (("name",), ("score",), ("cost", "amount"))


# -- reading ------------------------------------------------------------------------------------
def test_get_loads_a_stored_aggregate_with_its_version() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a", rank=3))

    with InMemoryUnitOfWork(database) as uow:
        actual = uow.repository(JobRepository).get(job.id).unwrap()

    assert (actual.id, actual.rank, actual.version) == (job.id, 3, 1)
    assert actual is not job


def test_get_returns_the_same_object_for_the_same_id_in_one_unit_of_work() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        first, second = repository.get(job.id).unwrap(), repository.get(job.id).unwrap()

    assert first is second


def test_get_of_a_missing_aggregate_is_not_found() -> None:
    missing = JobId.new()

    with InMemoryUnitOfWork() as uow:
        actual = uow.repository(JobRepository).get(missing)

    assert isinstance(actual, Failure)
    assert actual.failure().message == NotFoundError("Job", missing).message


def test_exists_says_whether_an_aggregate_is_stored() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        actual = (repository.exists(job.id), repository.exists(JobId.new()))

    assert actual == (True, False)


def test_find_returns_the_matches_of_a_specification_in_the_requested_order() -> None:
    database = InMemoryDatabase()
    low, _, high = _stored(database, _job("a", rank=1), _job("b", rank=5), _job("c", rank=9))
    job = where(Job)

    with InMemoryUnitOfWork(database) as uow:
        actual = uow.repository(JobRepository).find(
            job.rank.ne(5) & job.stage.eq("queued"), order_by=[job.rank.desc()]
        )

    assert _ids(actual) == [high.id, low.id]


def test_find_stops_at_the_limit() -> None:
    database = InMemoryDatabase()
    first, _ = _stored(database, _job("a", rank=1), _job("b", rank=2))

    with InMemoryUnitOfWork(database) as uow:
        actual = uow.repository(JobRepository).find(order_by=[where(Job).rank.asc()], limit=1)

    assert _ids(actual) == [first.id]


def test_find_compares_an_unprojected_attribute_whose_order_json_keeps() -> None:
    database = InMemoryDatabase()
    _, running = _stored(database, _job("a"), _job("b", stage=Stage.RUNNING))

    with InMemoryUnitOfWork(database) as uow:
        actual = uow.repository(JobRepository).find(where(Job).stage.eq(Stage.RUNNING))

    assert _ids(actual) == [running.id]


def test_find_refuses_an_unprojected_attribute_whose_order_json_loses() -> None:
    with (
        InMemoryUnitOfWork() as uow,
        pytest.raises(TypeError, match=r"fee is not projected.*project\('fee'\)"),
    ):
        uow.repository(JobRepository).find(where(Job).fee.gt(1))


def test_find_refuses_to_order_by_an_unprojected_attribute() -> None:
    with (
        InMemoryUnitOfWork() as uow,
        pytest.raises(TypeError, match="cannot order by stage"),
    ):
        uow.repository(JobRepository).find(order_by=[where(Job).stage.asc()])


def test_count_counts_the_matches_of_a_specification() -> None:
    database = InMemoryDatabase()
    _stored(database, _job("a", rank=1), _job("b", rank=5), _job("c", rank=9))

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        actual = (repository.count(), repository.count(where(Job).rank.ge(5)))

    assert actual == (3, 2)


def test_page_returns_one_window_of_matches_with_the_total() -> None:
    database = InMemoryDatabase()
    jobs = _stored(database, *(_job(str(rank), rank=rank) for rank in range(5)))

    with InMemoryUnitOfWork(database) as uow:
        actual = uow.repository(JobRepository).page(
            where(Job).rank.ge(1), order_by=[where(Job).rank.asc()], offset=1, limit=2
        )

    assert (_ids(actual.items), actual.total, actual.offset, actual.limit) == (
        _ids(jobs[2:4]),
        4,
        1,
        2,
    )


@pytest.mark.parametrize(
    ("offset", "limit"),
    [(-1, 10), (0, 0), (0, 1001)],
    ids=["a negative offset", "an empty page", "a page over the maximum"],
)
def test_page_refuses_a_window_out_of_range(offset: int, limit: int) -> None:
    with (
        InMemoryUnitOfWork() as uow,
        pytest.raises(ValueError, match="limit between 1 and 1000"),
    ):
        uow.repository(JobRepository).page(offset=offset, limit=limit)


# -- keyset pages -------------------------------------------------------------------------------
def test_page_after_walks_every_match_once_in_keyset_order() -> None:
    database = InMemoryDatabase()
    amounts = ["2.50", "1.00", "2.50", "9.99", "0.10"]
    jobs = _stored(database, *(_job(f"j{i}", cost={"amount": a}) for i, a in enumerate(amounts)))
    order = [where(Job).cost.amount.desc()]
    expected = sorted(jobs, key=lambda j: (-j.cost.amount, j.id.root))

    seen: list[Job] = []
    cursors: list[str | None] = []
    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        cursor: str | None = None
        while True:
            page = repository.page_after(cursor, order_by=order, limit=2).unwrap()
            seen += page.items
            cursors.append(page.next_cursor)
            cursor = page.next_cursor
            if cursor is None:
                break

    assert _ids(seen) == _ids(expected)
    assert [c is None for c in cursors] == [False, False, True]


def test_page_after_filters_by_the_specification() -> None:
    database = InMemoryDatabase()
    _, second, third = _stored(database, _job("a", rank=1), _job("b", rank=2), _job("c", rank=3))

    with InMemoryUnitOfWork(database) as uow:
        actual = uow.repository(JobRepository).page_after(
            None, where(Job).rank.ge(2), order_by=[where(Job).rank.asc()], limit=5
        )

    assert isinstance(actual, Success)
    assert (_ids(actual.unwrap().items), actual.unwrap().next_cursor) == (
        [second.id, third.id],
        None,
    )


def test_page_after_refuses_a_cursor_it_did_not_write() -> None:
    with InMemoryUnitOfWork() as uow:
        actual = uow.repository(JobRepository).page_after(
            "not a cursor", order_by=[where(Job).rank.asc()]
        )

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), InvalidInputError)


def test_page_after_refuses_a_cursor_whose_values_do_not_fit_the_keys() -> None:
    from creativeflow_shared.application import encode_cursor  # noqa: PLC0415 (local to the case)

    with InMemoryUnitOfWork() as uow:
        actual = uow.repository(JobRepository).page_after(
            encode_cursor(["not a rank", "not an id"]), order_by=[where(Job).rank.asc()]
        )

    assert actual == Failure(InvalidInputError.single("The cursor is not valid", loc=("cursor",)))


def test_page_after_refuses_an_optional_key() -> None:
    with (
        InMemoryUnitOfWork() as uow,
        pytest.raises(TypeError, match="score may be None"),
    ):
        uow.repository(JobRepository).page_after(order_by=[where(Job).score.asc()])


def test_page_after_refuses_a_key_behind_an_optional_attribute() -> None:
    with (
        InMemoryUnitOfWork() as uow,
        pytest.raises(TypeError, match=r"venue\.city may be None"),
    ):
        uow.repository(JobRepository).page_after(order_by=[where(Job).venue.city.asc()])


def test_page_after_refuses_a_limit_out_of_range() -> None:
    with InMemoryUnitOfWork() as uow, pytest.raises(ValueError, match="limit"):
        uow.repository(JobRepository).page_after(limit=0)


# -- writing ------------------------------------------------------------------------------------
def test_an_added_aggregate_is_stored_as_version_1_on_commit() -> None:
    database = InMemoryDatabase()
    job = _job("a", venue={"city": "Lyon"})

    with InMemoryUnitOfWork(database) as uow:
        uow.repository(JobRepository).add(job)
        committed = uow.commit()

    stored = database.records[JobRepository.storage][job.id.root]
    assert committed == Success(None)
    assert (job.version, stored.version) == (1, 1)
    assert stored.projections == {
        "name": "a",
        "cost_amount": Decimal("1.00"),
        "rank": 0,
        "score": None,
        "city": "Lyon",
    }
    assert "version" not in stored.data


def test_a_projection_behind_a_missing_parent_is_stored_as_none() -> None:
    database = InMemoryDatabase()

    (job,) = _stored(database, _job("a"))

    assert database.records[JobRepository.storage][job.id.root].projections["city"] is None


def test_a_changed_aggregate_is_stored_as_its_next_version() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as uow:
        loaded = uow.repository(JobRepository).get(job.id).unwrap()
        loaded.rank = 7
        committed = uow.commit()

    assert committed == Success(None)
    assert loaded.version == 2
    assert database.records[JobRepository.storage][job.id.root].projections["rank"] == 7


def test_a_second_writer_of_the_same_version_gets_a_conflict() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as first, InMemoryUnitOfWork(database) as second:
        mine = first.repository(JobRepository).get(job.id).unwrap()
        theirs = second.repository(JobRepository).get(job.id).unwrap()
        mine.rank, theirs.rank = 1, 2
        assert first.commit() == Success(None)
        actual = second.commit()

    assert isinstance(actual, Failure)
    error = actual.failure()
    assert isinstance(error, ConcurrencyConflictError)
    assert (error.resource, error.identifier, error.expected_version) == ("Job", str(job.id), 1)
    assert theirs.version == 1


def test_renaming_onto_a_taken_unique_value_fails_the_commit() -> None:
    database = InMemoryDatabase()
    _, second = _stored(database, _job("a"), _job("b"))

    with InMemoryUnitOfWork(database) as uow:
        loaded = uow.repository(JobRepository).get(second.id).unwrap()
        loaded.name = "a"
        actual = uow.commit()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), AlreadyExistsError)
    assert loaded.version == 1


def test_adding_a_taken_unique_value_fails_the_commit() -> None:
    database = InMemoryDatabase()
    _stored(database, _job("a"))
    twin = _job("a")

    with InMemoryUnitOfWork(database) as uow:
        uow.repository(JobRepository).add(twin)
        actual = uow.commit()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), AlreadyExistsError)
    assert twin.version == 0


def test_a_removed_aggregate_is_deleted_on_commit() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        repository.remove(repository.get(job.id).unwrap())
        committed = uow.commit()

    assert committed == Success(None)
    assert database.records[JobRepository.storage] == {}


def test_removing_an_aggregate_changed_meanwhile_is_a_conflict() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as first, InMemoryUnitOfWork(database) as second:
        doomed = first.repository(JobRepository).get(job.id).unwrap()
        second.repository(JobRepository).get(job.id).unwrap().rank = 4
        assert second.commit() == Success(None)
        first.repository(JobRepository).remove(doomed)
        actual = first.commit()

    assert isinstance(actual, Failure)
    assert isinstance(actual.failure(), ConcurrencyConflictError)


def test_a_removed_aggregate_is_not_found_again_in_the_same_unit_of_work() -> None:
    database = InMemoryDatabase()
    (job,) = _stored(database, _job("a"))

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        repository.remove(repository.get(job.id).unwrap())
        actual = (repository.get(job.id), repository.exists(job.id))

    assert isinstance(actual[0], Failure)
    assert actual[1] is False


def test_reading_after_a_removal_keeps_the_removal() -> None:
    database = InMemoryDatabase()
    doomed, kept = _stored(database, _job("a", rank=1), _job("b", rank=2))
    order = [where(Job).rank.asc()]

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        repository.remove(repository.get(doomed.id).unwrap())
        found = repository.find(order_by=order)
        page = repository.page(order_by=order)
        keyset = repository.page_after(order_by=order).unwrap()
        committed = uow.commit()

    assert (_ids(found), _ids(page.items), _ids(keyset.items)) == ([kept.id],) * 3
    assert committed == Success(None)
    assert list(database.records[JobRepository.storage]) == [kept.id.root]


def test_a_keyset_page_continues_after_a_removed_last_row() -> None:
    database = InMemoryDatabase()
    first, second, third = _stored(
        database, _job("a", rank=1), _job("b", rank=2), _job("c", rank=3)
    )
    order = [where(Job).rank.asc()]

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        repository.remove(repository.get(second.id).unwrap())
        page = repository.page_after(order_by=order, limit=2).unwrap()
        rest = repository.page_after(page.next_cursor, order_by=order, limit=2).unwrap()

    assert (_ids(page.items), _ids(rest.items), rest.next_cursor) == (
        [first.id],
        [third.id],
        None,
    )


# -- tenancy ------------------------------------------------------------------------------------
def test_a_tenant_owned_repository_needs_a_tenant_in_the_request_context() -> None:
    with (
        use_context(_tenant(None)),
        InMemoryUnitOfWork() as uow,
        pytest.raises(ForbiddenError, match="TenantNote is tenant-owned"),
    ):
        uow.repository(NoteRepository).find()


def test_a_tenant_reads_its_own_aggregates_only() -> None:
    database = InMemoryDatabase()
    mine, theirs = Note(id=NoteId.new(), tenant_id="t-1"), Note(id=NoteId.new(), tenant_id="t-2")
    for note in (mine, theirs):
        with use_context(_tenant(note.tenant_id)), InMemoryUnitOfWork(database) as uow:
            uow.repository(NoteRepository).add(note)
            assert uow.commit() == Success(None)

    with use_context(_tenant("t-1")), InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(NoteRepository)
        actual = (
            [n.id for n in repository.find()],
            repository.count(),
            repository.exists(mine.id),
            repository.exists(theirs.id),
        )

    assert actual == ([mine.id], 1, True, False)


def test_adding_another_tenants_aggregate_is_forbidden() -> None:
    with (
        use_context(_tenant("t-1")),
        InMemoryUnitOfWork() as uow,
        pytest.raises(ForbiddenError, match="belongs to another tenant"),
    ):
        uow.repository(NoteRepository).add(Note(id=NoteId.new(), tenant_id="t-2"))


def test_removing_another_tenants_aggregate_is_forbidden() -> None:
    with (
        use_context(_tenant("t-1")),
        InMemoryUnitOfWork() as uow,
        pytest.raises(ForbiddenError, match="belongs to another tenant"),
    ):
        uow.repository(NoteRepository).remove(Note(id=NoteId.new(), tenant_id="t-2"))


def test_committing_an_aggregate_added_under_another_tenant_is_forbidden() -> None:
    note = Note(id=NoteId.new(), tenant_id="t-1")

    with InMemoryUnitOfWork() as uow:
        with use_context(_tenant("t-1")):
            uow.repository(NoteRepository).add(note)
        with use_context(_tenant("t-2")), pytest.raises(ForbiddenError):
            uow.commit()


def test_committing_a_change_under_another_tenant_is_forbidden() -> None:
    database = InMemoryDatabase()
    note = Note(id=NoteId.new(), tenant_id="t-1")
    with use_context(_tenant("t-1")), InMemoryUnitOfWork(database) as uow:
        uow.repository(NoteRepository).add(note)
        assert uow.commit() == Success(None)

    with InMemoryUnitOfWork(database) as uow:
        with use_context(_tenant("t-1")):
            uow.repository(NoteRepository).get(note.id).unwrap().text = "changed"
        with use_context(_tenant("t-2")), pytest.raises(ForbiddenError):
            uow.commit()


def test_a_stored_tenant_owned_aggregate_carries_its_tenant() -> None:
    database = InMemoryDatabase()
    note = Note(id=NoteId.new(), tenant_id="t-1", text="hello")

    with use_context(_tenant("t-1")), InMemoryUnitOfWork(database) as uow:
        uow.repository(NoteRepository).add(note)
        assert uow.commit() == Success(None)

    # Kept under its tenant and id, as a tenant-owned document table keys it.
    assert database.records[NoteRepository.storage][("t-1", note.id.root)].tenant_id == "t-1"


# -- the stored form ----------------------------------------------------------------------------
def test_the_snapshot_is_the_json_form_without_the_version() -> None:
    job = _job("a", rank=2)
    job.version = 5

    with InMemoryUnitOfWork() as uow:
        actual = uow.repository(JobRepository)._codec.snapshot(job)

    assert isinstance(actual, dict)  # the document style stores its snapshot as the document
    assert actual == {**job.model_dump(mode="json", exclude={"version"})}
    assert "version" not in actual
    assert actual["cost"] == {"amount": "1.00", "currency": "EUR"}


def test_a_keyset_page_breaks_ties_of_equal_decimals_by_id() -> None:
    database = InMemoryDatabase()
    jobs = _stored(database, _job("a", cost={"amount": "3.10"}), _job("b", cost={"amount": "3.1"}))
    order = [where(Job).cost.amount.asc()]

    with InMemoryUnitOfWork(database) as uow:
        repository = uow.repository(JobRepository)
        first = repository.page_after(order_by=order, limit=1).unwrap()
        second = repository.page_after(first.next_cursor, order_by=order, limit=1).unwrap()

    expected = sorted(jobs, key=lambda j: j.id.root)
    assert _ids([*first.items, *second.items]) == _ids(expected)
    assert second.next_cursor is None


_A = TypeVar("_A", bound=AggregateRoot[Any])
_I = TypeVar("_I")


class AuditedRepository(DocumentRepository[_A, _I], Generic[_A, _I]):
    """A service's own generic base: it names no types, its subclasses do."""

    def everything(self) -> list[_A]:
        return self.find()


class AuditedJobRepository(AuditedRepository[Job, JobId]):
    pass


class ArchivedJobRepository(JobRepository):
    """A subclass of a concrete repository keeps its aggregate and projections."""


def test_a_generic_intermediate_base_defers_naming_the_types_to_its_subclasses() -> None:
    assert (
        hasattr(AuditedRepository, "aggregate_class"),
        AuditedJobRepository.aggregate_class,
    ) == (
        False,
        Job,
    )


def test_a_subclass_of_a_concrete_repository_keeps_its_aggregate() -> None:
    assert (ArchivedJobRepository.aggregate_class, ArchivedJobRepository.resource_name) == (
        Job,
        "Job",
    )
    assert ArchivedJobRepository.storage.projections == JobRepository.storage.projections


class LooseRankRepository(DocumentRepository[Job, JobId]):
    """Declares ``rank`` nullable although the model's ``rank`` is a plain ``int``."""

    projections = (Projection("rank", ("rank",), int, nullable=True),)


def test_a_projection_declared_nullable_is_refused_as_a_keyset_key_even_if_the_model_is_not() -> (
    None
):
    with InMemoryUnitOfWork() as uow, pytest.raises(TypeError, match="rank may be None"):
        uow.repository(LooseRankRepository).page_after(order_by=[where(Job).rank.asc()])


# -- bounds, messages and defaults --------------------------------------------------------------
def _stocked(database: InMemoryDatabase, *names: str) -> None:
    with InMemoryUnitOfWork(database) as uow:
        for name in names:
            uow.repository(JobRepository).add(_job(name))
        assert uow.commit() == Success(None)


def test_find_takes_any_limit_from_zero_to_the_largest_64_bit_integer() -> None:
    database = InMemoryDatabase()
    _stocked(database, "a", "b", "c")

    with InMemoryUnitOfWork(database) as uow:
        jobs = uow.repository(JobRepository)
        sizes = [len(jobs.find(limit=limit)) for limit in (0, 1, 5000, 2**63 - 1)]
        with pytest.raises(ValueError, match="limit"):
            jobs.find(limit=2**63)
        with pytest.raises(ValueError, match="limit"):
            jobs.find(limit=-1)

    assert sizes == [0, 1, 3, 3]


def test_an_offset_may_be_as_large_as_the_largest_64_bit_integer() -> None:
    database = InMemoryDatabase()
    _stocked(database, "a")

    with InMemoryUnitOfWork(database) as uow:
        page = uow.repository(JobRepository).page(offset=2**63 - 1)

    assert (page.items, page.total) == ((), 1)


def test_the_values_an_in_comparison_refuses_are_located_at_the_attribute() -> None:
    with InMemoryUnitOfWork() as uow, pytest.raises(InvalidInputError) as refused:
        uow.repository(JobRepository).count(where(Job).name.in_(["fine", "nul\x00"]))

    assert refused.value.message == "The specification compares unstorable values"
    assert refused.value.field_errors == (
        FieldError(("name",), "Text must not contain NUL characters", "unstorable"),
    )


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        pytest.param("garbage!", "The cursor is not valid", id="not a cursor"),
        pytest.param(
            encode_cursor(["+rank", "x", str(JobId.new())]),
            "The cursor is not valid",
            id="a value of another type",
        ),
        pytest.param(
            encode_cursor(["+rank", 2**63, str(JobId.new())]),
            "The cursor is not valid",
            id="a value beyond 64 bits",
        ),
        pytest.param(
            encode_cursor(["-rank", 1, str(JobId.new())]),
            "The cursor was written for another ordering",
            id="another ordering",
        ),
    ],
)
def test_a_refused_cursor_says_why_at_the_cursor(cursor: str, message: str) -> None:
    with InMemoryUnitOfWork() as uow:
        refused = uow.repository(JobRepository).page_after(cursor, order_by=[where(Job).rank.asc()])

    assert refused.failure().field_errors == (FieldError(("cursor",), message),)


def test_a_projection_request_keeps_the_attribute_only_by_default() -> None:
    assert project("rank") == ProjectionRequest("rank", None, unique=False, index=False)
    assert project("rank", name="r", unique=True, index=True) == ProjectionRequest(
        "rank", "r", unique=True, index=True
    )


def test_a_unique_projection_of_a_tenant_owned_aggregate_is_unique_per_tenant() -> None:
    class UniqueNotes(DocumentRepository[Note, NoteId]):
        projections = (project("text", unique=True),)

    (text,) = UniqueNotes.storage.projections

    assert (text.unique, text.per_tenant, text.nullable) == (True, True, False)
    assert UniqueNotes.storage.ids_per_tenant is True


class RankedNote(AggregateRoot[NoteId]):
    tenant_id: str
    rank: int


class RankedNoteRepository(DocumentRepository[RankedNote, NoteId]):
    projections = (project("rank"),)


def test_keyset_pages_walk_only_the_tenants_own_aggregates_whatever_the_cursor() -> None:
    database = InMemoryDatabase()
    by_rank = [where(RankedNote).rank.asc()]
    for tenant, ranks in (("t-1", (1, 3, 5)), ("t-2", (2, 4, 6))):
        with use_context(_tenant(tenant)), InMemoryUnitOfWork(database) as uow:
            for rank in ranks:
                uow.repository(RankedNoteRepository).add(
                    RankedNote(id=NoteId.new(), tenant_id=tenant, rank=rank)
                )
            assert uow.commit() == Success(None)

    with use_context(_tenant("t-1")), InMemoryUnitOfWork(database) as uow:
        first = uow.repository(RankedNoteRepository).page_after(order_by=by_rank, limit=1)
        cursor = first.unwrap().next_cursor
        rest = uow.repository(RankedNoteRepository).page_after(cursor, order_by=by_rank)
    with use_context(_tenant("t-2")), InMemoryUnitOfWork(database) as uow:
        handed_over = uow.repository(RankedNoteRepository).page_after(cursor, order_by=by_rank)

    assert [n.rank for n in first.unwrap().items] == [1]
    assert [n.rank for n in rest.unwrap().items] == [3, 5]
    assert [n.rank for n in handed_over.unwrap().items] == [2, 4, 6]


class Counter(AggregateRoot[int]):
    hits: int = 0


class CounterRepository(DocumentRepository[Counter, int]):
    pass


def test_an_int_id_is_read_from_its_text_and_a_bool_is_no_id() -> None:
    database = InMemoryDatabase()
    with InMemoryUnitOfWork(database) as uow:
        uow.repository(CounterRepository).add(Counter(id=1))
        assert uow.commit() == Success(None)

    with InMemoryUnitOfWork(database) as uow:
        counters = uow.repository(CounterRepository)
        loose = cast("Any", counters)
        found = [counters.get(1).unwrap(), counters.get("1").unwrap(), counters.get(" 1 ").unwrap()]
        refused = [loose.get(True), counters.get("1.5"), counters.get("one"), loose.get(1.0)]
        beyond = counters.get(2**64)

    assert [c.id for c in found] == [1, 1, 1]
    assert found[0] is found[1] is found[2]
    assert [
        (e.field_errors[0].loc, e.field_errors[0].type)
        for e in (r.failure() for r in refused)
        if isinstance(e, InvalidInputError)
    ] == [
        (("id",), "id_type"),
        (("id",), "id_parsing"),
        (("id",), "id_parsing"),
        (("id",), "id_type"),
    ]
    assert beyond.failure().identifier == "an id no store holds"  # not the value sent


class Ticketed(AggregateRoot[Annotated[int, Field(ge=0)]]):
    hits: int = 0


class TicketedRepository(DocumentRepository[Ticketed, Annotated[int, Field(ge=0)]]):
    pass


def test_an_id_read_from_text_keeps_the_id_fields_constraints() -> None:
    with InMemoryUnitOfWork() as uow:
        tickets = uow.repository(TicketedRepository)
        tickets.add(Ticketed(id=7))
        answers = [tickets.get("7"), tickets.get("-1")]
        uow.rollback()

    assert answers[0].unwrap().id == 7
    assert answers[1].failure().code == "invalid_input"


OrderNumber = NewType("OrderNumber", int)


class Order(AggregateRoot[OrderNumber]):
    lines: int = 0


class OrderRepository(DocumentRepository[Order, OrderNumber]):
    pass


def test_an_id_annotation_that_is_no_class_is_judged_by_its_primitive_type() -> None:
    with InMemoryUnitOfWork() as uow:
        orders = uow.repository(OrderRepository)
        orders.add(Order(id=OrderNumber(7)))
        loose = cast("Any", orders)
        answers = [orders.get(OrderNumber(7)), orders.get("7"), loose.get(7.5), loose.get(True)]
        uow.rollback()

    assert [a.unwrap().id for a in answers[:2]] == [7, 7]
    assert [a.failure().code for a in answers[2:]] == ["invalid_input", "invalid_input"]
