"""Unit tests of ``Memo``: values built once per owner and dialect, living with the owner."""

from __future__ import annotations

import gc
import weakref

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert
from typing_extensions import override

from creativeflow_shared.infrastructure.sqlalchemy import SQLAlchemyOutboxStore, outbox_table
from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo


class Owner:
    """Something adapters keep values for (a table, a description), with its ``info``."""

    def __init__(self) -> None:
        self.info: dict[object, object] = {}


def test_a_value_is_built_once_per_owner_and_dialect() -> None:
    memo: Memo[list[str]] = Memo("names")
    owner, other = Owner(), Owner()
    built: list[str] = []

    def build(name: str) -> list[str]:
        built.append(name)
        return [name]

    first = memo.get(owner.info, lambda: build("sqlite"), "sqlite")
    again = memo.get(owner.info, lambda: build("again"), "sqlite")
    postgres = memo.get(owner.info, lambda: build("postgresql"), "postgresql")
    others = memo.get(other.info, lambda: build("other"), "sqlite")

    assert (first is again, postgres, others) == (True, ["postgresql"], ["other"])
    assert built == ["sqlite", "postgresql", "other"]


def test_two_memos_keep_their_values_apart_in_one_owner() -> None:
    names: Memo[str] = Memo("names")
    numbers: Memo[int] = Memo("numbers")
    owner = Owner()

    values = (names.get(owner.info, lambda: "a"), numbers.get(owner.info, lambda: 1))

    assert values == ("a", 1)
    assert [repr(key) for key in owner.info] == ["Memo('names')", "Memo('numbers')"]


def test_a_value_that_refers_to_its_owner_lets_the_owner_go() -> None:
    # A statement refers to its table: kept outside the table, it would keep the table alive.
    metadata = MetaData()
    table = Table("memo_things", metadata, Column("id", Integer, primary_key=True))
    memo: Memo[object] = Memo("statements")
    memo.get(table.info, insert(table).compile)
    gone = weakref.ref(metadata)

    del metadata, table
    gc.collect()

    assert gone() is None


def test_an_outbox_store_lets_its_table_and_metadata_go() -> None:
    engine = create_engine("sqlite://")
    metadata = MetaData()
    table = outbox_table(metadata)
    metadata.create_all(engine)
    with engine.connect() as connection:
        SQLAlchemyOutboxStore(connection, table)
    engine.dispose()
    assert [repr(key) for key in table.info] == ["Memo('outbox insert')"]
    gone = weakref.ref(metadata)

    del metadata, table
    gc.collect()

    assert gone() is None


class _LateHome(dict[object, object]):
    """An owner's ``info`` whose reads never see a value: the lock's check alone decides."""

    @override
    def get(self, key: object, default: object = None) -> object:
        return default


def test_a_value_another_thread_built_meanwhile_is_not_built_again() -> None:
    memo: Memo[list[str]] = Memo("names")
    home = _LateHome()

    first = memo.get(home, lambda: ["first"])
    # Missed by the unlocked read, as when another thread builds it meanwhile.
    again = memo.get(home, lambda: ["second"])

    assert again is first
