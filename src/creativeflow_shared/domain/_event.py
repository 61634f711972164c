"""Domain events: immutable facts that something happened in the domain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from typing_extensions import override

from creativeflow_shared.domain._clock import utc_now
from creativeflow_shared.domain._model_typing import FrozenModelMetaclass
from creativeflow_shared.domain._uuid7 import uuid7
from creativeflow_shared.domain._validators import to_utc

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import Unpack

__all__ = ["DomainEvent", "on_definition"]

# The registry is typed against events, so events do not know the registry: the registry
# module connects its default instance here instead (one-way dependency, no import cycle).
_listeners: list[Callable[[type[DomainEvent]], None]] = []


def on_definition(listener: Callable[[type[DomainEvent]], None]) -> None:
    """Hand every concrete event class defined from now on to ``listener``.

    The class statement calls ``listener`` once the class has its ``event_type`` and
    ``schema_version``; what ``listener`` raises refuses the class. The event registry module
    connects ``event_registry.register`` as it is imported, and the domain package imports it
    before any event class can be defined outside the package.
    """
    _listeners.append(listener)


class DomainEvent(BaseModel, metaclass=FrozenModelMetaclass):
    """A fact the domain records, named in the past tense (``GenerationRequested``).

    Subclasses name their stable wire type and schema version in the class statement; the
    class is then registered in the event registry, which refuses a name used twice::

        class GenerationRequested(DomainEvent, event_type="generation.requested"):
            job_id: JobId

    Pass ``abstract=True`` for an intermediate base that is never published itself. Without
    ``event_type`` the class name is used; name it explicitly so that renaming the class
    does not break stored events. Raise ``schema_version`` whenever the payload changes
    incompatibly, and register an upcaster from the previous version.

    Attributes:
        event_type: The stable name of the event on the wire and in storage.
        schema_version: The version of the payload's shape, starting at 1.
        event_id: A UUIDv7 that identifies this occurrence.
        occurred_at: When it happened (UTC), from the context's clock unless given.
        aggregate_type: The type of the aggregate that recorded it, stamped on recording.
        aggregate_id: The id of that aggregate as text, stamped on recording.
    """

    # Non-finite numbers are refused: JSON has no NaN or infinity. One in a field typed ``Any``
    # is serialized as it is rather than silently as null, so that committing it is refused.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        defer_build=True,
        allow_inf_nan=False,
        ser_json_inf_nan="constants",
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    event_type: ClassVar[str] = "DomainEvent"
    schema_version: ClassVar[int] = 1

    event_id: UUID = Field(default_factory=uuid7)
    occurred_at: Annotated[AwareDatetime, AfterValidator(to_utc)] = Field(default_factory=utc_now)
    aggregate_type: str | None = None
    aggregate_id: str | None = None

    @override
    def __init_subclass__(
        cls,
        *,
        event_type: str | None = None,
        schema_version: int = 1,
        abstract: bool = False,
        **kwargs: Unpack[ConfigDict],
    ) -> None:
        """Name the event type and register the class.

        Raises:
            TypeError: If the event type is empty or already taken, or the schema version is
                not a positive int.
        """
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        if type(schema_version) is not int or schema_version < 1:
            msg = f"{cls.__qualname__}: schema_version must be an int >= 1"
            raise TypeError(msg)
        cls.event_type = event_type if event_type is not None else cls.__name__
        cls.schema_version = schema_version
        for listener in _listeners:
            listener(cls)
