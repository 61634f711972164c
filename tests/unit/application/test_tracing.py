"""Trace context through OpenTelemetry when it is installed, as text when it is not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from creativeflow_shared.application import RequestContext, _tracing, current_context, use_context

if TYPE_CHECKING:
    import pytest

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
tracer = TracerProvider().get_tracer("creativeflow-tests")


def test_a_new_flow_joins_the_current_span() -> None:
    with tracer.start_as_current_span("request") as span:
        context = RequestContext.new(tenant_id="t-1")
        span_context = span.get_span_context()
    ids = f"{span_context.trace_id:032x}-{span_context.span_id:016x}"
    expected = f"00-{ids}-{span_context.trace_flags:02x}"
    assert context.traceparent == expected
    assert context.tracestate is None


def test_a_traceparent_given_wins_over_the_span() -> None:
    with tracer.start_as_current_span("request"):
        context = RequestContext.new(traceparent=TRACEPARENT, tracestate="vendor=1")
    assert (context.traceparent, context.tracestate) == (TRACEPARENT, "vendor=1")


def test_without_a_span_a_new_flow_has_no_trace() -> None:
    assert RequestContext.new().traceparent is None


def test_a_context_makes_its_trace_the_current_one() -> None:
    consumed = RequestContext(correlation_id="c-1", traceparent=TRACEPARENT, tracestate="vendor=1")
    with use_context(consumed):
        with tracer.start_as_current_span("handler") as span:
            assert f"{span.get_span_context().trace_id:032x}" == TRACEPARENT[3:35]
            carried = current_context().caused_by("m-1")
            assert carried.traceparent == TRACEPARENT
        parent = trace.get_current_span().get_span_context()
        assert f"{parent.span_id:016x}" == TRACEPARENT[36:52]
        assert parent.trace_state.get("vendor") == "1"
    assert not trace.get_current_span().get_span_context().is_valid  # detached again


def test_a_traceparent_no_propagator_reads_is_carried_as_text() -> None:
    hostile = RequestContext(correlation_id="c-2", traceparent="not-a-trace")
    with use_context(hostile) as context:
        assert not trace.get_current_span().get_span_context().is_valid
        assert context.traceparent == "not-a-trace"


def test_without_opentelemetry_the_trace_is_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tracing, "_opentelemetry", lambda: None)
    with tracer.start_as_current_span("request"):
        assert RequestContext.new().traceparent is None  # nobody asks OpenTelemetry
    with use_context(RequestContext(correlation_id="c-3", traceparent=TRACEPARENT)) as context:
        assert not trace.get_current_span().get_span_context().is_valid
        assert context.traceparent == TRACEPARENT


def test_opentelemetry_is_looked_up_once_and_may_be_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _tracing._opentelemetry.cache_clear()
    monkeypatch.setitem(__import__("sys").modules, "opentelemetry", None)
    try:
        assert _tracing._opentelemetry() is None
        assert _tracing.current_trace() == (None, None)
    finally:
        _tracing._opentelemetry.cache_clear()
    monkeypatch.undo()
    assert _tracing._opentelemetry() is not None


def test_an_outgoing_call_carries_the_callers_span() -> None:
    from creativeflow_shared.clients import context_headers  # noqa: PLC0415 (the http extra)

    consumed = RequestContext(correlation_id="c-4", traceparent=TRACEPARENT)
    with use_context(consumed) as context:
        assert context_headers(context)["traceparent"] == TRACEPARENT  # no span of its own
        with tracer.start_as_current_span("call") as span:
            sent = context_headers(context)["traceparent"]
            span_id = f"{span.get_span_context().span_id:016x}"
    assert sent.split("-")[1] == TRACEPARENT.split("-")[1]  # the same trace
    assert sent.split("-")[2] == span_id  # from the caller's span
