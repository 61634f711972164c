"""Chaining results whose error types differ (checked by mypy and pyright).

``Result.bind`` requires the next step to fail with the same error type, which refuses the
common ``repo.get(id_).bind(lambda job: job.cancel())``; ``and_then`` joins the error types.
"""

from __future__ import annotations

from typing import assert_type

from returns.result import Failure, Result, Success

from creativeflow_shared.application import DocumentRepository
from creativeflow_shared.domain import (
    AggregateRoot,
    BusinessRuleViolationError,
    Identity,
    NotFoundError,
    and_then,
)
from creativeflow_shared.testing import InMemoryUnitOfWork


class JobId(Identity):
    pass


class Job(AggregateRoot[JobId]):
    failed: bool = False

    def fail(self, reason: str) -> Result[str, BusinessRuleViolationError]:
        if self.failed:
            return Failure(BusinessRuleViolationError("The job has failed already"))
        self.failed = True
        return Success(reason)


class JobRepository(DocumentRepository[Job, JobId]):
    pass


def test_and_then_joins_the_error_types_of_a_load_and_a_command() -> None:
    job = Job(id=JobId.new())
    with InMemoryUnitOfWork() as uow:
        jobs = uow.repository(JobRepository)
        jobs.add(job)
        failed = and_then(jobs.get(job.id), lambda found: found.fail("timeout"))
        again = and_then(jobs.get(job.id), lambda found: found.fail("timeout"))
        missing = and_then(jobs.get(JobId.new()), lambda found: found.fail("timeout"))

    assert_type(failed, Result[str, NotFoundError | BusinessRuleViolationError])
    assert failed == Success("timeout")
    assert isinstance(again.failure(), BusinessRuleViolationError)
    assert isinstance(missing.failure(), NotFoundError)
