"""Entities: objects with a lasting identity."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import override

from creativeflow_shared.domain._model_typing import EntityModelMetaclass

__all__ = ["Entity", "IdT"]

IdT = TypeVar("IdT", bound=Hashable)


class Entity(BaseModel, Generic[IdT], metaclass=EntityModelMetaclass):
    """An object defined by its identity rather than its attributes.

    Two entities are equal when they have the same concrete type and the same ``id``, whatever
    their other fields hold. Assignments are validated, so invariants declared as field types
    and validators hold after every change; the ``id`` itself cannot be reassigned.

    Examples:
        >>> class Workspace(Entity[str]):
        ...     name: str
        >>> Workspace(id="w-1", name="Studio") == Workspace(id="w-1", name="Renamed")
        True
    """

    # Non-finite numbers are refused: no store keeps NaN or infinity in JSON, and they compare
    # unlike any number. One in a field typed ``Any`` (which pydantic does not validate) is
    # kept as it is when serialized, not silently turned into null, so that the commit that
    # would store it refuses it (see the storable values of the application layer).
    model_config = ConfigDict(
        validate_assignment=True,
        extra="forbid",
        revalidate_instances="never",
        defer_build=True,
        allow_inf_nan=False,
        ser_json_inf_nan="constants",
        # Bytes are base64 in JSON: as UTF-8 text (pydantic's default) any byte string that is
        # not valid UTF-8 could not even be snapshot.
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    id: IdT = Field(frozen=True)

    @override
    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return bool(self.id == other.id)
        return NotImplemented

    @override
    def __hash__(self) -> int:
        return hash((type(self), self.id))
