"""Reading the ``Idempotency-Key`` header, and the fingerprint of the request it guards."""

from __future__ import annotations

import hashlib
import re

from returns.result import Failure, Result, Success

from creativeflow_shared.idempotency._errors import InvalidIdempotencyKeyError

__all__ = ["IDEMPOTENCY_KEY_MAX_LENGTH", "parse_idempotency_key", "request_fingerprint"]

#: The longest key kept (what the stores' key column holds).
IDEMPOTENCY_KEY_MAX_LENGTH = 255

#: An RFC 8941 ``sf-string``: printable ASCII in quotes, ``"`` and ``\`` escaped with ``\``.
_QUOTED = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_ESCAPE = re.compile(r"\\([\"\\])")
#: A bare key (what most clients send): visible ASCII, no quotes, no spaces.
_BARE = re.compile(r"[\x21\x23-\x7e]+")


def parse_idempotency_key(value: str) -> Result[str, InvalidIdempotencyKeyError]:
    r"""Read the key out of an ``Idempotency-Key`` header value; it never raises.

    The IETF draft makes the header a structured-field string (``"8e03978e-..."``); a bare
    key without quotes is accepted too, as most clients send one. Surrounding spaces are
    ignored.

    Returns:
        ``Success`` with the key (1 to ``IDEMPOTENCY_KEY_MAX_LENGTH`` printable ASCII
        characters), or ``Failure`` with ``InvalidIdempotencyKeyError``.

    Examples:
        >>> parse_idempotency_key('"a-1"'), parse_idempotency_key("a-1")
        (<Success: a-1>, <Success: a-1>)
        >>> parse_idempotency_key('"a\\"b"').unwrap()
        'a"b'
        >>> parse_idempotency_key("").failure().message
        'The Idempotency-Key header is not a non-empty string of printable ASCII'
    """
    text = value.strip(" \t")
    quoted = _QUOTED.fullmatch(text)
    if quoted is not None:
        key = _ESCAPE.sub(r"\1", quoted.group(1))
    elif _BARE.fullmatch(text):
        key = text
    else:
        key = ""
    if not key:
        return Failure(InvalidIdempotencyKeyError("is not a non-empty string of printable ASCII"))
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        return Failure(
            InvalidIdempotencyKeyError(f"is longer than {IDEMPOTENCY_KEY_MAX_LENGTH} characters")
        )
    return Success(key)


def request_fingerprint(method: str, target: str, body: bytes) -> str:
    """Return the fingerprint of a request: what must match for a key to be replayed.

    It is the SHA-256 (hex) of the method (upper-cased), the request target (the path and,
    if any, ``?`` and the query string, as sent) and the body's bytes exactly. Headers are
    left out, so a retry with a fresh ``traceparent`` or credentials matches; so does a
    body whose JSON is the same byte for byte, and nothing else.

    Examples:
        >>> request_fingerprint("post", "/jobs", b"{}") == request_fingerprint(
        ...     "POST", "/jobs", b"{}"
        ... )
        True
        >>> request_fingerprint("POST", "/jobs", b"{}") == request_fingerprint(
        ...     "POST", "/jobs", b"{ }"
        ... )
        False
    """
    digest = hashlib.sha256()
    # Each part is preceded by its length, so that no two requests share their parts' bytes.
    for part in (method.upper(), target):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    digest.update(body)
    return digest.hexdigest()
