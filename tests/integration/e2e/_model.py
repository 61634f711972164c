"""The producer's and the consumer's model in the end-to-end test: one module both import."""

from __future__ import annotations

from sqlalchemy import MetaData

from creativeflow_shared.application import DocumentRepository
from creativeflow_shared.domain import AggregateRoot, DomainEvent, Identity
from creativeflow_shared.infrastructure.sqlalchemy import document_table, inbox_table, outbox_table

__all__ = ["METADATA", "Job", "JobFinished", "JobId", "Jobs", "Receipt", "ReceiptId", "Receipts"]


class JobId(Identity):
    """A generation job's id."""


class JobFinished(DomainEvent, event_type="e2e.job_finished"):
    """The producer's event."""

    job: str


class Job(AggregateRoot[JobId]):
    """The producer's aggregate."""

    done: bool = False

    def finish(self) -> None:
        """Finish the job (one event)."""
        self.done = True
        self.record(JobFinished(job=str(self.id)))


class Jobs(DocumentRepository[Job, JobId]):
    """The producer's repository."""


class ReceiptId(Identity):
    """A consumer receipt's id."""


class Receipt(AggregateRoot[ReceiptId]):
    """The consumer's effect: what it saw of the producer's flow."""

    job: str
    correlation_id: str
    traceparent: str | None


class Receipts(DocumentRepository[Receipt, ReceiptId]):
    """The consumer's repository."""


METADATA = MetaData()
document_table(METADATA, Jobs, name="e2e_jobs")
document_table(METADATA, Receipts, name="e2e_receipts")
outbox_table(METADATA, name="e2e_outbox")
inbox_table(METADATA, name="e2e_inbox")
