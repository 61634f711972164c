"""W3C trace context with OpenTelemetry, when it is installed (the ``opentelemetry`` extra).

Without OpenTelemetry the request context carries ``traceparent`` and ``tracestate`` as text,
from the incoming request or message to every outgoing one. With it, the text comes from and
goes to OpenTelemetry's propagator: a new context starts in the current span's trace, and
``use_context`` makes the context's trace the current one, so that spans a handler opens
continue the producer's trace.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Generator

__all__ = ["attached_trace", "current_trace"]


@functools.cache
def _opentelemetry() -> tuple[Any, Any] | None:
    """OpenTelemetry's ``propagate`` and ``context`` modules, or ``None`` without it."""
    try:
        from opentelemetry import context, propagate  # noqa: PLC0415 (an optional extra)
    except ImportError:
        return None
    return propagate, context


def current_trace() -> tuple[str | None, str | None]:
    """The current span's ``traceparent`` and ``tracestate`` (``None`` without a span)."""
    otel = _opentelemetry()
    if otel is None:
        return None, None
    carrier: dict[str, str] = {}
    otel[0].inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


@contextmanager
def attached_trace(traceparent: str | None, tracestate: str | None) -> Generator[None]:
    """Make the trace of ``traceparent`` OpenTelemetry's current one inside the block."""
    otel = _opentelemetry()
    if otel is None or traceparent is None:
        yield
        return
    propagate, context = otel
    carrier = {"traceparent": traceparent}
    if tracestate is not None:
        carrier["tracestate"] = tracestate
    token = context.attach(propagate.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)
