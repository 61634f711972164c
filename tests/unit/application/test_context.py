"""Unit tests of the request context: new flows, causation and the context variable."""

from __future__ import annotations

import contextvars
import uuid

import pytest

from creativeflow_shared.application import (
    TENANT_ID_MAX_LENGTH,
    RequestContext,
    current_context,
    use_context,
)


def test_new_starts_a_flow_with_a_fresh_uuid7_correlation_id() -> None:
    actual = RequestContext.new(tenant_id="t-1", actor_id="user-7", traceparent="00-abc-def-01")

    assert uuid.UUID(actual.correlation_id).version == 7
    assert (actual.causation_id, actual.tenant_id, actual.actor_id, actual.traceparent) == (
        None,
        "t-1",
        "user-7",
        "00-abc-def-01",
    )


def test_new_carries_the_trace_state_beside_the_trace_parent() -> None:
    actual = RequestContext.new(traceparent="00-abc-def-01", tracestate="vendor=opaque")

    assert (actual.traceparent, actual.tracestate) == ("00-abc-def-01", "vendor=opaque")


def test_new_gives_every_flow_its_own_correlation_id() -> None:
    first, second = RequestContext.new(), RequestContext.new()

    assert first.correlation_id != second.correlation_id


def test_caused_by_keeps_the_flow_and_names_the_cause() -> None:
    context = RequestContext.new(tenant_id="t-1", actor_id="user-7")

    actual = context.caused_by("message-1")

    assert actual == RequestContext(
        correlation_id=context.correlation_id,
        causation_id="message-1",
        tenant_id="t-1",
        actor_id="user-7",
    )
    assert context.causation_id is None


def test_current_context_outside_a_request_is_a_new_anonymous_context_each_time() -> None:
    def read_twice() -> tuple[RequestContext, RequestContext]:
        return current_context(), current_context()

    # A fresh ``Context``: nothing set by earlier tests, nothing leaked to later ones.
    first, second = contextvars.Context().run(read_twice)

    assert first.correlation_id != second.correlation_id
    assert (first.tenant_id, first.actor_id, first.causation_id) == (None, None, None)


def test_use_context_makes_the_context_current_inside_the_block() -> None:
    context = RequestContext.new(tenant_id="t-1")

    with use_context(context) as used:
        actual = current_context()

    assert actual is context
    assert used is context


def test_use_context_restores_the_previous_context_after_the_block() -> None:
    outer, inner = RequestContext.new(tenant_id="outer"), RequestContext.new(tenant_id="inner")

    with use_context(outer):
        with use_context(inner):
            pass
        actual = current_context()

    assert actual is outer


def test_use_context_restores_the_previous_context_when_the_block_raises() -> None:
    outer, inner = RequestContext.new(tenant_id="outer"), RequestContext.new(tenant_id="inner")

    with use_context(outer):
        with pytest.raises(LookupError), use_context(inner):
            raise LookupError
        actual = current_context()

    assert actual is outer


@pytest.mark.parametrize(
    "tenant",
    [
        pytest.param("", id="empty"),
        pytest.param("t" * (TENANT_ID_MAX_LENGTH + 1), id="too long"),
        pytest.param("nul\x00", id="NUL"),
        pytest.param("lone \ud800", id="lone surrogate"),
    ],
)
def test_a_tenant_id_not_every_store_keeps_is_refused(tenant: str) -> None:
    with pytest.raises(ValueError, match="tenant id"):
        RequestContext.new(tenant_id=tenant)


def test_the_longest_tenant_id_is_accepted() -> None:
    tenant = "t" * TENANT_ID_MAX_LENGTH

    assert RequestContext.new(tenant_id=tenant).tenant_id == tenant


@pytest.mark.parametrize(
    "field", ["correlation_id", "causation_id", "actor_id", "traceparent", "tracestate"]
)
@pytest.mark.parametrize("poison", ["nul\x00", "lone \ud800"], ids=["NUL", "lone surrogate"])
def test_a_fact_not_every_store_keeps_is_refused(field: str, poison: str) -> None:
    facts = {"correlation_id": "c-1", field: poison}

    with pytest.raises(ValueError, match="facts of a request context"):
        RequestContext(**facts)


def test_the_shortest_tenant_id_is_one_character() -> None:
    assert RequestContext.new(tenant_id="t").tenant_id == "t"
