"""A change made in place inside a value typed ``Any`` is stored, on every adapter.

Pydantic passes values typed ``Any`` through as they are: an aggregate decoded from a stored
document used to share them with the document, which is the snapshot the unit of work tells
changes by (and, in memory, the committed record). A change made in place then changed the
snapshot too: it was never written on SQL, and in memory it reached the committed record
without a new version. The document codec now decodes such aggregates from a copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pydantic import Field
from returns.result import Success
from sqlalchemy import MetaData

from creativeflow_shared.application import DocumentRepository
from creativeflow_shared.domain import AggregateRoot, Identity
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table

if TYPE_CHECKING:
    from creativeflow_shared.testing import UnitOfWorkHarness


class SheetId(Identity):
    pass


class Sheet(AggregateRoot[SheetId]):
    meta: dict[str, Any] = Field(default_factory=dict[str, Any])
    cells: list[Any] = Field(default_factory=list[Any])


class SheetRepository(DocumentRepository[Sheet, SheetId]):
    pass


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    tables = MetaData()
    document_table(tables, SheetRepository, name="in_place_sheets")
    outbox_table(tables, name="in_place_outbox")
    return tables


def _stored(harness: UnitOfWorkHarness) -> Sheet:
    sheet = Sheet(id=SheetId.new(), meta={"nested": {"n": 0}}, cells=[{"v": 1}])
    with harness.open() as uow:
        uow.repository(SheetRepository).add(sheet)
        assert uow.commit() == Success(None)
    return sheet


def _read(harness: UnitOfWorkHarness, sheet: Sheet) -> Sheet:
    with harness.open() as uow:
        return uow.repository(SheetRepository).get(sheet.id).unwrap()


def test_a_nested_change_in_place_is_stored_with_a_new_version(harness: UnitOfWorkHarness) -> None:
    sheet = _stored(harness)

    with harness.open() as uow:
        loaded = uow.repository(SheetRepository).get(sheet.id).unwrap()
        loaded.meta["nested"]["n"] = 1000
        loaded.cells[0]["v"] = 2
        committed = uow.commit()

    stored = _read(harness, sheet)
    assert committed == Success(None)
    assert (stored.meta, stored.cells, stored.version) == ({"nested": {"n": 1000}}, [{"v": 2}], 2)


def test_a_change_in_place_that_is_not_committed_leaves_the_store_alone(
    harness: UnitOfWorkHarness,
) -> None:
    sheet = _stored(harness)

    with harness.open() as uow:
        loaded = uow.repository(SheetRepository).get(sheet.id).unwrap()
        loaded.meta["nested"]["n"] = 1000

    stored = _read(harness, sheet)
    assert (stored.meta, stored.version) == ({"nested": {"n": 0}}, 1)
