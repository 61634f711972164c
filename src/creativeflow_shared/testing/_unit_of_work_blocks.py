# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""Contract cases: a unit of work works inside its block, and commits more than once there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Success

from creativeflow_shared.testing._contract_data import new_sku
from creativeflow_shared.testing._contract_model import ContractItem, ContractItemChanged
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["BlockCases"]

_OUTSIDE = "block"  # the messages say: use the unit of work inside a `with` block, or similar


class BlockCases(ContractSuite):
    """What a unit of work and its repositories do outside the block, on every adapter."""

    def test_a_unit_of_work_refuses_to_commit_roll_back_or_record_after_its_block(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """After its block a unit of work has no transaction: it says so, and stores nothing."""
        item = ContractItem.new(new_sku("late"))
        with harness.open() as uow:
            uow.repository(repository_class).add(item)

        with pytest.raises(RuntimeError, match=_OUTSIDE):
            uow.commit()
        with pytest.raises(RuntimeError, match=_OUTSIDE):
            uow.rollback()
        with pytest.raises(RuntimeError, match=_OUTSIDE):
            uow.record(ContractItemChanged(rank=1))
        assert self.load(harness, repository_class, item) is None
        assert harness.outbox_messages() == []

    def test_a_repository_kept_after_its_block_refuses_to_work(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A repository belongs to its block: kept after it, every call says so."""
        stored = ContractItem.new(new_sku("kept"))
        self.store(harness, repository_class, stored)
        with harness.open() as uow:
            items = uow.repository(repository_class)
            assert items.get(stored.id).map(lambda item: item.id) == Success(stored.id)

        calls: dict[str, Callable[[], object]] = {
            "get": lambda: items.get(stored.id),
            "find": items.find,
            "count": items.count,
            "page": items.page,
            "add": lambda: items.add(ContractItem.new(new_sku("kept-late"))),
            "remove": lambda: items.remove(stored),
        }
        refused: list[str] = []
        for name, call in calls.items():
            with pytest.raises(RuntimeError, match=r"ended|block"):
                call()
            refused.append(name)

        assert refused == list(calls)
        assert self.load(harness, repository_class, stored) is not None

    def test_a_second_commit_writes_what_changed_since_the_first(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """After a commit the block goes on: the next commit writes only the later changes."""
        item = ContractItem.new(new_sku("twice"), rank=1)

        with harness.open() as uow:
            uow.repository(repository_class).add(item)
            first = uow.commit()
            unchanged = uow.commit()  # nothing changed since: no write, no event
            item.rerank(5)
            changed = uow.commit()

        stored = self.load(harness, repository_class, item)
        assert (first, unchanged, changed) == (Success(None), Success(None), Success(None))
        assert stored is not None
        assert (stored.rank, stored.version, item.version) == (5, 2, 2)
        assert [message.payload["rank"] for message in harness.outbox_messages()] == [5]
