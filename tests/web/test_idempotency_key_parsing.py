"""Reading the header never raises (G8), and the fingerprint tells requests apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    InvalidIdempotencyKeyError,
    parse_idempotency_key,
    request_fingerprint,
)

PRINTABLE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"'))


@given(value=st.text())
def test_reading_any_header_value_returns_a_result(value: str) -> None:
    parsed = parse_idempotency_key(value)

    if isinstance(parsed, Success):
        key = parsed.unwrap()
        assert 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH
        assert all(0x20 <= ord(c) <= 0x7E for c in key)
    else:
        assert isinstance(parsed.failure(), InvalidIdempotencyKeyError)


@given(key=PRINTABLE.filter(lambda k: 0 < len(k) <= IDEMPOTENCY_KEY_MAX_LENGTH))
def test_a_key_reads_the_same_bare_or_quoted(key: str) -> None:
    quoted = '"' + key.replace("\\", "\\\\") + '"'

    assert parse_idempotency_key(key) == parse_idempotency_key(quoted) == Success(key)


@pytest.mark.parametrize(
    "value",
    ["", " ", '""', '"a', 'a"b', "a b", "\x00", "é", "x" * 256, '"\\x"'],
)
def test_a_malformed_key_is_refused(value: str) -> None:
    assert isinstance(parse_idempotency_key(value), Failure)


def test_a_key_may_hold_escaped_quotes_and_spaces_when_quoted() -> None:
    assert parse_idempotency_key(' "a \\"b\\" \\\\c" ') == Success('a "b" \\c')


@given(
    first=st.tuples(st.sampled_from(["POST", "PATCH"]), st.text(), st.binary()),
    second=st.tuples(st.sampled_from(["POST", "PATCH"]), st.text(), st.binary()),
)
def test_two_requests_share_a_fingerprint_only_when_they_are_the_same(
    first: tuple[str, str, bytes], second: tuple[str, str, bytes]
) -> None:
    same = request_fingerprint(*first) == request_fingerprint(*second)

    assert same == (first == second)


def test_the_parts_of_a_request_cannot_run_into_each_other() -> None:
    assert request_fingerprint("POST", "/a", b"b") != request_fingerprint("POST", "/ab", b"")
