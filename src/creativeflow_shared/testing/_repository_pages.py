# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on pages: offset pages, keyset pages and their cursors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from returns.result import Success

from creativeflow_shared.application import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, CursorPage
from creativeflow_shared.domain import InvalidInputError
from creativeflow_shared.testing._contract_data import (
    GARBAGE_CURSORS,
    ITEM,
    assert_failure,
    new_catalogue,
    new_sku,
    skus,
)
from creativeflow_shared.testing._contract_model import ContractItem
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.domain import SortKey
    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["PageCases"]


class PageCases(ContractSuite):
    """Offset pages with their totals, keyset pages walked by cursor, and the cursors refused."""

    def test_offset_pages_report_their_place_and_the_total(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Offset pages carry their items, the total, their offset and whether more follow."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            pages = [
                repository.page(order_by=[ITEM.rank.asc()], offset=offset, limit=2)
                for offset in (0, 2, 4)
            ]
            filtered = repository.page(ITEM.rank.ge(2), order_by=[ITEM.rank.desc()], limit=10)

        actual = [(skus(p.items), p.total, p.offset, p.limit, p.has_next) for p in pages]
        assert actual == [
            (["a", "b"], 5, 0, 2, True),
            (["c", "d"], 5, 2, 2, True),
            (["e"], 5, 4, 2, False),
        ]
        assert (skus(filtered.items), filtered.total, filtered.has_next) == (
            ["e", "d", "b", "c"],
            4,
            False,
        )

    @pytest.mark.parametrize(
        "key",
        [
            pytest.param(ITEM.rank.asc(), id="ascending"),
            pytest.param(ITEM.rank.desc(), id="desc"),
        ],
    )
    def test_keyset_pages_walk_every_match_once_in_a_stable_order(
        self, harness: UnitOfWorkHarness, repository_class: Items, key: SortKey[ContractItem]
    ) -> None:
        """Following cursors visits every aggregate once, in order, equal sort values by id."""
        ranks = [3, 1, 2, 2, 1, 3, 2, 2, 1]
        items = [ContractItem.new(new_sku(f"walk{n}"), rank=rank) for n, rank in enumerate(ranks)]
        self.store(harness, repository_class, *items)
        by_id = sorted(items, key=lambda item: item.id.value)
        expected = sorted(by_id, key=lambda item: -item.rank if key.descending else item.rank)

        walked: list[ContractItem] = []
        cursors: list[str | None] = [None]
        with harness.open() as uow:
            repository = uow.repository(repository_class)
            while True:
                page = repository.page_after(cursors[-1], order_by=[key], limit=2).unwrap()
                walked.extend(page.items)
                if page.next_cursor is None:
                    break
                cursors.append(page.next_cursor)

        assert skus(walked) == skus(expected)
        assert len(cursors) == (len(items) + 1) // 2

    def test_keyset_pages_follow_the_specification(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Keyset pages contain only matches, across cursors."""
        self.store(harness, repository_class, *new_catalogue())
        spec, key = ITEM.label.ne("green"), ITEM.rank.desc()

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            first = repository.page_after(None, spec, order_by=[key], limit=3).unwrap()
            rest = repository.page_after(first.next_cursor, spec, order_by=[key], limit=3)

        assert skus(first.items) == ["e", "b", "c"]
        assert isinstance(rest, Success)
        assert (skus(rest.unwrap().items), rest.unwrap().next_cursor) == (["a"], None)

    def test_a_keyset_page_of_an_empty_store_is_empty_and_last(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """The first keyset page of an empty store is empty and has no next cursor."""
        with harness.open() as uow:
            page = uow.repository(repository_class).page_after(order_by=[ITEM.rank.asc()])

        assert page == Success(CursorPage((), None))

    @pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
    def test_a_garbage_cursor_fails_with_invalid_input(
        self, harness: UnitOfWorkHarness, repository_class: Items, cursor: str
    ) -> None:
        """A cursor the repository did not write returns ``Failure(InvalidInputError)``."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            result = uow.repository(repository_class).page_after(cursor, order_by=[ITEM.rank.asc()])

        assert_failure(result, InvalidInputError)

    def test_a_cursor_written_for_one_ordering_is_refused_for_another(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """A cursor only continues the ordering it was written for; another is refused."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            first = repository.page_after(order_by=[ITEM.rank.desc()], limit=2).unwrap()
            cursor = first.next_cursor
            assert cursor is not None
            same = repository.page_after(cursor, order_by=[ITEM.rank.desc()], limit=2)
            other = repository.page_after(cursor, order_by=[ITEM.rank.asc()], limit=2)
            by_sku = repository.page_after(cursor, order_by=[ITEM.sku.desc()], limit=2)

        assert isinstance(same, Success)
        assert_failure(other, InvalidInputError)
        assert_failure(by_sku, InvalidInputError)

    def test_the_largest_page_size_is_accepted_and_one_more_is_refused(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Pages hold 1 to ``MAX_PAGE_SIZE`` items; other sizes and negative offsets raise."""
        self.store(harness, repository_class, *new_catalogue())

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            largest = repository.page(limit=MAX_PAGE_SIZE)
            keyset = repository.page_after(limit=MAX_PAGE_SIZE).unwrap()
            refused: list[Callable[[], object]] = [
                lambda: repository.page(limit=MAX_PAGE_SIZE + 1),
                lambda: repository.page_after(limit=MAX_PAGE_SIZE + 1),
                lambda: repository.page(limit=0),
                lambda: repository.page_after(limit=0),
                lambda: repository.page(offset=-1),
                lambda: repository.page(offset=2**63),
                lambda: repository.find(limit=-1),
            ]
            for call in refused:
                with pytest.raises(ValueError, match="limit"):
                    call()

        assert (len(largest.items), largest.limit, len(keyset.items)) == (5, MAX_PAGE_SIZE, 5)
        assert DEFAULT_PAGE_SIZE <= MAX_PAGE_SIZE
