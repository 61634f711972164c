"""The symmetric signing secret of the Standard Webhooks scheme (``whsec_`` + base64)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Final, final

from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.domain import InvalidInputError
from creativeflow_shared.security._secret import MASK, Secret, as_bytes

__all__ = ["WebhookSecret"]

_PREFIX: Final = "whsec_"
#: The key sizes the specification allows for symmetric signatures: 192 to 512 bits.
_MIN_BYTES: Final = 24
_MAX_BYTES: Final = 64


@final
class WebhookSecret:
    """A key shared by a webhook's sender and receiver, shown as ``whsec_`` + base64.

    The Standard Webhooks specification asks for a random key of 24 to 64 bytes, serialized
    as base64 behind the ``whsec_`` prefix; this class holds the decoded key and never shows
    it, except through ``reveal()``.

    Examples:
        >>> secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        >>> secret
        WebhookSecret('whsec_**********')
        >>> secret.signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
        'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        """Hold the raw ``key`` bytes.

        Raises:
            ValueError: If the key is shorter than 24 or longer than 64 bytes.
        """
        if not _MIN_BYTES <= len(key) <= _MAX_BYTES:
            msg = f"A webhook key has {_MIN_BYTES} to {_MAX_BYTES} bytes, got {len(key)}"
            raise ValueError(msg)
        self._key = key

    @classmethod
    def generate(cls, nbytes: int = 32) -> WebhookSecret:
        """Return a new random secret of ``nbytes`` (24 to 64) bytes.

        Raises:
            ValueError: If ``nbytes`` is outside 24 to 64.
        """
        return cls(secrets.token_bytes(nbytes))

    @classmethod
    def parse(cls, text: Secret[str] | str) -> Result[WebhookSecret, InvalidInputError]:
        """Read a serialized secret: base64 of the key, with or without the ``whsec_`` prefix.

        Returns:
            ``Success`` with the secret, or ``Failure`` with an ``InvalidInputError`` (located
            at ``secret``, never quoting it) when it is not base64 of 24 to 64 bytes.

        Examples:
            >>> WebhookSecret.parse("whsec_c2hvcnQ=").failure().field_errors[0].message
            'A webhook secret is base64 of 24 to 64 bytes'
        """
        encoded = (text.reveal() if isinstance(text, Secret) else text).removeprefix(_PREFIX)
        try:
            # Unpadded base64 is common in the wild and accepted by the reference libraries.
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):  # not base64, or not even ASCII
            key = b""
        if not _MIN_BYTES <= len(key) <= _MAX_BYTES:
            return Failure(
                InvalidInputError.single(
                    f"A webhook secret is base64 of {_MIN_BYTES} to {_MAX_BYTES} bytes",
                    loc=("secret",),
                )
            )
        return Success(cls(key))

    def reveal(self) -> str:
        """Return the serialized secret, ``whsec_`` + base64, to hand to the other side."""
        return _PREFIX + base64.b64encode(self._key).decode("ascii")

    def signature(self, message_id: str, timestamp: int, body: bytes) -> str:
        """Return the ``v1,`` signature of one message: HMAC-SHA256 of ``id.timestamp.body``.

        The pieces are signed as given; ``WebhookSigner`` checks them before signing.
        """
        signed = as_bytes(f"{message_id}.{timestamp}.") + body
        digest = hmac.digest(self._key, signed, hashlib.sha256)
        return "v1," + base64.b64encode(digest).decode("ascii")

    @override
    def __repr__(self) -> str:
        return f"WebhookSecret('{_PREFIX}{MASK}')"

    @override
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WebhookSecret):
            return NotImplemented
        return hmac.compare_digest(self._key, other._key)

    @override
    def __hash__(self) -> int:
        return hash((WebhookSecret, self._key))
