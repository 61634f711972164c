"""Whether a validated value of an annotation may hold NaN or infinity.

The event registry reads JSON strictly (no ``NaN`` or ``Infinity`` constants) unless an event
class could hold such a number after validation; this module tells which ones can.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel

__all__ = ["reads_non_finite"]


def reads_non_finite(  # noqa: PLR0911 (one answer per kind of annotation)
    annotation: object, *, strict: bool = False, seen: frozenset[type] = frozenset()
) -> bool:
    """Whether a value of ``annotation`` may hold NaN or infinity after validation.

    True for ``Any`` and ``object``, for containers whose items are not typed, for a float or
    decimal in a model that allows non-finite numbers, and for what cannot be told (a forward
    reference); false for a model, at any depth, whose numbers are all checked.
    """
    if annotation is Any:  # a class of its own since Python 3.11
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return reads_non_finite(get_args(annotation)[0], strict=strict, seen=seen)
    if origin is Literal:
        return False
    if origin is not None:
        members = [arg for arg in get_args(annotation) if arg is not Ellipsis]
        return not members or any(
            reads_non_finite(member, strict=strict, seen=seen) for member in members
        )
    if not isinstance(annotation, type):
        return annotation is not None  # ``Any``, a forward reference: cannot tell
    if annotation in _UNTYPED_CONTAINERS or annotation is object:
        return True
    if issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        own = annotation.model_config.get("allow_inf_nan", True) is False
        return any(
            reads_non_finite(field.annotation, strict=own, seen=seen | {annotation})
            for field in annotation.model_fields.values()
        )
    return issubclass(annotation, float | Decimal) and not strict


_UNTYPED_CONTAINERS = frozenset({dict, list, tuple, set, frozenset})
