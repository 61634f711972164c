"""Signing and verifying webhooks per the Standard Webhooks specification."""

from __future__ import annotations

import hmac
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, final

from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.domain import (
    FieldError,
    InvalidInputError,
    UnauthorizedError,
    current_clock,
)
from creativeflow_shared.security._secret import as_bytes
from creativeflow_shared.security._webhook_secret import WebhookSecret

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from creativeflow_shared.domain import Clock

__all__ = ["WEBHOOK_TOLERANCE", "WebhookMessage", "WebhookSigner", "WebhookVerifier"]

#: How far a webhook's timestamp may be from the receiver's clock, either way: the
#: specification's reference libraries use five minutes.
WEBHOOK_TOLERANCE: Final = timedelta(minutes=5)

_ID: Final = "webhook-id"
_TIMESTAMP: Final = "webhook-timestamp"
_SIGNATURE: Final = "webhook-signature"
#: A message id goes into a header and into the signed text, where a dot would be ambiguous.
_MESSAGE_ID = re.compile(r"[\x21-\x2d\x2f-\x7e]{1,256}")
#: Whole seconds since the epoch, ASCII digits only, few enough to be a date before 5000.
_SECONDS = re.compile(r"[0-9]{1,11}")


@final
@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """A webhook whose signature and timestamp were verified.

    Attributes:
        message_id: The sender's id of the message, the same on every retry: use it to
            process each message once.
        timestamp: When the sender made this attempt (UTC).
        body: The body exactly as received and signed; parse it only now.
    """

    message_id: str
    timestamp: datetime
    body: bytes


def _secrets(secrets: WebhookSecret | Iterable[WebhookSecret]) -> tuple[WebhookSecret, ...]:
    keys = (secrets,) if isinstance(secrets, WebhookSecret) else tuple(secrets)
    if not keys:
        msg = "At least one webhook secret is needed"
        raise ValueError(msg)
    return keys


@final
class WebhookSigner:
    """Signs outgoing webhooks: the three ``webhook-*`` headers for a message id and body.

    Give several secrets while rotating: each signs, and the receiver accepts the message
    as soon as it knows one of them.

    Examples:
        >>> from datetime import UTC, datetime
        >>> secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        >>> at = datetime.fromtimestamp(1614265330, UTC)
        >>> headers = WebhookSigner(secret).sign(
        ...     "msg_p5jXN8AQM9LWM0D4loKWxJek", b'{"test": 2432232314}', at=at
        ... )
        >>> headers["webhook-id"], headers["webhook-timestamp"]
        ('msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330')
        >>> headers["webhook-signature"]
        'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='

    """

    __slots__ = ("_clock", "_secrets")

    def __init__(
        self, secrets: WebhookSecret | Iterable[WebhookSecret], *, clock: Clock | None = None
    ) -> None:
        """Sign with ``secrets`` and stamp with ``clock`` (the context's clock by default).

        Raises:
            ValueError: If no secret is given.
        """
        self._secrets = _secrets(secrets)
        self._clock = clock

    def sign(
        self, message_id: str, body: bytes | str, *, at: datetime | None = None
    ) -> dict[str, str]:
        """Return the headers to send with ``body``: id, timestamp and signatures.

        ``message_id`` must stay the same when the message is retried; ``at`` (now by
        default) is the time of this attempt. Text bodies are signed as UTF-8: send exactly
        the bytes that were signed.

        Raises:
            ValueError: If ``message_id`` is empty, longer than 256 characters, or holds
                anything but printable ASCII other than space and ``.``; or ``at`` is naive.
        """
        if _MESSAGE_ID.fullmatch(message_id) is None:
            msg = "A webhook message id is 1 to 256 printable ASCII characters, without '.'"
            raise ValueError(msg)
        when = at if at is not None else (self._clock or current_clock()).now()
        if when.utcoffset() is None:
            msg = "A webhook is stamped with a timezone-aware datetime"
            raise ValueError(msg)
        timestamp = math.floor(when.timestamp())
        payload = as_bytes(body)
        signatures = " ".join(
            key.signature(message_id, timestamp, payload) for key in self._secrets
        )
        return {_ID: message_id, _TIMESTAMP: str(timestamp), _SIGNATURE: signatures}

    @override
    def __repr__(self) -> str:
        return f"WebhookSigner(secrets={len(self._secrets)})"


@final
class WebhookVerifier:
    """Verifies incoming webhooks: headers present, timestamp in the window, a signature ours.

    Give several secrets while rotating: a message signed with any of them is accepted.
    Signatures are compared in constant time, and verification never raises, whatever the
    body and headers.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from creativeflow_shared.domain import FixedClock
        >>> secret = WebhookSecret.generate()
        >>> clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        >>> headers = WebhookSigner(secret, clock=clock).sign("msg_1", b"{}")
        >>> verifier = WebhookVerifier(secret, clock=clock)
        >>> verifier.verify(b"{}", headers).unwrap().message_id
        'msg_1'
        >>> verifier.verify(b"{ }", headers).failure().message
        'No webhook signature matches'
    """

    __slots__ = ("_clock", "_secrets", "_tolerance")

    def __init__(
        self,
        secrets: WebhookSecret | Iterable[WebhookSecret],
        *,
        tolerance: timedelta = WEBHOOK_TOLERANCE,
        clock: Clock | None = None,
    ) -> None:
        """Accept signatures by ``secrets`` at most ``tolerance`` from ``clock``'s time.

        Raises:
            ValueError: If no secret is given or ``tolerance`` is negative.
        """
        if tolerance < timedelta(0):
            msg = "The tolerance of a webhook verifier cannot be negative"
            raise ValueError(msg)
        self._secrets = _secrets(secrets)
        self._tolerance = tolerance.total_seconds()
        self._clock = clock

    def verify(
        self, body: bytes | str, headers: Mapping[str, str]
    ) -> Result[WebhookMessage, InvalidInputError | UnauthorizedError]:
        """Check a received webhook: ``body`` exactly as received and its HTTP ``headers``.

        Header names are matched without regard to case.

        Returns:
            ``Success`` with the verified ``WebhookMessage``; ``Failure`` with an
            ``InvalidInputError`` when a header is missing or the timestamp is not whole
            seconds, or with an ``UnauthorizedError`` when the timestamp is outside the
            tolerance (either way) or no ``v1`` signature matches a secret.
        """
        found = {name.lower(): value for name, value in headers.items()}
        values = {name: found.get(name, "") for name in (_ID, _TIMESTAMP, _SIGNATURE)}
        missing = [name for name, value in values.items() if not value]
        if missing:
            return Failure(
                InvalidInputError(
                    FieldError(("headers", name), f"The {name} header is missing", "missing")
                    for name in missing
                )
            )
        message_id, stamp, signatures = values[_ID], values[_TIMESTAMP], values[_SIGNATURE]
        if _SECONDS.fullmatch(stamp) is None:
            return Failure(
                InvalidInputError.single(
                    "The webhook-timestamp header is not whole seconds since the epoch",
                    loc=("headers", _TIMESTAMP),
                )
            )
        timestamp = int(stamp)
        age = (self._clock or current_clock()).now().timestamp() - timestamp
        if not -self._tolerance <= age <= self._tolerance:
            return Failure(UnauthorizedError("The webhook timestamp is outside the tolerance"))
        payload = as_bytes(body)
        if not self._matches(message_id, timestamp, payload, signatures):
            return Failure(UnauthorizedError("No webhook signature matches"))
        return Success(WebhookMessage(message_id, datetime.fromtimestamp(timestamp, UTC), payload))

    def _matches(self, message_id: str, timestamp: int, body: bytes, signatures: str) -> bool:
        offered = [as_bytes(entry) for entry in signatures.split(" ") if entry.startswith("v1,")]
        matched = False
        for key in self._secrets:
            expected = key.signature(message_id, timestamp, body).encode("ascii")
            for candidate in offered:
                # No early exit: the time taken depends on the number of signatures only.
                matched |= hmac.compare_digest(expected, candidate)
        return matched

    @override
    def __repr__(self) -> str:
        return f"WebhookVerifier(secrets={len(self._secrets)}, tolerance={self._tolerance:g}s)"
