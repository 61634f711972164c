"""Unit tests of sort keys: reading a key's value from a candidate or from a cursor."""

from __future__ import annotations

import enum
import uuid

import pytest
from pydantic import BaseModel, ValidationError

from creativeflow_shared.domain import Identity, SortKey, where


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


class SwatchId(Identity):
    """The id of a swatch."""


class Label(BaseModel):
    text: str


class Swatch(BaseModel):
    id: SwatchId
    shade: Shade
    rank: int
    label: Label | None = None


_SWATCH = where(Swatch)
_ID = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def _swatch(**changes: object) -> Swatch:
    data: dict[str, object] = {"id": str(_ID), "shade": "dark", "rank": 2, **changes}
    return Swatch.model_validate(data)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param(_SWATCH.rank.asc(), 2, id="a plain value"),
        pytest.param(_SWATCH.shade.desc(), "dark", id="an enum: its value"),
        pytest.param(_SWATCH.id.asc(), _ID, id="an id: its UUID"),
        pytest.param(_SWATCH.label.text.asc(), "top", id="a nested value"),
    ],
)
def test_the_value_of_a_key_is_the_candidates_primitive(
    key: SortKey[Swatch], expected: object
) -> None:
    actual = key.value_of(_swatch(label={"text": "top"}))

    assert actual == expected


def test_the_value_of_a_key_under_a_missing_parent_is_none() -> None:
    assert _SWATCH.label.text.asc().value_of(_swatch()) is None


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param(_SWATCH.rank.asc(), "7", 7, id="a plain value, validated"),
        pytest.param(_SWATCH.shade.asc(), "light", "light", id="an enum: its value"),
        pytest.param(_SWATCH.id.desc(), str(_ID), _ID, id="an id: its UUID"),
    ],
)
def test_parse_validates_a_json_value_into_the_keys_primitive(
    key: SortKey[Swatch], value: object, expected: object
) -> None:
    actual = (key.parse(value), key.parse(value))

    assert actual == (expected, expected)


def test_parse_refuses_a_value_the_attribute_cannot_hold() -> None:
    key = _SWATCH.shade.asc()

    with pytest.raises(ValidationError):
        key.parse("grey")
