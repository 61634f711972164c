"""Unit tests of the Result helpers: validation, error location, accumulation."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import BaseModel
from returns.result import Failure, Result, Success

from creativeflow_shared.domain import (
    Email,
    FieldError,
    InvalidInputError,
    NonEmptyStr,
    NotFoundError,
    and_then,
    at,
    collect,
    collect_async,
    combine,
    validate,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable


class Signup(BaseModel):
    name: str
    age: int


def _ok(value: int) -> Result[int, InvalidInputError]:
    return Success(value)


def _bad(field: str) -> Result[int, InvalidInputError]:
    return Failure(InvalidInputError([FieldError((field,), "is wrong")]))


def _locs(result: Result[object, InvalidInputError]) -> list[tuple[str | int, ...]]:
    return [e.loc for e in result.failure().field_errors]


# -- validate ---------------------------------------------------------------------------------
def test_validate_returns_the_model_when_the_data_is_valid() -> None:
    actual = validate(Signup, {"name": "Studio", "age": "36"})

    assert actual == Success(Signup(name="Studio", age=36))


def test_validate_reports_every_problem_with_its_location() -> None:
    actual = validate(Signup, {"age": "old", "colour": "teal"})

    assert [(e.loc, e.type) for e in actual.failure().field_errors] == [
        (("name",), "missing"),
        (("age",), "int_parsing"),
    ]


def test_validate_reports_data_that_is_not_an_object_without_raising() -> None:
    actual = validate(Signup, 42)

    assert [(e.loc, e.type) for e in actual.failure().field_errors] == [((), "model_type")]


def test_validate_accepts_an_instance_of_the_model() -> None:
    signup = Signup(name="Studio", age=36)

    assert validate(Signup, signup) == Success(signup)


# -- at ---------------------------------------------------------------------------------------
def test_at_locates_the_field_errors_of_a_failure_under_the_name() -> None:
    actual = at("email", Email.create("not-an-email"))

    assert _locs(actual) == [("email",)]


def test_at_nests_locations_from_the_outside_in() -> None:
    actual = at("signups", at(2, at("email", Email.create("not-an-email"))))

    assert _locs(actual) == [("signups", 2, "email")]


def test_at_keeps_the_message_and_type_of_each_field_error() -> None:
    failure = Email.create("not-an-email").failure()

    actual = at("email", Failure(failure)).failure()

    assert actual == failure.prefixed("email")


def test_at_leaves_a_success_untouched() -> None:
    assert at("age", _ok(36)) == Success(36)


# -- combine ----------------------------------------------------------------------------------
def test_combine_joins_one_success_into_a_tuple() -> None:
    assert combine(_ok(1)) == Success((1,))


def test_combine_joins_two_successes_of_different_types() -> None:
    actual = combine(Email.create("info@example.com"), NonEmptyStr.create(" Studio "))

    assert actual == Success((Email("info@example.com"), NonEmptyStr("Studio")))


def test_combine_joins_three_four_and_five_successes_in_order() -> None:
    actual = (
        combine(_ok(1), _ok(2), _ok(3)),
        combine(_ok(1), _ok(2), _ok(3), _ok(4)),
        combine(_ok(1), _ok(2), _ok(3), _ok(4), _ok(5)),
    )

    assert actual == (Success((1, 2, 3)), Success((1, 2, 3, 4)), Success((1, 2, 3, 4, 5)))


def test_combine_joins_more_than_five_results() -> None:
    actual = combine(*(_ok(n) for n in range(8)))

    assert actual == Success(tuple(range(8)))


def test_combine_of_nothing_is_an_empty_tuple() -> None:
    assert combine() == Success(())


def test_combine_reports_a_single_failure() -> None:
    actual = combine(_ok(1), _bad("b"), _ok(3))

    assert actual.failure() == InvalidInputError([FieldError(("b",), "is wrong")])


def test_combine_keeps_every_field_error_of_every_failure_in_order() -> None:
    actual = combine(
        at("email", Email.create("bad")),
        _ok(2),
        at("name", NonEmptyStr.create(" ")),
        _bad("d"),
        _bad("e"),
        _bad("f"),
    )

    assert _locs(actual) == [("email",), ("name",), ("d",), ("e",), ("f",)]


def test_combine_keeps_several_field_errors_of_one_failure() -> None:
    actual = combine(validate(Signup, {}), _bad("x"))

    assert _locs(actual) == [("name",), ("age",), ("x",)]


# -- collect ----------------------------------------------------------------------------------
def test_collect_gathers_every_value_when_all_succeed() -> None:
    results: list[Result[int, str]] = [Success(1), Success(2), Success(3)]

    assert collect(results) == Success([1, 2, 3])


def test_collect_keeps_every_failure_in_order() -> None:
    results: list[Result[int, str]] = [Success(1), Failure("a"), Success(2), Failure("b")]

    assert collect(results) == Failure(["a", "b"])


def test_collect_of_nothing_is_an_empty_list() -> None:
    empty: list[Result[int, str]] = []

    assert collect(empty) == Success([])


def test_collect_accepts_any_iterable() -> None:
    actual = collect(_ok(n) if n % 2 else _bad(str(n)) for n in range(4))

    assert [e.field_errors[0].loc for e in actual.failure()] == [("0",), ("2",)]


# -- collect_async ----------------------------------------------------------------------------
async def _later(result: Result[int, str], delay: float) -> Result[int, str]:
    await asyncio.sleep(delay)
    return result


def test_collect_async_gathers_values_in_the_order_given_not_of_completion() -> None:
    awaitables = [_later(Success(1), 0.02), _later(Success(2), 0), _later(Success(3), 0.01)]

    actual = asyncio.run(collect_async(awaitables))

    assert actual == Success([1, 2, 3])


def test_collect_async_keeps_every_failure_in_order() -> None:
    awaitables = [_later(Failure("a"), 0.01), _later(Success(2), 0), _later(Failure("b"), 0)]

    actual = asyncio.run(collect_async(awaitables))

    assert actual == Failure(["a", "b"])


def test_collect_async_runs_the_awaitables_concurrently() -> None:
    running: list[int] = []
    peak: list[int] = []

    async def track(value: int) -> Result[int, str]:
        running.append(value)
        peak.append(len(running))
        await asyncio.sleep(0)
        running.remove(value)
        return Success(value)

    actual = asyncio.run(collect_async([track(1), track(2), track(3)]))

    assert actual == Success([1, 2, 3])
    assert max(peak) == 3


def test_collect_async_of_nothing_is_an_empty_list() -> None:
    empty: list[Awaitable[Result[int, str]]] = []

    assert asyncio.run(collect_async(empty)) == Success([])


# -- and_then ---------------------------------------------------------------------------------


def _halve(value: int) -> Result[int, NotFoundError]:
    return Success(value // 2) if value % 2 == 0 else Failure(NotFoundError("Half", value))


def test_and_then_passes_a_success_to_the_function_and_returns_its_result() -> None:
    assert and_then(_ok(8), _halve) == Success(4)
    failed = and_then(_ok(3), _halve).failure()
    assert isinstance(failed, NotFoundError)
    assert failed.identifier == "3"


def test_and_then_returns_a_failure_untouched_without_calling_the_function() -> None:
    called: list[int] = []

    def spy(value: int) -> Result[int, NotFoundError]:
        called.append(value)
        return Success(value)

    failure = _bad("age")
    assert and_then(failure, spy) is failure
    assert called == []
