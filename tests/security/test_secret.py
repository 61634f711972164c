"""G10: a ``Secret`` never shows its value, wherever it is displayed, dumped or logged."""

from __future__ import annotations

import copy
import json
import logging
import pickle
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from creativeflow_shared.domain import KernelError, validate
from creativeflow_shared.security import Secret

if TYPE_CHECKING:
    from collections.abc import Callable

_VALUE = "hunter2-s3cret-value"
_MASK = "**********"


class Credentials(BaseModel):
    user: str
    password: Secret[str]
    key: Secret[bytes] | None = None


_DISPLAYS: dict[str, Callable[[Secret[str]], str]] = {
    "repr": repr,
    "str": str,
    "format": lambda secret: format(secret, ""),
    "format with a width": lambda secret: format(secret, ">40"),
    "f-string": lambda secret: f"{secret}",
    "f-string !r": lambda secret: f"{secret!r}",
    "percent %s": lambda secret: "%s" % secret,  # noqa: UP031 (the formatting a log record uses)
    "percent %r": lambda secret: "%r" % secret,  # noqa: UP031
    "in a list": lambda secret: str([secret]),
    "in a dict": lambda secret: repr({"password": secret}),
}


@pytest.mark.parametrize("display", _DISPLAYS.values(), ids=_DISPLAYS.keys())
def test_no_display_shows_the_value(display: Callable[[Secret[str]], str]) -> None:
    shown = display(Secret(_VALUE))

    assert _VALUE not in shown
    assert _MASK in shown


def test_reveal_gives_the_value() -> None:
    assert Secret(_VALUE).reveal() == _VALUE
    assert Secret(b"\x00\xff").reveal() == b"\x00\xff"


def test_a_secret_holds_only_text_or_bytes() -> None:
    with pytest.raises(TypeError, match="str or bytes, not int"):
        Secret(1234)  # type: ignore[type-var]


def test_secrets_with_equal_values_are_equal_and_hash_alike() -> None:
    assert Secret("größe") == Secret("größe")
    assert hash(Secret("größe")) == hash(Secret("größe"))
    assert Secret("a") != Secret("b")
    assert Secret("a") != Secret(b"a")
    assert Secret("a") != "a"


def test_a_log_record_with_the_secret_as_an_argument_does_not_show_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("tests.security")

    with caplog.at_level(logging.INFO, logger="tests.security"):
        logger.info("login with %s (%r)", Secret(_VALUE), Secret(_VALUE))
        logger.info("settings %(password)s", {"password": Secret(_VALUE)})

    records = caplog.records
    assert len(records) == 2
    assert _VALUE not in caplog.text
    assert [record.getMessage() for record in records] == [
        f"login with {_MASK} (Secret('{_MASK}'))",
        f"settings {_MASK}",
    ]
    # A JSON log formatter that falls back to str() for unknown arguments shows the mask too.
    assert _VALUE not in json.dumps([record.args for record in records], default=str)


def test_a_model_holding_secrets_dumps_the_mask_to_json() -> None:
    credentials = Credentials.model_validate(
        {"user": "ada", "password": _VALUE, "key": b"raw-key-bytes"}
    )

    dumped = credentials.model_dump_json()

    assert json.loads(dumped) == {"user": "ada", "password": _MASK, "key": _MASK}
    assert credentials.model_dump(mode="json")["password"] == _MASK


def test_a_model_holding_secrets_dumps_the_secret_itself_in_python_mode() -> None:
    credentials = Credentials(user="ada", password=Secret(_VALUE))

    dumped = credentials.model_dump()

    assert dumped["password"] == Secret(_VALUE)
    assert _VALUE not in str(dumped)
    assert _VALUE not in repr(credentials)
    assert Credentials.model_validate(dumped) == credentials


def test_a_model_reads_plain_values_from_json() -> None:
    credentials = Credentials.model_validate_json('{"user": "ada", "password": "pw", "key": "k€y"}')

    assert credentials.password.reveal() == "pw"
    assert credentials.key == Secret("k€y".encode())


def test_a_secret_field_refuses_a_secret_of_the_other_kind() -> None:
    with pytest.raises(ValidationError) as caught:
        Credentials.model_validate({"user": "ada", "password": Secret(b"bytes")})

    assert [error["type"] for error in caught.value.errors()] == ["secret_type"]


def test_a_secret_without_a_type_argument_holds_text() -> None:
    bare: Any = Secret  # as written in an annotation without its type argument
    adapter: TypeAdapter[Secret[str]] = TypeAdapter(bare)

    assert adapter.validate_python("t") == Secret("t")
    assert adapter.dump_json(adapter.validate_json('"t"')) == f'"{_MASK}"'.encode()


def test_the_json_schema_describes_a_write_only_password() -> None:
    schema = TypeAdapter(Secret[str]).json_schema()

    assert schema == {"type": "string", "format": "password", "writeOnly": True}


def test_problem_details_built_from_an_error_never_show_the_value() -> None:
    error = KernelError("Login failed", details={"password": Secret(_VALUE)})

    assert _VALUE not in repr(error)
    assert _VALUE not in str(error)
    assert _VALUE not in json.dumps(dict(error.details), default=str)


def test_a_validation_failure_next_to_a_secret_does_not_show_it() -> None:
    failed = validate(Credentials, {"user": 42, "password": _VALUE}).failure()

    assert [e.loc for e in failed.field_errors] == [("user",)]
    assert _VALUE not in repr(failed.details)
    assert _VALUE not in failed.message


def test_copies_of_a_secret_keep_the_value_and_the_mask() -> None:
    secret = Secret(_VALUE)

    copies = [copy.copy(secret), copy.deepcopy(secret), pickle.loads(pickle.dumps(secret))]  # noqa: S301 (our own bytes)

    assert [c.reveal() for c in copies] == [_VALUE] * 3
    assert {repr(c) for c in copies} == {f"Secret('{_MASK}')"}
