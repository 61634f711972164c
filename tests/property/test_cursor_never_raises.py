"""G8 for the application layer: a cursor from outside never makes a page request raise."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from creativeflow_shared.application import (
    DocumentRepository,
    decode_cursor,
    encode_cursor,
    project,
)
from creativeflow_shared.domain import AggregateRoot, Identity, InvalidInputError, where
from creativeflow_shared.testing import InMemoryUnitOfWork


class ClipId(Identity):
    pass


class Clip(AggregateRoot[ClipId]):
    rank: int


class ClipRepository(DocumentRepository[Clip, ClipId]):
    projections = (project("rank"),)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)
_cursors = (
    st.text()
    | st.binary().map(lambda raw: raw.decode("latin-1"))
    | _json.map(lambda value: encode_cursor(value if isinstance(value, list) else [value]))
)


@given(cursor=st.one_of(_cursors, st.integers(), st.none(), st.binary()), size=st.integers(0, 4))
def test_decoding_any_cursor_returns_a_result(cursor: object, size: int) -> None:
    actual = decode_cursor(cursor, size)

    assert isinstance(actual, Success | Failure)
    if isinstance(actual, Failure):
        assert isinstance(actual.failure(), InvalidInputError)
        assert actual.failure().field_errors[0].loc == ("cursor",)


@given(cursor=_cursors)
def test_a_page_after_any_cursor_is_a_page_or_a_failure(cursor: str) -> None:
    with InMemoryUnitOfWork() as uow:
        clips = uow.repository(ClipRepository)
        clips.add(Clip(id=ClipId.new(), rank=1))
        uow.commit()
        actual = clips.page_after(cursor, order_by=[where(Clip).rank.asc()], limit=5)

    assert isinstance(actual, Success | Failure)
    if isinstance(actual, Failure):
        assert actual.failure().code == "invalid_input"
