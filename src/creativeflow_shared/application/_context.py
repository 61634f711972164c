"""The request context: who asks, for which tenant, as part of which flow of messages."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from creativeflow_shared.application._storable import storable
from creativeflow_shared.application._tracing import attached_trace, current_trace
from creativeflow_shared.domain import uuid7

if TYPE_CHECKING:
    from collections.abc import Generator

__all__ = ["TENANT_ID_MAX_LENGTH", "RequestContext", "current_context", "use_context"]

#: The longest tenant id: what every store keeps in its tenant column.
TENANT_ID_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestContext:
    """Facts about the current request that travel with every event and call it causes.

    Attributes:
        correlation_id: Shared by every message of one business flow.
        causation_id: The id of the message (or request) that directly caused this work.
        tenant_id: The tenant whose data may be read and written; ``None`` outside tenancy.
        actor_id: Who acts (a user, an API key, a service).
        traceparent: The W3C trace context header, passed on to outgoing calls and messages.
        tracestate: The W3C ``tracestate`` header that travels beside ``traceparent``
            (vendor-specific trace data), passed on with it.

    Raises:
        ValueError: If ``tenant_id`` is empty, longer than ``TENANT_ID_MAX_LENGTH``
            characters, or holds a NUL character or a lone surrogate: such a tenant could be
            stored on one adapter and not on another; or if another fact holds a NUL
            character or a lone surrogate (they travel in the headers of outbox rows).

    Examples:
        >>> context = RequestContext.new(tenant_id="t-1")
        >>> with use_context(context):
        ...     current_context().tenant_id
        't-1'
    """

    correlation_id: str
    causation_id: str | None = None
    tenant_id: str | None = None
    actor_id: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def new(
        cls,
        *,
        tenant_id: str | None = None,
        actor_id: str | None = None,
        traceparent: str | None = None,
        tracestate: str | None = None,
    ) -> RequestContext:
        """Start a new flow with a fresh correlation id.

        Without a ``traceparent``, the flow joins OpenTelemetry's current span when
        OpenTelemetry is installed and a span is recording.
        """
        if traceparent is None:
            traceparent, tracestate = current_trace()
        return cls(
            correlation_id=str(uuid7()),
            tenant_id=tenant_id,
            actor_id=actor_id,
            traceparent=traceparent,
            tracestate=tracestate,
        )

    def __post_init__(self) -> None:
        """Refuse a tenant id, or any other fact, that not every store can keep."""
        tenant = self.tenant_id
        if tenant is not None and (
            not 1 <= len(tenant) <= TENANT_ID_MAX_LENGTH or not storable(tenant)
        ):
            msg = (
                f"a tenant id is 1 to {TENANT_ID_MAX_LENGTH} characters of valid text "
                "without NUL characters"
            )
            raise ValueError(msg)
        # Each travels in the headers of every outbox row the request's commits write.
        facts = (
            self.correlation_id,
            self.causation_id,
            self.actor_id,
            self.traceparent,
            self.tracestate,
        )
        if not storable(facts):
            msg = "the facts of a request context are valid text without NUL characters"
            raise ValueError(msg)

    def caused_by(self, message_id: str) -> RequestContext:
        """Return the context of work caused by the message ``message_id`` (same flow)."""
        return replace(self, causation_id=message_id)


_current: ContextVar[RequestContext | None] = ContextVar("creativeflow_request", default=None)


def current_context() -> RequestContext:
    """Return the context of the current request.

    Outside ``use_context`` this is a new anonymous context (with a fresh correlation id)
    on every call; it is not stored, so it never leaks into a later request on the same thread.
    Set a context per request (or per consumed message) with ``use_context``.
    """
    context = _current.get()
    return context if context is not None else RequestContext.new()


@contextmanager
def use_context(context: RequestContext) -> Generator[RequestContext]:
    """Make ``context`` the request context inside a ``with`` block (restored afterwards).

    With OpenTelemetry installed, the context's trace is its current one in the block too.
    """
    token = _current.set(context)
    try:
        with attached_trace(context.traceparent, context.tracestate):
            yield context
    finally:
        _current.reset(token)
