"""The attributes of a CloudEvent as this library reads them, one rule per attribute.

Structured JSON and binary AMQP carry the same attributes in different value forms: a
timestamp is RFC 3339 text in JSON, and text, an AMQP timestamp or the client's datetime in
AMQP application properties; the data is a JSON member in one and the message body in the
other. Each form has its table of decoders here, and both feed the one reader, so that every
rule (what an id, a tenant or a schema version may be) is written once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple, cast

from pydantic_core import from_json
from returns.result import Failure, Result, Success

from creativeflow_shared.application._context import RequestContext
from creativeflow_shared.application._storable import storable
from creativeflow_shared.domain import FieldError, InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "AMQP_ATTRIBUTES",
    "JSON_ATTRIBUTES",
    "SPEC_VERSION",
    "decode_json",
    "invalid",
    "read_attributes",
]

#: The only CloudEvents version this library writes and reads.
SPEC_VERSION: Final = "1.0"
#: The largest CloudEvents ``Integer`` (a signed 32-bit number).
_INTEGER_MAX: Final = 2**31 - 1
#: The canonical string form of a CloudEvents ``Integer``: no sign but ``-``, no leading zero.
_INTEGER_TEXT: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,9})")
#: Media types whose content is JSON: ``application/json``, ``text/json``, ``…+json``.
_JSON_MEDIA_TYPE: Final = re.compile(
    r"(?:application|text)/(?:[a-z0-9!#$&^_.+-]+\+)?json[ \t]*(?:;.*)?",
    re.IGNORECASE | re.ASCII | re.DOTALL,
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MISSING: Final = object()


class _RefusedError(Exception):
    """A value an attribute does not take (caught by the reader, never raised past it)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def invalid(message: str, *loc: str | int) -> Failure[InvalidInputError]:
    """Return a ``Failure`` with one problem at ``loc``."""
    return Failure(InvalidInputError.single(message, loc=loc))


def decode_json(data: object) -> Result[object, str]:
    """Decode UTF-8 JSON text (bytes or str) without raising; NaN and Infinity are refused.

    Returns:
        ``Success`` with the decoded value, or ``Failure`` with the reason, worded to follow
        the name of what was decoded ("… is not valid JSON").
    """
    if isinstance(data, str):
        try:
            data = data.encode()
        except UnicodeEncodeError:  # lone surrogates: not text any JSON parser accepts
            return Failure("must be valid Unicode text")
    if not isinstance(data, bytes | bytearray):
        return Failure("must be JSON text (bytes or str)")
    try:
        return Success(from_json(data, allow_inf_nan=False))
    except ValueError as exc:
        return Failure(f"is not valid JSON: {exc}")


# -- one decoder per kind of value ------------------------------------------------------------
def _spec_version(value: object) -> str:
    if not (isinstance(value, str) and value == SPEC_VERSION):
        msg = f"must be {SPEC_VERSION!r}, the only CloudEvents version read here"
        raise _RefusedError(msg, "literal_error")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        msg = "must be a string"
        raise _RefusedError(msg, "string_type")
    if not value:
        msg = "must not be empty"
        raise _RefusedError(msg, "string_too_short")
    # Every attribute may end up in a request context and from there in outbox headers.
    if not storable(value):
        msg = "must be valid text without NUL characters"
        raise _RefusedError(msg, "string_unstorable")
    return value


def _tenant(value: object) -> str:
    text = _text(value)
    try:  # the request context owns the rule for tenant ids: ask it
        RequestContext(correlation_id=text, tenant_id=text)
    except ValueError as exc:
        raise _RefusedError(str(exc), "tenant_id") from None
    return text


def _json_media_type(value: object) -> str:
    text = _text(value)
    if not _JSON_MEDIA_TYPE.fullmatch(text):
        msg = "must be a JSON media type such as 'application/json'"
        raise _RefusedError(msg, "content_type")
    return text


def _integer(minimum: int) -> Callable[[object], int]:
    def decode(value: object) -> int:
        # Binary modes may carry an Integer in its canonical string form.
        if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
            value = int(value)
        if type(value) is not int:
            msg = "must be an integer"
            raise _RefusedError(msg, "int_type")
        if not minimum <= value <= _INTEGER_MAX:
            msg = f"must be between {minimum} and {_INTEGER_MAX}"
            raise _RefusedError(msg, "int_range")
        return value

    return decode


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        msg = "must carry a UTC offset"
        raise _RefusedError(msg, "timezone_aware")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-02:00 is after the last datetime in UTC
        msg = "is out of range"
        raise _RefusedError(msg, "datetime_range") from None


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        msg = "must be an RFC 3339 timestamp"
        raise _RefusedError(msg, "datetime_type")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        msg = "must be an RFC 3339 timestamp"
        raise _RefusedError(msg, "datetime_from_date_parsing") from None
    return _utc(moment)


def _amqp_timestamp(value: object) -> datetime:
    # The AMQP binding lets a sender use the native timestamp (milliseconds since the epoch,
    # which AMQP 0-9-1 clients hand over as a datetime) or the canonical string form.
    if isinstance(value, datetime):
        # A native AMQP timestamp is UTC; some clients hand it over without its zone.
        return _utc(value if value.tzinfo is not None else value.replace(tzinfo=UTC))
    if type(value) is int:
        try:
            return _EPOCH + timedelta(milliseconds=value)
        except OverflowError:
            msg = "is out of range"
            raise _RefusedError(msg, "datetime_range") from None
    return _timestamp(value)


def _data(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        msg = "must be a JSON object"
        raise _RefusedError(msg, "dict_type")
    return cast("dict[str, Any]", value)


def _body(value: object) -> dict[str, Any]:
    decoded = decode_json(value)
    if isinstance(decoded, Failure):
        raise _RefusedError(decoded.failure(), "json_invalid")
    return _data(decoded.unwrap())


# -- the tables -------------------------------------------------------------------------------
class _Attribute(NamedTuple):
    name: str  # on the wire
    field: str  # on the envelope
    decode: Callable[[object], object]
    required: bool


#: Every attribute the envelope keeps, in the order it writes them; others are ignored.
JSON_ATTRIBUTES: Final = (
    _Attribute("specversion", "specversion", _spec_version, required=True),
    _Attribute("id", "id", _text, required=True),
    _Attribute("source", "source", _text, required=True),
    _Attribute("type", "type", _text, required=True),
    _Attribute("time", "time", _timestamp, required=True),
    _Attribute("subject", "subject", _text, required=False),
    _Attribute("datacontenttype", "data_content_type", _json_media_type, required=False),
    _Attribute("schemaversion", "schema_version", _integer(1), required=True),
    _Attribute("aggregatetype", "aggregate_type", _text, required=False),
    _Attribute("aggregateversion", "aggregate_version", _integer(0), required=False),
    _Attribute("correlationid", "correlation_id", _text, required=False),
    _Attribute("causationid", "causation_id", _text, required=False),
    _Attribute("tenantid", "tenant_id", _tenant, required=False),
    _Attribute("actorid", "actor_id", _text, required=False),
    _Attribute("traceparent", "traceparent", _text, required=False),
    _Attribute("tracestate", "tracestate", _text, required=False),
    _Attribute("partitionkey", "partition_key", _text, required=False),
    _Attribute("data", "data", _data, required=True),
)
_AMQP_DECODERS: Final[dict[str, Callable[[object], object]]] = {
    "time": _amqp_timestamp,
    "data": _body,
}
#: The same attributes read from AMQP application properties, with the body as ``data``.
AMQP_ATTRIBUTES: Final = tuple(
    attribute._replace(decode=_AMQP_DECODERS.get(attribute.name, attribute.decode))
    for attribute in JSON_ATTRIBUTES
)


def read_attributes(
    attributes: Mapping[str, object], table: tuple[_Attribute, ...]
) -> Result[dict[str, Any], InvalidInputError]:
    """Decode the envelope's fields from wire attributes, reporting every problem at once.

    Returns:
        ``Success`` with the envelope's fields by name (without ``specversion``), or
        ``Failure`` with an ``InvalidInputError`` that locates each problem at its attribute.
    """
    fields: dict[str, Any] = {}
    problems: list[FieldError] = []
    for attribute in table:
        value = attributes.get(attribute.name, _MISSING)
        if value is _MISSING:
            if attribute.required:
                problems.append(FieldError((attribute.name,), "Field required", "missing"))
            continue
        try:
            fields[attribute.field] = attribute.decode(value)
        except _RefusedError as refused:
            message = f"{attribute.name} {refused}"
            problems.append(FieldError((attribute.name,), message, refused.kind))
    if problems:
        return Failure(InvalidInputError(problems, "Not a CloudEvent this library reads"))
    del fields["specversion"]
    return Success(fields)
