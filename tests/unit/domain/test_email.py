"""Unit tests of e-mail addresses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from returns.result import Success

from creativeflow_shared.domain import Email, FieldError

_LOCAL_64 = "l" * 64
#: 63 + 1 + 63 + 1 + 57 + 4 = 189 characters: with a 64-character local part and "@", 254.
_DOMAIN_189 = f"{'a' * 63}.{'b' * 63}.{'c' * 57}.com"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("info@example.com", "info@example.com"),
        ("Sales.Team@Example.COM", "Sales.Team@example.com"),
        ("  info@example.com\n", "info@example.com"),
        ("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        ("team's@example.ie", "team's@example.ie"),
        ("!#$%&'*+/=?^_`{|}~-@example.com", "!#$%&'*+/=?^_`{|}~-@example.com"),
        ("a@b.io", "a@b.io"),
        ("info@my-host.example", "info@my-host.example"),
        ("info@123.example.com", "info@123.example.com"),
        ("info@example.c0m", "info@example.c0m"),
        ("info@xn--bcher-kva.example", "info@xn--bcher-kva.example"),
        (f"{_LOCAL_64}@example.com", f"{_LOCAL_64}@example.com"),
        (f"info@{'d' * 63}.com", f"info@{'d' * 63}.com"),
        (f"{_LOCAL_64}@{_DOMAIN_189}", f"{_LOCAL_64}@{_DOMAIN_189}"),
    ],
)
def test_accepts_a_valid_address(address: str, expected: str) -> None:
    actual = Email.create(address)

    assert actual == Success(Email(expected))
    assert actual.unwrap().value == expected


@pytest.mark.parametrize(
    ("address", "error_type"),
    [
        ("", "string_too_short"),
        ("   ", "string_too_short"),
        ("a@", "string_too_short"),
        (f"{_LOCAL_64}@{_DOMAIN_189}x", "string_too_long"),
        (f"{_LOCAL_64}@{_DOMAIN_189}".replace(".com", ".comm"), "string_too_long"),
        (5, "string_type"),
        (None, "string_type"),
    ],
)
def test_refuses_an_address_of_the_wrong_type_or_length(address: object, error_type: str) -> None:
    actual = Email.create(address).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), error_type)]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("plainaddress", "needs a local part, '@' and a domain"),
        ("@example.com", "needs a local part, '@' and a domain"),
        ("info@", "needs a local part, '@' and a domain"),
        (f"{_LOCAL_64}l@example.com", "local part of the e-mail address is not valid"),
        (".info@example.com", "local part of the e-mail address is not valid"),
        ("info.@example.com", "local part of the e-mail address is not valid"),
        ("a..da@example.com", "local part of the e-mail address is not valid"),
        ("a da@example.com", "local part of the e-mail address is not valid"),
        ('"info"@example.com', "local part of the e-mail address is not valid"),
        ("info@b@example.com", "local part of the e-mail address is not valid"),
        ("adä@example.com", "Only ASCII e-mail addresses are accepted"),
        ("info@localhost", "domain of the e-mail address is not valid"),
        ("info@example.123", "domain of the e-mail address is not valid"),
        ("info@192.168.0.1", "domain of the e-mail address is not valid"),
        ("info@[192.168.0.1]", "domain of the e-mail address is not valid"),
        ("info@-example.com", "domain of the e-mail address is not valid"),
        ("info@example-.com", "domain of the e-mail address is not valid"),
        ("info@exa_mple.com", "domain of the e-mail address is not valid"),
        ("info@example..com", "domain of the e-mail address is not valid"),
        ("info@.example.com", "domain of the e-mail address is not valid"),
        ("info@example.com.", "domain of the e-mail address is not valid"),
        ("info@exämple.com", "Only ASCII e-mail addresses are accepted"),
        (f"info@{'d' * 64}.com", "domain of the e-mail address is not valid"),
    ],
)
def test_refuses_a_malformed_address(address: str, problem: str) -> None:
    actual = Email.create(address).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "value_error")]
    assert problem in actual.field_errors[0].message


def test_constructing_an_invalid_address_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="domain of the e-mail address is not valid"):
        Email("info@localhost")


def test_the_domain_is_lower_cased_and_the_local_part_kept() -> None:
    email = Email("Sales.Team@Mail.Example.COM")

    actual = (email.local_part, email.domain)

    assert actual == ("Sales.Team", "mail.example.com")


def test_addresses_differing_only_in_the_domains_case_are_equal() -> None:
    assert Email("info@EXAMPLE.com") == Email("info@example.com")


def test_addresses_differing_in_the_local_parts_case_are_not_equal() -> None:
    assert Email("Info@example.com") != Email("info@example.com")


def test_an_address_serializes_to_its_text() -> None:
    assert Email("info@Example.com").model_dump_json() == '"info@example.com"'


def test_an_invalid_address_is_reported_without_raising() -> None:
    actual = Email.create("not-an-email").failure()

    assert actual.field_errors == (
        FieldError((), "An e-mail address needs a local part, '@' and a domain", "value_error"),
    )


def test_refuses_a_domain_with_a_non_ascii_letter_that_lower_cases_to_ascii() -> None:
    actual = Email.create("info@\u212aiosk.example")

    assert actual.failure().code == "invalid_input"
