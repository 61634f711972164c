"""The rules reads and writes share: the request's tenant, the tenant an object claims, ids.

Every read is filtered, and every write constrained in its statement, by the tenant of the
request context, never by the tenant an object claims: an object that claims another tenant
is refused, an id is read as the repository's id type, and an id no store can hold names
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from pydantic import TypeAdapter, ValidationError

from creativeflow_shared.application._context import current_context
from creativeflow_shared.application._storable import storable
from creativeflow_shared.domain import ForbiddenError, InvalidInputError, comparable

if TYPE_CHECKING:
    from creativeflow_shared.application.ports import Storage
    from creativeflow_shared.domain import AggregateRoot

__all__ = ["check_tenant", "holds_id", "id_key", "request_tenant"]

_TENANT_FIELD = "tenant_id"
#: Where ``id_key`` keeps the declared id type and its validator (in ``Storage.info``).
_DECLARED_ID = object()
_ID_ADAPTER = object()
_UNKNOWN = object()


def request_tenant(storage: Storage) -> str | None:
    """Return the tenant whose records ``storage``'s repository may touch now.

    ``None`` for aggregates no tenant owns.

    Raises:
        ForbiddenError: If the aggregate is tenant-owned and the request context has no
            tenant.
    """
    if not storage.tenant_owned:
        return None
    tenant = current_context().tenant_id
    if tenant is None:
        msg = f"{storage.resource_name} is tenant-owned: set a tenant in the request context"
        raise ForbiddenError(msg)
    return tenant


def check_tenant(storage: Storage, aggregate: AggregateRoot[Any], tenant: str | None) -> None:
    """Refuse an aggregate that claims another tenant than ``tenant`` (the request's).

    Raises:
        ForbiddenError: If it does.
    """
    if tenant is not None and str(comparable(getattr(aggregate, _TENANT_FIELD))) != tenant:
        msg = f"{storage.resource_name} '{aggregate.id}' belongs to another tenant"
        raise ForbiddenError(msg)


def id_key(storage: Storage, id_: object) -> object:
    """Return the key ``id_`` names: the comparable form of an id of the repository's type.

    Ids arrive as the repository's id type or, from the wire (a path parameter, say), as
    text, which is read as that type: ``"0192…"`` names the same aggregate as the id it
    spells. Every adapter gets the same key, so every adapter gives the same answer.

    Raises:
        InvalidInputError: If ``id_`` is text that spells no id of that type, or a value of
            another type (an id of another aggregate type included: the same UUID names
            another thing there).
    """
    declared = storage.info.get(_DECLARED_ID, _UNKNOWN)
    if declared is _UNKNOWN:
        declared = storage.info[_DECLARED_ID] = storage.aggregate_class.model_fields[
            "id"
        ].annotation
    if _is_declared_type(declared, storage.id_type, id_):
        return comparable(id_)
    name = getattr(declared, "__name__", str(declared))
    if isinstance(id_, str):
        try:
            return comparable(_id_adapter(storage).validate_python(id_))
        except ValidationError:
            # The text itself stays out of the message: it is whatever a client sent.
            msg = f"{storage.resource_name} ids are {name}s; this text is not one"
            raise InvalidInputError.single(msg, loc=("id",), error_type="id_parsing") from None
    msg = f"{storage.resource_name} ids are {name}s, not {type(id_).__name__}"
    raise InvalidInputError.single(msg, loc=("id",), error_type="id_type")


def _is_declared_type(declared: object, primitive: type | None, id_: object) -> bool:
    if type(id_) is bool and declared is not bool:
        return False  # True is an int in Python, not an id a database compares as one
    if isinstance(declared, type):
        return isinstance(id_, declared)
    # An annotation that is no class (a ``NewType``, a union): text is read as it, other
    # values are judged by the type they compare as, where there is one.
    if isinstance(id_, str):
        return False
    return primitive is None or isinstance(comparable(id_), primitive)


def _id_adapter(storage: Storage) -> TypeAdapter[Any]:
    adapter = storage.info.get(_ID_ADAPTER)
    if adapter is None:
        # With the field's constraints (``Field(ge=0)``, say): they hold for text too.
        declared: Any = storage.aggregate_class.model_fields["id"].rebuild_annotation()
        adapter = storage.info[_ID_ADAPTER] = TypeAdapter[Any](declared)
    return cast("TypeAdapter[Any]", adapter)


def holds_id(key: object) -> bool:
    """Whether a store can hold ``key`` (an id's comparable form, see ``id_key``)."""
    return type(key) is UUID or storable(key)
