"""G8 and G9 against real databases: hostile query input never raises a driver's error.

Arbitrary ids, specification values and cursors go through ``get``, ``exists``, ``find``,
``count`` and ``page_after`` of both storage styles on SQLite and PostgreSQL (and in memory).
Every call answers as its signature promises (a ``Result``, a bool, a list, an int), or raises
the ``InvalidInputError`` that ``find`` and ``count`` document for values no store keeps, and
every adapter gives the same answer as the in-memory store over the same records.

The number of examples follows the Hypothesis profile: ``HYPOTHESIS_PROFILE=thorough`` runs
2,000 per adapter and style (the figure reported when the guarantee was last attacked).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.domain import InvalidInputError, where
from creativeflow_shared.infrastructure.sqlalchemy import document_table, outbox_table
from creativeflow_shared.testing import (
    ContractItem,
    ContractItemMapperRepository,
    ContractItemRepository,
    ContractItemRow,
    ContractPart,
    SyncHarness,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from sqlalchemy import Engine, MetaData

    from creativeflow_shared.application import Repository
    from creativeflow_shared.domain import SortKey, Specification
    from creativeflow_shared.testing import ContractItemId, UnitOfWorkHarness

_Items = type["Repository[ContractItem, ContractItemId]"]
ITEM = where(ContractItem)


def _documents() -> MetaData:
    from sqlalchemy import MetaData  # noqa: PLC0415 (only the SQL backends need it)

    tables = MetaData()
    document_table(tables, ContractItemRepository, name="hostile_items")
    outbox_table(tables, name="hostile_outbox")
    return tables


_DOCUMENTS = _documents()
_STYLES: dict[str, tuple[Callable[[], MetaData], _Items]] = {
    "documents": (lambda: _DOCUMENTS, ContractItemRepository),
    "rows": (lambda: ContractItemRow.metadata, ContractItemMapperRepository),
}
_CATALOGUE = [
    ContractItem.new(
        sku,
        rank=rank,
        note=note,
        label=label,
        stock=stock,
        active=rank % 2 == 0,
        parts=(ContractPart(name="bolt", quantity=len(label)),),
    )
    for sku, rank, note, label, stock in [
        ("a", 1, None, "red", 0),
        ("b", 2, "x", "blue", 5),
        ("c", 2, "y", "red", -(2**63)),
        ("d", -3, None, "", 2**63 - 1),
        ("é", 2**62, "Ω", "naïve", 7),
    ]
]


@pytest.fixture(scope="module", params=["documents", "rows"])
def style(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def metadata(style: str) -> MetaData:
    return _STYLES[style][0]()


def _stocked(harness: UnitOfWorkHarness, repository: _Items) -> UnitOfWorkHarness:
    with harness.open() as uow:
        for item in _CATALOGUE:
            uow.repository(repository).add(item.model_copy(deep=True))
        assert uow.commit() == Success(None)
    return harness


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, metadata: MetaData, style: str
) -> Iterator[tuple[UnitOfWorkHarness, UnitOfWorkHarness, _Items]]:
    """The catalogue on a SQL database, beside the same catalogue in memory."""
    repository = _STYLES[style][1]
    fixture = "sqlite_tables" if request.param == "sqlite" else "postgres_tables"
    engine: Engine = request.getfixturevalue(fixture)
    sql = _stocked(SyncHarness.sqlalchemy(engine, metadata), repository)
    memory = _stocked(SyncHarness.in_memory(), repository)
    yield sql, memory, repository
    sql.close()
    memory.close()


# -- hostile input ------------------------------------------------------------------------------
_POISON = st.sampled_from(["\x00", "\ud800", "\udfff", "\x00\x00", "\ud83d"])
_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["a", "b", "é", "red", "", "x"]),
    st.tuples(st.text(max_size=4), _POISON, st.text(max_size=4)).map("".join),
)
_INTS = st.one_of(
    st.integers(),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 2**62, 0, 1, 2]),
)
_IDS = st.one_of(
    st.sampled_from([item.id for item in _CATALOGUE]),
    st.uuids(),
    _TEXT,
    _INTS,
    st.none(),
    st.floats(),
)


def _comparisons(
    attribute: Any,
    values: st.SearchStrategy[Any],
) -> st.SearchStrategy[Specification[ContractItem]]:
    operators = ("eq", "ne", "lt", "le", "gt", "ge")
    single = st.tuples(st.sampled_from(operators), values).map(
        lambda pair: getattr(attribute, pair[0])(pair[1])
    )
    return single | st.lists(values, max_size=3).map(attribute.in_)


_LEAVES = st.one_of(
    _comparisons(ITEM.rank, _INTS),
    _comparisons(ITEM.stock, _INTS),
    _comparisons(ITEM.sku, _TEXT),
    _comparisons(ITEM.label, _TEXT),
    _comparisons(ITEM.note, _TEXT),
    _comparisons(ITEM.active, st.booleans()),
    st.just(ITEM.note.is_null()),
)
_SPECIFICATIONS: st.SearchStrategy[Specification[ContractItem]] = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.tuples(children, children).map(lambda pair: pair[0] & pair[1]),
        st.tuples(children, children).map(lambda pair: pair[0] | pair[1]),
        children.map(lambda child: ~child),
    ),
    max_leaves=4,
)
_ORDERINGS: list[list[SortKey[ContractItem]]] = [
    [ITEM.rank.asc()],
    [ITEM.rank.desc()],
    [ITEM.sku.asc()],
    [ITEM.sku.desc(), ITEM.rank.asc()],
]
_JSON = st.recursive(
    st.none() | st.booleans() | _INTS | st.floats() | _TEXT,
    lambda children: st.lists(children, max_size=3),
    max_leaves=6,
)


def _cursor(values: Sequence[object]) -> str:
    # As ``encode_cursor`` writes them, but through ``json`` so that lone surrogates (escaped)
    # and non-finite floats (as NaN and Infinity) can be smuggled in.
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


_CURSORS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.lists(_JSON, max_size=4).map(_cursor),
    st.tuples(
        st.sampled_from(["+rank", "-rank", "+sku", "-sku,+rank", "+nope"]),
        st.lists(st.one_of(_INTS, _TEXT, st.uuids().map(str)), min_size=1, max_size=3),
    ).map(lambda parts: _cursor([parts[0], *parts[1]])),
    st.binary(max_size=40).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
)


@dataclass(frozen=True)
class _Reads:
    """The hostile input of one example."""

    id_: object
    specification: Specification[ContractItem]
    ordering: list[SortKey[ContractItem]]
    cursor: str | None


def _answers(harness: UnitOfWorkHarness, repository: _Items, reads: _Reads) -> dict[str, object]:
    """Every read of the repository, each answer reduced to what it says."""
    id_, specification, ordering, cursor = (
        reads.id_,
        reads.specification,
        reads.ordering,
        reads.cursor,
    )
    answers: dict[str, object] = {}
    with harness.open() as uow:
        items = uow.repository(repository)
        # Ids of any type: what an attacker sends, not what a type checker allows.
        got = items.get(cast("ContractItemId | str", id_))
        answers["get"] = got.unwrap().id if isinstance(got, Success) else got.failure().code
        answers["exists"] = items.exists(cast("ContractItemId | str", id_))
        for name, read in (
            ("find", lambda: sorted(str(i.id) for i in items.find(specification))),
            ("count", lambda: items.count(specification)),
        ):
            try:
                answers[name] = read()
            except InvalidInputError as error:
                answers[name] = error.code
        page = items.page_after(cursor, specification, order_by=ordering, limit=2)
        if isinstance(page, Success):
            answers["page_after"] = [str(i.id) for i in page.unwrap().items]
        else:
            assert isinstance(page, Failure)
            assert isinstance(page.failure(), InvalidInputError)
            answers["page_after"] = page.failure().code
    return answers


@given(
    id_=_IDS,
    specification=_SPECIFICATIONS,
    ordering=st.sampled_from(_ORDERINGS),
    cursor=_CURSORS,
)
def test_hostile_reads_answer_as_promised_and_as_in_memory(
    backend: tuple[UnitOfWorkHarness, UnitOfWorkHarness, _Items],
    id_: object,
    specification: Specification[ContractItem],
    ordering: list[SortKey[ContractItem]],
    cursor: str | None,
) -> None:
    sql, memory, repository = backend
    reads = _Reads(id_, specification, ordering, cursor)

    actual = _answers(sql, repository, reads)
    expected = _answers(memory, repository, reads)

    assert actual == expected


def test_the_catalogue_holds_the_edges_it_is_meant_to() -> None:
    # The catalogue's own values sit on the 64-bit edges and outside ASCII, so the hostile
    # reads compare against stored values at those edges.
    stocks = {item.stock for item in _CATALOGUE}
    assert {-(2**63), 2**63 - 1} <= stocks
    assert any(not item.sku.isascii() for item in _CATALOGUE)
    assert len({uuid.UUID(str(item.id)) for item in _CATALOGUE}) == len(_CATALOGUE)
