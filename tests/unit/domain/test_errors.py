"""Unit tests of the kernel's error tree."""

from __future__ import annotations

import copy
import pickle
from typing import TYPE_CHECKING, Annotated, ClassVar, cast

import pytest
from pydantic import BaseModel, StringConstraints, ValidationError

from creativeflow_shared.domain import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    CurrencyMismatchError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
    UnknownEventTypeError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, MutableMapping


class InsufficientCreditsError(BusinessRuleViolationError):
    """What a service defines for one of its own rules."""

    code: ClassVar[str] = "insufficient_credits"

    def __init__(self, needed: int, available: int) -> None:
        super().__init__(
            f"{needed} credits are needed but only {available} are available",
            details={"needed": needed, "available": available},
        )


class _OtherError(KernelError):
    """A second category with the root's behaviour, to compare errors of different types."""

    code: ClassVar[str] = "other"


class _InheritedCodeError(NotFoundError):
    """A subclass that keeps its parent's code."""


class _Signup(BaseModel):
    name: str
    age: int
    password: Annotated[str, StringConstraints(max_length=8)]
    tags: list[int]


def _field_error(*loc: str | int) -> FieldError:
    return FieldError(loc, "is wrong")


# -- codes and the tree -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "code"),
    [
        (KernelError("Something went wrong"), "error"),
        (NotFoundError("GenerationJob", "42"), "not_found"),
        (AlreadyExistsError("Workspace", "studio"), "already_exists"),
        (InvalidInputError([]), "invalid_input"),
        (UnknownEventTypeError("job.started"), "unknown_event_type"),
        (BusinessRuleViolationError("No"), "business_rule_violation"),
        (CurrencyMismatchError("EUR", "USD"), "currency_mismatch"),
        (ConcurrencyConflictError("GenerationJob", "42"), "concurrency_conflict"),
        (UnauthorizedError(), "unauthorized"),
        (ForbiddenError(), "forbidden"),
        (UnavailableError("database"), "unavailable"),
        (InsufficientCreditsError(10, 3), "insufficient_credits"),
    ],
)
def test_each_category_has_its_stable_code(error: KernelError, code: str) -> None:
    assert error.code == code


@pytest.mark.parametrize(
    ("category", "parent"),
    [
        (NotFoundError, KernelError),
        (AlreadyExistsError, KernelError),
        (InvalidInputError, KernelError),
        (UnknownEventTypeError, InvalidInputError),
        (BusinessRuleViolationError, KernelError),
        (CurrencyMismatchError, BusinessRuleViolationError),
        (ConcurrencyConflictError, KernelError),
        (UnauthorizedError, KernelError),
        (ForbiddenError, KernelError),
        (UnavailableError, KernelError),
        (KernelError, Exception),
    ],
)
def test_each_category_sits_in_the_drawn_tree(
    category: type[KernelError], parent: type[Exception]
) -> None:
    assert issubclass(category, parent)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (KernelError("Something went wrong"), False),
        (NotFoundError("GenerationJob", "42"), False),
        (ConcurrencyConflictError("GenerationJob", "42"), False),
        (UnavailableError("database"), True),
    ],
)
def test_only_unavailable_dependencies_are_transient(error: KernelError, transient: bool) -> None:
    assert error.transient is transient


@pytest.mark.parametrize(
    "bad_code",
    ["NotSnake", "kebab-case", "with space", "1st_place", "_leading", "trailing!", ""],
)
def test_refuses_a_subclass_whose_code_is_not_snake_case(bad_code: str) -> None:
    with pytest.raises(TypeError, match=r"BadCodeError\.code must be snake_case"):

        class BadCodeError(KernelError):  # pyright: ignore[reportUnusedClass]
            code: ClassVar[str] = bad_code


def test_a_subclass_without_its_own_code_keeps_its_parents_code() -> None:
    assert _InheritedCodeError("GenerationJob", "42").code == "not_found"


def test_a_service_subclass_carries_its_own_code_message_and_details() -> None:
    error = InsufficientCreditsError(needed=10, available=3)

    actual = (error.code, error.message, dict(error.details))

    assert actual == (
        "insufficient_credits",
        "10 credits are needed but only 3 are available",
        {"needed": 10, "available": 3},
    )
    assert isinstance(error, BusinessRuleViolationError)


def test_errors_can_be_raised_and_caught_by_category() -> None:
    with pytest.raises(BusinessRuleViolationError, match="only 3 are available") as caught:
        raise InsufficientCreditsError(10, 3)

    assert caught.value.code == "insufficient_credits"


# -- the root: message, details, equality -----------------------------------------------------
def test_the_root_carries_message_and_details() -> None:
    error = KernelError("Something went wrong", details={"step": 2})

    actual = (error.message, str(error), dict(error.details), error.args)

    assert actual == (
        "Something went wrong",
        "Something went wrong",
        {"step": 2},
        ("Something went wrong",),
    )


@pytest.mark.parametrize("details", [None, {}])
def test_details_are_empty_by_default(details: Mapping[str, object] | None) -> None:
    error = KernelError("Something went wrong", details=details)

    assert dict(error.details) == {}


def test_details_are_read_only() -> None:
    error = KernelError("Something went wrong", details={"step": 2})

    with pytest.raises(TypeError, match="does not support item assignment"):
        cast("MutableMapping[str, object]", error.details)["step"] = 3

    assert dict(error.details) == {"step": 2}


def test_details_are_a_copy_of_the_mapping_given() -> None:
    given: dict[str, object] = {"step": 2}
    error = KernelError("Something went wrong", details=given)

    given["step"] = 3

    assert dict(error.details) == {"step": 2}


def test_the_default_empty_details_are_read_only() -> None:
    error = KernelError("Something went wrong")

    with pytest.raises(TypeError, match="does not support item assignment"):
        cast("MutableMapping[str, object]", error.details)["step"] = 3


def test_repr_names_the_type_code_and_message() -> None:
    actual = repr(NotFoundError("GenerationJob", "42"))

    assert actual == "NotFoundError(code='not_found', message=\"GenerationJob '42' was not found\")"


def test_errors_of_one_type_with_equal_message_and_details_are_equal() -> None:
    first = KernelError("Something went wrong", details={"step": 2})
    second = KernelError("Something went wrong", details={"step": 2})

    assert first == second
    assert hash(first) == hash(second)


@pytest.mark.parametrize(
    "other",
    [
        KernelError("Something else went wrong", details={"step": 2}),
        KernelError("Something went wrong", details={"step": 3}),
        KernelError("Something went wrong"),
        _OtherError("Something went wrong", details={"step": 2}),
    ],
)
def test_errors_differing_in_type_message_or_details_are_not_equal(other: KernelError) -> None:
    error = KernelError("Something went wrong", details={"step": 2})

    assert error != other
    assert other != error


def test_an_error_is_not_equal_to_anything_else() -> None:
    error = KernelError("Something went wrong")

    assert error.__eq__("Something went wrong") is NotImplemented
    assert error != "Something went wrong"


def test_equal_errors_collapse_in_a_set() -> None:
    errors = {NotFoundError("GenerationJob", "42"), NotFoundError("GenerationJob", "42")}

    assert len(errors) == 1


# -- the categories' data ---------------------------------------------------------------------
def test_not_found_describes_the_missing_resource() -> None:
    error = NotFoundError("GenerationJob", 42)

    actual = (error.message, dict(error.details), error.resource, error.identifier)

    assert actual == (
        "GenerationJob '42' was not found",
        {"resource": "GenerationJob", "id": "42"},
        "GenerationJob",
        "42",
    )


def test_already_exists_describes_the_clashing_resource() -> None:
    error = AlreadyExistsError("Workspace", "studio")

    actual = (error.message, dict(error.details), error.resource, error.identifier)

    assert actual == (
        "Workspace 'studio' already exists",
        {"resource": "Workspace", "id": "studio"},
        "Workspace",
        "studio",
    )


def test_concurrency_conflict_carries_the_expected_version() -> None:
    error = ConcurrencyConflictError("GenerationJob", 42, expected_version=3)

    actual = (error.message, dict(error.details), error.identifier, error.expected_version)

    assert actual == (
        "GenerationJob '42' was changed concurrently",
        {"resource": "GenerationJob", "id": "42", "expected_version": 3},
        "42",
        3,
    )


def test_concurrency_conflict_may_leave_the_expected_version_out() -> None:
    error = ConcurrencyConflictError("GenerationJob", "42")

    assert (error.expected_version, error.details["expected_version"]) == (None, None)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (UnauthorizedError, "Authentication is required"),
        (lambda: UnauthorizedError("The session expired"), "The session expired"),
        (ForbiddenError, "This action is not allowed"),
        (lambda: ForbiddenError("Only owners may delete"), "Only owners may delete"),
    ],
)
def test_access_errors_have_a_safe_default_message(
    make: Callable[[], KernelError], message: str
) -> None:
    # Built in the test, not when the parameters are collected, so that the test sees the
    # constructor it is run against.
    error = make()

    assert (error.message, str(error), dict(error.details)) == (message, message, {})


def test_unavailable_names_the_dependency_and_when_to_retry() -> None:
    error = UnavailableError("database", retry_after=2.5)

    actual = (error.message, dict(error.details), error.dependency, error.retry_after)

    assert actual == (
        "database is unavailable",
        {"dependency": "database", "retry_after": 2.5},
        "database",
        2.5,
    )


def test_unavailable_may_leave_the_retry_delay_out() -> None:
    assert UnavailableError("broker").retry_after is None


def test_currency_mismatch_names_both_currencies() -> None:
    error = CurrencyMismatchError("EUR", "USD")

    actual = (error.message, dict(error.details))

    assert actual == ("Cannot combine EUR with USD", {"left": "EUR", "right": "USD"})


def test_unknown_event_type_names_the_type_and_the_reason() -> None:
    error = UnknownEventTypeError("job.started", "schema version 4 is newer than 3")

    actual = (error.event_type, error.message, error.field_errors)

    assert actual == (
        "job.started",
        "Unknown event type 'job.started'",
        (
            FieldError(
                ("event_type",),
                "schema version 4 is newer than 3 for event type 'job.started'",
                "unknown_event_type",
            ),
        ),
    )


def test_unknown_event_type_says_by_default_that_no_class_is_registered() -> None:
    error = UnknownEventTypeError("job.started")

    assert error.field_errors[0].message == (
        "no event class is registered for event type 'job.started'"
    )


# -- field errors -----------------------------------------------------------------------------
def test_a_field_error_is_a_value_error_by_default() -> None:
    assert FieldError(("email",), "not an email").type == "value_error"


def test_a_field_error_can_be_located_under_a_parent() -> None:
    error = FieldError(("street",), "required", "missing")

    actual = error.prefixed("customer", "addresses", 0)

    assert actual == FieldError(("customer", "addresses", 0, "street"), "required", "missing")


def test_equal_field_errors_are_equal_and_hash_alike() -> None:
    assert FieldError(("a",), "x") == FieldError(("a",), "x")
    assert hash(FieldError(("a",), "x")) == hash(FieldError(("a",), "x"))


# -- invalid input ----------------------------------------------------------------------------
def test_invalid_input_carries_every_field_error_in_its_details() -> None:
    error = InvalidInputError(
        [FieldError(("email",), "not an email"), FieldError(("age",), "too young", "too_young")]
    )

    actual = (error.message, error.details["errors"])

    assert actual == (
        "The input is invalid",
        (
            {"loc": ["email"], "message": "not an email", "type": "value_error"},
            {"loc": ["age"], "message": "too young", "type": "too_young"},
        ),
    )


def test_invalid_input_accepts_any_iterable_of_field_errors() -> None:
    error = InvalidInputError(_field_error(name) for name in ("a", "b"))

    assert error.field_errors == (_field_error("a"), _field_error("b"))


def test_invalid_input_accepts_a_custom_message() -> None:
    assert InvalidInputError([], "The signup form is invalid").message == (
        "The signup form is invalid"
    )


def test_single_builds_an_error_with_one_field_error() -> None:
    actual = InvalidInputError.single("too short", loc=("name",), error_type="string_too_short")

    assert actual.field_errors == (FieldError(("name",), "too short", "string_too_short"),)


def test_single_locates_the_error_at_the_root_by_default() -> None:
    actual = InvalidInputError.single("not an object")

    assert actual.field_errors == (FieldError((), "not an object", "value_error"),)


def test_merge_keeps_every_field_error_in_order_and_the_first_message() -> None:
    first = InvalidInputError([_field_error("a")], "The form is invalid")
    second = InvalidInputError([_field_error("b"), _field_error("c")])
    third = InvalidInputError([_field_error("d")])

    actual = first.merge(second, third)

    assert actual == InvalidInputError(
        [_field_error("a"), _field_error("b"), _field_error("c"), _field_error("d")],
        "The form is invalid",
    )


def test_merge_with_nothing_gives_an_equal_error() -> None:
    error = InvalidInputError([_field_error("a")])

    assert error.merge() == error


def test_prefixed_locates_every_field_error_under_the_parent() -> None:
    error = InvalidInputError([_field_error("street"), _field_error()], "The address is invalid")

    actual = error.prefixed("addresses", 1)

    assert actual == InvalidInputError(
        [_field_error("addresses", 1, "street"), _field_error("addresses", 1)],
        "The address is invalid",
    )


def test_from_validation_error_keeps_every_error_with_its_location() -> None:
    with pytest.raises(ValidationError) as caught:
        _Signup.model_validate({"age": "old", "password": "far-too-long", "tags": [1, "x"]})

    actual = InvalidInputError.from_validation_error(caught.value)

    assert [(e.loc, e.type) for e in actual.field_errors] == [
        (("name",), "missing"),
        (("age",), "int_parsing"),
        (("password",), "string_too_long"),
        (("tags", 1), "int_parsing"),
    ]
    assert actual.field_errors[0].message == "Field required"


def test_from_validation_error_never_keeps_the_offending_input_values() -> None:
    secrets = ("hunter2-age-secret", "hunter2-password-secret", "hunter2-tag-secret")
    with pytest.raises(ValidationError) as caught:
        _Signup.model_validate(
            {"name": "Studio", "age": secrets[0], "password": secrets[1], "tags": [secrets[2]]}
        )

    actual = InvalidInputError.from_validation_error(caught.value)

    kept = " ".join((str(actual), repr(actual), repr(actual.details), repr(actual.field_errors)))
    assert [secret in kept for secret in secrets] == [False, False, False]
    assert len(actual.field_errors) == 3


def test_invalid_input_errors_with_equal_field_errors_are_equal() -> None:
    first = InvalidInputError([_field_error("a")])
    second = InvalidInputError([_field_error("a")])

    assert first == second
    assert hash(first) == hash(second)


@pytest.mark.parametrize(
    "other",
    [
        InvalidInputError([_field_error("b")]),
        InvalidInputError([_field_error("a")], "Another message"),
        KernelError("The input is invalid"),
    ],
)
def test_invalid_input_errors_differing_in_field_errors_message_or_type_are_not_equal(
    other: KernelError,
) -> None:
    error = InvalidInputError([_field_error("a")])

    assert error != other
    assert other != error


def test_an_unknown_event_type_error_is_not_equal_to_a_plain_invalid_input_error() -> None:
    unknown = UnknownEventTypeError("job.started")
    plain = InvalidInputError(unknown.field_errors, unknown.message)

    assert unknown != plain
    assert plain != unknown


def test_an_invalid_input_error_is_not_equal_to_anything_else() -> None:
    error = InvalidInputError([_field_error("a")])

    assert error.__eq__([_field_error("a")]) is NotImplemented


# -- copying ----------------------------------------------------------------------------------
def test_an_error_survives_a_pickle_round_trip() -> None:
    error = KernelError("Something went wrong", details={"step": 2})

    actual = pickle.loads(pickle.dumps(error))  # noqa: S301 (the bytes come from this test)

    assert actual == error


def test_an_error_with_its_own_constructor_can_be_copied() -> None:
    error = NotFoundError("GenerationJob", "42")

    actual = copy.copy(error)

    assert actual == error
