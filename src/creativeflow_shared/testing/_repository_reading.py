# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on reading: ``get``, ``exists``, ``find`` and ``count``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creativeflow_shared.domain import NotFoundError
from creativeflow_shared.testing._contract_data import (
    ITEM,
    SPECIFICATIONS,
    assert_failure,
    new_catalogue,
    new_sku,
    skus,
)
from creativeflow_shared.testing._contract_model import ContractItem
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from creativeflow_shared.domain import Specification
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["ReadingCases"]


class ReadingCases(ContractSuite):
    """Reads by id and by specification, in order, through the unit of work's identity map."""

    def test_getting_a_missing_id_fails_with_not_found(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``get`` of an id nobody stored returns ``Failure(NotFoundError)``."""
        missing = ContractItem.new(new_sku("missing"))

        with harness.open() as uow:
            result = uow.repository(repository_class).get(missing.id)

        assert_failure(result, NotFoundError)

    def test_exists_tells_stored_ids_from_missing_ones(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``exists`` is true for a stored id and false for a missing one."""
        stored, missing = (
            ContractItem.new(new_sku("stored")),
            ContractItem.new(new_sku("missing")),
        )
        self.store(harness, repository_class, stored)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            actual = (repository.exists(stored.id), repository.exists(missing.id))

        assert actual == (True, False)

    def test_two_reads_of_one_id_in_a_unit_of_work_return_the_same_object(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """The identity map: every read of one id in a unit of work returns one object."""
        item = ContractItem.new(new_sku("mapped"), rank=4)
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            first = repository.get(item.id).unwrap()
            second = repository.get(item.id).unwrap()
            (found,) = repository.find(ITEM.rank.eq(4))

        assert first is second
        assert found is first

    def test_get_returns_the_aggregate_added_earlier_in_the_unit_of_work(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """The identity map holds added aggregates too: ``get`` returns the very object."""
        item = ContractItem.new(new_sku("fresh"))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.add(item)
            got, exists = repository.get(item.id), repository.exists(item.id)

        assert got.unwrap() is item
        assert exists is True

    @pytest.mark.parametrize(("specification", "expected"), SPECIFICATIONS)
    def test_find_and_count_select_what_the_specification_selects(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Items,
        specification: Specification[ContractItem],
        expected: set[str],
    ) -> None:
        """``find`` and ``count`` agree with the specification, null semantics included."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            found = repository.find(specification)
            counted = repository.count(specification)

        assert set(skus(found)) == expected
        assert counted == len(expected)

    def test_find_without_a_specification_returns_everything(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Without a specification ``find`` and ``count`` cover every aggregate."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            found, counted = repository.find(), repository.count()

        assert sorted(skus(found)) == ["a", "b", "c", "d", "e"]
        assert counted == len(found)

    def test_find_orders_by_projected_fields_and_breaks_ties_by_id(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``find`` orders by projected fields, equal values by id, and honours ``limit``."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            ascending = repository.find(order_by=[ITEM.rank.asc()])
            descending = repository.find(order_by=[ITEM.rank.desc()], limit=3)

        assert skus(ascending) == ["a", "b", "c", "d", "e"]
        assert skus(descending) == ["e", "d", "b"]

    def test_find_orders_missing_values_after_every_value(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """``None`` sorts after every value: last ascending, first descending."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            ascending = repository.find(order_by=[ITEM.note.asc()])
            descending = repository.find(order_by=[ITEM.note.desc(), ITEM.rank.desc()])

        assert skus(ascending) == ["b", "e", "c", "a", "d"]
        assert skus(descending) == ["d", "a", "c", "e", "b"]

    def test_find_can_select_by_id(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Specifications can select aggregates by id."""
        catalogue = new_catalogue()
        self.store(harness, repository_class, *catalogue)
        wanted = [catalogue[1].id, catalogue[3].id]

        with harness.open() as uow:
            found = uow.repository(repository_class).find(ITEM.id.in_(wanted))

        assert sorted(skus(found)) == ["b", "d"]
