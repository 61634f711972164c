"""Whether an aggregate validated from data may keep mutable objects of that data.

Pydantic builds new containers and models when it validates, but passes a value typed
``Any`` (or ``object``, or an arbitrary class) through as it is. An aggregate decoded from a
stored document then shares such values with the document, which is also the snapshot the
unit of work compares with (and, in memory, the committed record itself): a change made in
place would change both, and never be seen. The document codec copies the data it decodes
for the aggregates this module flags, and for no other.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel

__all__ = ["may_share_input"]

#: Values that cannot change in place: sharing them is harmless.
_IMMUTABLE = (str, int, float, bool, bytes, Decimal, uuid.UUID, dt.date, dt.time, dt.timedelta)
_UNTYPED_CONTAINERS = frozenset({dict, list, set})


@functools.cache
def may_share_input(annotation: object) -> bool:
    """Whether a value validated as ``annotation`` may hold mutable objects of the input.

    True for ``Any``, ``object``, untyped containers, arbitrary classes and what cannot be
    told (a forward reference); false for models, typed containers and unions of them whose
    leaves are immutable values (text, numbers, ids, dates, enums).

    Examples:
        >>> may_share_input(dict[str, int]), may_share_input(dict[str, Any])
        (False, True)
    """
    return _shares(annotation, frozenset())


def _shares(annotation: object, seen: frozenset[type]) -> bool:
    if annotation is Any or annotation is object:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shares(get_args(annotation)[0], seen)
    if origin is Literal:
        return False
    if origin is not None:
        members = [arg for arg in get_args(annotation) if arg is not Ellipsis]
        return not members or any(_shares(member, seen) for member in members)
    if not isinstance(annotation, type):
        # ``None``, or what cannot be told: a forward reference, a type variable.
        return annotation is not None
    return _class_shares(annotation, seen)


def _class_shares(kind: type, seen: frozenset[type]) -> bool:
    if kind is type(None):
        return False
    if kind in _UNTYPED_CONTAINERS:
        return True
    if issubclass(kind, BaseModel):
        below = seen | {kind}
        fields = kind.model_fields.values()
        return kind not in seen and any(_shares(field.annotation, below) for field in fields)
    if issubclass(kind, enum.Enum | tuple | frozenset):
        return False  # a bare tuple or frozenset holds whatever it held, but cannot change
    if kind.__module__.partition(".")[0] in {"pydantic", "pydantic_core"}:
        return False  # pydantic's own markers and values (AwareDatetime, urls, secrets)
    return not issubclass(kind, _IMMUTABLE)
