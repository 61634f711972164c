"""Aggregate roots: consistency boundaries that record domain events."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from pydantic import ConfigDict, Field, PrivateAttr
from typing_extensions import override

from creativeflow_shared.domain._entity import Entity, IdT
from creativeflow_shared.domain._event import DomainEvent

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AggregateRoot"]

E = TypeVar("E", bound=DomainEvent)


class AggregateRoot(Entity[IdT]):
    """The root entity of a cluster that changes as one, and the only way into it.

    Command methods check the rules, change state and ``record`` events; the unit of work
    drains them with ``collect_events`` when it commits. ``version`` supports optimistic
    concurrency: persistence maintains it, domain code never sets it.

    Attributes:
        aggregate_type: The stable name stamped on recorded events (the class name unless the
            class statement passes ``aggregate_type="..."``).
        version: How many times the aggregate has been saved; 0 before its first save.

    Examples:
        >>> from creativeflow_shared.domain import DomainEvent
        >>> class Renamed(DomainEvent, event_type="doc.renamed"):
        ...     name: str
        >>> class Board(AggregateRoot[str], aggregate_type="board"):
        ...     name: str
        ...
        ...     def rename(self, name: str) -> None:
        ...         self.name = name
        ...         self.record(Renamed(name=name))
        >>> board = Board(id="b-1", name="Draft")
        >>> board.rename("Final")
        >>> [(e.aggregate_type, e.aggregate_id, e.name) for e in board.collect_events()]
        [('board', 'b-1', 'Final')]
        >>> board.collect_events()
        ()
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid", defer_build=True)

    aggregate_type: ClassVar[str] = "AggregateRoot"

    version: int = Field(default=0, ge=0)
    _pending_events: list[DomainEvent] = PrivateAttr(default_factory=list[DomainEvent])

    @override
    def __init_subclass__(
        cls, *, aggregate_type: str | None = None, **kwargs: Unpack[ConfigDict]
    ) -> None:
        """Name the aggregate type (defaults to the class name)."""
        super().__init_subclass__(**kwargs)
        cls.aggregate_type = aggregate_type or cls.__name__

    def record(self, event: E) -> E:
        """Append ``event`` to the pending events, stamped with this aggregate's type and id.

        Returns:
            The stamped event, as it will be published.
        """
        stamped = type(event).model_validate(
            {**event.__dict__, "aggregate_type": self.aggregate_type, "aggregate_id": str(self.id)}
        )
        self._pending_events.append(stamped)
        return stamped

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """The events recorded since the last ``collect_events``, oldest first."""
        return tuple(self._recorded())

    @property
    def has_pending_events(self) -> bool:
        """Whether events were recorded since the last ``collect_events`` (cheaper to ask)."""
        return bool(self._recorded())

    def _recorded(self) -> list[DomainEvent]:
        # Straight from pydantic's store of private attributes: ``self._pending_events``
        # goes through ``BaseModel.__getattr__``, which costs more than a unit of work's
        # whole per-aggregate bookkeeping on a batch.
        private = cast("dict[str, list[DomainEvent]]", self.__pydantic_private__)
        return private["_pending_events"]

    def collect_events(self) -> tuple[DomainEvent, ...]:
        """Return the recorded events, oldest first, and forget them."""
        if not self._pending_events:
            return ()
        events, self._pending_events = tuple(self._pending_events), []
        return events
