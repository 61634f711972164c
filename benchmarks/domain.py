"""Cases for the domain kernel: value objects, event serialization and import time.

Each baseline is plain pydantic doing the same work: the same fields, constraints and
validator functions, and the same model configuration (frozen, extra fields forbidden), so that
a ratio above 1 is what the library's own layer costs. The library's private validator
functions and tables are imported on purpose: sharing them is what guarantees that both sides
validate identically.
"""

# Private names are imported on purpose (see the module docstring).
# pyright: reportPrivateUsage=false

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from operator import eq
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from creativeflow_shared.domain import DomainEvent, Email, Money, event_registry, utc_now, uuid7
from creativeflow_shared.domain._currency import _MINOR_UNITS, _known, _upper
from creativeflow_shared.domain._email import _check
from creativeflow_shared.domain._money import _EXACT, _LIMIT
from creativeflow_shared.domain._validators import exact_decimal_input, to_utc

from ._harness import Case, ProcessCase

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["cases", "process_cases"]

# -- plain pydantic twins of the library's values ---------------------------------------------


class PlainCurrency(RootModel[Annotated[str, BeforeValidator(_upper), AfterValidator(_known)]]):
    """``Currency`` as a plain frozen root model with the same validators."""

    model_config = ConfigDict(frozen=True)


class PlainMoney(BaseModel):
    """``Money`` as a plain frozen model with the same fields, constraints and validators."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    currency: PlainCurrency
    amount: Annotated[
        Decimal,
        BeforeValidator(exact_decimal_input),
        Field(allow_inf_nan=False, gt=-_LIMIT, lt=_LIMIT),
    ]

    @field_validator("amount")
    @classmethod
    def _respect_minor_units(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        # The same steps as Money's validator, reading the same table of minor units.
        currency = info.data.get("currency")
        if not isinstance(currency, PlainCurrency):
            return amount
        minor_units = _MINOR_UNITS[currency.root]
        quantum = Decimal(1).scaleb(-minor_units, context=_EXACT)
        quantized = amount.quantize(quantum, context=_EXACT)
        if quantized != amount:
            msg = f"{currency.root} amounts have at most {minor_units} decimal places"
            raise ValueError(msg)
        return quantized.copy_abs() if quantized.is_zero() else quantized


class PlainEmail(
    RootModel[
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
            AfterValidator(_check),
        ]
    ]
):
    """``Email`` as a plain frozen root model with the same constraints and validator."""

    model_config = ConfigDict(frozen=True)


class OrderPlaced(DomainEvent, event_type="bench.order_placed"):
    """A registered event with the field kinds events usually carry."""

    order_id: UUID
    customer: str
    quantity: int
    total: Money


class PlainOrderPlaced(BaseModel):
    """``OrderPlaced`` as a plain frozen model: the same fields, in the same order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(default_factory=uuid7)
    occurred_at: Annotated[AwareDatetime, AfterValidator(to_utc)] = Field(default_factory=utc_now)
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    order_id: UUID
    customer: str
    quantity: int
    total: PlainMoney


# -- inputs -----------------------------------------------------------------------------------

# Typed loosely so that both models accept the raw input exactly as a caller would pass it.
_MONEY_INPUT: dict[str, Any] = {"currency": "EUR", "amount": "10.50"}
_EMAIL_INPUT = "ada@example.com"
_EVENT_INPUT: dict[str, Any] = {
    "event_id": UUID("0190a6b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"),
    "occurred_at": datetime(2026, 3, 14, 15, 9, 26, 535000, tzinfo=UTC),
    "aggregate_type": "Order",
    "aggregate_id": "0190a6b2-3c4d-7e5f-8a9b-0c1d2e3f4a5c",
    "order_id": UUID("0190a6b2-3c4d-7e5f-8a9b-0c1d2e3f4a5c"),
    "customer": "Ada Lovelace",
    "quantity": 3,
}


def _construct_eq_hash(make: Callable[[], object]) -> Callable[[], object]:
    """Return a callable that builds two equal values, compares them and hashes both."""

    def run() -> object:
        first, second = make(), make()
        return first == second and hash(first) == hash(second)

    return run


def _value_object_cases() -> list[Case]:
    money, plain_money = partial(Money, **_MONEY_INPUT), partial(PlainMoney, **_MONEY_INPUT)
    email, plain_email = partial(Email, _EMAIL_INPUT), partial(PlainEmail, _EMAIL_INPUT)
    pairs: tuple[tuple[str, Callable[[], BaseModel], Callable[[], BaseModel]], ...] = (
        ("Money", money, plain_money),
        ("Email", email, plain_email),
    )
    built: list[Case] = []
    for label, library, baseline in pairs:
        # Both sides must agree on what they build before they are compared for speed.
        assert library() == library()
        assert baseline() == baseline()
        assert library().model_dump_json() == baseline().model_dump_json()
        built.append(
            Case(
                name=f"value object construct: {label}",
                library=library,
                baseline=baseline,
                target=1.10,
                baseline_label=f"frozen pydantic model, same validators: Plain{label}(...)",
            )
        )
    instances = [
        (label, library(), library(), baseline(), baseline()) for label, library, baseline in pairs
    ]
    built.extend(
        Case(
            name=f"value object __eq__: {label}",
            library=partial(eq, first, second),
            baseline=partial(eq, plain_first, plain_second),
            target=1.00,
            baseline_label="pydantic's __eq__ on an equal pair",
        )
        for label, first, second, plain_first, plain_second in instances
    )
    built.extend(
        Case(
            name=f"value object __hash__: {label}",
            library=partial(hash, first),
            baseline=partial(hash, plain_first),
            target=1.10,
            baseline_label="pydantic's frozen-model __hash__",
        )
        for label, first, _, plain_first, _ in instances
    )
    built.extend(
        Case(
            name=f"value object construct+eq+hash: {label}",
            library=_construct_eq_hash(library),
            baseline=_construct_eq_hash(baseline),
            target=1.10,
            baseline_label="the same three steps on the plain model",
        )
        for label, library, baseline in pairs
    )
    return built


def _event_case() -> Case:
    event = OrderPlaced(**_EVENT_INPUT, total=Money(**_MONEY_INPUT))
    plain = PlainOrderPlaced(**_EVENT_INPUT, total=PlainMoney(**_MONEY_INPUT))

    def library() -> object:
        return event_registry.from_json(event_registry.to_json(event))

    def baseline() -> object:
        return PlainOrderPlaced.model_validate_json(plain.model_dump_json())

    assert event_registry.from_json(event_registry.to_json(event)).unwrap() == event
    assert PlainOrderPlaced.model_validate_json(plain.model_dump_json()) == plain
    return Case(
        name="event JSON round trip",
        library=library,
        baseline=baseline,
        target=1.25,
        baseline_label="model_validate_json(model_dump_json()) on a plain model",
    )


def cases() -> list[Case]:
    """Return the in-process cases, each checked to do the same work on both sides."""
    return [*_value_object_cases(), _event_case()]


# -- import time ------------------------------------------------------------------------------

_DOMAIN_IMPORT = "import creativeflow_shared.domain"
#: Exactly the pydantic and returns names the domain package imports. A module that defines a
#: pydantic model loads pydantic's plugin discovery and validator machinery, which importing
#: ``BaseModel`` alone leaves for later; this is the fair floor for the domain.
_PYDANTIC_AS_THE_DOMAIN_USES_IT = (
    "from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, "
    "ConfigDict, Field, PrivateAttr, RootModel, StringConstraints, TypeAdapter, "
    "ValidationError, ValidationInfo, create_model, field_validator, model_validator; "
    "from pydantic_core import from_json; import returns.result"
)
_BARE_PYDANTIC = "from pydantic import BaseModel; import returns.result"


def process_cases() -> list[ProcessCase]:
    """Return the cases timed in fresh interpreters."""
    return [
        ProcessCase(
            name="domain import time",
            library=_DOMAIN_IMPORT,
            baseline=_PYDANTIC_AS_THE_DOMAIN_USES_IT,
            target=1.20,
            baseline_label="the pydantic names the domain imports + returns.result",
        ),
        ProcessCase(
            name="domain import time vs bare BaseModel",
            library=_DOMAIN_IMPORT,
            baseline=_BARE_PYDANTIC,
            target=None,
            baseline_label="from pydantic import BaseModel; import returns.result",
        ),
    ]
