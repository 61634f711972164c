"""Pins the public API of ``creativeflow_shared.security``."""

from __future__ import annotations

import inspect

import pytest

import creativeflow_shared.security

_SECURITY_API = [
    "MIN_TOKEN_BYTES",
    "OWASP_ARGON2ID_FLOOR",
    "WEBHOOK_TOLERANCE",
    "ApiKeyRecord",
    "IssuedApiKey",
    "PasswordHasher",
    "Secret",
    "WebhookMessage",
    "WebhookSecret",
    "WebhookSigner",
    "WebhookVerifier",
    "constant_time_equal",
    "generate_token",
    "hash_api_key",
    "hash_token",
    "issue_api_key",
    "verify_api_key",
    "verify_api_key_async",
]
#: Constants, documented by the ``#:`` comments beside them.
_CONSTANTS = {"MIN_TOKEN_BYTES", "OWASP_ARGON2ID_FLOOR", "WEBHOOK_TOLERANCE"}


def _ruff_order(names: list[str]) -> list[str]:
    """Sort as ruff's RUF022 does: constants, then classes, then the rest, each alphabetically."""
    return sorted(
        names, key=lambda name: (0 if name.isupper() else 1 if name[0].isupper() else 2, name)
    )


def test_the_security_package_exports_exactly_the_pinned_names() -> None:
    assert creativeflow_shared.security.__all__ == _SECURITY_API


def test_the_security_api_is_sorted() -> None:
    actual = creativeflow_shared.security.__all__

    assert actual == _ruff_order(actual)


@pytest.mark.parametrize("name", sorted(set(_SECURITY_API) - _CONSTANTS))
def test_every_security_class_and_function_has_a_docstring(name: str) -> None:
    exported: object = getattr(creativeflow_shared.security, name)

    assert inspect.isclass(exported) or inspect.isfunction(exported)
    assert (getattr(exported, "__doc__", None) or "").strip() != ""


@pytest.mark.parametrize("name", sorted(_CONSTANTS))
def test_the_names_without_a_docstring_are_constants(name: str) -> None:
    exported: object = getattr(creativeflow_shared.security, name)

    assert not inspect.isclass(exported)
    assert not inspect.isfunction(exported)
