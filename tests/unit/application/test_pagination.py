"""Unit tests of pages and of the opaque keyset cursor."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.application import CursorPage, Page, decode_cursor, encode_cursor
from creativeflow_shared.domain import FieldError, InvalidInputError

_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@given(values=st.lists(_JSON_SCALARS, max_size=6))
def test_a_cursor_decodes_to_the_values_it_was_encoded_from(values: list[object]) -> None:
    cursor = encode_cursor(values)

    actual = decode_cursor(cursor, len(values))

    assert actual == Success(values)


@given(values=st.lists(_JSON_SCALARS, max_size=6))
def test_a_cursor_is_url_safe_text_without_padding(values: list[object]) -> None:
    actual = encode_cursor(values)

    assert set(actual) <= set(string.ascii_letters + string.digits + "-_")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(None, id="none"),
        pytest.param(42, id="an int"),
        pytest.param(b"WzFd", id="bytes"),
        pytest.param("Wz\u00e9Fd", id="non-ASCII text"),
        pytest.param("a", id="not base64"),
        pytest.param(_b64(b"not json"), id="not JSON"),
        pytest.param(_b64(b'{"a": 1}'), id="a JSON object"),
        pytest.param(_b64(b"1"), id="a JSON number"),
        pytest.param(encode_cursor([1, 2]), id="too many values"),
        pytest.param(encode_cursor([]), id="too few values"),
    ],
)
def test_decoding_refuses_a_cursor_this_library_did_not_write(cursor: object) -> None:
    actual = decode_cursor(cursor, 1)

    assert actual == Failure(
        InvalidInputError([FieldError(("cursor",), "The cursor is not valid")])
    )


def test_an_offset_page_has_a_next_page_while_matches_follow_it() -> None:
    page = Page(items=("a", "b"), total=5, offset=2, limit=2)

    assert page.has_next is True


def test_the_last_offset_page_has_no_next_page() -> None:
    page = Page(items=("e",), total=5, offset=4, limit=2)

    assert page.has_next is False


def test_a_cursor_page_holds_its_items_and_the_next_cursor() -> None:
    page = CursorPage(items=(1, 2), next_cursor="abc")

    assert (page.items, page.next_cursor) == ((1, 2), "abc")
