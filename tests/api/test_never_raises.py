"""G8: reading a problem document and the conditional headers never raises, for any input."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from creativeflow_shared.api import (
    PROBLEM_TYPE_BASE,
    check_if_match,
    error_from_problem,
    etag_for,
    if_none_match_hit,
)
from creativeflow_shared.domain import ConcurrencyConflictError, KernelError


@dataclass(frozen=True)
class Resource:
    id: str
    version: int


#: Any text, lone surrogates included (Hypothesis leaves them out by default).
texts = st.text(st.characters(exclude_categories=())) | st.text()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
member_names = st.sampled_from(
    [
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "code",
        "correlationId",
        "errors",
        "resource",
        "resourceId",
        "key",
        "perTenant",
        "expectedVersion",
        "retryAfter",
        "eventType",
        "left",
        "right",
        "_fields_set",
    ]
)
codes = st.sampled_from(
    [
        "not_found",
        "already_exists",
        "invalid_input",
        "unknown_event_type",
        "business_rule_violation",
        "currency_mismatch",
        "concurrency_conflict",
        "unauthorized",
        "forbidden",
        "unavailable",
        "error",
    ]
)
#: Documents shaped like problems, with members of any type.
problem_like = st.dictionaries(
    member_names | texts,
    json_values
    | codes
    | codes.map(lambda c: PROBLEM_TYPE_BASE + c.replace("_", "-"))
    | st.lists(
        st.dictionaries(st.sampled_from(["pointer", "detail", "code"]) | texts, json_values),
        max_size=3,
    ),
    max_size=8,
)
documents = (
    problem_like
    | json_values
    | problem_like.map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass"))
    | texts
    | st.binary()
    | st.builds(object)
)
statuses = st.none() | st.integers()
#: Header values: anything, and lists of things that look like entity tags.
tags = st.from_regex(r'(W/)?"[^"]{0,12}"', fullmatch=True) | st.just("*")
headers = texts | st.lists(tags | texts, max_size=4).map(", ".join)
#: Entity tags as RFC 9110 spells them (``etagc`` characters, commas included).
well_formed_tags = st.from_regex(r'(W/)?"[\x21\x23-\x7e\x80-\xff]{0,12}"', fullmatch=True)


@given(documents, statuses, texts)
def test_reading_a_problem_never_raises(data: object, status: int | None, service: str) -> None:
    error = error_from_problem(data, status=status, service=service)

    assert isinstance(error, KernelError)


@given(headers, st.integers(min_value=0), texts)
def test_the_conditional_headers_never_raise(header: str, version: int, id_: str) -> None:
    resource = Resource(id=id_, version=version)

    matched = check_if_match(header, resource)
    hit = if_none_match_hit(header, resource)

    assert matched == Success(None) or isinstance(matched.failure(), ConcurrencyConflictError)
    assert hit in {True, False}


@given(st.lists(well_formed_tags, max_size=4), st.integers(min_value=0), texts)
def test_a_list_holding_the_current_tag_always_matches(
    others: list[str], version: int, id_: str
) -> None:
    resource = Resource(id=id_, version=version)
    header = " ,".join([*others, etag_for(resource).removeprefix("W/")])

    assert check_if_match(header, resource) == Success(None)
    assert if_none_match_hit(header, resource)
