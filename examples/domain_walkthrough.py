"""A short walk through the kernel, built only on the public API.

An AI generation job spends a workspace's credits, records events, refuses bad input with a
``Failure`` and shows how an old event payload is upcast and read back; then it is stored on
SQLite through a unit of work, its events land in the transactional outbox and reach a handler
through the message bus, and a concurrent change loses with a typed conflict. Last, the
workspace's credit ledger is kept in tables of its own (a data-mapper repository: a root row and
one child row per ledger entry), where a race on the children loses the same way. Run it with
``python3 scripts/dev.py demo``; it exits 0 when every step behaves as shown.
"""

from __future__ import annotations

import enum
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from returns.result import Failure, Result, Success
from sqlalchemy import ForeignKey, MetaData, String, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from typing_extensions import override

from creativeflow_shared.application import (
    Command,
    DocumentRepository,
    MessageBus,
    RequestContext,
    UnitOfWork,
    project,
    use_context,
)
from creativeflow_shared.domain import (
    AggregateRoot,
    BusinessRuleViolationError,
    DomainEvent,
    FixedClock,
    Identity,
    Money,
    NonEmptyStr,
    ValueObject,
    at,
    combine,
    event_registry,
    use_clock,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    ExactDecimal,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)


class JobId(Identity):
    """Identifies a generation job."""


class JobStatus(enum.StrEnum):
    """Where a job is in its life."""

    REQUESTED = "requested"
    COMPLETED = "completed"


class GenerationRequested(DomainEvent, event_type="example.generation.requested", schema_version=2):
    """A workspace asked for an image; version 2 renamed ``text`` to ``prompt``."""

    job_id: JobId
    prompt: NonEmptyStr
    cost: Money


@event_registry.upcaster("example.generation.requested", from_version=1)
def _rename_text_to_prompt(payload: dict[str, object]) -> dict[str, object]:
    payload["prompt"] = payload.pop("text")
    return payload


class InsufficientCreditsError(BusinessRuleViolationError):
    """The workspace cannot pay for the job."""

    code = "insufficient_credits"


class GenerationJob(AggregateRoot[JobId], aggregate_type="generation_job"):
    """An image generation job that spends credits when it is requested."""

    prompt: NonEmptyStr
    cost: Money
    status: JobStatus = JobStatus.REQUESTED

    @classmethod
    def request(
        cls, prompt: object, cost: Money, balance: Money
    ) -> Result[GenerationJob, BusinessRuleViolationError]:
        """Request a job if the balance covers its cost."""
        if balance.compare(cost).value_or(-1) < 0:
            return Failure(InsufficientCreditsError(f"{balance} does not cover {cost}"))
        job = cls(id=JobId.new(), prompt=NonEmptyStr.model_validate(prompt), cost=cost)
        job.record(GenerationRequested(job_id=job.id, prompt=job.prompt, cost=cost))
        return Success(job)


class JobRepository(DocumentRepository[GenerationJob, JobId]):
    """Generation jobs, stored whole as JSON documents; status and cost are projected."""

    projections = (project("status", index=True), project("cost.amount"))


class RequestGeneration(Command):
    """Ask for an image within a workspace's balance."""

    prompt: str
    cost: Money
    balance: Money


def request_generation(
    command: RequestGeneration, uow: UnitOfWork
) -> Result[JobId, BusinessRuleViolationError]:
    """The command handler: request the job and store it with its events."""
    with uow:
        requested = GenerationJob.request(command.prompt, command.cost, command.balance)
        if isinstance(requested, Success):
            uow.repository(JobRepository).add(requested.unwrap())
            uow.commit().unwrap()
        return requested.map(lambda job: job.id)


class WorkspaceId(Identity):
    """Identifies a workspace."""


class LedgerEntry(ValueObject):
    """Credits a job spent."""

    job_id: JobId
    amount: Money


class CreditsSpent(DomainEvent, event_type="example.workspace.credits_spent"):
    """A workspace paid for a job."""

    workspace_id: WorkspaceId
    job_id: JobId
    amount: Money


class Workspace(AggregateRoot[WorkspaceId], aggregate_type="workspace"):
    """A workspace's credits and the ledger of what its jobs spent."""

    name: str
    credits: Money
    ledger: tuple[LedgerEntry, ...] = ()

    def spend(self, job_id: JobId, amount: Money) -> Result[None, BusinessRuleViolationError]:
        """Pay for a job from the credits, or refuse when they do not cover it."""
        remaining = self.credits.subtract(amount)
        if isinstance(remaining, Failure) or remaining.unwrap().amount < 0:
            return Failure(InsufficientCreditsError(f"{self.credits} does not cover {amount}"))
        self.credits = remaining.unwrap()
        self.ledger = (*self.ledger, LedgerEntry(job_id=job_id, amount=amount))
        self.record(CreditsSpent(workspace_id=self.id, job_id=job_id, amount=amount))
        return Success(None)


class Rows(DeclarativeBase):
    """The service's own tables (the data mapper's rows)."""

    metadata = MetaData()


class WorkspaceRow(Rows):
    """A workspace: the root row."""

    __tablename__ = "workspaces"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    credits: Mapped[Decimal] = mapped_column(ExactDecimal())
    currency: Mapped[str] = mapped_column(String(3))
    ledger: Mapped[list[LedgerRow]] = relationship(
        cascade="all, delete-orphan", order_by="LedgerRow.position"
    )


class LedgerRow(Rows):
    """One ledger entry of a workspace: a child row."""

    __tablename__ = "workspace_ledger"

    workspace_id: Mapped[UUID] = mapped_column(ForeignKey(WorkspaceRow.id), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[UUID]
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())


class WorkspaceRepository(DataMapperRepository[Workspace, WorkspaceId, WorkspaceRow]):
    """Workspaces in their own tables; the name can be queried."""

    columns = {"name": WorkspaceRow.name}  # noqa: RUF012 (read once, when the class is made)

    @override
    def to_row(self, aggregate: Workspace) -> WorkspaceRow:
        return WorkspaceRow(
            id=aggregate.id.value,
            name=aggregate.name,
            credits=aggregate.credits.amount,
            currency=aggregate.credits.currency.code,
            ledger=[
                LedgerRow(position=n, job_id=entry.job_id.value, amount=entry.amount.amount)
                for n, entry in enumerate(aggregate.ledger)
            ],
        )

    @override
    def to_domain(self, row: WorkspaceRow) -> Workspace:
        return Workspace(
            id=WorkspaceId(row.id),
            name=row.name,
            credits=Money.of(row.credits, row.currency),
            ledger=tuple(
                LedgerEntry(job_id=JobId(entry.job_id), amount=Money.of(entry.amount, row.currency))
                for entry in row.ledger
            ),
        )


def expect(condition: bool) -> None:  # noqa: FBT001 (reads like an assertion)
    """Stop the scenario with a non-zero exit when the kernel misbehaves."""
    if not condition:
        message = "the walkthrough saw the kernel misbehave"
        raise SystemExit(message)


def step(title: str) -> None:
    """Print a step heading."""
    print(f"\n== {title}")


def main() -> None:
    """Run the walkthrough; a misbehaving kernel makes it exit non-zero."""
    clock = FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    with use_clock(clock):
        step("Validate input, collecting every problem at once")
        checked = combine(
            at("prompt", NonEmptyStr.create("   ")),
            at("cost", Money.create(currency="EUR", amount="0.001")),
        )
        expect(isinstance(checked, Failure))
        for error in checked.failure().field_errors:
            print(f"  rejected {'.'.join(map(str, error.loc))}: {error.message}")

        step("Request a job: the aggregate records an event")
        balance = Money.of("5.00", "EUR")
        cost = Money.of("1.50", "EUR")
        job = GenerationJob.request("a lighthouse at dawn", cost, balance).unwrap()
        (event,) = job.collect_events()
        print(f"  {event.event_type} v{event.schema_version} for {event.aggregate_type}")
        print(f"  aggregate {event.aggregate_id} at {event.occurred_at.isoformat()}")

        step("A business rule refuses an expensive job with a typed Failure")
        refused = GenerationJob.request("a galaxy", Money.of(9, "EUR"), balance)
        expect(isinstance(refused, Failure))
        print(f"  {refused.failure().code}: {refused.failure().message}")

        step("Serialize the event and read it back as the same class")
        wire = event_registry.to_json(event)
        print(f"  {wire.decode()[:96]}...")
        expect(event_registry.from_json(wire).unwrap() == event)

        step("Upcast a version-1 payload stored long ago")
        old = b'{"event_type":"example.generation.requested","schema_version":1,"payload":'
        old += b'{"job_id":"01937d5c-3f0a-7cc1-9a51-2c4f1e1b7f00","text":"a red fox",'
        old += b'"cost":{"currency":"EUR","amount":"2.00"},"occurred_at":"2024-05-01T12:00:00Z"}}'
        upcast = event_registry.from_json(old).unwrap()
        if not isinstance(upcast, GenerationRequested):
            raise SystemExit(f"expected GenerationRequested, read {upcast!r}")  # noqa: EM102, TRY003 (a demo's one-off message)
        print(f"  read v1 as {type(upcast).__name__}: prompt={upcast.prompt.value!r}")

        step("Garbage never raises: it comes back as a Failure")
        garbage = event_registry.from_json(b'{"event_type": 42}')
        expect(isinstance(garbage, Failure))
        print(f"  {garbage.failure().code}: {[e.loc for e in garbage.failure().field_errors]}")

        step("Ask a specification which jobs are cheap")
        cheap = where(GenerationJob).cost.amount.le(Decimal(2))
        print(f"  job costing {job.cost} is cheap: {cheap.is_satisfied_by(job)}")
        expect(cheap.is_satisfied_by(job))

    with tempfile.TemporaryDirectory() as folder:
        persist(Path(folder) / "walkthrough.db")
        keep_ledger(Path(folder) / "ledger.db")
    print("\nwalkthrough complete")


def persist(database: Path) -> None:
    """Store jobs through units of work, publish their events, lose a race with a conflict."""
    metadata = MetaData()
    jobs_table = document_table(metadata, JobRepository)
    outbox = outbox_table(metadata)
    engine = create_engine(f"sqlite:///{database}")
    metadata.create_all(engine)
    notified: list[str] = []

    step("A command stores a job; its event goes to the outbox in the same transaction")
    bus = MessageBus(lambda: SQLAlchemyUnitOfWork(engine, metadata))
    bus.register(RequestGeneration, request_generation)
    bus.subscribe(GenerationRequested, lambda event, _: notified.append(event.prompt.value))
    command = RequestGeneration(
        prompt="a lighthouse", cost=Money.of("1.50", "EUR"), balance=Money.of(5, "EUR")
    )
    with use_context(RequestContext.new(tenant_id="studio-7", actor_id="ada")):
        job_id = bus.handle(command).unwrap()
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.type, outbox.c.headers)).all()
        stored = connection.execute(select(func.count()).select_from(jobs_table)).scalar_one()
    print(f"  {stored} job stored; outbox: {[(row.type, row.headers['actor_id']) for row in rows]}")
    print(f"  after commit the bus notified: {notified}")
    expect(stored == 1 and len(rows) == 1 and notified == ["a lighthouse"])

    step("Two units of work change the same job: the second gets a typed conflict")
    with (
        SQLAlchemyUnitOfWork(engine, metadata) as first,
        SQLAlchemyUnitOfWork(engine, metadata) as second,
    ):
        mine = first.repository(JobRepository).get(job_id).unwrap()
        theirs = second.repository(JobRepository).get(job_id).unwrap()
        mine.status = JobStatus.COMPLETED
        theirs.prompt = NonEmptyStr("a lighthouse at night")
        won, lost = first.commit(), second.commit()
    print(f"  first: {won}; second: {lost}")
    expect(isinstance(won, Success) and lost.failure().code == "concurrency_conflict")

    step("Query the stored jobs with the same specification")
    with SQLAlchemyUnitOfWork(engine, metadata) as uow:
        done = uow.repository(JobRepository).find(where(GenerationJob).status.eq("completed"))
    for job in done:
        print(f"  completed job {str(job.id)[:8]}…, stored version {job.version}")
    expect([job.version for job in done] == [2])
    engine.dispose()


def keep_ledger(database: Path) -> None:
    """Keep a workspace's ledger in rows of its own; a race on its children loses too."""
    outbox = outbox_table(Rows.metadata)
    engine = create_engine(f"sqlite:///{database}")
    Rows.metadata.create_all(engine)
    studio = Workspace(id=WorkspaceId.new(), name="studio-7", credits=Money.of(10, "EUR"))

    step("A data-mapper repository stores the workspace as a root row and ledger rows")
    with SQLAlchemyUnitOfWork(engine, Rows.metadata) as uow:
        uow.repository(WorkspaceRepository).add(studio)
        uow.commit().unwrap()
    with SQLAlchemyUnitOfWork(engine, Rows.metadata) as uow:
        workspace = uow.repository(WorkspaceRepository).get(studio.id).unwrap()
        workspace.spend(JobId.new(), Money.of("2.50", "EUR")).unwrap()
        workspace.spend(JobId.new(), Money.of("1.25", "EUR")).unwrap()
        uow.commit().unwrap()
    with engine.connect() as connection:
        entries = connection.execute(select(LedgerRow.position, LedgerRow.amount)).all()
        events = connection.execute(select(func.count()).select_from(outbox)).scalar_one()
    print(f"  ledger rows: {[(row.position, f'{row.amount:.2f}') for row in entries]}")
    print(f"  credits left: {workspace.credits}; version {workspace.version}; events: {events}")
    expect([row.position for row in entries] == [0, 1] and events == len(entries))
    expect(workspace.credits == Money.of("6.25", "EUR"))

    step("Two units of work spend from the same version: the second is refused")
    with (
        SQLAlchemyUnitOfWork(engine, Rows.metadata) as first,
        SQLAlchemyUnitOfWork(engine, Rows.metadata) as second,
    ):
        mine = first.repository(WorkspaceRepository).get(studio.id).unwrap()
        theirs = second.repository(WorkspaceRepository).get(studio.id).unwrap()
        mine.spend(JobId.new(), Money.of(4, "EUR")).unwrap()
        theirs.spend(JobId.new(), Money.of(5, "EUR")).unwrap()
        won, lost = first.commit(), second.commit()
    with SQLAlchemyUnitOfWork(engine, Rows.metadata) as uow:
        by_name = where(Workspace).name.eq("studio-7")
        (stored,) = uow.repository(WorkspaceRepository).find(by_name)
    print(f"  first: {won}; second: {lost}")
    print(f"  stored: {stored.credits} left after {len(stored.ledger)} entries (v{stored.version})")
    expect(isinstance(won, Success) and lost.failure().code == "concurrency_conflict")
    spent = [entry.amount for entry in stored.ledger]
    expect(spent == [Money.of("2.50", "EUR"), Money.of("1.25", "EUR"), Money.of(4, "EUR")])
    expect(stored.credits == Money.of("2.25", "EUR"))
    engine.dispose()


if __name__ == "__main__":
    main()
