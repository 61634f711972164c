"""Which aggregates may keep objects of the data they are validated from."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, TypeVar

import pytest
from pydantic import AwareDatetime, BaseModel, Field, SecretStr

from creativeflow_shared.application._sharing import may_share_input

T = TypeVar("T")


class Colour(enum.Enum):
    RED = "red"


class Plain(BaseModel):
    name: str
    tags: tuple[str, ...] = ()


class Loose(BaseModel):
    extra: dict[str, Any] = {}


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


class Box:
    """A class pydantic would take as it is (an arbitrary type)."""


@pytest.mark.parametrize(
    "annotation",
    [
        str,
        int,
        float,
        bool,
        bytes,
        Decimal,
        uuid.UUID,
        dt.datetime,
        dt.date,
        dt.timedelta,
        Colour,
        Literal["a", "b"],
        Optional[int],  # noqa: UP045 (the spelling under test)
        int | None,
        None,
        type(None),
        Annotated[int, Field(ge=0)],
        dict[str, int],
        list[tuple[int, str]],
        tuple[int, ...],
        tuple,
        frozenset,
        AwareDatetime,
        SecretStr,
        Plain,
        Tree,
    ],
)
def test_values_that_cannot_change_in_place_are_not_flagged(annotation: object) -> None:
    assert may_share_input(annotation) is False


@pytest.mark.parametrize(
    "annotation",
    [
        Any,
        object,
        dict,
        list,
        set,
        dict[str, Any],
        list[Any],
        list[dict[str, Any]],
        Optional[Any],  # noqa: UP045 (the spelling under test)
        Annotated[dict[str, Any], Field(min_length=0)],
        "Unresolved",
        T,
        Box,
        Loose,
        list[Loose],
    ],
)
def test_values_that_may_be_the_inputs_own_objects_are_flagged(annotation: object) -> None:
    assert may_share_input(annotation) is True
