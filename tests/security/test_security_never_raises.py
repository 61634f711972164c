"""G8, G10: verification answers ``Failure`` for any input and never lets a forgery in.

Hypothesis feeds arbitrary bytes, text (lone surrogates included) and headers to every
verification entry point of the package; none may raise, and none may accept what was not
signed or issued with the secret it knows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.domain import FixedClock, InvalidInputError, UnauthorizedError
from creativeflow_shared.security import (
    PasswordHasher,
    Secret,
    WebhookSecret,
    WebhookSigner,
    WebhookVerifier,
    issue_api_key,
    verify_api_key,
    verify_api_key_async,
)

_NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
_SECRET = WebhookSecret.generate()
_VERIFIER = WebhookVerifier(_SECRET, clock=FixedClock(_NOW))
_SIGNED = WebhookSigner(_SECRET).sign("msg_1", b"{}", at=_NOW)
_NAMES = ["webhook-id", "webhook-timestamp", "webhook-signature", "Webhook-Signature"]
_HASHER = PasswordHasher()
_STORED = _HASHER.hash("the real password")

#: Any text, lone surrogates included (Hypothesis leaves them out by default).
texts = st.text(st.characters(exclude_categories=())) | st.text()
bodies = st.binary() | texts
header_values = texts | st.sampled_from([*_SIGNED.values(), str(int(_NOW.timestamp()))])
headers = st.dictionaries(st.sampled_from(_NAMES) | texts, header_values, max_size=5)
#: Keys shaped like ours, so that they reach the lookup.
shaped_keys = st.from_regex(r"[a-z][a-z0-9]{0,15}_[a-z2-7]{16}_[a-z2-7]{52}", fullmatch=True)


@dataclass
class Row:
    key_hash: str
    expires_at: datetime | None


rows = st.builds(
    Row,
    key_hash=texts | st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    expires_at=st.none() | st.just(_NOW + timedelta(days=1)),
)


@given(body=bodies, headers=headers)
def test_webhook_verification_never_raises_and_refuses_the_unsigned(
    body: bytes | str, headers: dict[str, str]
) -> None:
    verified = _VERIFIER.verify(body, headers)

    assert isinstance(verified, Failure)
    assert isinstance(verified.failure(), (InvalidInputError, UnauthorizedError))


@given(body=bodies, mutated=st.sampled_from(sorted(_SIGNED)), value=header_values)
def test_a_signed_webhook_with_any_header_changed_verifies_only_if_unchanged(
    body: bytes | str, mutated: str, value: str
) -> None:
    headers = {**_SIGNED, mutated: value}

    verified = _VERIFIER.verify(body, headers)

    genuine = body in {b"{}", "{}"} and headers == _SIGNED
    assert isinstance(verified, Success) is genuine


@given(text=texts)
def test_reading_a_webhook_secret_never_raises(text: str) -> None:
    parsed = WebhookSecret.parse(text)

    assert isinstance(parsed, (Success, Failure))
    if isinstance(parsed, Failure):
        assert [e.loc for e in parsed.failure().field_errors] == [("secret",)]


@given(presented=texts | shaped_keys, row=st.none() | rows)
def test_api_key_verification_never_raises_and_refuses_the_unissued(
    presented: str, row: Row | None
) -> None:
    verified = verify_api_key(presented, lambda prefix: row)
    secret = verify_api_key(Secret(presented), lambda prefix: row)

    assert verified == secret == Failure(UnauthorizedError("The API key is not valid"))


@given(presented=texts | shaped_keys, row=st.none() | rows)
def test_async_api_key_verification_never_raises(presented: str, row: Row | None) -> None:
    async def lookup(prefix: str) -> Row | None:
        return row

    verified = asyncio.run(verify_api_key_async(presented, lookup))

    assert verified == Failure(UnauthorizedError("The API key is not valid"))


def test_an_issued_key_verifies_after_all() -> None:
    issued = issue_api_key()
    row = Row(issued.key_hash, None)

    assert verify_api_key(issued.key, lambda prefix: row) == Success(row)


@given(password=texts, stored=texts | st.just(_STORED[:-2]) | st.just(_STORED + "x"))
def test_password_verification_never_raises(password: str, stored: str) -> None:
    verified = _HASHER.verify(password, stored)

    assert verified == Failure(UnauthorizedError("The credentials are not valid"))
    assert isinstance(_HASHER.needs_rehash(stored), bool)
