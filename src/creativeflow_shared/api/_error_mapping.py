"""One row of the table that maps an error class to its problem details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from creativeflow_shared.domain import KernelError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pydantic import JsonValue

    from creativeflow_shared.api._problem import Problem

__all__ = ["PROBLEM_TYPE_BASE", "ErrorMapping"]

E = TypeVar("E", bound=KernelError)

#: Where the library's problem type URIs live: ``<base><code in kebab-case>``.
PROBLEM_TYPE_BASE = "https://errors.creativeflow.dev/"


# No ``slots``: ``ErrorMapping[X](...)`` sets ``__orig_class__``, which a frozen slotted
# dataclass turns into a ``TypeError`` instead of the ``AttributeError`` that typing expects.
@dataclass(frozen=True, kw_only=True)
class ErrorMapping(Generic[E]):
    """How errors of one class become problem details, and how such a problem is read back.

    Every part left ``None`` is inherited from the nearest class up the error's MRO that the
    table maps, so a service's subclass of a library error needs no row at all, and a row may
    give only what differs. Extension members are the exception: those of every mapped class
    up the MRO are rendered, a subclass's overriding its parent's of the same name.

    Attributes:
        status: The HTTP status code.
        type: The problem type URI (absolute; ``about:blank`` when the status says it all).
        title: A short summary of the kind of problem, the same for every occurrence.
        detail: Builds the occurrence's ``detail`` from the error's safe fields. It must never
            use the error's cause, nor anything the caller may not see.
        members: Builds extension members (JSON names to JSON values) from the error's safe
            fields. The standard members and ``code`` and ``correlationId`` cannot be
            overridden this way.
        restore: Rebuilds the error from a problem document and the name of the service that
            answered it; returns ``None`` when the document lacks what it needs.

    Raises:
        ValueError: If ``status`` is not an HTTP error status (400 to 599).
    """

    status: int | None = None
    type: str | None = None
    title: str | None = None
    detail: Callable[[E], str] | None = None
    members: Callable[[E], Mapping[str, JsonValue]] | None = None
    restore: Callable[[Problem, str], E | None] | None = None

    def __post_init__(self) -> None:
        """Refuse a status that is not an error."""
        if self.status is not None and not 400 <= self.status <= 599:  # noqa: PLR2004 (the HTTP error range)
            msg = f"a problem's status is an HTTP error status (400 to 599), got {self.status}"
            raise ValueError(msg)
