"""Sort keys: the attributes that order the results of a query."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast, final

from pydantic import TypeAdapter
from typing_extensions import override

from creativeflow_shared.domain._comparable import comparable, value_at

__all__ = ["SortKey"]

T = TypeVar("T")


@final
class SortKey(Generic[T]):
    """One attribute to order results of model ``T`` by; build with ``where(T).field.asc()``.

    Attributes:
        path: Attribute names from the candidate to the attribute.
        descending: Whether larger values come first.
        nullable: Whether the attribute may be ``None`` (such keys cannot drive keyset pages).
    """

    __slots__ = ("_adapter", "annotation", "descending", "nullable", "path")

    def __init__(
        self,
        path: tuple[str, ...],
        *,
        descending: bool,
        nullable: bool,
        annotation: object = object,
    ) -> None:
        """Order by the attribute at ``path`` whose values have type ``annotation``."""
        self.path = path
        self.descending = descending
        self.nullable = nullable
        self.annotation = annotation
        self._adapter: TypeAdapter[Any] | None = None

    def parse(self, value: object) -> object:
        """Validate a JSON value (e.g. read from a cursor) into this key's primitive.

        Raises:
            pydantic.ValidationError: If ``value`` is not a valid value of the attribute.
        """
        if self._adapter is None:
            self._adapter = TypeAdapter(cast("Any", self.annotation))
        return comparable(self._adapter.validate_python(value))

    def value_of(self, candidate: T) -> object:
        """Return the candidate's value for this key, reduced to its primitive."""
        return comparable(value_at(candidate, self.path))

    @override
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (self.path, self.descending) == (other.path, other.descending)

    @override
    def __hash__(self) -> int:
        return hash((self.path, self.descending))

    @override
    def __repr__(self) -> str:
        return f"SortKey({'.'.join(self.path)}, {'desc' if self.descending else 'asc'})"
