"""Entity tags over versions, and the If-Match / If-None-Match conditions (RFC 9110)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from returns.result import Failure, Success

from creativeflow_shared.api import check_if_match, etag_for, if_none_match_hit, problem_for
from creativeflow_shared.application import RequestContext
from creativeflow_shared.domain import AggregateRoot, ConcurrencyConflictError, Identity


@dataclass(frozen=True)
class Resource:
    id: str
    version: int


class JobId(Identity):
    """Identifies a job."""


class Job(AggregateRoot[JobId]):
    prompt: str


JOB = Resource(id="job-1", version=3)
CURRENT = etag_for(JOB)
OLDER = etag_for(Resource(id="job-1", version=2))
OTHER_JOB = etag_for(Resource(id="job-2", version=3))


def test_the_tag_is_weak_and_names_the_version() -> None:
    assert CURRENT.startswith('W/"3-')
    assert CURRENT.endswith('"')


def test_resources_at_the_same_version_have_different_tags() -> None:
    assert OTHER_JOB != CURRENT


def test_a_new_version_has_a_new_tag() -> None:
    assert OLDER != CURRENT


def test_an_aggregate_has_a_tag() -> None:
    job = Job(id=JobId.new(), prompt="a lighthouse")

    assert etag_for(job) == etag_for(Resource(id=str(job.id), version=0))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "*",
        CURRENT,
        CURRENT.removeprefix("W/"),
        f"{OLDER}, {CURRENT}",
        f" {OLDER} ,, {CURRENT} ,",
        f"{OLDER}, *",
    ],
    ids=["absent", "any", "current", "current, strong", "in a list", "loose list", "any in a list"],
)
def test_if_match_passes(header: str | None) -> None:
    assert check_if_match(header, JOB) == Success(None)


@pytest.mark.parametrize(
    "header",
    [
        OLDER,
        OTHER_JOB,
        "",
        CURRENT.removeprefix("W/").strip('"'),
        f"{CURRENT} garbage",
        f"garbage, {CURRENT}",
        f'W/"x,{CURRENT}',
        f"w/{CURRENT.removeprefix('W/')}",
    ],
    ids=[
        "stale",
        "another resource's",
        "empty",
        "unquoted",
        "trailing text",
        "a malformed member",
        "quote inside a tag",
        "lower-case weak prefix",
    ],
)
def test_if_match_fails_with_a_conflict(header: str) -> None:
    error = check_if_match(header, JOB).failure()

    assert isinstance(error, ConcurrencyConflictError)
    assert (error.resource, error.identifier) == ("Resource", "job-1")


def test_a_stale_tag_of_this_resource_names_the_version_the_caller_expected() -> None:
    result = check_if_match(f'"junk", {OTHER_JOB}, {OLDER}', JOB)

    assert result == Failure(ConcurrencyConflictError("Resource", "job-1", expected_version=2))


def test_a_tag_of_another_resource_names_no_expected_version() -> None:
    result = check_if_match(OTHER_JOB, JOB)

    assert result == Failure(ConcurrencyConflictError("Resource", "job-1"))


def test_a_failed_if_match_is_answered_with_412() -> None:
    error = check_if_match(OLDER, JOB).failure()

    response = problem_for(error, if_match_sent=True, context=RequestContext(correlation_id="c"))

    assert response.status == 412


@pytest.mark.parametrize(
    ("header", "hit"),
    [
        (None, False),
        (CURRENT, True),
        (CURRENT.removeprefix("W/"), True),
        (f"{OLDER}, {CURRENT}", True),
        ("*", True),
        (OLDER, False),
        (OTHER_JOB, False),
        (f"{CURRENT}, garbage", False),
    ],
)
def test_if_none_match_hits_the_current_tag_or_any(header: str | None, hit: bool) -> None:
    assert if_none_match_hit(header, JOB) is hit


@pytest.mark.parametrize("header", [None, "*", CURRENT])
def test_if_none_match_never_hits_a_resource_that_does_not_exist(header: str | None) -> None:
    assert if_none_match_hit(header, None) is False
