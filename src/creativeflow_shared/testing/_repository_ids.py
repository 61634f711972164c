# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The repository contract on ids: ids from the wire (text), ids of other types, hostile ids."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, cast

import pytest

from creativeflow_shared.domain import Identity, InvalidInputError, NotFoundError
from creativeflow_shared.testing._contract_data import (
    UNSTORABLE_TEXT,
    assert_failure,
    new_sku,
)
from creativeflow_shared.testing._contract_model import ContractItem
from creativeflow_shared.testing._contract_suite import ContractSuite

if TYPE_CHECKING:
    from collections.abc import Callable

    from creativeflow_shared.testing._contract_data import Items
    from creativeflow_shared.testing._facade import UnitOfWorkHarness

__all__ = ["IdCases"]


class _OtherId(Identity):
    """The id type of another aggregate: the same UUID names another thing."""


def _bare(value: uuid.UUID) -> uuid.UUID:
    return value


#: Ways to spell a stored item's id as text, as a URL path or a JSON body may carry it.
_SPELLINGS: list[Callable[[uuid.UUID], str]] = [str, lambda u: str(u).upper(), lambda u: u.hex]

#: Values that are not an id of the repository's type, given the stored item's UUID.
_NOT_IDS: list[object] = [
    *UNSTORABLE_TEXT,
    pytest.param("", id="empty text"),
    pytest.param("not-a-uuid", id="text that is no UUID"),
    pytest.param("1" * 10_000, id="long text"),
    pytest.param(2**64, id="an int"),
    pytest.param(None, id="none"),
    pytest.param(True, id="a bool"),
    pytest.param(["x"], id="unhashable"),
]


class IdCases(ContractSuite):
    """``get`` and ``exists`` read an id's text as the id and refuse what is no id of theirs."""

    @pytest.mark.parametrize("spell", _SPELLINGS, ids=["canonical", "upper case", "hex"])
    def test_the_text_of_a_stored_id_finds_the_aggregate(
        self, harness: UnitOfWorkHarness, repository_class: Items, spell: Callable[[uuid.UUID], str]
    ) -> None:
        """An id from the wire (text) names the aggregate its id type would, in the identity map."""
        item = ContractItem.new(new_sku("spelled"), rank=3)
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            by_text = repository.get(spell(item.id.value)).unwrap()
            by_id = repository.get(item.id).unwrap()
            exists = repository.exists(spell(item.id.value))

        assert by_text is by_id
        assert (by_text.id, by_text.rank, exists) == (item.id, 3, True)

    def test_the_text_of_a_missing_id_is_not_found(
        self, harness: UnitOfWorkHarness, repository_class: Items
    ) -> None:
        """Text that spells an id nobody stored is not found, like the id itself."""
        self.store(harness, repository_class, ContractItem.new(new_sku("stored")))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            got, exists = repository.get(str(uuid.uuid4())), repository.exists(str(uuid.uuid4()))

        assert_failure(got, NotFoundError)
        assert exists is False

    @pytest.mark.parametrize("hostile", _NOT_IDS)
    def test_a_value_that_is_no_id_of_the_repository_is_invalid_input(
        self, harness: UnitOfWorkHarness, repository_class: Items, hostile: object
    ) -> None:
        """Text that spells no id, or a value of another type: ``InvalidInputError`` on ``id``."""
        self.store(harness, repository_class, ContractItem.new(new_sku("stored")))

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            # What an attacker sends, not what a type checker allows.
            loose = cast("Any", repository)
            got, exists = loose.get(hostile), loose.exists(hostile)

        error = assert_failure(got, InvalidInputError)
        assert [e.loc for e in error.field_errors] == [("id",)]
        assert exists is False

    @pytest.mark.parametrize(
        "alias",
        [
            pytest.param(_OtherId, id="another Identity type"),
            pytest.param(_bare, id="the bare UUID"),
        ],
    )
    def test_the_same_uuid_in_another_type_is_refused(
        self,
        harness: UnitOfWorkHarness,
        repository_class: Items,
        alias: Callable[[uuid.UUID], object],
    ) -> None:
        """An id of another aggregate type never loads this one, though its UUID is the same."""
        item = ContractItem.new(new_sku("aliased"))
        self.store(harness, repository_class, item)

        with harness.open() as uow:
            repository = uow.repository(repository_class)
            got = cast("Any", repository).get(alias(item.id.value))

        error = assert_failure(got, InvalidInputError)
        assert "ContractItemId" in error.field_errors[0].message
