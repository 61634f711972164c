"""Commands: instructions to the application, each with the result type its handler returns."""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from returns.result import Result  # noqa: TC002 (pydantic resolves the annotations)
from typing_extensions import TypeVar as DefaultedTypeVar

from creativeflow_shared.domain import KernelError

__all__ = ["Command", "CommandClass"]

C_co = TypeVar("C_co", covariant=True)
R = TypeVar("R")
X = TypeVar("X", bound=KernelError)
#: What a command's handler returns on success (``Any`` for a plain ``Command``).
T_co = DefaultedTypeVar("T_co", default=Any, covariant=True)
#: The error of a command handler's ``Failure`` (``KernelError`` for a plain ``Command``).
Er_co = DefaultedTypeVar("Er_co", bound=KernelError, default=KernelError, covariant=True)


class Command(BaseModel, Generic[T_co, Er_co]):
    """An instruction to the application, named in the imperative (``RequestGeneration``).

    Name what its handler returns in the brackets, ``Command[ResultType, ErrorType]``, and
    the type checker holds the handler to it when it is registered and gives it back from
    ``bus.handle``; a plain ``Command`` is ``Command[Any, KernelError]``.

    Examples:
        >>> from creativeflow_shared.domain import NotFoundError
        >>> class MarkSent(Command[int, NotFoundError]):
        ...     notification: str
        >>> MarkSent(notification="n-1")
        MarkSent(notification='n-1')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def handled_as(cls, outcome: Result[T_co, Er_co]) -> Result[T_co, Er_co]:
        """Return ``outcome`` typed as this command's result (the identity at run time).

        The bus's ``register`` reads the command's result type from this method's signature;
        a handler may call it to state, and have checked, what it returns.
        """
        return outcome


class CommandClass(Protocol[C_co, R, X]):
    """A command class, seen by ``register``: it builds ``C_co`` and results in ``R``/``X``."""

    # A class builds commands when called; a command instance cannot be called: no class.
    def __call__(self, *args: Any, **kwargs: Any) -> C_co:  # noqa: ANN401 (a model's fields)
        """Build a command."""
        ...

    # pydantic's validating constructor: how a checker learns which command class this is.
    def model_validate(self, obj: Any, /) -> C_co:  # noqa: ANN401 (what pydantic takes)
        """Build a command from ``obj`` (see pydantic's ``BaseModel.model_validate``)."""
        ...

    def handled_as(self, outcome: Result[R, X], /) -> Result[R, X]:
        """See ``Command.handled_as``."""
        ...
