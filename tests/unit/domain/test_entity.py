"""Unit tests of entities."""

from __future__ import annotations

import uuid

import pytest
from pydantic import Field, ValidationError

from creativeflow_shared.domain import Entity, Identity


class WorkspaceId(Identity):
    """The id of a workspace."""


class Workspace(Entity[str]):
    name: str
    seats: int = Field(default=1, ge=1)


class Project(Entity[str]):
    """Another entity type whose ids may look like a workspace's."""

    name: str


class Counter(Entity[int]):
    value: int = 0


# pyright reads pydantic models through ``dataclass_transform``: a subclass that neither sets
# ``frozen=True`` as a class keyword nor defines ``__hash__`` gets ``__hash__ = None``, so pyright
# takes typed identities for unhashable (they hash by value at run time) and refuses them as the
# ``Hashable`` id type. The file-level setting reports this ignore once the kernel fixes it.
class Tenant(Entity[WorkspaceId]):
    name: str


class Upload(Entity[uuid.UUID]):
    filename: str


def test_entities_with_the_same_id_are_equal_whatever_their_other_fields() -> None:
    assert Workspace(id="w-1", name="Studio") == Workspace(id="w-1", name="Renamed", seats=5)


def test_entities_with_different_ids_are_not_equal() -> None:
    assert Workspace(id="w-1", name="Studio") != Workspace(id="w-2", name="Studio")


def test_entities_of_different_types_with_the_same_id_are_not_equal() -> None:
    assert Workspace(id="w-1", name="Studio") != Project(id="w-1", name="Studio")


def test_an_entity_is_not_equal_to_its_id() -> None:
    workspace = Workspace(id="w-1", name="Studio")

    assert workspace.__eq__("w-1") is NotImplemented
    assert workspace != "w-1"


def test_equal_entities_hash_alike() -> None:
    first, second = Workspace(id="w-1", name="Studio"), Workspace(id="w-1", name="Renamed")

    assert hash(first) == hash(second)
    assert hash(first) == hash((Workspace, "w-1"))


def test_the_hash_survives_a_change_of_state() -> None:
    workspace = Workspace(id="w-1", name="Studio")
    before = hash(workspace)

    workspace.name = "Renamed"

    assert hash(workspace) == before


def test_assignments_are_validated() -> None:
    workspace = Workspace(id="w-1", name="Studio")

    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        workspace.seats = 0

    assert workspace.seats == 1


def test_a_valid_assignment_changes_the_state() -> None:
    workspace = Workspace(id="w-1", name="Studio")

    workspace.seats = 3

    assert workspace.seats == 3


def test_the_id_cannot_be_reassigned() -> None:
    workspace = Workspace(id="w-1", name="Studio")

    with pytest.raises(ValidationError, match="frozen"):
        setattr(workspace, "id", "w-2")  # noqa: B010 (type checkers rightly refuse the plain assignment)

    assert workspace.id == "w-1"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Workspace.model_validate({"id": "w-1", "name": "Studio", "colour": "teal"})


def test_the_id_is_validated_against_its_type() -> None:
    with pytest.raises(ValidationError, match="valid integer"):
        Counter.model_validate({"id": "one"})


@pytest.mark.parametrize(
    ("entity", "expected_id"),
    [
        (Counter(id=7), 7),
        (Upload(id=uuid.UUID(int=1), filename="cat.png"), uuid.UUID(int=1)),
        (Tenant(id=WorkspaceId(uuid.UUID(int=2)), name="Acme"), WorkspaceId(uuid.UUID(int=2))),
    ],
)
def test_ids_may_be_ints_uuids_or_typed_identities(
    entity: Entity[object], expected_id: object
) -> None:
    assert entity.id == expected_id


def test_a_typed_identity_id_serializes_to_its_string() -> None:
    tenant = Tenant(id=WorkspaceId(uuid.UUID(int=2)), name="Acme")

    assert tenant.model_dump(mode="json") == {"id": str(uuid.UUID(int=2)), "name": "Acme"}
