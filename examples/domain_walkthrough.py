"""A short walk through the domain kernel, built only on the public API.

An AI generation job spends a workspace's credits, records events, refuses bad input with a
``Failure`` and shows how an old event payload is upcast and read back. Run it with
``python3 scripts/dev.py demo``; it exits 0 when every step behaves as shown.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

from returns.result import Failure, Result, Success

from creativeflow_shared.domain import (
    AggregateRoot,
    BusinessRuleViolationError,
    DomainEvent,
    FixedClock,
    Identity,
    Money,
    NonEmptyStr,
    at,
    combine,
    event_registry,
    use_clock,
    where,
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

    print("\nwalkthrough complete")


if __name__ == "__main__":
    main()
