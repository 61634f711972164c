# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The base of every contract suite: the ``repository_class`` fixture, and storing and loading."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Success

from creativeflow_shared.testing._contract_model import ContractItemRepository

if TYPE_CHECKING:
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._contract_model import ContractItem
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["ContractSuite"]


class ContractSuite:
    """Fixtures and helpers every contract suite shares.

    A subclass must provide the ``harness`` fixture (see ``RepositoryContract``).
    """

    @pytest.fixture
    def repository_class(self) -> Items:
        """The repository under test (see ``RepositoryContract``); documents by default."""
        return ContractItemRepository

    @staticmethod
    def store(harness: UnitOfWorkHarness, kind: Items, *items: ContractItem) -> None:
        """Add ``items`` and commit them in a unit of work of their own."""
        with harness.open() as uow:
            repository = uow.repository(kind)
            for item in items:
                repository.add(item)
            assert uow.commit() == Success(None)

    @staticmethod
    def load(harness: UnitOfWorkHarness, kind: Items, item: ContractItem) -> ContractItem | None:
        """Read ``item`` back in a new unit of work (``None`` when it is not stored)."""
        with harness.open() as uow:
            loaded = uow.repository(kind).get(item.id)
        return loaded.value_or(None)
