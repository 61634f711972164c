"""A value that never shows itself: ``Secret`` hides in reprs, strings, dumps and logs."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Generic, TypeVar, cast, final, get_args

from pydantic_core import core_schema
from typing_extensions import override

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue

__all__ = ["MASK", "Secret", "as_bytes"]

#: What a secret shows instead of its value, wherever it is displayed or dumped to JSON.
MASK = "**********"

S = TypeVar("S", str, bytes)


def as_bytes(value: str | bytes) -> bytes:
    """Return ``value`` as bytes: text as UTF-8, lone surrogates included (it never raises)."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value


@final
class Secret(Generic[S]):
    """A password, key or token that shows only ``**********`` until asked for by name.

    ``repr``, ``str``, ``format``, f-strings, ``%``-formatting in log records and pydantic's
    JSON dumps all show the mask; ``reveal()`` returns the value. Two secrets compare equal, in
    constant time, when their values are equal. A pydantic field typed ``Secret[str]`` (or
    ``Secret[bytes]``) accepts the plain value and dumps to the mask in JSON mode and to the
    ``Secret`` itself in Python mode (whose repr is masked too).

    Examples:
        >>> key = Secret("hunter2")
        >>> key, str(key), f"{key:>12}"
        (Secret('**********'), '**********', '**********')
        >>> key.reveal()
        'hunter2'
        >>> key == Secret("hunter2")
        True
    """

    __slots__ = ("_value",)

    def __init__(self, value: S) -> None:
        """Hold ``value``, a ``str`` or ``bytes``.

        Raises:
            TypeError: If ``value`` is neither text nor bytes.
        """
        if not isinstance(value, (str, bytes)):  # pyright: ignore[reportUnnecessaryIsInstance]
            msg = f"Secret holds str or bytes, not {type(value).__name__}"
            raise TypeError(msg)
        self._value: S = value

    def reveal(self) -> S:
        """Return the value: the one place where a secret shows itself."""
        return self._value

    @override
    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    @override
    def __str__(self) -> str:
        return MASK

    @override
    def __format__(self, format_spec: str) -> str:
        # The format spec is ignored: a width or a conversion must not show the value either.
        return MASK

    @override
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        theirs = cast("Secret[str] | Secret[bytes]", other).reveal()
        if type(theirs) is not type(self._value):
            return False
        return hmac.compare_digest(as_bytes(self._value), as_bytes(theirs))

    @override
    def __hash__(self) -> int:
        return hash((Secret, self._value))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate the plain value (or a ``Secret`` of it); dump to the mask in JSON."""
        kind: type[str | bytes] = next(iter(get_args(source)), str)
        wrap = core_schema.no_info_after_validator_function(cls, handler.generate_schema(kind))

        def same_kind(value: Secret[str] | Secret[bytes]) -> Secret[str] | Secret[bytes]:
            if not isinstance(value.reveal(), kind):
                msg = f"Expected a secret of {kind.__name__}"
                raise ValueError(msg)  # noqa: TRY004 (pydantic turns ValueError, not TypeError, into a field error)
            return value

        keep = core_schema.no_info_after_validator_function(
            same_kind, core_schema.is_instance_schema(cls)
        )
        return core_schema.json_or_python_schema(
            json_schema=wrap,
            python_schema=core_schema.union_schema(
                [keep, wrap],
                custom_error_type="secret_type",
                custom_error_message=f"Input should be {kind.__name__} or a Secret of it",
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(_dump, info_arg=True),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe the field as a write-only password string."""
        return {"type": "string", "format": "password", "writeOnly": True}


def _dump(value: Secret[str] | Secret[bytes], info: core_schema.SerializationInfo) -> object:
    return MASK if info.mode_is_json() else value
