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
"""

from creativeflow_shared.testing._contract_model import (
    ContractItem,
    ContractItemChanged,
    ContractItemId,
    ContractItemRepository,
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

__all__ = [
    "AsyncHarness",
    "AsyncInMemoryUnitOfWork",
    "ContractItem",
    "ContractItemChanged",
    "ContractItemId",
    "ContractItemRepository",
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
