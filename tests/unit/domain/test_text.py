"""Unit tests of constrained text values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from returns.result import Success

from creativeflow_shared.domain import NonEmptyStr, Slug


# -- NonEmptyStr ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a cat", "a cat"),
        ("  a cat in a hat ", "a cat in a hat"),
        ("\t\na\r\n", "a"),
        ("x", "x"),
    ],
)
def test_non_empty_text_strips_surrounding_whitespace(text: str, expected: str) -> None:
    assert NonEmptyStr(text).value == expected


@pytest.mark.parametrize("text", ["", " ", "\t\n "])
def test_non_empty_text_refuses_blank_text(text: str) -> None:
    actual = NonEmptyStr.create(text).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "string_too_short")]


def test_non_empty_text_refuses_what_is_not_text() -> None:
    actual = NonEmptyStr.create(42).failure()

    assert [e.type for e in actual.field_errors] == ["string_type"]


def test_non_empty_text_equal_after_stripping_is_equal() -> None:
    assert NonEmptyStr(" a cat ") == NonEmptyStr("a cat")


# -- Slug -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["a", "7", "summer-sale-2026", "a-b-c", "2026", "a" * 100, "-".join(["ab"] * 33) + "a"]
)
def test_slug_accepts_lower_case_words_joined_by_single_hyphens(text: str) -> None:
    assert Slug.create(text) == Success(Slug(text))


@pytest.mark.parametrize(
    ("text", "error_type"),
    [
        ("", "string_too_short"),
        ("a" * 101, "string_too_long"),
        ("Summer", "string_pattern_mismatch"),
        ("summer sale", "string_pattern_mismatch"),
        ("summer--sale", "string_pattern_mismatch"),
        ("-summer", "string_pattern_mismatch"),
        ("summer-", "string_pattern_mismatch"),
        ("summer_sale", "string_pattern_mismatch"),
        ("crème", "string_pattern_mismatch"),
        (" summer", "string_pattern_mismatch"),
        ("summer\n", "string_pattern_mismatch"),
        (7, "string_type"),
    ],
)
def test_slug_refuses_anything_else(text: object, error_type: str) -> None:
    actual = Slug.create(text).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), error_type)]


def test_constructing_an_invalid_slug_raises_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="should match pattern"):
        Slug("Not A Slug")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Crème Brûlée: Summer Édition!", "creme-brulee-summer-edition"),
        ("  Hello,   World  ", "hello-world"),
        ("Ça va? 100 %", "ca-va-100"),
        ("Ünïcödé", "unicode"),
        ("snake_case_name", "snake-case-name"),
        ("already-a-slug", "already-a-slug"),
        ("--dashes--everywhere--", "dashes-everywhere"),
        ("ﬁle №1", "file-no1"),
        ("a" * 100, "a" * 100),
        ("a " * 50, "-".join(["a"] * 50)),
        ("snow☃man", "snow-man"),
    ],
)
def test_slug_from_text_folds_accents_and_turns_symbols_into_hyphens(
    text: str, expected: str
) -> None:
    assert Slug.from_text(text) == Success(Slug(expected))


@pytest.mark.parametrize("text", ["", "   ", "!!!", "--", "東京", "😀"])
def test_slug_from_text_fails_when_no_letter_or_digit_is_left(text: str) -> None:
    actual = Slug.from_text(text).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "string_too_short")]


def test_slug_from_text_fails_when_the_slug_would_be_too_long() -> None:
    actual = Slug.from_text("a" * 101).failure()

    assert [(e.loc, e.type) for e in actual.field_errors] == [((), "string_too_long")]


def test_slug_from_text_turns_a_symbol_without_an_ascii_form_into_a_hyphen() -> None:
    assert Slug.from_text("50€off") == Success(Slug("50-off"))


@pytest.mark.parametrize("text", ["\x1f", "\x1c\x1d\x1e\x1f", " \x1f\t\n", "\x85", "\u3000"])
def test_non_empty_text_refuses_what_python_strips_to_nothing(text: str) -> None:
    assert text.strip() == ""
    assert NonEmptyStr.create(text).failure().field_errors[0].type == "string_too_short"


@given(text=st.text())
def test_non_empty_text_is_the_python_stripped_text_when_any_is_left(text: str) -> None:
    actual = NonEmptyStr.create(text)

    if text.strip():
        assert actual == Success(NonEmptyStr(text.strip()))
        assert actual.unwrap().value == actual.unwrap().value.strip()
    else:
        assert actual.failure().field_errors[0].type == "string_too_short"
