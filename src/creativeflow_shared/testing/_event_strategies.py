"""The Hypothesis strategy of domain events, drawn from each event's fields.

``events`` registers the kit's strategies before it resolves fields with ``st.from_type``, so
this module depends on the Hypothesis plugin, which depends on the value strategies, never the
other way round: the plugin must import while Hypothesis itself is still being imported.
"""

from __future__ import annotations

# First: when Hypothesis is missing, this import raises the error that names the extra.
from creativeflow_shared.testing._strategies import aware_datetimes, uuids

# isort: split
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from creativeflow_shared.domain import DomainEvent
from creativeflow_shared.testing._hypothesis_plugin import register_strategies

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

__all__ = ["events"]

EventT = TypeVar("EventT", bound=DomainEvent)

_annotated = cast("Any", Annotated)  # ``Annotated[...]`` built from a field's runtime metadata


def events(
    event_class: type[EventT], **overrides: st.SearchStrategy[Any]
) -> st.SearchStrategy[EventT]:
    """Generate events of ``event_class`` from its pydantic fields.

    ``occurred_at`` comes from ``aware_datetimes``, ``event_id`` from UUIDs, and
    ``aggregate_type`` and ``aggregate_id`` are absent or any text. Every other field is drawn
    with ``st.from_type`` from its annotation (constraints included), so the kernel's values,
    every ``Identity`` subclass and anything registered with ``st.register_type_strategy``
    resolve. Id types defined since the last registration are registered first. A field of
    a value object of your own needs a registered strategy or an override.

    Args:
        event_class: Any ``DomainEvent`` subclass.
        **overrides: Strategies to use instead for the named fields.

    Returns:
        A strategy of ``event_class`` instances.

    Raises:
        InvalidArgument: If an override names a field the event does not have.
    """
    fields = event_class.model_fields
    unknown = sorted(overrides.keys() - fields.keys())
    if unknown:
        msg = f"{event_class.__qualname__} has no field named {', '.join(unknown)}"
        raise InvalidArgument(msg)
    register_strategies()
    defaults: dict[str, st.SearchStrategy[Any]] = {
        "event_id": uuids(),
        "occurred_at": aware_datetimes(),
        "aggregate_type": st.none() | st.text(),
        "aggregate_id": st.none() | st.text(),
    }
    chosen = defaults | overrides
    strategies = {
        name: chosen[name] if name in chosen else _from_field(field)
        for name, field in fields.items()
    }
    return st.builds(event_class, **strategies)


def _from_field(field: FieldInfo) -> st.SearchStrategy[Any]:
    # pydantic moves ``Annotated`` metadata (``Field(ge=0)`` and the like) off the annotation;
    # put it back so that Hypothesis honours the constraints it understands.
    if field.metadata:
        return st.from_type(_annotated[(field.annotation, *field.metadata)])
    return st.from_type(cast("type[Any]", field.annotation))
