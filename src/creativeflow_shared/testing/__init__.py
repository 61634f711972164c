"""The public testing kit: in-memory storage, contract suites and Hypothesis strategies.

Services reuse these in their own property tests::

    from hypothesis import given
    from creativeflow_shared.domain import Money
    from creativeflow_shared.testing import money


    @given(price=money(currency="EUR"))
    def test_a_price_minus_itself_is_zero(price: Money) -> None:
        assert price.subtract(price).unwrap().is_zero

Importing this package (or Hypothesis itself, through its entry point) registers the
strategies with ``st.register_type_strategy``, so ``st.from_type(Email)``, ``st.from_type(Money)``
and ``st.from_type(OrderId)`` for any ``Identity`` subclass work as well. The package needs the
``testing`` extra: ``pip install creativeflow-shared-backend[testing]``.

Importing the package does not import SQLAlchemy: the data-mapper twin of the contract
repository (``ContractItemMapperRepository`` and its rows ``ContractItemRow`` and
``ContractPartRow``) is loaded on first use of one of those names.
"""

from typing import TYPE_CHECKING

from creativeflow_shared.testing._contract_model import (
    ContractItem,
    ContractItemChanged,
    ContractItemId,
    ContractItemRepository,
    ContractPart,
)
from creativeflow_shared.testing._contracts import (
    AsyncHarness,
    RepositoryContract,
    RepositoryFacade,
    SyncHarness,
    UnitOfWorkContract,
    UnitOfWorkFacade,
    UnitOfWorkHarness,
)
from creativeflow_shared.testing._hypothesis_plugin import register_strategies
from creativeflow_shared.testing._in_memory import (
    AsyncInMemoryUnitOfWork,
    InMemoryDatabase,
    InMemoryRecordStore,
    InMemoryUnitOfWork,
)
from creativeflow_shared.testing._strategies import (
    aware_datetimes,
    currencies,
    emails,
    events,
    identities,
    money,
    non_empty_strs,
    percentages,
    slugs,
    time_ranges,
)

if TYPE_CHECKING:
    from creativeflow_shared.testing._contract_rows import (
        ContractItemMapperRepository,
        ContractItemRow,
        ContractPartRow,
    )
else:
    #: The names ``__getattr__`` loads on first use, with the module that defines them.
    _LAZY = dict.fromkeys(
        ("ContractItemMapperRepository", "ContractItemRow", "ContractPartRow"),
        "creativeflow_shared.testing._contract_rows",
    )

    def __getattr__(name: str) -> object:
        """Load the names that need SQLAlchemy when first used (PEP 562).

        Raises:
            AttributeError: If the package has no attribute ``name``.
        """
        module = _LAZY.get(name)
        if module is None:
            msg = f"module {__name__!r} has no attribute {name!r}"
            raise AttributeError(msg)
        from importlib import import_module  # noqa: PLC0415 (only when a lazy name is used)

        value: object = getattr(import_module(module), name)
        globals()[name] = value  # later lookups find it without this hook
        return value


__all__ = [
    "AsyncHarness",
    "AsyncInMemoryUnitOfWork",
    "ContractItem",
    "ContractItemChanged",
    "ContractItemId",
    "ContractItemMapperRepository",
    "ContractItemRepository",
    "ContractItemRow",
    "ContractPart",
    "ContractPartRow",
    "InMemoryDatabase",
    "InMemoryRecordStore",
    "InMemoryUnitOfWork",
    "RepositoryContract",
    "RepositoryFacade",
    "SyncHarness",
    "UnitOfWorkContract",
    "UnitOfWorkFacade",
    "UnitOfWorkHarness",
    "aware_datetimes",
    "currencies",
    "emails",
    "events",
    "identities",
    "money",
    "non_empty_strs",
    "percentages",
    "register_strategies",
    "slugs",
    "time_ranges",
]

register_strategies()
