"""The rules reads and writes share: the request's tenant, the tenant an object claims, ids.

Every read is filtered, and every write constrained in its statement, by the tenant of the
request context, never by the tenant an object claims: an object that claims another tenant
is refused, and an id no store can hold names nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from creativeflow_shared.application._context import current_context
from creativeflow_shared.application._storable import storable
from creativeflow_shared.domain import ForbiddenError, comparable

if TYPE_CHECKING:
    from creativeflow_shared.application.ports import Storage
    from creativeflow_shared.domain import AggregateRoot

__all__ = ["check_tenant", "holds_id", "request_tenant"]

_TENANT_FIELD = "tenant_id"


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


def holds_id(storage: Storage, key: object) -> bool:
    """Whether ``key`` is an id of ``storage``'s type that a store can hold."""
    kind = storage.id_type
    if kind is not None and not isinstance(key, kind):
        return False
    if type(key) is bool and kind is not bool:
        return False  # True is an int in Python, not an id a database compares as one
    return type(key) is UUID or storable(key)
