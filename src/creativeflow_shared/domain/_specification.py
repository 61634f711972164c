"""Specifications: composable business predicates that also compile to queries.

A specification is a small expression tree (comparisons of attribute paths with values,
joined by ``&``, ``|`` and ``~``). It evaluates in memory with SQL's three-valued logic, so a
comparison with a missing (``None``) attribute is *unknown* rather than false, exactly as the
same specification compiled to a SQL ``WHERE`` clause behaves.
"""

from __future__ import annotations

import enum
import inspect
import operator
import types
from abc import ABC, abstractmethod
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Generic,
    TypeGuard,
    TypeVar,
    Union,
    cast,
    final,
    get_args,
    get_origin,
)

from pydantic import BaseModel, RootModel, TypeAdapter
from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "And",
    "Attribute",
    "Comparison",
    "IsNull",
    "Not",
    "Operator",
    "Or",
    "SortKey",
    "Specification",
    "comparable",
    "comparable_type",
    "value_at",
    "where",
]

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
    origin = get_origin(annotation)
    if origin is Annotated:
        return comparable_type(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        members = [a for a in get_args(annotation) if a is not type(None)]
        return comparable_type(members[0]) if len(members) == 1 else None
    kind: Any = annotation
    if not inspect.isclass(kind):
        return None
    if issubclass(kind, RootModel):
        return comparable_type(kind.model_fields["root"].annotation)
    if issubclass(kind, enum.Enum):
        kinds: set[type] = {type(cast("object", member.value)) for member in kind}
        return kinds.pop() if len(kinds) == 1 else None
    return kind


class Specification(ABC, Generic[T]):
    """A predicate over candidates of type ``T``; combine with ``&``, ``|`` and ``~``.

    Build leaves with ``where``; evaluate with ``is_satisfied_by``.

    Examples:
        >>> from pydantic import BaseModel
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
    # (dataclasses are generated with exec, which costs about a millisecond each).
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


@final
class And(Specification[T]):
    """Both operands hold (false wins over unknown)."""

    __slots__ = ("left", "right")
    left: Specification[T]
    right: Specification[T]

    def __init__(self, left: Specification[T], right: Specification[T]) -> None:
        """Join two specifications."""
        self._init(left=left, right=right)

    @override
    def evaluate(self, candidate: T) -> bool | None:
        """Kleene conjunction of the two operands."""
        left, right = self.left.evaluate(candidate), self.right.evaluate(candidate)
        if left is False or right is False:
            return False
        return True if left and right else None


@final
class Or(Specification[T]):
    """At least one operand holds (true wins over unknown)."""

    __slots__ = ("left", "right")
    left: Specification[T]
    right: Specification[T]

    def __init__(self, left: Specification[T], right: Specification[T]) -> None:
        """Offer two alternatives."""
        self._init(left=left, right=right)

    @override
    def evaluate(self, candidate: T) -> bool | None:
        """Kleene disjunction of the two operands."""
        left, right = self.left.evaluate(candidate), self.right.evaluate(candidate)
        if left is True or right is True:
            return True
        return False if left is False and right is False else None


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


def _unwrap(annotation: object) -> tuple[object, bool]:
    """Strip ``Annotated`` and ``Optional``; return the core type and whether it is optional."""
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


def _name(model: object) -> str:
    return getattr(model, "__name__", repr(model))


def _is_model(annotation: object) -> TypeGuard[type[BaseModel]]:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and not issubclass(annotation, RootModel)
    )


@final
class Attribute(Generic[T]):
    """An attribute path of model ``T``, checked against the model's fields when built.

    Reach nested fields with attribute access (or ``["name"]`` for names that clash with the
    comparison methods); compare with ``eq``, ``lt``, ``in_``, ... Values are
    validated against the field's type, so the comparison is decided when the specification
    is *defined*, never at query time.
    """

    __slots__ = ("_adapter", "_annotation", "_model", "_optional", "_path")

    def __init__(
        self,
        model: type[T],
        path: tuple[str, ...],
        annotation: object,
        *,
        within_optional: bool = False,
    ) -> None:
        """Point at ``path`` in ``model``; use ``where`` rather than this directly.

        ``within_optional`` says that a parent on the path may be ``None``, which makes this
        attribute missing too.
        """
        self._model = model
        self._path = path
        self._annotation, optional = _unwrap(annotation)
        self._optional = optional or within_optional
        self._adapter: TypeAdapter[Any] | None = None

    @property
    def path(self) -> tuple[str, ...]:
        """The attribute names from the candidate to this attribute."""
        return self._path

    @property
    def annotation(self) -> object:
        """The attribute's type, without ``Optional`` and ``Annotated`` wrappers."""
        return self._annotation

    @property
    def optional(self) -> bool:
        """Whether the attribute may be ``None``."""
        return self._optional

    def __getattr__(self, name: str) -> Attribute[T]:
        """Step into the nested field ``name``."""
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def follow(self, path: Iterable[str]) -> Attribute[T]:
        """Step through every name of ``path`` (e.g. ``("cost", "amount")``) in turn."""
        attribute = self
        for name in path:
            attribute = attribute[name]
        return attribute

    def __getitem__(self, name: str) -> Attribute[T]:
        """Step into the nested field ``name`` (for names that clash with methods)."""
        annotation = self._annotation
        if not _is_model(annotation):
            where_ = ".".join((_name(self._model), *self._path))
            msg = f"{where_} has no fields to select {name!r} from"
            raise AttributeError(msg)
        fields = annotation.model_fields
        if name not in fields:
            known = ", ".join(sorted(fields))
            msg = f"{annotation.__name__} has no field {name!r}; known fields: {known}"
            raise AttributeError(msg)
        return Attribute(
            self._model,
            (*self._path, name),
            fields[name].annotation,
            within_optional=self._optional,
        )

    def _value(self, value: object) -> object:
        if not self._path:
            msg = "Compare a field of the model, e.g. where(Job).status.eq(...)"
            raise TypeError(msg)
        if value is None:
            msg = "Compare with None through is_null() / is_not_null()"
            raise TypeError(msg)
        if self._adapter is None:
            self._adapter = TypeAdapter(cast("Any", self._annotation))
        return comparable(self._adapter.validate_python(value))

    def _compare(self, op: Operator, value: object) -> Specification[T]:
        return Comparison(self._path, op, self._value(value))

    def eq(self, value: object) -> Specification[T]:
        """The attribute equals ``value``."""
        return self._compare(Operator.EQ, value)

    def ne(self, value: object) -> Specification[T]:
        """The attribute differs from ``value`` (unknown when the attribute is missing)."""
        return self._compare(Operator.NE, value)

    def lt(self, value: object) -> Specification[T]:
        """The attribute is less than ``value``."""
        return self._compare(Operator.LT, value)

    def le(self, value: object) -> Specification[T]:
        """The attribute is less than or equal to ``value``."""
        return self._compare(Operator.LE, value)

    def gt(self, value: object) -> Specification[T]:
        """The attribute is greater than ``value``."""
        return self._compare(Operator.GT, value)

    def ge(self, value: object) -> Specification[T]:
        """The attribute is greater than or equal to ``value``."""
        return self._compare(Operator.GE, value)

    def in_(self, values: Iterable[object]) -> Specification[T]:
        """The attribute equals one of ``values``."""
        return Comparison(self._path, Operator.IN, tuple(self._value(v) for v in values))

    def is_null(self) -> Specification[T]:
        """The attribute is missing (``None``)."""
        self._check_optional()
        return IsNull(self._path)

    def is_not_null(self) -> Specification[T]:
        """The attribute is present (not ``None``)."""
        self._check_optional()
        return Not(IsNull(self._path))

    def asc(self) -> SortKey[T]:
        """Order by this attribute, smallest first."""
        return self._sort_key(descending=False)

    def desc(self) -> SortKey[T]:
        """Order by this attribute, largest first."""
        return self._sort_key(descending=True)

    def _sort_key(self, *, descending: bool) -> SortKey[T]:
        if not self._path:
            msg = "Order by a field of the model, e.g. where(Job).created_at.asc()"
            raise TypeError(msg)
        return SortKey(
            self._path, descending=descending, nullable=self._optional, annotation=self._annotation
        )

    def _check_optional(self) -> None:
        if not self._path or not self._optional:
            msg = f"{'.'.join(self._path) or 'the model'} is not optional; it is never None"
            raise TypeError(msg)

    @override
    def __repr__(self) -> str:
        return f"where({_name(self._model)})" + "".join(f".{name}" for name in self._path)


def where(model: type[T]) -> Attribute[T]:
    """Start a specification over the pydantic model ``model``.

    Raises:
        TypeError: If ``model`` is not a pydantic model class.

    Examples:
        >>> from pydantic import BaseModel
        >>> class Job(BaseModel):
        ...     status: str
        >>> where(Job).status.eq("done").is_satisfied_by(Job(status="done"))
        True
        >>> where(Job).colour
        Traceback (most recent call last):
        ...
        AttributeError: Job has no field 'colour'; known fields: status
    """
    candidate: object = model
    if not _is_model(candidate):
        msg = f"where() needs a pydantic model class, got {model!r}"
        raise TypeError(msg)
    return Attribute(model, (), model)
