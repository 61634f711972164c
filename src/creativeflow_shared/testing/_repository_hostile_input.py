# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on hostile input: values no store keeps, queries none answers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from creativeflow_shared.domain import InvalidInputError, utc_now
from creativeflow_shared.testing._contract_data import (
    ITEM,
    UNSTORABLE_SPECIFICATIONS,
    assert_failure,
    new_catalogue,
    new_sku,
)
from creativeflow_shared.testing._contract_model import ContractItem
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.domain import Specification
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["HostileInputCases"]


class HostileInputCases(ContractSuite):
    """Ids, values and queries that not every database takes, answered alike everywhere."""

    @pytest.mark.parametrize("specification", UNSTORABLE_SPECIFICATIONS)
    def test_a_specification_comparing_a_value_no_store_holds_is_invalid_input(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Items,
        specification: Specification[ContractItem],
    ) -> None:
        """Comparing with a value no store keeps is an ``InvalidInputError`` on every adapter.

        ``find``, ``count`` and ``page`` raise it; ``page_after`` returns it as a ``Failure``.
        """
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            raised: list[InvalidInputError] = []
            for call in (repository.find, repository.count, repository.page):
                with pytest.raises(InvalidInputError) as caught:
                    call(specification)
                raised.append(caught.value)
            keyset = repository.page_after(None, specification, order_by=[ITEM.rank.asc()])

        assert all(error.field_errors for error in raised)
        assert_failure(keyset, InvalidInputError)

    @pytest.mark.parametrize(
        ("change", "where_"),
        [
            pytest.param({"label": "nul\x00inside"}, ("label",), id="NUL in JSON text"),
            pytest.param({"sku": "nul\x00sku"}, ("sku",), id="NUL in a column"),
            pytest.param({"note": "lone \ud800"}, ("note",), id="lone surrogate"),
            pytest.param({"stock": 2**64}, ("stock",), id="int beyond 64 bits"),
            pytest.param({"rank": -(2**63) - 1}, ("rank",), id="int below 64 bits in a column"),
        ],
    )
    def test_an_aggregate_holding_a_value_no_store_keeps_fails_the_commit_with_invalid_input(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Items,
        change: dict[str, Any],
        where_: tuple[str, ...],
    ) -> None:
        """A value no store keeps fails the commit with ``InvalidInputError``, storing nothing.

        Added or changed, the aggregate is refused alike on every adapter, the error locates
        the value, and nothing of the commit is stored.
        """
        stored = ContractItem.new(new_sku("stored"))
        self.store(harness, repository_class, stored)
        added = ContractItem.new(new_sku("added"))
        for name, value in change.items():
            setattr(added, name, value)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            repository.get(stored.id).unwrap().rerank(3)
            repository.add(added)
            failed_add = uow.commit()
            uow.rollback()
            loaded = repository.get(stored.id).unwrap()
            for name, value in change.items():
                setattr(loaded, name, value)
            failed_change = uow.commit()

        for failed in (failed_add, failed_change):
            error = assert_failure(failed, InvalidInputError)
            assert [e.loc[-len(where_) :] for e in error.field_errors] == [where_]
        assert self.load(harness, repository_class, added) is None
        reloaded = self.load(harness, repository_class, stored)
        assert reloaded is not None
        assert (reloaded.rank, reloaded.version) == (stored.rank, 1)
        assert harness.outbox_messages() == []

    def test_ordering_by_a_field_kept_in_no_column_raises_type_error(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Ordering by a field in no column (or, for keyset pages, nullable) is a ``TypeError``.

        ``weight``, ``listed_at`` and ``price`` are kept in no column of either storage style.
        """
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            calls: list[tuple[Callable[[], object], str]] = [
                (lambda: repository.find(order_by=[ITEM.weight.asc()]), "cannot order by weight"),
                (
                    lambda: repository.page(order_by=[ITEM.listed_at.desc()]),
                    "cannot order by listed_at",
                ),
                (
                    lambda: repository.page_after(order_by=[ITEM.price.amount.asc()]),
                    "cannot order by price.amount",
                ),
                (
                    lambda: repository.find(order_by=[ITEM.rank.asc(), ITEM.weight.desc()]),
                    "cannot order by weight",
                ),
                # A nullable key cannot position a keyset page either.
                (lambda: repository.page_after(order_by=[ITEM.note.asc()]), "note may be None"),
            ]
            for call, message in calls:
                with pytest.raises(TypeError, match=f"^{re.escape(message)}"):
                    call()

    @pytest.mark.parametrize(
        ("specification", "culprit"),
        [
            pytest.param(ITEM.weight.gt("1.5"), "weight", id="decimal"),
            pytest.param(ITEM.price.amount.lt("10"), "price.amount", id="nested decimal"),
            pytest.param(ITEM.listed_at.lt(utc_now()), "listed_at", id="datetime"),
            pytest.param(ITEM.rank.eq(1) & ITEM.weight.eq("1.25"), "weight", id="inside and"),
        ],
    )
    def test_a_specification_on_a_decimal_or_datetime_in_no_column_raises_type_error(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Items,
        specification: Specification[ContractItem],
        culprit: str,
    ) -> None:
        """Comparing decimals or datetimes kept in no column is a ``TypeError`` naming them.

        No storage style compares them (a document's JSON misorders them), and the message
        names the attribute and the repository to change.
        """
        expected = f"^{re.escape(culprit)} .*{re.escape(repository_class.__name__)}"
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            with pytest.raises(TypeError, match=expected):
                repository.find(specification)
            with pytest.raises(TypeError, match=expected):
                repository.count(specification)
