"""The public testing kit: in-memory storage, contract suites and Hypothesis strategies.

Services reuse these in their own property tests::

    from hypothesis import given
    from creativeflow_shared.domain import Money
    from creativeflow_shared.testing import money


    @given(price=money(currency="EUR"))
    def test_a_price_minus_itself_is_zero(price: Money) -> None:
        assert price.subtract(price).unwrap().is_zero

Hypothesis registers the strategies with ``st.register_type_strategy`` through its entry point
when it is imported (and so does this kit, when it first hands out a strategy), so
``st.from_type(Email)``, ``st.from_type(Money)`` and ``st.from_type(OrderId)`` for any
``Identity`` subclass work as well. The package needs the ``testing`` extra:
``pip install creativeflow-shared-backend[testing]``.

Importing the package imports nothing else: each name is loaded on its first use, so the
pytest plugin (which lives here) costs a service's test run nothing it does not use, and
neither Hypothesis nor SQLAlchemy is imported until a strategy, or the data-mapper twin of the
contract repository (``ContractItemMapperRepository`` and its rows ``ContractItemRow`` and
``ContractPartRow``), is used.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creativeflow_shared.testing._contract_model import (
        ContractItem,
        ContractItemChanged,
        ContractItemId,
        ContractItemRepository,
        ContractPart,
    )
    from creativeflow_shared.testing._contract_rows import (
        ContractItemMapperRepository,
        ContractItemRow,
        ContractPartRow,
        ContractRows,
        contract_rows,
    )
    from creativeflow_shared.testing._event_strategies import events
    from creativeflow_shared.testing._facade import (
        RepositoryFacade,
        UnitOfWorkFacade,
        UnitOfWorkHarness,
    )
    from creativeflow_shared.testing._harnesses import AsyncHarness, SyncHarness
    from creativeflow_shared.testing._hypothesis_plugin import (
        register_strategies,
    )
    from creativeflow_shared.testing._idempotency_store import InMemoryIdempotencyStore
    from creativeflow_shared.testing._in_memory import (
        AsyncInMemoryUnitOfWork,
        InMemoryDatabase,
        InMemoryRecordStore,
        InMemoryUnitOfWork,
    )
    from creativeflow_shared.testing._publisher_contract import PublisherContract, PublisherHarness
    from creativeflow_shared.testing._relay_fakes import InMemoryPublisher, InMemoryRelayStore
    from creativeflow_shared.testing._relay_store_contract import (
        RelayStoreContract,
        RelayStoreHarness,
    )
    from creativeflow_shared.testing._repository_contract import RepositoryContract
    from creativeflow_shared.testing._service_contract import ServiceRepositoryContract
    from creativeflow_shared.testing._strategies import (
        aware_datetimes,
        currencies,
        emails,
        identities,
        money,
        non_empty_strs,
        percentages,
        slugs,
        time_ranges,
    )
    from creativeflow_shared.testing._unit_of_work_contract import UnitOfWorkContract
else:
    #: Each public name, with the module that defines it (loaded by ``__getattr__``).
    _LAZY = {
        "ContractItem": "creativeflow_shared.testing._contract_model",
        "ContractItemChanged": "creativeflow_shared.testing._contract_model",
        "ContractItemId": "creativeflow_shared.testing._contract_model",
        "ContractItemRepository": "creativeflow_shared.testing._contract_model",
        "ContractPart": "creativeflow_shared.testing._contract_model",
        "ContractItemMapperRepository": "creativeflow_shared.testing._contract_rows",
        "ContractItemRow": "creativeflow_shared.testing._contract_rows",
        "ContractPartRow": "creativeflow_shared.testing._contract_rows",
        "ContractRows": "creativeflow_shared.testing._contract_rows",
        "contract_rows": "creativeflow_shared.testing._contract_rows",
        "events": "creativeflow_shared.testing._event_strategies",
        "RepositoryFacade": "creativeflow_shared.testing._facade",
        "UnitOfWorkFacade": "creativeflow_shared.testing._facade",
        "UnitOfWorkHarness": "creativeflow_shared.testing._facade",
        "AsyncHarness": "creativeflow_shared.testing._harnesses",
        "SyncHarness": "creativeflow_shared.testing._harnesses",
        "register_strategies": "creativeflow_shared.testing._hypothesis_plugin",
        "InMemoryIdempotencyStore": "creativeflow_shared.testing._idempotency_store",
        "AsyncInMemoryUnitOfWork": "creativeflow_shared.testing._in_memory",
        "InMemoryDatabase": "creativeflow_shared.testing._in_memory",
        "InMemoryRecordStore": "creativeflow_shared.testing._in_memory",
        "InMemoryUnitOfWork": "creativeflow_shared.testing._in_memory",
        "PublisherContract": "creativeflow_shared.testing._publisher_contract",
        "PublisherHarness": "creativeflow_shared.testing._publisher_contract",
        "InMemoryPublisher": "creativeflow_shared.testing._relay_fakes",
        "InMemoryRelayStore": "creativeflow_shared.testing._relay_fakes",
        "RelayStoreContract": "creativeflow_shared.testing._relay_store_contract",
        "RelayStoreHarness": "creativeflow_shared.testing._relay_store_contract",
        "RepositoryContract": "creativeflow_shared.testing._repository_contract",
        "ServiceRepositoryContract": "creativeflow_shared.testing._service_contract",
        "aware_datetimes": "creativeflow_shared.testing._strategies",
        "currencies": "creativeflow_shared.testing._strategies",
        "emails": "creativeflow_shared.testing._strategies",
        "identities": "creativeflow_shared.testing._strategies",
        "money": "creativeflow_shared.testing._strategies",
        "non_empty_strs": "creativeflow_shared.testing._strategies",
        "percentages": "creativeflow_shared.testing._strategies",
        "slugs": "creativeflow_shared.testing._strategies",
        "time_ranges": "creativeflow_shared.testing._strategies",
        "UnitOfWorkContract": "creativeflow_shared.testing._unit_of_work_contract",
    }

    def __getattr__(name: str) -> object:
        """Load a public name on its first use (PEP 562).

        Raises:
            AttributeError: If the package has no attribute ``name``.
            ModuleNotFoundError: If ``name`` needs pytest or Hypothesis and it is not
                installed (the message names the extra that installs it).
        """
        module = _LAZY.get(name)
        if module is None:
            msg = f"module {__name__!r} has no attribute {name!r}"
            raise AttributeError(msg)
        from importlib import import_module  # noqa: PLC0415 (only when a name is used)

        try:
            loaded = import_module(module)
        except ModuleNotFoundError as error:
            if error.name not in {"pytest", "hypothesis"}:
                raise
            msg = (
                f"{__name__}.{name} needs {error.name}: "
                "pip install 'creativeflow-shared-backend[testing]'"
            )
            raise ModuleNotFoundError(msg, name=error.name) from error
        value: object = getattr(loaded, name)
        globals()[name] = value  # later lookups find it without this hook
        return value

    def __dir__() -> list[str]:
        """List the public names too, loaded or not (for ``dir()`` and completion)."""
        return sorted({*globals(), *_LAZY})


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
    "ContractRows",
    "InMemoryDatabase",
    "InMemoryIdempotencyStore",
    "InMemoryPublisher",
    "InMemoryRecordStore",
    "InMemoryRelayStore",
    "InMemoryUnitOfWork",
    "PublisherContract",
    "PublisherHarness",
    "RelayStoreContract",
    "RelayStoreHarness",
    "RepositoryContract",
    "RepositoryFacade",
    "ServiceRepositoryContract",
    "SyncHarness",
    "UnitOfWorkContract",
    "UnitOfWorkFacade",
    "UnitOfWorkHarness",
    "aware_datetimes",
    "contract_rows",
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
