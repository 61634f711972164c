"""Specifications follow SQL's three-valued logic, whatever tree they are built into."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from creativeflow_shared.domain import Attribute, Specification, where


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Item(BaseModel):
    quantity: int | None
    name: str
    price: Decimal
    colour: Colour


#: A specification with a reference answer (True, False or None for unknown) for a candidate,
#: computed without the kernel's code.
Case = tuple[Specification[Item], Callable[[Item], bool | None]]

item = where(Item)
# Small domains so that generated values and candidates often meet, compare equal or are None.
quantities = st.integers(-3, 3)
names = st.text(alphabet="abc", max_size=2)
prices = st.decimals(min_value=-2, max_value=2, places=1)
colours = st.sampled_from(Colour)
candidates = st.builds(
    Item, quantity=st.none() | quantities, name=names, price=prices, colour=colours
)

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def _primitive(value: object) -> object:
    return value.value if isinstance(value, Colour) else value


def _compare(attribute: Attribute[Item], name: str, value: object) -> Specification[Item]:
    builders: dict[str, Callable[[object], Specification[Item]]] = {
        "eq": attribute.eq,
        "ne": attribute.ne,
        "lt": attribute.lt,
        "le": attribute.le,
        "gt": attribute.gt,
        "ge": attribute.ge,
    }
    return builders[name](value)


def _comparison(field: str, value: object, name: str) -> Case:
    def oracle(candidate: Item) -> bool | None:
        actual = getattr(candidate, field)
        if actual is None:
            return None
        return _COMPARISONS[name](_primitive(actual), _primitive(value))

    return _compare(item[field], name, value), oracle


def _membership(field: str, values: list[object]) -> Case:
    def oracle(candidate: Item) -> bool | None:
        if not values:
            return False  # nothing is in an empty set, not even an unknown value (as in SQL)
        actual = getattr(candidate, field)
        if actual is None:
            return None
        return _primitive(actual) in [_primitive(value) for value in values]

    return item[field].in_(values), oracle


def _quantity_is_null(negated: bool) -> Case:
    if negated:
        return item.quantity.is_not_null(), lambda candidate: candidate.quantity is not None
    return item.quantity.is_null(), lambda candidate: candidate.quantity is None


def _leaves() -> st.SearchStrategy[Case]:
    operators = st.sampled_from(sorted(_COMPARISONS))
    per_field: list[tuple[str, st.SearchStrategy[object]]] = [
        ("quantity", quantities),
        ("name", names),
        ("price", prices),
        ("colour", colours),
    ]
    return st.one_of(
        *[st.builds(_comparison, st.just(field), values, operators) for field, values in per_field],
        *[
            st.builds(_membership, st.just(field), st.lists(values, max_size=3))
            for field, values in per_field
        ],
        st.builds(_quantity_is_null, st.booleans()),
    )


def _both(pair: tuple[Case, Case]) -> Case:
    (left, left_oracle), (right, right_oracle) = pair

    def oracle(candidate: Item) -> bool | None:
        answers = (left_oracle(candidate), right_oracle(candidate))
        if False in answers:
            return False
        return True if answers == (True, True) else None

    return left & right, oracle


def _either(pair: tuple[Case, Case]) -> Case:
    (left, left_oracle), (right, right_oracle) = pair

    def oracle(candidate: Item) -> bool | None:
        answers = (left_oracle(candidate), right_oracle(candidate))
        if True in answers:
            return True
        return False if answers == (False, False) else None

    return left | right, oracle


def _negated(case: Case) -> Case:
    spec, inner = case

    def oracle(candidate: Item) -> bool | None:
        answer = inner(candidate)
        return None if answer is None else not answer

    return ~spec, oracle


cases = st.recursive(
    _leaves(),
    lambda children: st.one_of(
        st.tuples(children, children).map(_both),
        st.tuples(children, children).map(_either),
        children.map(_negated),
    ),
    max_leaves=8,
)
specifications = cases.map(operator.itemgetter(0))


# -- three-valued logic ------------------------------------------------------------------------
@given(case=cases, candidate=candidates)
def test_a_specification_answers_as_three_valued_logic_does(case: Case, candidate: Item) -> None:
    spec, oracle = case

    assert spec.evaluate(candidate) is oracle(candidate)


@given(spec=specifications, candidate=candidates)
def test_double_negation_gives_the_same_answer(spec: Specification[Item], candidate: Item) -> None:
    assert (~~spec).evaluate(candidate) is spec.evaluate(candidate)


@given(a=specifications, b=specifications, candidate=candidates)
def test_the_negation_of_both_is_either_negation(
    a: Specification[Item], b: Specification[Item], candidate: Item
) -> None:
    assert (~(a & b)).evaluate(candidate) is (~a | ~b).evaluate(candidate)


@given(a=specifications, b=specifications, candidate=candidates)
def test_the_negation_of_either_is_both_negations(
    a: Specification[Item], b: Specification[Item], candidate: Item
) -> None:
    assert (~(a | b)).evaluate(candidate) is (~a & ~b).evaluate(candidate)


@given(a=specifications, b=specifications, candidate=candidates)
def test_and_and_or_do_not_depend_on_the_order_of_operands(
    a: Specification[Item], b: Specification[Item], candidate: Item
) -> None:
    assert (a & b).evaluate(candidate) is (b & a).evaluate(candidate)
    assert (a | b).evaluate(candidate) is (b | a).evaluate(candidate)


@given(spec=specifications, candidate=candidates)
def test_a_candidate_satisfies_a_specification_only_when_it_evaluates_to_true(
    spec: Specification[Item], candidate: Item
) -> None:
    assert spec.is_satisfied_by(candidate) is (spec.evaluate(candidate) is True)


@given(spec=specifications, pool=st.lists(candidates, max_size=8))
def test_filter_keeps_exactly_the_satisfying_candidates_in_order(
    spec: Specification[Item], pool: list[Item]
) -> None:
    kept = spec.filter(pool)

    assert kept == [candidate for candidate in pool if spec.is_satisfied_by(candidate)]


# -- the walks over the tree -------------------------------------------------------------------
@given(a=specifications, b=specifications)
def test_the_paths_of_a_composite_are_the_paths_of_its_parts_in_turn(
    a: Specification[Item], b: Specification[Item]
) -> None:
    actual = ((a & b).paths(), (a | b).paths(), (~a).paths())

    assert actual == (a.paths() + b.paths(), a.paths() + b.paths(), a.paths())


@given(a=specifications, b=specifications)
def test_the_values_of_a_composite_are_the_values_of_its_parts_in_turn(
    a: Specification[Item], b: Specification[Item]
) -> None:
    both = a.compared_values() + b.compared_values()

    actual = ((a & b).compared_values(), (a | b).compared_values(), (~a).compared_values())

    assert actual == (both, both, a.compared_values())


@given(spec=specifications)
def test_every_value_is_compared_on_a_path_the_specification_lists(
    spec: Specification[Item],
) -> None:
    compared_on = {path for path, _ in spec.compared_values()}

    assert compared_on <= set(spec.paths())


# -- definition-time checks --------------------------------------------------------------------
@given(name=st.text().filter(lambda name: name not in Item.model_fields))
def test_selecting_an_unknown_field_raises_attribute_error_when_defined(name: str) -> None:
    with pytest.raises(AttributeError):
        item[name]


@given(
    name=st.text().filter(
        lambda name: name not in Item.model_fields and not hasattr(Attribute, name)
    )
)
def test_an_unknown_attribute_raises_attribute_error_when_defined(name: str) -> None:
    with pytest.raises(AttributeError):
        getattr(item, name)


@given(field=st.sampled_from(sorted(Item.model_fields)), name=st.text())
def test_selecting_inside_a_field_without_fields_raises_attribute_error(
    field: str, name: str
) -> None:
    with pytest.raises(AttributeError):
        item[field][name]
