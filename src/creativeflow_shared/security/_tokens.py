"""Secure random tokens, their stored digests and constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from creativeflow_shared.security._secret import Secret, as_bytes

__all__ = ["MIN_TOKEN_BYTES", "constant_time_equal", "generate_token", "hash_token"]

#: The fewest random bytes a token may carry: 128 bits, beyond any guessing.
MIN_TOKEN_BYTES = 16


def generate_token(nbytes: int = 32) -> Secret[str]:
    """Return a new URL-safe token of ``nbytes`` random bytes from the operating system.

    Use it for password-reset links, invitation codes, session ids or anything a user must
    not be able to guess; store ``hash_token(token)``, never the token.

    Raises:
        ValueError: If ``nbytes`` is below ``MIN_TOKEN_BYTES`` (16 bytes, 128 bits).

    Examples:
        >>> token = generate_token()
        >>> token
        Secret('**********')
        >>> len(token.reveal())  # 32 bytes in unpadded base64url
        43
    """
    if nbytes < MIN_TOKEN_BYTES:
        msg = f"A token needs at least {MIN_TOKEN_BYTES} random bytes, got {nbytes}"
        raise ValueError(msg)
    return Secret(secrets.token_urlsafe(nbytes))


def hash_token(token: Secret[str] | str) -> str:
    """Return the SHA-256 hex digest of a high-entropy ``token``, the value to store.

    A fast hash is enough here (and wrong for passwords): a random token of 128 bits or more
    cannot be found by guessing, however fast each guess is (ADR 0026).

    Examples:
        >>> hash_token("abc")[:16]
        'ba7816bf8f01cfea'
    """
    text = token.reveal() if isinstance(token, Secret) else token
    return hashlib.sha256(as_bytes(text)).hexdigest()


def constant_time_equal(left: str | bytes, right: str | bytes) -> bool:
    """Tell whether two values are equal in time that does not depend on where they differ.

    Text is compared as its UTF-8 bytes, so any string (not only ASCII, which is all
    ``hmac.compare_digest`` takes) can be compared; text never equals bytes.

    Examples:
        >>> constant_time_equal("größe", "größe"), constant_time_equal("a", b"a")
        (True, False)
    """
    if isinstance(left, str) is not isinstance(right, str):
        return False
    return hmac.compare_digest(as_bytes(left), as_bytes(right))
