"""Attribute paths of a model: where specifications and sort keys are built.

``where(Model)`` starts at a pydantic model; attribute access steps into its fields, checked
against the model when the path is built, and the comparison methods validate their values
against the field's type. A specification is thereby decided when it is *defined*, never when
it is evaluated or compiled to a query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeGuard, TypeVar, cast, final

from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError
from typing_extensions import override

from creativeflow_shared.domain._comparable import comparable, unwrap_annotation
from creativeflow_shared.domain._errors import InvalidInputError
from creativeflow_shared.domain._sort_key import SortKey
from creativeflow_shared.domain._specification import (
    Comparison,
    IsNull,
    Not,
    Operator,
    Specification,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Attribute", "where"]

T = TypeVar("T")


def _name(model: object) -> str:
    return getattr(model, "__name__", repr(model))


def _type_name(annotation: object) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation)


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
        self._annotation, optional = unwrap_annotation(annotation)
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
        try:
            return comparable(self._adapter.validate_python(value))
        except ValidationError as error:
            # Name the attribute (pydantic names only the type) and keep what pydantic found,
            # without the value (it may be a secret).
            attribute = ".".join((_name(self._model), *self._path))
            problems = InvalidInputError.from_validation_error(error).prefixed(*self._path)
            msg = f"{attribute} is compared with {_type_name(self._annotation)} values only"
            raise InvalidInputError(problems.field_errors, msg) from None

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
