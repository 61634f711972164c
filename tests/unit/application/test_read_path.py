"""The read path does each piece of work once: one decode per record, one tracker lookup per get."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from returns.result import Success

from creativeflow_shared.application._documents import DocumentCodec
from creativeflow_shared.application._tracking import Tracker
from creativeflow_shared.domain import where
from creativeflow_shared.infrastructure.sqlalchemy._row_codec import RowCodec
from creativeflow_shared.testing import (
    ContractItem,
    ContractItemMapperRepository,
    ContractItemRepository,
    InMemoryDatabase,
    InMemoryUnitOfWork,
)

if TYPE_CHECKING:
    from creativeflow_shared.application import Repository
    from creativeflow_shared.testing import ContractItemId

_STYLES = [(ContractItemRepository, DocumentCodec), (ContractItemMapperRepository, RowCodec)]


def _stored(database: InMemoryDatabase, kind: type[Repository[ContractItem, Any]]) -> None:
    with InMemoryUnitOfWork(database) as uow:
        for sku in ("a-1", "a-2", "b-1"):
            uow.repository(kind).add(ContractItem.new(sku, rank=1))
        assert uow.commit() == Success(None)


def _count_calls(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[object]:
    """Record every call of ``owner.name`` (still calling it) and return the record."""
    calls: list[object] = []
    original = getattr(owner, name)

    def counted(self: object, *args: object) -> object:
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.mark.parametrize(("kind", "codec"), _STYLES, ids=["documents", "rows"])
def test_a_store_that_filters_in_memory_decodes_each_record_once(
    monkeypatch: pytest.MonkeyPatch, kind: type[Repository[ContractItem, Any]], codec: type
) -> None:
    database = InMemoryDatabase()
    _stored(database, kind)
    decodes: list[object] = _count_calls(monkeypatch, codec, "decode")

    with InMemoryUnitOfWork(database) as uow:
        found = uow.repository(kind).find(where(ContractItem).rank.eq(1))

    # Three records are decoded to evaluate the specification; none a second time to load it.
    assert (len(found), len(decodes)) == (3, 3)


@pytest.mark.parametrize("warm", [False, True], ids=["untracked", "tracked"])
def test_a_get_looks_the_identity_map_up_once(
    monkeypatch: pytest.MonkeyPatch, *, warm: bool
) -> None:
    database = InMemoryDatabase()
    _stored(database, ContractItemRepository)
    with InMemoryUnitOfWork(database) as uow:
        (item,) = uow.repository(ContractItemRepository).find(where(ContractItem).sku.eq("b-1"))
        identifier: ContractItemId = item.id
    names = ("entry", "tracked", "is_removed")
    calls = {name: _count_calls(monkeypatch, Tracker, name) for name in names}

    with InMemoryUnitOfWork(database) as uow:
        items = uow.repository(ContractItemRepository)
        if warm:
            items.get(identifier)
            for recorded in calls.values():
                recorded.clear()
        loaded = items.get(identifier)

    assert loaded.unwrap().id == identifier
    assert {name: len(recorded) for name, recorded in calls.items()} == {
        "entry": 1,
        "tracked": 0,
        "is_removed": 0,
    }
