"""Secure random tokens, their stored digests and constant-time comparison."""

from __future__ import annotations

import base64
import hashlib

import pytest

from creativeflow_shared.security import (
    MIN_TOKEN_BYTES,
    Secret,
    constant_time_equal,
    generate_token,
    hash_token,
)


@pytest.mark.parametrize("nbytes", [MIN_TOKEN_BYTES, 32, 64])
def test_a_token_carries_the_random_bytes_asked_for(nbytes: int) -> None:
    token = generate_token(nbytes).reveal()

    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    assert len(decoded) == nbytes
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_tokens_are_unique_and_hidden() -> None:
    tokens = [generate_token() for _ in range(500)]

    assert len({token.reveal() for token in tokens}) == 500
    assert {repr(token) for token in tokens} == {"Secret('**********')"}


@pytest.mark.parametrize("nbytes", [0, 8, MIN_TOKEN_BYTES - 1])
def test_a_token_too_short_to_be_unguessable_is_refused(nbytes: int) -> None:
    with pytest.raises(ValueError, match="at least 16 random bytes"):
        generate_token(nbytes)


def test_the_stored_digest_is_the_sha256_of_the_token() -> None:
    token = generate_token()

    digest = hash_token(token)

    assert digest == hashlib.sha256(token.reveal().encode()).hexdigest()
    assert hash_token(token.reveal()) == digest


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("same", "same", True),
        ("same", "Same", False),
        ("größe", "größe", True),
        ("\ud800", "\ud800", True),
        (b"\x00\xff", b"\x00\xff", True),
        (b"abc", b"abd", False),
        ("abc", b"abc", False),
        (b"abc", "abc", False),
        ("", "", True),
    ],
)
def test_constant_time_equal_compares_any_text_or_bytes(
    left: str | bytes, right: str | bytes, expected: bool
) -> None:
    assert constant_time_equal(left, right) is expected


def test_a_secret_token_is_compared_by_its_value() -> None:
    token = generate_token()

    assert token == Secret(token.reveal())
    assert token != generate_token()
