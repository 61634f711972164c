"""Comparable values: the primitives specifications compare, and how to reach them.

A specification compares, orders and stores a domain value as the primitive it wraps (a slug
as its text, an id as its UUID, an enum as its value). The helpers here reduce values and
annotations to those primitives and read an attribute path of a candidate.
"""

from __future__ import annotations

import enum
import inspect
import types
from typing import Annotated, NewType, Union, cast, get_args, get_origin

from pydantic import RootModel

__all__ = ["comparable", "comparable_type", "unwrap_annotation", "value_at"]


def comparable(value: object) -> object:
    """Reduce a domain value to the primitive it is compared (and stored) as.

    Scalar values and ids become the primitive they wrap, enums their value.

    Examples:
        >>> from creativeflow_shared.domain import Slug
        >>> comparable(Slug("summer-sale"))
        'summer-sale'
    """
    while True:
        if isinstance(value, RootModel):
            value = cast("RootModel[object]", value).root
        elif isinstance(value, enum.Enum):
            value = value.value
        else:
            return value


def unwrap_annotation(annotation: object) -> tuple[object, bool]:
    """Strip ``Annotated`` and ``Optional`` from a field's annotation.

    A union of several types other than ``None`` is kept as it is.

    Returns:
        The core annotation, and whether ``None`` was among the stripped alternatives.

    Examples:
        >>> from typing import Annotated
        >>> unwrap_annotation(Annotated[int, "meta"] | None)
        (<class 'int'>, True)
    """
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin is Union or origin is types.UnionType:
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def comparable_type(annotation: object) -> type | None:
    """Return the type ``comparable`` gives for values of ``annotation``, if it is one type.

    ``None`` when the values may reduce to several types (a union of two types, an enum
    whose values differ in type) or when the annotation is not a class.

    Examples:
        >>> from uuid import UUID
        >>> from creativeflow_shared.domain import Identity, Slug
        >>> class JobId(Identity):
        ...     pass
        >>> comparable_type(JobId) is UUID, comparable_type(Slug | None) is str
        (True, True)
    """
    kind, _ = unwrap_annotation(annotation)
    while isinstance(kind, NewType):  # ``OrderNumber = NewType("OrderNumber", int)``: an int
        kind = kind.__supertype__
    if not inspect.isclass(kind):
        return None
    if issubclass(kind, RootModel):
        return comparable_type(kind.model_fields["root"].annotation)
    if issubclass(kind, enum.Enum):
        kinds: set[type] = {type(cast("object", member.value)) for member in kind}
        return kinds.pop() if len(kinds) == 1 else None
    return kind


def value_at(candidate: object, path: tuple[str, ...]) -> object:
    """Return the attribute at ``path`` of ``candidate``, or ``None`` past a missing link.

    Examples:
        >>> from creativeflow_shared.domain import Money
        >>> value_at(Money.of("2", "EUR"), ("currency", "code"))
        'EUR'
    """
    value = candidate
    for name in path:
        if value is None:
            return None
        value = getattr(value, name)
    return value
