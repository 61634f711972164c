"""Specifications: composable business predicates that also compile to queries.

A specification is a small expression tree (comparisons of attribute paths with values,
joined by ``&``, ``|`` and ``~``). It evaluates in memory with SQL's three-valued logic, so a
comparison with a missing (``None``) attribute is *unknown* rather than false, exactly as the
same specification compiled to a SQL ``WHERE`` clause behaves. Each node also says which
attribute paths it compares and with which values, so that a store can check a specification
before it runs one.

``where`` builds the leaves from the fields of a model; the tree itself needs no model.
"""

from __future__ import annotations

import enum
import operator
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, final

from typing_extensions import override

from creativeflow_shared.domain._comparable import comparable, value_at

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["And", "Comparison", "IsNull", "Not", "Operator", "Or", "Specification"]

T = TypeVar("T")


class Operator(enum.Enum):
    """The comparisons a specification can make."""

    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"


_COMPARE: dict[Operator, Callable[[Any, Any], bool]] = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
    Operator.LT: operator.lt,
    Operator.LE: operator.le,
    Operator.GT: operator.gt,
    Operator.GE: operator.ge,
    Operator.IN: lambda actual, values: actual in values,
}


class Specification(ABC, Generic[T]):
    """A predicate over candidates of type ``T``; combine with ``&``, ``|`` and ``~``.

    Build leaves with ``where``; evaluate with ``is_satisfied_by``.

    Examples:
        >>> from pydantic import BaseModel
        >>> from creativeflow_shared.domain import where
        >>> class Job(BaseModel):
        ...     status: str
        ...     credits: int
        >>> job = where(Job)
        >>> big_and_running = job.status.eq("running") & job.credits.ge(10)
        >>> big_and_running.is_satisfied_by(Job(status="running", credits=12))
        True
        >>> (~big_and_running).is_satisfied_by(Job(status="running", credits=12))
        False
    """

    # Nodes are small immutable records; plain slotted classes keep the domain's import cheap
    # (dataclasses are generated with exec, which costs about a millisecond each). Each concrete
    # node names its fields in ``__slots__``: equality, hashing and repr read them from there.
    __slots__: tuple[str, ...] = ()

    def _init(self, **fields: object) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    @override
    def __setattr__(self, name: str, value: object) -> None:
        msg = f"{type(self).__name__} is immutable"
        raise AttributeError(msg)

    @override
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    @override
    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    @override
    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    @abstractmethod
    def evaluate(self, candidate: T) -> bool | None:
        """Return ``True``, ``False`` or ``None`` (unknown) as SQL's three-valued logic does."""

    @abstractmethod
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """Return every attribute path the specification compares, in order, repeats kept.

        Examples:
            >>> credits_ge_10 = Comparison(("credits",), Operator.GE, 10)
            >>> spec = (credits_ge_10 | ~IsNull(("note",))) & credits_ge_10
            >>> spec.paths()
            (('credits',), ('note',), ('credits',))
        """

    @abstractmethod
    def compared_values(self) -> tuple[tuple[tuple[str, ...], object], ...]:
        """Return every value the specification compares with, each beside its path, in order.

        The members of an ``IN`` comparison come one by one; a null check compares with none.

        Examples:
            >>> status_in = Comparison(("status",), Operator.IN, ("open", "held"))
            >>> spec = status_in & ~IsNull(("note",)) & Comparison(("credits",), Operator.GE, 10)
            >>> spec.compared_values()
            ((('status',), 'open'), (('status',), 'held'), (('credits',), 10))
        """

    def is_satisfied_by(self, candidate: T) -> bool:
        """Whether ``candidate`` satisfies the specification (unknown counts as no)."""
        return self.evaluate(candidate) is True

    def filter(self, candidates: Iterable[T]) -> list[T]:
        """Return the candidates that satisfy the specification, in their order."""
        return [candidate for candidate in candidates if self.evaluate(candidate) is True]

    def __and__(self, other: Specification[T]) -> Specification[T]:
        """Both must hold."""
        return And(self, other)

    def __or__(self, other: Specification[T]) -> Specification[T]:
        """At least one must hold."""
        return Or(self, other)

    def __invert__(self) -> Specification[T]:
        """The opposite (unknown stays unknown)."""
        return Not(self)


@final
class Comparison(Specification[T]):
    """An attribute path compared with a value (or, for ``IN``, a tuple of values).

    Attributes:
        path: Attribute names from the candidate to the compared attribute.
        operator: The comparison.
        value: The primitive to compare with (see ``comparable``); a tuple for ``IN``.
    """

    __slots__ = ("operator", "path", "value")
    path: tuple[str, ...]
    operator: Operator
    value: object

    def __init__(self, path: tuple[str, ...], operator: Operator, value: object) -> None:
        """Compare the attribute at ``path`` with ``value`` using ``operator``."""
        self._init(path=path, operator=operator, value=value)

    @override
    def evaluate(self, candidate: T) -> bool | None:
        """Compare the attribute with the value; unknown when the attribute is missing."""
        if self.operator is Operator.IN and not self.value:
            return False  # nothing is in an empty set, not even an unknown value (as in SQL)
        actual = comparable(value_at(candidate, self.path))
        if actual is None:
            return None
        return _COMPARE[self.operator](actual, self.value)

    @override
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The compared path."""
        return (self.path,)

    @override
    def compared_values(self) -> tuple[tuple[tuple[str, ...], object], ...]:
        """The value beside the path; for ``IN``, each member of the tuple beside it."""
        value = self.value
        if self.operator is Operator.IN and isinstance(value, tuple):
            members = cast("tuple[object, ...]", value)
            return tuple((self.path, member) for member in members)
        return ((self.path, value),)


@final
class IsNull(Specification[T]):
    """Whether the attribute at ``path`` is missing (``None``); never unknown."""

    __slots__ = ("path",)
    path: tuple[str, ...]

    def __init__(self, path: tuple[str, ...]) -> None:
        """Test the attribute at ``path``."""
        self._init(path=path)

    @override
    def evaluate(self, candidate: T) -> bool | None:
        """Whether the attribute is missing."""
        return value_at(candidate, self.path) is None

    @override
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The tested path."""
        return (self.path,)

    @override
    def compared_values(self) -> tuple[tuple[tuple[str, ...], object], ...]:
        """No value: a null check compares with none."""
        return ()


class _Connective(Specification[T]):
    """Two operands joined by ``And`` or ``Or``, in Kleene's three-valued logic.

    One answer of an operand decides the whole (false for ``And``, true for ``Or``); short of
    it, the whole is unknown when an operand is, and the other answer when neither is.
    """

    __slots__ = ()
    #: The answer of an operand that decides the whole.
    _decisive: ClassVar[bool]
    left: Specification[T]
    right: Specification[T]

    def __init__(self, left: Specification[T], right: Specification[T]) -> None:
        """Join ``left`` and ``right``."""
        self._init(left=left, right=right)

    @override
    def evaluate(self, candidate: T) -> bool | None:
        """Kleene conjunction (``And``) or disjunction (``Or``) of the two operands."""
        left, right = self.left.evaluate(candidate), self.right.evaluate(candidate)
        if left is self._decisive or right is self._decisive:
            return self._decisive
        return None if left is None or right is None else not self._decisive

    @override
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The left operand's paths, then the right operand's."""
        return self.left.paths() + self.right.paths()

    @override
    def compared_values(self) -> tuple[tuple[tuple[str, ...], object], ...]:
        """The left operand's values, then the right operand's."""
        return self.left.compared_values() + self.right.compared_values()


@final
class And(_Connective[T]):
    """Both operands hold (false wins over unknown)."""

    __slots__ = ("left", "right")
    _decisive = False


@final
class Or(_Connective[T]):
    """At least one operand holds (true wins over unknown)."""

    __slots__ = ("left", "right")
    _decisive = True


@final
class Not(Specification[T]):
    """The operand does not hold (unknown stays unknown)."""

    __slots__ = ("operand",)
    operand: Specification[T]

    def __init__(self, operand: Specification[T]) -> None:
        """Negate ``operand``."""
        self._init(operand=operand)

    @override
    def evaluate(self, candidate: T) -> bool | None:
        """Kleene negation of the operand."""
        result = self.operand.evaluate(candidate)
        return None if result is None else not result

    @override
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """The operand's paths."""
        return self.operand.paths()

    @override
    def compared_values(self) -> tuple[tuple[tuple[str, ...], object], ...]:
        """The operand's values."""
        return self.operand.compared_values()
