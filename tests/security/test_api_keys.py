"""API keys: a prefix to look up, a secret shown once, a hash stored, expiry for rotation."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from returns.result import Failure, Success

from creativeflow_shared.domain import FixedClock, UnauthorizedError, use_clock
from creativeflow_shared.security import (
    IssuedApiKey,
    Secret,
    hash_api_key,
    issue_api_key,
    verify_api_key,
    verify_api_key_async,
)

_REFUSED = Failure(UnauthorizedError("The API key is not valid"))
_NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@dataclass
class Row:
    """What a service might store: never the key, only its prefix, hash and expiry."""

    owner: str
    key_hash: str
    expires_at: datetime | None = None


class Store:
    """A table of rows by prefix that remembers what it was asked for."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.asked: list[str] = []

    def add(self, issued: IssuedApiKey, owner: str, expires_at: datetime | None = None) -> Row:
        row = Row(owner, issued.key_hash, expires_at)
        self.rows[issued.prefix] = row
        return row

    def lookup(self, prefix: str) -> Row | None:
        self.asked.append(prefix)
        return self.rows.get(prefix)

    async def lookup_async(self, prefix: str) -> Row | None:
        await asyncio.sleep(0)
        return self.lookup(prefix)


def test_an_issued_key_is_label_prefix_and_secret() -> None:
    issued = issue_api_key(label="gen")

    key = issued.key.reveal()

    assert re.fullmatch(r"gen_[a-z2-7]{16}_[a-z2-7]{52}", key)
    assert issued.prefix == key[:20]
    assert issued.key_hash == hashlib.sha256(key.encode()).hexdigest() == hash_api_key(key)
    assert hash_api_key(issued.key) == issued.key_hash


def test_an_issued_key_shows_its_secret_only_when_revealed() -> None:
    issued = issue_api_key()

    assert issued.key.reveal() not in repr(issued)
    assert issued.key.reveal() not in str(issued)
    assert issued.prefix in repr(issued)


def test_keys_are_unique() -> None:
    keys = [issue_api_key() for _ in range(200)]

    assert len({issued.prefix for issued in keys}) == 200
    assert len({issued.key_hash for issued in keys}) == 200


@pytest.mark.parametrize("label", ["", "Gen", "1gen", "gen_x", "g" * 17, "gén"])
def test_a_label_must_be_short_lowercase_letters_and_digits(label: str) -> None:
    with pytest.raises(ValueError, match="API key label"):
        issue_api_key(label=label)


def test_a_key_verifies_and_gives_its_record() -> None:
    store = Store()
    issued = issue_api_key()
    row = store.add(issued, "ada")

    verified = verify_api_key(issued.key, store.lookup)

    assert verified == Success(row)
    assert store.asked == [issued.prefix]
    assert verify_api_key(issued.key.reveal(), store.lookup) == Success(row)


def test_the_failure_is_the_same_whatever_was_wrong() -> None:
    store = Store()
    issued = issue_api_key()
    store.add(issued, "ada")
    expired = issue_api_key()
    store.add(expired, "bob", expires_at=_NOW - timedelta(seconds=1))
    key = issued.key.reveal()
    flipped = key[:-1] + ("a" if key[-1] != "a" else "b")

    with use_clock(FixedClock(_NOW)):
        failures = [
            verify_api_key(flipped, store.lookup),  # a wrong secret for a known prefix
            verify_api_key(issue_api_key().key, store.lookup),  # an unknown prefix
            verify_api_key(key[:-1], store.lookup),  # malformed: one character short
            verify_api_key("", store.lookup),
            verify_api_key(key.upper(), store.lookup),
            verify_api_key(expired.key, store.lookup),  # right, but expired
        ]

    assert failures == [_REFUSED] * len(failures)


def test_a_malformed_key_is_not_looked_up() -> None:
    store = Store()

    verify_api_key("cfk_short_key", store.lookup)
    verify_api_key("not a key at all", store.lookup)

    assert store.asked == []


def test_a_key_swapped_onto_another_record_is_refused() -> None:
    store = Store()
    first, second = issue_api_key(), issue_api_key()
    store.add(first, "ada")
    store.rows[second.prefix] = Row("bob", first.key_hash)  # a hash copied between rows

    assert verify_api_key(second.key, store.lookup) == _REFUSED


def test_a_key_expires_at_its_time() -> None:
    store = Store()
    issued = issue_api_key()
    row = store.add(issued, "ada", expires_at=_NOW)

    before = verify_api_key(issued.key, store.lookup, clock=FixedClock(_NOW - timedelta(seconds=1)))
    at = verify_api_key(issued.key, store.lookup, clock=FixedClock(_NOW))

    assert before == Success(row)
    assert at == _REFUSED


def test_rotation_keeps_the_old_key_working_until_its_grace_ends() -> None:
    store = Store()
    old = issue_api_key()
    store.add(old, "ada")

    # Rotate: issue a new key and give the old one a grace period.
    new = issue_api_key()
    store.add(new, "ada")
    store.rows[old.prefix].expires_at = _NOW + timedelta(days=7)

    during = FixedClock(_NOW + timedelta(days=1))
    after = FixedClock(_NOW + timedelta(days=8))
    assert isinstance(verify_api_key(old.key, store.lookup, clock=during), Success)
    assert isinstance(verify_api_key(new.key, store.lookup, clock=during), Success)
    assert verify_api_key(old.key, store.lookup, clock=after) == _REFUSED
    assert isinstance(verify_api_key(new.key, store.lookup, clock=after), Success)


def test_the_async_verification_awaits_the_lookup() -> None:
    store = Store()
    issued = issue_api_key()
    row = store.add(issued, "ada")

    async def run() -> list[object]:
        return [
            await verify_api_key_async(issued.key, store.lookup_async),
            await verify_api_key_async(issue_api_key().key, store.lookup_async),
            await verify_api_key_async("garbage", store.lookup_async),
        ]

    assert asyncio.run(run()) == [Success(row), _REFUSED, _REFUSED]
    assert len(store.asked) == 2


def test_a_presented_secret_is_accepted_as_well_as_text() -> None:
    store = Store()
    issued = issue_api_key()
    row = store.add(issued, "ada")

    assert verify_api_key(Secret(issued.key.reveal()), store.lookup) == Success(row)
