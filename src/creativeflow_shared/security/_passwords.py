"""Password hashing with argon2id at OWASP's parameters (needs the ``security`` extra)."""

from __future__ import annotations

import hashlib
import hmac
import importlib
from typing import TYPE_CHECKING, Final, final

from returns.result import Failure, Result, Success
from typing_extensions import override

from creativeflow_shared.domain import UnauthorizedError
from creativeflow_shared.security._secret import Secret, as_bytes

if TYPE_CHECKING:
    from types import ModuleType

    import argon2

__all__ = ["OWASP_ARGON2ID_FLOOR", "PasswordHasher"]

#: OWASP's Password Storage Cheat Sheet lists these argon2id configurations as equally strong
#: minimums, each as ``(memory_cost in KiB, time_cost)`` with one degree of parallelism. A
#: hasher must reach both numbers of at least one of them.
OWASP_ARGON2ID_FLOOR: Final = ((47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5))

_SALT_BYTES = 16
_HASH_BYTES = 32
#: What a caller is told for every failed verification, whichever part was wrong.
_FAILED = "The credentials are not valid"
_EXTRA = "creativeflow-shared-backend[security]"


def _argon2() -> ModuleType:
    """Import argon2-cffi, or say which extra installs it."""
    try:
        return importlib.import_module("argon2")
    except ModuleNotFoundError as error:
        if error.name != "argon2":
            raise
        msg = f"Password hashing needs argon2-cffi: pip install '{_EXTRA}'"
        raise ModuleNotFoundError(msg, name=error.name) from error


@final
class PasswordHasher:
    """Hashes passwords into argon2id PHC strings and verifies them.

    The defaults are OWASP's recommended minimum (19 MiB, two passes, one lane); stronger
    settings are welcome, weaker ones are refused. A *pepper*, a secret kept outside the
    database, is mixed in with HMAC-SHA256 before hashing, so that stolen hashes cannot be
    attacked without it. Every failed verification is the same ``UnauthorizedError``, whether
    the password, the stored hash or the pepper was wrong.

    Hashing takes tens of milliseconds on purpose: in async code call ``hash`` and ``verify``
    through ``asyncio.to_thread``.

    Examples:
        >>> hasher = PasswordHasher()
        >>> stored = hasher.hash("correct horse battery staple")
        >>> stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        True
        >>> hasher.verify("correct horse battery staple", stored)
        <Success: None>
        >>> hasher.verify("Tr0ub4dor&3", stored).failure().code
        'unauthorized'
    """

    __slots__ = ("_dummy", "_errors", "_hasher", "_pepper")

    def __init__(
        self,
        *,
        memory_cost: int = 19_456,
        time_cost: int = 2,
        parallelism: int = 1,
        pepper: Secret[bytes] | Secret[str] | None = None,
    ) -> None:
        """Configure argon2id with ``memory_cost`` KiB, ``time_cost`` passes and lanes.

        Raises:
            ValueError: If the parameters are weaker than every configuration in
                ``OWASP_ARGON2ID_FLOOR``, ``parallelism`` is below 1, or the pepper is empty.
            ModuleNotFoundError: If argon2-cffi is not installed (the message names the
                ``security`` extra).
        """
        if parallelism < 1 or not any(
            memory_cost >= memory and time_cost >= passes for memory, passes in OWASP_ARGON2ID_FLOOR
        ):
            msg = (
                f"argon2id with m={memory_cost}, t={time_cost}, p={parallelism} is weaker than "
                "OWASP's minimum (m=19456, t=2, p=1 or an equivalent)"
            )
            raise ValueError(msg)
        if pepper is not None and not pepper.reveal():
            msg = "A pepper must not be empty"
            raise ValueError(msg)
        library = _argon2()
        self._hasher: argon2.PasswordHasher = library.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=_HASH_BYTES,
            salt_len=_SALT_BYTES,
            type=library.Type.ID,
        )
        self._errors: tuple[type[Exception], ...] = (
            library.exceptions.VerificationError,
            library.exceptions.InvalidHashError,
        )
        self._pepper = None if pepper is None else as_bytes(pepper.reveal())
        self._dummy: str | None = None

    def hash(self, password: Secret[str] | str) -> str:
        """Return the PHC string of ``password`` with a fresh random salt: the value to store.

        Examples:
            >>> PasswordHasher().hash("s3cret").count("$")
            5
        """
        return self._hasher.hash(self._secret_of(password))

    def verify(
        self, password: Secret[str] | str, stored: str | None
    ) -> Result[None, UnauthorizedError]:
        """Check ``password`` against the ``stored`` PHC string.

        Pass ``None`` for a user who does not exist: the password is then checked against a
        hash of the same cost, so that the answer takes as long as for a wrong password.

        Returns:
            ``Success(None)`` when the password matches, or ``Failure`` with an
            ``UnauthorizedError`` that is the same for a wrong password, a malformed or foreign
            stored hash, a wrong pepper and an unknown user.

        Examples:
            >>> PasswordHasher().verify("anything", None).failure().message
            'The credentials are not valid'
        """
        secret = self._secret_of(password)
        if stored is None:
            self._check(secret, self._dummy_hash())
            return Failure(UnauthorizedError(_FAILED))
        if self._check(secret, stored):
            return Success(None)
        return Failure(UnauthorizedError(_FAILED))

    def needs_rehash(self, stored: str) -> bool:
        """Tell whether ``stored`` should be replaced by a new hash of the same password.

        It should when it is not argon2id or its parameters differ from this hasher's
        (weaker ones such as those below OWASP's floor included), or when it cannot be read
        at all. Call it after a successful ``verify``, while the password is at hand.

        Examples:
            >>> hasher = PasswordHasher()
            >>> hasher.needs_rehash(hasher.hash("s3cret"))
            False
            >>> PasswordHasher(time_cost=3).needs_rehash(hasher.hash("s3cret"))
            True
        """
        if not stored.isascii():  # argon2 would read non-ASCII digits as numbers
            return True
        try:
            return self._hasher.check_needs_rehash(stored)
        except ValueError:  # argon2's InvalidHashError
            return True

    @override
    def __repr__(self) -> str:
        hasher = self._hasher
        pepper = "" if self._pepper is None else ", pepper=Secret('**********')"
        return (
            f"PasswordHasher(memory_cost={hasher.memory_cost}, time_cost={hasher.time_cost}, "
            f"parallelism={hasher.parallelism}{pepper})"
        )

    def _secret_of(self, password: Secret[str] | str) -> bytes:
        text = as_bytes(password.reveal() if isinstance(password, Secret) else password)
        if self._pepper is None:
            return text
        return hmac.digest(self._pepper, text, hashlib.sha256)

    def _check(self, secret: bytes, stored: str) -> bool:
        if not stored.isascii():
            return False
        try:
            return self._hasher.verify(stored, secret)
        except self._errors:
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(b"a password nobody has")
        return self._dummy
