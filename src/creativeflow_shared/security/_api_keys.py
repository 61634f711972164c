"""API keys: a public prefix to find the key, a secret shown once, and only a hash stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol, TypeVar, final

from returns.result import Failure, Result, Success

from creativeflow_shared.domain import UnauthorizedError, current_clock
from creativeflow_shared.security._secret import Secret, as_bytes

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from creativeflow_shared.domain import Clock

__all__ = [
    "ApiKeyRecord",
    "IssuedApiKey",
    "hash_api_key",
    "issue_api_key",
    "verify_api_key",
    "verify_api_key_async",
]

_LABEL = re.compile(r"[a-z][a-z0-9]{0,15}")
#: ``<label>_<16 base32 characters of key id>_<52 base32 characters of secret>``
_KEY = re.compile(r"([a-z][a-z0-9]{0,15}_[a-z2-7]{16})_[a-z2-7]{52}")
_ID_BYTES: Final = 10  # 80 bits: unique among billions of keys, and it is not a secret
_SECRET_BYTES: Final = 32  # 256 bits: beyond guessing, so a fast hash is enough (ADR 0026)
#: What a caller is told for every key that is refused, whatever was wrong with it.
_REFUSED = "The API key is not valid"
#: What an unknown prefix's key is compared with, so that it costs what a known one costs.
_DUMMY_HASH: Final = hashlib.sha256(b"no key has this hash").hexdigest()


class ApiKeyRecord(Protocol):
    """What a service stores for each API key and its lookup returns: never the key itself.

    A row of the service's own table will do, with the prefix as a unique, indexed column
    beside these two; it usually carries the owner and the scopes too.
    """

    @property
    def key_hash(self) -> str:
        """The ``key_hash`` of the ``IssuedApiKey``: SHA-256 of the whole key, in hex."""
        ...

    @property
    def expires_at(self) -> datetime | None:
        """When the key stops working (``None``: never); set it to rotate or revoke a key."""
        ...


R = TypeVar("R", bound=ApiKeyRecord)


@final
@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new API key: show ``key`` to its owner once, store ``prefix`` and ``key_hash``.

    Attributes:
        key: The whole key, prefix included, for the client to send; never stored.
        prefix: The public part, ``<label>_<key id>``: the lookup key, safe to show in lists.
        key_hash: The SHA-256 of the whole key, in hex: what verification compares.
    """

    key: Secret[str]
    prefix: str
    key_hash: str


def _base32(nbytes: int) -> str:
    return base64.b32encode(secrets.token_bytes(nbytes)).decode("ascii").rstrip("=").lower()


def issue_api_key(*, label: str = "cfk") -> IssuedApiKey:
    """Make a new API key ``<label>_<key id>_<secret>`` with 256 random bits of secret.

    The label names the kind of key (a service, an environment) so that people and secret
    scanners can tell keys apart; it is 1 to 16 lowercase letters and digits.

    Raises:
        ValueError: If ``label`` is not 1 to 16 lowercase ASCII letters and digits starting
            with a letter.

    Examples:
        >>> issued = issue_api_key(label="gen")
        >>> issued.key
        Secret('**********')
        >>> issued.key.reveal().startswith(issued.prefix + "_"), len(issued.key_hash)
        (True, 64)
    """
    if _LABEL.fullmatch(label) is None:
        msg = "An API key label is 1 to 16 lowercase letters and digits, starting with a letter"
        raise ValueError(msg)
    prefix = f"{label}_{_base32(_ID_BYTES)}"
    key = f"{prefix}_{_base32(_SECRET_BYTES)}"
    return IssuedApiKey(Secret(key), prefix, hash_api_key(key))


def hash_api_key(key: Secret[str] | str) -> str:
    """Return the value stored for ``key``: the SHA-256 of the whole key, in hex.

    Examples:
        >>> key = "cfk_aaaaaaaaaaaaaaaa_" + "b" * 52
        >>> hash_api_key(key) == hashlib.sha256(key.encode()).hexdigest()
        True
    """
    text = key.reveal() if isinstance(key, Secret) else key
    return hashlib.sha256(as_bytes(text)).hexdigest()


def verify_api_key(
    presented: Secret[str] | str,
    lookup: Callable[[str], R | None],
    *,
    clock: Clock | None = None,
) -> Result[R, UnauthorizedError]:
    """Find the record of a presented key by its prefix and check the key against its hash.

    ``lookup`` takes the prefix and returns the stored record, or ``None``. A key with an
    unknown prefix is hashed and compared with a dummy hash, so that it takes as long as a
    wrong key with a known prefix; the two cannot be told apart by their answers either.

    Returns:
        ``Success`` with the record when the key matches its hash and has not expired, or
        ``Failure`` with an ``UnauthorizedError`` that says nothing about what was wrong.

    Examples:
        >>> issued = issue_api_key()
        >>> from dataclasses import dataclass
        >>> from datetime import datetime
        >>> @dataclass
        ... class Row:
        ...     key_hash: str
        ...     expires_at: datetime | None = None
        >>> rows = {issued.prefix: Row(issued.key_hash)}
        >>> verify_api_key(issued.key, rows.get).unwrap() is rows[issued.prefix]
        True
        >>> verify_api_key("cfk_not_a_key", rows.get).failure().message
        'The API key is not valid'
    """
    text, prefix = _parse(presented)
    record = None if prefix is None else lookup(prefix)
    return _check(text, record, clock)


async def verify_api_key_async(
    presented: Secret[str] | str,
    lookup: Callable[[str], Awaitable[R | None]],
    *,
    clock: Clock | None = None,
) -> Result[R, UnauthorizedError]:
    """Do what ``verify_api_key`` does with a ``lookup`` to await (an async query).

    Returns:
        ``Success`` with the record, or ``Failure`` with an ``UnauthorizedError``.
    """
    text, prefix = _parse(presented)
    record = None if prefix is None else await lookup(prefix)
    return _check(text, record, clock)


def _parse(presented: Secret[str] | str) -> tuple[str, str | None]:
    """Return the key's text and its prefix, or ``None`` for a key that cannot be ours."""
    text = presented.reveal() if isinstance(presented, Secret) else presented
    shape = _KEY.fullmatch(text)
    return text, None if shape is None else shape.group(1)


def _check(text: str, record: R | None, clock: Clock | None) -> Result[R, UnauthorizedError]:
    # The same work on every path: the clock is read, the key hashed and compared.
    now = (clock or current_clock()).now()
    stored = _DUMMY_HASH if record is None else record.key_hash
    matches = hmac.compare_digest(as_bytes(hash_api_key(text)), as_bytes(stored))
    if record is None or not matches or _expired(record.expires_at, now):
        return Failure(UnauthorizedError(_REFUSED))
    return Success(record)


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now
