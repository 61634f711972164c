"""Passwords: argon2id PHC strings at OWASP's parameters, one failure for every wrong part."""

from __future__ import annotations

import importlib
import json
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import argon2
import pytest
from returns.result import Failure, Success

from creativeflow_shared.domain import UnauthorizedError
from creativeflow_shared.security import OWASP_ARGON2ID_FLOOR, PasswordHasher, Secret

if TYPE_CHECKING:
    from types import ModuleType

_PASSWORD = "correct horse battery staple"  # noqa: S105 (a test password)
_REFUSED = Failure(UnauthorizedError("The credentials are not valid"))


def _weak_hash(password: str, parameters: tuple[int, int, int]) -> str:
    """A PHC string made by argon2-cffi itself with the given (usually weak) parameters."""
    memory_cost, time_cost, parallelism = parameters
    return argon2.PasswordHasher(
        memory_cost=memory_cost, time_cost=time_cost, parallelism=parallelism
    ).hash(password)


def test_a_hash_is_an_argon2id_phc_string_at_owasps_parameters() -> None:
    stored = PasswordHasher().hash(_PASSWORD)

    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert argon2.extract_parameters(stored).hash_len == 32
    assert argon2.extract_parameters(stored).salt_len == 16


def test_a_hash_verifies_with_its_password() -> None:
    hasher = PasswordHasher()

    stored = hasher.hash(_PASSWORD)

    assert hasher.verify(_PASSWORD, stored) == Success(None)
    assert hasher.verify(Secret(_PASSWORD), stored) == Success(None)


def test_each_hash_has_its_own_salt() -> None:
    hasher = PasswordHasher()

    assert hasher.hash(_PASSWORD) != hasher.hash(_PASSWORD)


def test_our_hashes_and_argon2_cffis_are_one_format() -> None:
    ours = PasswordHasher().hash(_PASSWORD)
    theirs = argon2.PasswordHasher().hash(_PASSWORD)

    assert argon2.PasswordHasher().verify(ours, _PASSWORD) is True
    assert PasswordHasher().verify(_PASSWORD, theirs) == Success(None)


@pytest.mark.parametrize("password", ["", "ünïcødé ✓", "\ud800 lone surrogate", "x" * 10_000])
def test_any_text_can_be_a_password(password: str) -> None:
    hasher = PasswordHasher()

    stored = hasher.hash(password)

    assert hasher.verify(password, stored) == Success(None)
    assert hasher.verify(password + " ", stored) == _REFUSED


def test_the_failure_is_the_same_whichever_part_was_wrong() -> None:
    pepper = Secret(b"pepper kept in the secret store")
    hasher = PasswordHasher(pepper=pepper)
    stored = hasher.hash(_PASSWORD)

    wrong_password = hasher.verify("correct horse battery stapler", stored)
    malformed_hash = hasher.verify(_PASSWORD, stored[:-4])
    not_a_hash = hasher.verify(_PASSWORD, "plain text")
    not_ascii = hasher.verify(_PASSWORD, stored + "é")
    wrong_pepper = PasswordHasher(pepper=Secret(b"another pepper")).verify(_PASSWORD, stored)
    no_pepper = PasswordHasher().verify(_PASSWORD, stored)
    unknown_user = hasher.verify(_PASSWORD, None)

    failures = [
        wrong_password,
        malformed_hash,
        not_a_hash,
        not_ascii,
        wrong_pepper,
        no_pepper,
        unknown_user,
    ]
    assert failures == [_REFUSED] * len(failures)
    assert {repr(failure.failure()) for failure in failures} == {
        "UnauthorizedError(code='unauthorized', message='The credentials are not valid')"
    }
    assert {json.dumps(dict(failure.failure().details)) for failure in failures} == {"{}"}


def test_a_peppered_hash_verifies_only_with_its_pepper() -> None:
    peppered = PasswordHasher(pepper=Secret("text pepper"))
    stored = peppered.hash(_PASSWORD)

    assert peppered.verify(_PASSWORD, stored) == Success(None)
    assert PasswordHasher(pepper=Secret(b"text pepper")).verify(_PASSWORD, stored) == Success(None)
    assert PasswordHasher().verify(_PASSWORD, stored) == _REFUSED
    assert peppered.verify(_PASSWORD, PasswordHasher().hash(_PASSWORD)) == _REFUSED


def test_an_unknown_user_costs_a_full_verification() -> None:
    hasher = PasswordHasher()
    stored = hasher.hash(_PASSWORD)
    hasher.verify(_PASSWORD, None)  # the dummy hash is made on first use

    def timed(stored_hash: str | None) -> float:
        started = time.perf_counter()
        hasher.verify("a wrong password", stored_hash)
        return time.perf_counter() - started

    known = [timed(stored) for _ in range(5)]
    unknown = [timed(None) for _ in range(5)]

    # Skipping argon2 would answer in microseconds instead of tens of milliseconds.
    assert statistics.median(unknown) > statistics.median(known) / 2


@pytest.mark.parametrize(
    "parameters",
    [
        (8, 1, 1),
        (19_455, 2, 1),
        (19_456, 1, 1),
        (65_536, 3, 4),  # stronger, but not ours
    ],
    ids=["argon2 minimum", "memory just below", "one pass", "RFC 9106 low memory"],
)
def test_a_hash_with_other_parameters_needs_a_rehash(parameters: tuple[int, int, int]) -> None:
    stored = _weak_hash(_PASSWORD, parameters)

    assert PasswordHasher().needs_rehash(stored) is True
    assert PasswordHasher().verify(_PASSWORD, stored) == Success(None)


def test_a_hash_at_the_hashers_parameters_needs_no_rehash() -> None:
    hasher = PasswordHasher(memory_cost=47_104, time_cost=1)

    assert hasher.needs_rehash(hasher.hash(_PASSWORD)) is False
    assert PasswordHasher().needs_rehash(hasher.hash(_PASSWORD)) is True


@pytest.mark.parametrize("kind", [argon2.Type.I, argon2.Type.D], ids=["argon2i", "argon2d"])
def test_a_hash_of_another_argon2_variant_needs_a_rehash(kind: argon2.Type) -> None:
    stored = argon2.PasswordHasher(memory_cost=19_456, time_cost=2, parallelism=1, type=kind).hash(
        _PASSWORD
    )

    assert PasswordHasher().needs_rehash(stored) is True
    assert PasswordHasher().verify(_PASSWORD, stored) == Success(None)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain text",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "$argon2id$ü",
    ],
    ids=["empty", "text", "bcrypt", "not ascii"],
)
def test_a_hash_that_cannot_be_read_needs_a_rehash(stored: str) -> None:
    assert PasswordHasher().needs_rehash(stored) is True


@pytest.mark.parametrize(("memory_cost", "time_cost"), OWASP_ARGON2ID_FLOOR)
def test_every_owasp_configuration_is_accepted(memory_cost: int, time_cost: int) -> None:
    hasher = PasswordHasher(memory_cost=memory_cost, time_cost=time_cost)

    assert repr(hasher) == (
        f"PasswordHasher(memory_cost={memory_cost}, time_cost={time_cost}, parallelism=1)"
    )


@pytest.mark.parametrize(
    ("memory_cost", "time_cost", "parallelism"),
    [(47_103, 1, 1), (19_455, 2, 1), (7_167, 10, 1), (1_000_000, 0, 1), (19_456, 2, 0)],
)
def test_parameters_below_the_owasp_floor_are_refused(
    memory_cost: int, time_cost: int, parallelism: int
) -> None:
    with pytest.raises(ValueError, match="weaker than OWASP's minimum"):
        PasswordHasher(memory_cost=memory_cost, time_cost=time_cost, parallelism=parallelism)


@pytest.mark.parametrize("pepper", [Secret(""), Secret(b"")], ids=["text", "bytes"])
def test_an_empty_pepper_is_refused(pepper: Secret[str] | Secret[bytes]) -> None:
    with pytest.raises(ValueError, match="pepper must not be empty"):
        PasswordHasher(pepper=pepper)


def test_the_repr_does_not_show_the_pepper() -> None:
    hasher = PasswordHasher(pepper=Secret(b"the pepper"))

    assert "the pepper" not in repr(hasher)
    assert repr(hasher).endswith("pepper=Secret('**********'))")


# -- the security extra -----------------------------------------------------------------------
def test_a_missing_argon2_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = importlib.import_module

    def without_argon2(name: str, package: str | None = None) -> ModuleType:
        if name == "argon2":
            msg = "No module named 'argon2'"
            raise ModuleNotFoundError(msg, name="argon2")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_argon2)

    with pytest.raises(ModuleNotFoundError) as caught:
        PasswordHasher()

    assert "pip install 'creativeflow-shared-backend[security]'" in str(caught.value)
    assert caught.value.name == "argon2"


def test_another_missing_module_is_not_blamed_on_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(name: str, package: str | None = None) -> ModuleType:
        msg = "No module named '_argon2_cffi_bindings'"
        raise ModuleNotFoundError(msg, name="_argon2_cffi_bindings")

    monkeypatch.setattr(importlib, "import_module", broken)

    with pytest.raises(ModuleNotFoundError) as caught:
        PasswordHasher()

    assert str(caught.value) == "No module named '_argon2_cffi_bindings'"


def test_the_package_works_without_argon2_except_for_passwords() -> None:
    code = (
        "import json, sys\n"
        "sys.modules['argon2'] = None\n"  # what an installation without the extra looks like
        "import creativeflow_shared.security as security\n"
        "token = security.generate_token()\n"
        "issued = security.issue_api_key()\n"
        "secret = security.WebhookSecret.generate()\n"
        "headers = security.WebhookSigner(secret).sign('msg_1', b'{}')\n"
        "verified = security.WebhookVerifier(secret).verify(b'{}', headers)\n"
        "try:\n"
        "    security.PasswordHasher()\n"
        "except ModuleNotFoundError as error:\n"
        "    message = str(error)\n"
        "print(json.dumps([verified.unwrap().message_id, message]))\n"
    )
    completed = subprocess.run(  # noqa: S603 (the current interpreter with code from this file)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    message_id, message = json.loads(completed.stdout)

    assert message_id == "msg_1"
    assert "creativeflow-shared-backend[security]" in message


def test_importing_the_package_does_not_import_argon2() -> None:
    code = (
        "import json, sys\n"
        "import creativeflow_shared.security\n"
        "print(json.dumps('argon2' in sys.modules))\n"
    )
    completed = subprocess.run(  # noqa: S603 (the current interpreter with code from this file)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert json.loads(completed.stdout) is False
