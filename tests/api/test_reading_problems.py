"""Reading problem documents back into library errors, whoever wrote them."""

from __future__ import annotations

import json

import pytest

from creativeflow_shared.api import PROBLEM_TYPE_BASE, error_from_problem
from creativeflow_shared.domain import (
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
)


def test_a_services_own_rule_arrives_as_its_category_with_its_code() -> None:
    body = {
        "type": PROBLEM_TYPE_BASE + "business-rule-violation",
        "status": 422,
        "detail": "Not enough credits",
        "code": "insufficient_credits",
    }

    error = error_from_problem(body)

    assert error == BusinessRuleViolationError(
        "Not enough credits", details={"code": "insufficient_credits"}
    )


def test_a_rule_without_a_detail_reads_as_its_title() -> None:
    body = {"type": PROBLEM_TYPE_BASE + "business-rule-violation", "title": "Rule broken"}

    assert error_from_problem(body) == BusinessRuleViolationError("Rule broken")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, InvalidInputError([])),
        (401, UnauthorizedError()),
        (403, ForbiddenError()),
        (404, NotFoundError("unknown", "unknown")),
        (409, ConcurrencyConflictError("unknown", "unknown")),
        (412, ConcurrencyConflictError("unknown", "unknown")),
        (422, InvalidInputError([])),
        (429, UnavailableError("billing")),
        (502, UnavailableError("billing")),
        (503, UnavailableError("billing")),
        (504, UnavailableError("billing")),
    ],
)
def test_a_foreign_problem_is_read_by_its_status(status: int, expected: KernelError) -> None:
    error = error_from_problem(b'{"title": "Oops"}', status=status, service="billing")

    assert error == expected


def test_the_response_status_wins_over_the_documents() -> None:
    error = error_from_problem({"status": 404}, status=403)

    assert error == ForbiddenError()


@pytest.mark.parametrize(
    "data",
    [b"<html>Bad Gateway</html>", b"[1, 2]", {"status": 500}, {"type": "https://x.test/y"}, None],
    ids=["html", "a list", "a 500", "an unknown type", "nothing"],
)
def test_what_cannot_be_read_is_the_root_error(data: object) -> None:
    error = error_from_problem(data, service="billing")

    assert type(error) is KernelError
    assert error.message == "billing answered with a problem this service does not know"


def test_an_unknown_code_falls_back_to_the_type() -> None:
    body = {"type": PROBLEM_TYPE_BASE + "forbidden", "code": "no_such_code", "detail": "No."}

    assert error_from_problem(body) == ForbiddenError("No.")


def test_a_leaf_without_its_members_falls_back_to_its_category() -> None:
    body = {
        "type": PROBLEM_TYPE_BASE + "business-rule-violation",
        "code": "currency_mismatch",
        "detail": "Cannot combine",
    }

    error = error_from_problem(body)

    assert error == BusinessRuleViolationError(
        "Cannot combine", details={"code": "currency_mismatch"}
    )


def test_an_unknown_event_type_without_its_member_reads_as_invalid_input() -> None:
    body: dict[str, object] = {
        "type": PROBLEM_TYPE_BASE + "invalid-input",
        "code": "unknown_event_type",
        "detail": "Unknown event type 'x'",
        "errors": [],
    }

    assert error_from_problem(body) == InvalidInputError([], "Unknown event type 'x'")


def test_field_errors_are_read_from_pointers_in_either_form() -> None:
    body: dict[str, object] = {
        "type": PROBLEM_TYPE_BASE + "invalid-input",
        "errors": [
            {"pointer": "/items/0/a~1b~0c", "detail": "required", "code": "missing"},
            {"pointer": "#/items/01/na%20me", "detail": "bad"},
            {"pointer": "items", "detail": "not a pointer", "code": "x"},
            {"pointer": "/a~2", "detail": "a bad escape", "code": "x"},
            {"detail": "no pointer", "code": "x"},
            {"pointer": "/dropped", "code": "no detail"},
            "not an object",
        ],
    }

    error = error_from_problem(json.dumps(body))

    assert isinstance(error, InvalidInputError)
    assert error.field_errors == (
        FieldError(("items", 0, "a/b~c"), "required", "missing"),
        FieldError(("items", "01", "na me"), "bad", "value_error"),
        FieldError((), "not a pointer", "x"),
        FieldError((), "a bad escape", "x"),
        FieldError((), "no pointer", "x"),
    )


def test_members_of_the_wrong_type_are_left_out() -> None:
    body = {
        "type": PROBLEM_TYPE_BASE + "concurrency-conflict",
        "resource": 7,
        "resourceId": "j-1",
        "expectedVersion": True,
        "perTenant": "yes",
        "retryAfter": -3,
        "status": 99,
        "errors": {"not": "a list"},
    }

    assert error_from_problem(body) == ConcurrencyConflictError("unknown", "j-1")


def test_a_delay_is_read_from_the_document() -> None:
    error = error_from_problem({"code": "unavailable", "retryAfter": 4}, service="billing")

    assert error == UnavailableError("billing", retry_after=4.0)
