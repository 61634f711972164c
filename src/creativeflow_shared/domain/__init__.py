"""The domain kernel: DDD building blocks with no I/O.

Value objects, typed identities, entities, aggregate roots, domain events with their registry,
the error tree, ``Result`` helpers and specifications. This package depends on the standard
library, pydantic and returns only; importing it never imports SQLAlchemy or a driver.
"""

from creativeflow_shared.domain._aggregate import AggregateRoot
from creativeflow_shared.domain._attribute import Attribute, where
from creativeflow_shared.domain._clock import (
    Clock,
    FixedClock,
    SystemClock,
    current_clock,
    use_clock,
    utc_now,
)
from creativeflow_shared.domain._comparable import comparable, comparable_type, value_at
from creativeflow_shared.domain._currency import Currency
from creativeflow_shared.domain._email import Email
from creativeflow_shared.domain._entity import Entity
from creativeflow_shared.domain._errors import (
    AlreadyExistsError,
    BusinessRuleViolationError,
    ConcurrencyConflictError,
    CurrencyMismatchError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    KernelError,
    NotFoundError,
    UnauthorizedError,
    UnavailableError,
    UnknownEventTypeError,
)
from creativeflow_shared.domain._event import DomainEvent
from creativeflow_shared.domain._event_registry import EventRegistry, Upcaster, event_registry
from creativeflow_shared.domain._identity import Identity
from creativeflow_shared.domain._money import Money
from creativeflow_shared.domain._percentage import Percentage
from creativeflow_shared.domain._result import (
    and_then,
    at,
    collect,
    collect_async,
    combine,
    validate,
)
from creativeflow_shared.domain._sort_key import SortKey
from creativeflow_shared.domain._specification import (
    And,
    Comparison,
    IsNull,
    Not,
    Operator,
    Or,
    Specification,
)
from creativeflow_shared.domain._text import NonEmptyStr, Slug
from creativeflow_shared.domain._time_range import TimeRange
from creativeflow_shared.domain._uuid7 import uuid7
from creativeflow_shared.domain._value_object import ScalarValue, ValueObject

__all__ = [
    "AggregateRoot",
    "AlreadyExistsError",
    "And",
    "Attribute",
    "BusinessRuleViolationError",
    "Clock",
    "Comparison",
    "ConcurrencyConflictError",
    "Currency",
    "CurrencyMismatchError",
    "DomainEvent",
    "Email",
    "Entity",
    "EventRegistry",
    "FieldError",
    "FixedClock",
    "ForbiddenError",
    "Identity",
    "InvalidInputError",
    "IsNull",
    "KernelError",
    "Money",
    "NonEmptyStr",
    "Not",
    "NotFoundError",
    "Operator",
    "Or",
    "Percentage",
    "ScalarValue",
    "Slug",
    "SortKey",
    "Specification",
    "SystemClock",
    "TimeRange",
    "UnauthorizedError",
    "UnavailableError",
    "UnknownEventTypeError",
    "Upcaster",
    "ValueObject",
    "and_then",
    "at",
    "collect",
    "collect_async",
    "combine",
    "comparable",
    "comparable_type",
    "current_clock",
    "event_registry",
    "use_clock",
    "utc_now",
    "uuid7",
    "validate",
    "value_at",
    "where",
]
