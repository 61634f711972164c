# The suites are tests shipped as library code: pytest's assertions are their language.
# ruff: noqa: S101

"""The sample data the contract suites share, and their one assertion on failed results.

Sample items and children, specifications with the items they select, garbage cursors,
values no store keeps, and ``assert_failure``.
"""

from __future__ import annotations

import base64
import uuid
from operator import methodcaller
from typing import TYPE_CHECKING, TypeVar

import pytest
from returns.result import Failure

from creativeflow_shared.application import Repository, encode_cursor
from creativeflow_shared.domain import where
from creativeflow_shared.testing._contract_model import ContractItem, ContractItemId, ContractPart

if TYPE_CHECKING:
    from collections.abc import Sequence

    from returns.result import Result

__all__ = [
    "CHILDREN_CHANGES",
    "GARBAGE_CURSORS",
    "ITEM",
    "PARTS",
    "SPECIFICATIONS",
    "UNSTORABLE_SPECIFICATIONS",
    "UNSTORABLE_TEXT",
    "Items",
    "assert_failure",
    "new_catalogue",
    "new_sku",
    "parts",
    "skus",
]

E = TypeVar("E", bound=Exception)

#: The fields of ``ContractItem``, to write specifications and sort keys with.
ITEM = where(ContractItem)
#: A repository class of contract items: the suites' ``repository_class`` fixture.
Items = type[Repository[ContractItem, ContractItemId]]


def assert_failure(result: Result[object, object], kind: type[E]) -> E:
    """Assert that ``result`` is a ``Failure`` whose error is a ``kind``, and return the error.

    Args:
        result: What the call under test returned.
        kind: The type of error it must have failed with.

    Returns:
        The error, typed as a ``kind``, for the checks that follow.

    Raises:
        AssertionError: If ``result`` is a ``Success`` or fails with an error of another type.
    """
    error = result.failure() if isinstance(result, Failure) else None
    assert isinstance(error, kind), f"expected a Failure with a {kind.__name__}, got {result!r}"
    return error


def skus(items: Sequence[ContractItem]) -> list[str]:
    """Return the SKUs of ``items``, in their order."""
    return [item.sku for item in items]


def new_sku(prefix: str) -> str:
    """Return a SKU that starts with ``prefix`` and that no other call returns."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_catalogue() -> list[ContractItem]:
    """Return five new items, ``a`` to ``e``, that ``SPECIFICATIONS`` select from."""
    return [
        ContractItem.new("a", rank=1, label="red", stock=0, active=True),
        ContractItem.new("b", rank=2, note="x", label="blue", stock=5, active=False),
        ContractItem.new("c", rank=2, note="y", label="red", stock=10, active=True),
        ContractItem.new("d", rank=3, label="green", stock=3, active=True),
        ContractItem.new("e", rank=5, note="x", label="blue", stock=7, active=False),
    ]


def parts(*named: tuple[str, int]) -> tuple[ContractPart, ...]:
    """Return the children named by ``(name, quantity)`` pairs, in their order."""
    return tuple(ContractPart(name=name, quantity=quantity) for name, quantity in named)


#: Children in neither name nor quantity order, so that a read in another order shows.
PARTS = (("nut", 2), ("bolt", 4), ("washer", 9), ("anchor", 1))


def _drop_every_part(item: ContractItem) -> None:
    for name, _ in PARTS:
        item.drop_part(name)


#: Changes of the children of an item holding ``PARTS``, with the children they leave.
CHILDREN_CHANGES = [
    pytest.param(methodcaller("add_part", "spring", 3), [*PARTS, ("spring", 3)], id="add a part"),
    pytest.param(methodcaller("drop_part", "nut"), PARTS[1:], id="drop the first part"),
    pytest.param(
        methodcaller("drop_part", "bolt"), [PARTS[0], *PARTS[2:]], id="drop a middle part"
    ),
    pytest.param(methodcaller("drop_part", "anchor"), PARTS[:-1], id="drop the last part"),
    pytest.param(
        methodcaller("change_part", "washer", 90),
        [*PARTS[:2], ("washer", 90), PARTS[3]],
        id="change a part",
    ),
    pytest.param(_drop_every_part, [], id="drop every part"),
]

#: Specifications with the SKUs of ``catalogue`` they select.
SPECIFICATIONS = [
    pytest.param(ITEM.rank.eq(2), {"b", "c"}, id="rank =="),
    pytest.param(ITEM.rank.ne(2), {"a", "d", "e"}, id="rank !="),
    pytest.param(ITEM.rank.lt(3), {"a", "b", "c"}, id="rank <"),
    pytest.param(ITEM.rank.gt(2), {"d", "e"}, id="rank >"),
    pytest.param(ITEM.rank.le(1), {"a"}, id="rank <="),
    pytest.param(ITEM.rank.ge(3), {"d", "e"}, id="rank >="),
    pytest.param(ITEM.rank.in_([1, 5]), {"a", "e"}, id="rank in"),
    pytest.param(ITEM.label.eq("red"), {"a", "c"}, id="label =="),
    pytest.param(ITEM.label.ne("red"), {"b", "d", "e"}, id="label !="),
    pytest.param(ITEM.label.in_(["blue", "green"]), {"b", "d", "e"}, id="label in"),
    pytest.param(ITEM.stock.gt(4), {"b", "c", "e"}, id="stock >"),
    pytest.param(ITEM.active.eq(False), {"b", "e"}, id="active =="),  # noqa: FBT003 (a value)
    pytest.param(ITEM.note.is_null(), {"a", "d"}, id="is null"),
    pytest.param(ITEM.note.is_not_null(), {"b", "c", "e"}, id="is not null"),
    pytest.param(ITEM.note.eq("x"), {"b", "e"}, id="nullable =="),
    pytest.param(ITEM.note.ne("x"), {"c"}, id="nullable != skips null"),
    pytest.param(~ITEM.note.eq("x"), {"c"}, id="not nullable == skips null"),
    pytest.param(ITEM.rank.ge(2) & ITEM.label.eq("red"), {"c"}, id="and"),
    pytest.param(ITEM.rank.eq(1) | ITEM.note.is_null(), {"a", "d"}, id="or"),
    pytest.param(~(ITEM.rank.lt(3) & ITEM.label.eq("red")), {"b", "d", "e"}, id="not and"),
    pytest.param(~ITEM.rank.eq(2) | ITEM.stock.ge(10), {"a", "c", "d", "e"}, id="not or"),
]

# A cursor holds the ordering it was written for ("+rank": rank ascending), the sort values
# and the id of the last item of its page. Each garbage cursor is wrong in one way.
#: Cursors no repository wrote, for pages ordered by rank ascending.
GARBAGE_CURSORS = [
    pytest.param("not a cursor!", id="not base64"),
    pytest.param("", id="empty"),
    pytest.param(encode_cursor(["+rank", 1]), id="too few values"),
    pytest.param(encode_cursor(["+rank", 1, str(uuid.uuid4()), 3]), id="too many values"),
    pytest.param(encode_cursor(["+rank", "one", str(uuid.uuid4())]), id="wrong sort value"),
    pytest.param(encode_cursor(["+rank", 1, "not-a-uuid"]), id="wrong id"),
    pytest.param(encode_cursor([1, str(uuid.uuid4())]), id="no ordering"),
    pytest.param(encode_cursor(["-rank", 1, str(uuid.uuid4())]), id="another ordering"),
    pytest.param(encode_cursor(["+rank", 2**63, str(uuid.uuid4())]), id="rank beyond 64 bits"),
    pytest.param(encode_cursor(["+rank", -(2**63) - 1, str(uuid.uuid4())]), id="rank below"),
    pytest.param(base64.urlsafe_b64encode(b'{"rank": 1}').decode(), id="not a list"),
    pytest.param("w\u00e9", id="not ascii"),
]

# Values no store keeps: each comes back as not found, ``False``, or an ``InvalidInputError``
# on every adapter, never as a driver's error.
#: Text no store keeps.
UNSTORABLE_TEXT = [
    pytest.param("nul\x00inside", id="NUL"),
    pytest.param("lone \ud800 surrogate", id="lone surrogate"),
]
#: Specifications that compare with a value no store keeps.
UNSTORABLE_SPECIFICATIONS = [
    pytest.param(ITEM.rank.eq(2**63), id="int beyond 64 bits"),
    pytest.param(ITEM.rank.lt(-(2**63) - 1), id="int below 64 bits"),
    pytest.param(ITEM.stock.eq(2**64), id="int in JSON beyond 64 bits"),
    pytest.param(ITEM.label.eq("nul\x00inside"), id="NUL in JSON text"),
    pytest.param(ITEM.sku.eq("nul\x00inside"), id="NUL in a column"),
    pytest.param(ITEM.sku.in_(["ok", "lone \ud800"]), id="lone surrogate in IN"),
    pytest.param(ITEM.rank.eq(1) | ~ITEM.note.eq("\x00"), id="deep inside"),
]
