"""Unit tests of the walks over a specification: the paths it compares and its values.

``&``, ``|`` and ``~`` build the ``And``, ``Or`` and ``Not`` nodes.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from typing_extensions import override

from creativeflow_shared.domain import Comparison, IsNull, Operator, Specification, where


class Address(BaseModel):
    city: str


class Order(BaseModel):
    status: str
    credits: int
    note: str | None = None
    shipping: Address | None = None


_ORDER = where(Order)
_CREDITS = Comparison[Order](("credits",), Operator.GE, 10)
_STATUS = Comparison[Order](("status",), Operator.IN, ("open", "held"))
_NOTE = IsNull[Order](("note",))
_CITY = Comparison[Order](("shipping", "city"), Operator.EQ, "Paris")


# -- paths ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(_CREDITS, (("credits",),), id="a comparison: its path"),
        pytest.param(_STATUS, (("status",),), id="an IN comparison: its path once"),
        pytest.param(_CITY, (("shipping", "city"),), id="a nested path: the whole path"),
        pytest.param(_NOTE, (("note",),), id="a null check: its path"),
        pytest.param(~_CREDITS, (("credits",),), id="not: the operand's"),
        pytest.param(_CREDITS & _NOTE, (("credits",), ("note",)), id="and: left, then right"),
        pytest.param(_NOTE | _CREDITS, (("note",), ("credits",)), id="or: left, then right"),
    ],
)
def test_each_node_lists_the_paths_it_compares(
    spec: Specification[Order], expected: tuple[tuple[str, ...], ...]
) -> None:
    assert spec.paths() == expected


def test_paths_come_in_order_with_repeats_kept() -> None:
    spec = (_ORDER.status.eq("open") | ~_ORDER.note.is_null()) & _ORDER.shipping.city.eq("Paris")

    actual = (spec & _ORDER.status.ne("closed")).paths()

    assert actual == (("status",), ("note",), ("shipping", "city"), ("status",))


# -- compared values --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(_CREDITS, ((("credits",), 10),), id="a comparison: its value"),
        pytest.param(
            _STATUS,
            ((("status",), "open"), (("status",), "held")),
            id="an IN comparison: each member",
        ),
        pytest.param(
            Comparison[Order](("status",), Operator.IN, ()), (), id="an empty IN: no value"
        ),
        pytest.param(_CITY, ((("shipping", "city"), "Paris"),), id="a nested path: the whole"),
        pytest.param(_NOTE, (), id="a null check: no value"),
        pytest.param(~_CREDITS, ((("credits",), 10),), id="not: the operand's"),
        pytest.param(~_NOTE, (), id="not null: no value"),
        pytest.param(
            _CREDITS & _STATUS,
            ((("credits",), 10), (("status",), "open"), (("status",), "held")),
            id="and: left, then right",
        ),
        pytest.param(
            _STATUS | _CREDITS,
            ((("status",), "open"), (("status",), "held"), (("credits",), 10)),
            id="or: left, then right",
        ),
    ],
)
def test_each_node_lists_the_values_it_compares_with(
    spec: Specification[Order], expected: tuple[tuple[tuple[str, ...], object], ...]
) -> None:
    assert spec.compared_values() == expected


@pytest.mark.parametrize(
    "operator", [Operator.EQ, Operator.NE, Operator.LT, Operator.LE, Operator.GT, Operator.GE]
)
def test_a_comparison_other_than_in_compares_with_its_value_whole(operator: Operator) -> None:
    spec = Comparison[Order](("status",), operator, ("open", "held"))

    assert spec.compared_values() == ((("status",), ("open", "held")),)


def test_the_values_a_built_specification_compares_with_are_its_primitives() -> None:
    spec = _ORDER.credits.eq("10") & ~(
        _ORDER.status.in_(["open", "held"]) | _ORDER.shipping.city.is_null()
    )

    actual = spec.compared_values()

    assert actual == ((("credits",), 10), (("status",), "open"), (("status",), "held"))


# -- a node must say what it compares -------------------------------------------------------
class _EvaluatesOnly(Specification[Order]):
    @override
    def evaluate(self, candidate: Order) -> bool | None:
        return True


def test_a_node_that_does_not_list_its_paths_and_values_cannot_be_built() -> None:
    with pytest.raises(TypeError, match=r"abstract method.*compared_values.*paths"):
        _EvaluatesOnly()  # type: ignore[abstract]
