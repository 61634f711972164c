"""The registry that maps stable event type names to classes, with upcasters for old payloads."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    TypeVar,
    Union,
    cast,
)

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model
from pydantic_core import from_json, to_json
from returns.result import Failure, Result, Success

from creativeflow_shared.domain._errors import (
    FieldError,
    InvalidInputError,
    UnknownEventTypeError,
)
from creativeflow_shared.domain._event import on_definition
from creativeflow_shared.domain._non_finite import reads_non_finite

if TYPE_CHECKING:
    from collections.abc import Mapping

    from creativeflow_shared.domain._event import DomainEvent

__all__ = ["EventRegistry", "Upcaster", "event_registry"]

#: A pure function that turns the payload of one schema version into the next version's.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
U = TypeVar("U", bound=Upcaster)

_ENVELOPE_ORDER = ("event_type", "schema_version", "payload")
_ENVELOPE_KEYS = frozenset(_ENVELOPE_ORDER)
_MISSING = object()
# Dynamic ``Literal[...]`` and ``Union[...]`` forms are built from runtime values on purpose.
_literal = cast("Any", Literal)
_union = cast("Any", Union)
_annotated = cast("Any", Annotated)


def _may_hold_constants(data: str | bytes | bytearray) -> bool:
    if isinstance(data, str):
        return "NaN" in data or "Infinity" in data
    return b"NaN" in data or b"Infinity" in data


def _invalid(message: str, *loc: str | int) -> Failure[InvalidInputError]:
    return Failure(InvalidInputError.single(message, loc=loc))


def _part_errors(event_type: object, schema_version: object, payload: object) -> list[FieldError]:
    """Check the three parts of a stored event, reporting every problem at once."""
    checks = (
        ("event_type", event_type, isinstance(event_type, str), "a string"),
        (
            "schema_version",
            schema_version,
            type(schema_version) is int and schema_version >= 1,
            "an integer >= 1",
        ),
        ("payload", payload, isinstance(payload, dict), "a JSON object"),
    )
    return [
        FieldError((key,), "Field required", "missing")
        if value is _MISSING
        else FieldError((key,), f"{key} must be {expected}", "type_error")
        for key, value, valid, expected in checks
        if not valid
    ]


class EventRegistry:
    """Maps event type names to event classes and reads serialized events back.

    The wire form of an event is
    ``{"event_type": "...", "schema_version": N, "payload": {...}}``. Reading never raises:
    garbage, unknown types and payloads that no longer validate come back as ``Failure``.
    Payloads of older schema versions pass through the registered upcasters, one version at a
    time, before they are validated against the current class.

    Examples:
        >>> registry = EventRegistry()
        >>> registry.from_json(b"not json").failure().code
        'invalid_input'
    """

    def __init__(self) -> None:
        """Create an empty registry."""
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._headers: dict[type[DomainEvent], bytes] = {}
        self._adapter: TypeAdapter[Any] | None = None
        self._lenient = True  # until the adapter is built: whether a class reads NaN unchecked
        self._lock = threading.Lock()

    # -- registration -------------------------------------------------------------------------
    def register(self, event_class: type[DomainEvent]) -> None:
        """Add an event class under its ``event_type``.

        Raises:
            TypeError: If the name is empty or another class already uses it.
        """
        name = event_class.event_type
        if not name:
            msg = f"{event_class.__qualname__} needs a non-empty event_type"
            raise TypeError(msg)
        with self._lock:
            existing = self._classes.get(name)
            if existing is not None:
                msg = (
                    f"event_type {name!r} of {event_class.__module__}.{event_class.__qualname__}"
                    f" is already used by {existing.__module__}.{existing.__qualname__}"
                )
                raise TypeError(msg)
            self._classes[name] = event_class
            self._adapter = None

    def add_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        """Register ``upcaster`` to turn payloads of ``from_version`` into ``from_version + 1``.

        Raises:
            LookupError: If no class is registered for ``event_type``.
            ValueError: If ``from_version`` is not below the class's current version, or an
                upcaster for that step exists already.
        """
        event_class = self._classes.get(event_type)
        if event_class is None:
            msg = f"no event class is registered for {event_type!r}"
            raise LookupError(msg)
        if not 1 <= from_version < event_class.schema_version:
            msg = (
                f"an upcaster for {event_type!r} must start from a version between 1 and "
                f"{event_class.schema_version - 1}, got {from_version}"
            )
            raise ValueError(msg)
        if (event_type, from_version) in self._upcasters:
            msg = f"{event_type!r} already has an upcaster from version {from_version}"
            raise ValueError(msg)
        self._upcasters[event_type, from_version] = upcaster

    def upcaster(self, event_type: str, *, from_version: int) -> Callable[[U], U]:
        """Register the decorated function as an upcaster (see ``add_upcaster``).

        Examples:
            >>> from creativeflow_shared.domain import DomainEvent
            >>> class PromptSubmitted(DomainEvent, event_type="doc.prompt", schema_version=2):
            ...     text: str
            >>> @event_registry.upcaster("doc.prompt", from_version=1)
            ... def rename_prompt(payload: dict[str, object]) -> dict[str, object]:
            ...     payload["text"] = payload.pop("prompt")
            ...     return payload
            >>> old = {"prompt": "a cat", "occurred_at": "2026-01-01T00:00:00Z"}
            >>> event_registry.from_payload("doc.prompt", 1, old).unwrap().text
            'a cat'
        """

        def decorate(function: U) -> U:
            self.add_upcaster(event_type, from_version, function)
            return function

        return decorate

    def get(self, event_type: str) -> type[DomainEvent] | None:
        """Return the class registered for ``event_type``, or ``None``."""
        return self._classes.get(event_type)

    def __contains__(self, event_type: object) -> bool:
        """Whether a class is registered for ``event_type``."""
        return event_type in self._classes

    @property
    def event_types(self) -> frozenset[str]:
        """Every registered event type name."""
        return frozenset(self._classes)

    # -- writing ------------------------------------------------------------------------------
    def to_json(self, event: DomainEvent) -> bytes:
        """Serialize ``event`` with its type and schema version (UTF-8 JSON).

        Raises:
            LookupError: If the event's class is not registered here.
        """
        event_class = type(event)
        header = self._headers.get(event_class)
        if header is None:
            header = self._header(event_class)
        return b"".join((header, event_class.__pydantic_serializer__.to_json(event), b"}"))

    def to_payload(self, event: DomainEvent) -> dict[str, Any]:
        """Return the event's fields as JSON-compatible data (the payload alone)."""
        return event.model_dump(mode="json")

    def _header(self, event_class: type[DomainEvent]) -> bytes:
        if self._classes.get(event_class.event_type) is not event_class:
            msg = f"{event_class.__qualname__} is not registered in this registry"
            raise LookupError(msg)
        header = (
            f'{{"event_type":{to_json(event_class.event_type).decode()},'
            f'"schema_version":{event_class.schema_version},"payload":'
        ).encode()
        self._headers[event_class] = header
        return header

    # -- reading ------------------------------------------------------------------------------
    def from_json(self, data: object) -> Result[DomainEvent, InvalidInputError]:
        """Read an event written by ``to_json``, upcasting older schema versions.

        Returns:
            ``Success`` with the event as its registered class, or ``Failure`` with an
            ``InvalidInputError`` (``UnknownEventTypeError`` for unknown types or versions).
        """
        adapter = self._adapter or self._build_adapter()
        # pydantic's JSON parser reads the non-standard NaN and Infinity constants, and a field
        # it does not validate (``Any``, a plain model's float) keeps them. When a registered
        # class has such a field, text that may hold them takes the strict path (a string that
        # merely mentions them is read there too, correctly, only more slowly).
        if (
            adapter is not None
            and isinstance(data, str | bytes | bytearray)
            and not (self._lenient and _may_hold_constants(data))
        ):
            try:
                return Success(adapter.validator.validate_json(data).payload)
            except ValidationError:
                pass  # older versions and bad input take the slower path that explains why
        return self._read_envelope(data)

    def from_payload(
        self, event_type: object, schema_version: object, payload: object
    ) -> Result[DomainEvent, InvalidInputError]:
        """Build an event from its parts, as an outbox or a message stores them.

        Returns:
            ``Success`` with the event, or ``Failure`` with an ``InvalidInputError``
            (``UnknownEventTypeError`` for unknown types or versions).
        """
        problems = _part_errors(event_type, schema_version, payload)
        if problems:
            return Failure(InvalidInputError(problems))
        name, version = cast("str", event_type), cast("int", schema_version)
        event_class = self._classes.get(name)
        if event_class is None:
            return Failure(UnknownEventTypeError(name))
        if version > event_class.schema_version:
            reason = f"schema version {version} is newer than {event_class.schema_version}"
            return Failure(UnknownEventTypeError(name, reason))
        upcast = self._upcast(
            name, version, event_class.schema_version, cast("dict[str, Any]", payload)
        )
        if isinstance(upcast, Failure):
            return upcast
        return self._validate(event_class, upcast.unwrap())

    def _upcast(
        self, event_type: str, version: int, target: int, payload: Mapping[str, Any]
    ) -> Result[dict[str, Any], InvalidInputError]:
        if version == target:
            return Success(dict(payload))
        try:
            # Upcasters may change the payload in place; the caller's data must stay untouched.
            current = copy.deepcopy(dict(payload))
        except RecursionError:
            return _invalid("The payload is nested too deeply to upcast", "payload")
        for step in range(version, target):
            upcaster = self._upcasters.get((event_type, step))
            if upcaster is None:
                reason = f"no upcaster from schema version {step}"
                return Failure(UnknownEventTypeError(event_type, reason))
            name = getattr(upcaster, "__qualname__", repr(upcaster))
            try:
                upcast = cast("object", upcaster(current))
            except Exception as exc:  # noqa: BLE001 (reading never raises, whatever an upcaster does)
                # Mostly a stored payload without the shape the upcaster expects; whatever it
                # is, the reader gets a Failure that names the upcaster, not an exception.
                return _invalid(
                    f"the upcaster {name} from version {step} failed: {exc!r}", "payload"
                )
            if not isinstance(upcast, dict):
                return _invalid(
                    f"the upcaster {name} from version {step} did not return a dict", "payload"
                )
            current = cast("dict[str, Any]", upcast)
        return Success(current)

    @staticmethod
    def _validate(
        event_class: type[DomainEvent], payload: dict[str, Any]
    ) -> Result[DomainEvent, InvalidInputError]:
        try:
            return Success(event_class.model_validate(payload))
        except ValidationError as exc:
            return Failure(InvalidInputError.from_validation_error(exc).prefixed("payload"))

    def _read_envelope(self, data: object) -> Result[DomainEvent, InvalidInputError]:
        if not isinstance(data, str | bytes | bytearray):
            return _invalid("A serialized event must be JSON text")
        if isinstance(data, str):
            try:
                data = data.encode()
            except UnicodeEncodeError:  # lone surrogates: not text any JSON parser accepts
                return _invalid("A serialized event must be valid Unicode text")
        try:
            # JSON has no NaN or Infinity; pydantic's parser would accept them.
            envelope = from_json(data, allow_inf_nan=False)
        except ValueError as exc:
            return _invalid(f"Not valid JSON: {exc}")
        if not isinstance(envelope, dict):
            return _invalid("A serialized event must be a JSON object")
        envelope = cast("dict[str, Any]", envelope)
        problems = [
            FieldError((key,), "Extra inputs are not permitted", "extra_forbidden")
            for key in sorted(envelope.keys() - _ENVELOPE_KEYS)
        ]
        problems += _part_errors(*(envelope.get(key, _MISSING) for key in _ENVELOPE_ORDER))
        if problems:
            return Failure(InvalidInputError(problems))
        return self.from_payload(*(envelope[key] for key in _ENVELOPE_ORDER))

    def _build_adapter(self) -> TypeAdapter[Any] | None:
        # One discriminated union over per-type envelopes lets pydantic-core pick the class and
        # validate the JSON in one pass: the fast path for current-version events.
        with self._lock:
            if self._adapter is not None or not self._classes:
                return self._adapter
            envelopes = tuple(_envelope(event_class) for event_class in self._classes.values())
            self._lenient = any(reads_non_finite(c) for c in self._classes.values())
            if len(envelopes) == 1:
                self._adapter = TypeAdapter(envelopes[0])
            else:
                union = _annotated[_union[envelopes], Field(discriminator="event_type")]
                self._adapter = TypeAdapter(union)
            return self._adapter


def _envelope(event_class: type[DomainEvent]) -> type[BaseModel]:
    """Build the wire envelope model that holds the current version of ``event_class``."""
    version = event_class.schema_version
    return create_model(
        f"{event_class.__name__}Envelope",
        __config__=ConfigDict(extra="forbid"),
        event_type=(_literal[event_class.event_type], ...),
        # A strict int pinned to the current version: JSON ``true`` or ``1.0`` is not version
        # 1 (a ``Literal`` would accept both).
        schema_version=(int, Field(strict=True, ge=version, le=version)),
        payload=(event_class, ...),
    )


#: The registry every ``DomainEvent`` subclass joins when it is defined.
event_registry = EventRegistry()
on_definition(event_registry.register)
