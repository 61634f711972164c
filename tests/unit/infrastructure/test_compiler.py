"""Unit tests of specifications compiled to SQL over a document table.

Every operator is run on SQLite and on PostgreSQL, on projected columns and inside the JSON
document, and must select exactly the rows the specification selects in memory.
"""

from __future__ import annotations

import enum
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from returns.result import Success
from sqlalchemy import MetaData, create_engine, create_mock_engine, select
from typing_extensions import override

from creativeflow_shared.application import DocumentRepository, project
from creativeflow_shared.domain import (
    AggregateRoot,
    Comparison,
    Identity,
    Operator,
    Specification,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    SpecificationCompiler,
    SQLAlchemyUnitOfWork,
    document_table,
    outbox_table,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import ColumnElement, Engine


class ItemId(Identity):
    """The id of an item."""


class Tone(enum.StrEnum):
    DARK = "dark"
    LIGHT = "light"


class Grade(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Item(AggregateRoot[ItemId]):
    title: str
    price: Decimal
    stock: int | None = None
    sku: str
    weight: int
    ratio: float
    active: bool
    tone: Tone
    grade: Grade
    owner: ItemId
    memo: str | None = None


class ItemRepository(DocumentRepository[Item, ItemId]):
    projections = (project("title"), project("price"), project("stock"))


_METADATA = MetaData()
_TABLE = document_table(_METADATA, ItemRepository, name="unit_compiler_items")
outbox_table(_METADATA, name="unit_compiler_outbox")

_OWNERS = [ItemId(uuid.UUID(int=n)) for n in (1, 2)]
_ITEMS = [
    Item(
        id=ItemId.new(),
        title="apple",
        price=Decimal("1.50"),
        stock=3,
        sku="a-1",
        weight=10,
        ratio=0.5,
        active=True,
        tone=Tone.DARK,
        grade=Grade.LOW,
        owner=_OWNERS[0],
        memo="fresh",
    ),
    Item(
        id=ItemId.new(),
        title="Banana",
        price=Decimal("0.25"),
        sku="B-2",
        weight=-4,
        ratio=2.25,
        active=False,
        tone=Tone.LIGHT,
        grade=Grade.HIGH,
        owner=_OWNERS[1],
    ),
    Item(
        id=ItemId.new(),
        title="\u00e9p\u00e9e",
        price=Decimal("12.00"),
        stock=0,
        sku="\u00e9-3",
        weight=10,
        ratio=-1.0,
        active=True,
        tone=Tone.LIGHT,
        grade=Grade.LOW,
        owner=_OWNERS[0],
        memo="",
    ),
    Item(
        id=ItemId.new(),
        title="zebra",
        price=Decimal("1.50"),
        stock=3,
        sku="z-4",
        weight=0,
        ratio=0.5,
        active=False,
        tone=Tone.DARK,
        grade=Grade.HIGH,
        owner=_OWNERS[1],
    ),
]


class Unknown(Specification[Item]):
    """A specification node the compiler does not know."""

    __slots__ = ()

    @override
    def evaluate(self, candidate: Item) -> bool | None:
        return None

    @override
    def paths(self) -> tuple[tuple[str, ...], ...]:
        return ()

    @override
    def compared_values(self) -> tuple[tuple[tuple[str, ...], object], ...]:
        return ()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine whose item table holds ``_ITEMS`` (for the whole module)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("compiler") / "items.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
    else:
        engine = request.getfixturevalue("unit_postgres_engine")
    _METADATA.drop_all(engine)
    _METADATA.create_all(engine)
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        for item in _ITEMS:
            uow.repository(ItemRepository).add(item.model_copy())
        assert uow.commit() == Success(None)
    yield engine
    _METADATA.drop_all(engine)
    if request.param == "sqlite":
        engine.dispose()


def _compiler(engine: Engine) -> SpecificationCompiler:
    return SpecificationCompiler.for_documents(_TABLE, ItemRepository.storage, engine.dialect.name)


def _selected(engine: Engine, condition: ColumnElement[bool]) -> set[uuid.UUID]:
    with engine.connect() as connection:
        return {
            uuid.UUID(str(row_id))
            for row_id in connection.execute(select(_TABLE.c.id).where(condition)).scalars()
        }


def _expected(specification: Specification[Item]) -> set[uuid.UUID]:
    return {item.id.root for item in _ITEMS if specification.is_satisfied_by(item)}


def _ordered(engine: Engine, terms: list[ColumnElement[Any]]) -> list[uuid.UUID]:
    with engine.connect() as connection:
        rows = connection.execute(select(_TABLE.c.id).order_by(*terms)).scalars()
        return [uuid.UUID(str(row_id)) for row_id in rows]


def _sql(condition: ColumnElement[Any], dialect: str) -> str:
    url = "postgresql+psycopg://" if dialect == "postgresql" else "sqlite://"
    return str(condition.compile(dialect=create_mock_engine(url, executor=None).dialect))


# -- every operator on every kind of attribute -------------------------------------------------
_ITEM = where(Item)
_PROBES: dict[str, tuple[Any, list[object]]] = {
    "a projected text column": (_ITEM.title, ["apple", "Banana", "b", "\u00e9p\u00e9e"]),
    "a projected decimal column": (_ITEM.price, [Decimal("1.5"), Decimal("0.3"), 12]),
    "a projected optional column": (_ITEM.stock, [3, 0, 1]),
    "text inside the document": (_ITEM.sku, ["a-1", "B", "\u00e9-3", "z-5"]),
    "an integer inside the document": (_ITEM.weight, [10, -4, 0, 5]),
    "a float inside the document": (_ITEM.ratio, [0.5, -1.0, 1]),
    "a boolean inside the document": (_ITEM.active, [True, False]),
    "a text enum inside the document": (_ITEM.tone, ["dark", Tone.LIGHT]),
    "an integer enum inside the document": (_ITEM.grade, [1, Grade.HIGH]),
    "an id inside the document": (_ITEM.owner, [_OWNERS[0], str(_OWNERS[1]), ItemId.new()]),
    "the aggregate's own id": (_ITEM.id, [_ITEMS[0].id, _ITEMS[3].id.root]),
    "optional text inside the document": (_ITEM.memo, ["fresh", "", "x"]),
}


@pytest.mark.parametrize("probe", list(_PROBES))
def test_every_comparison_selects_the_rows_it_selects_in_memory(engine: Engine, probe: str) -> None:
    attribute, values = _PROBES[probe]
    specifications: list[Specification[Item]] = [
        compare(value)
        for value in values
        for compare in (
            attribute.eq,
            attribute.ne,
            attribute.lt,
            attribute.le,
            attribute.gt,
            attribute.ge,
        )
    ]
    specifications += [attribute.in_(values), attribute.in_(values[:1]), ~attribute.in_(values)]
    compiler = _compiler(engine)

    actual = [_selected(engine, compiler.where(spec)) for spec in specifications]

    assert actual == [_expected(spec) for spec in specifications]


@pytest.mark.parametrize(
    "attribute",
    [_ITEM.stock, _ITEM.memo],
    ids=["a projected column", "inside the document"],
)
def test_is_null_selects_the_missing_values(engine: Engine, attribute: Any) -> None:
    compiler = _compiler(engine)
    missing, present = attribute.is_null(), attribute.is_not_null()

    actual = (
        _selected(engine, compiler.where(missing)),
        _selected(engine, compiler.where(present)),
    )

    assert actual == (_expected(missing), _expected(present))
    assert 0 < len(actual[0]) < len(_ITEMS)


@pytest.mark.parametrize("attribute", [_ITEM.stock, _ITEM.sku], ids=["projected", "in JSON"])
def test_in_an_empty_set_selects_nothing_and_its_negation_everything(
    engine: Engine, attribute: Any
) -> None:
    compiler = _compiler(engine)
    nothing: Specification[Item] = attribute.in_([])

    actual = (
        _selected(engine, compiler.where(nothing)),
        _selected(engine, compiler.where(~nothing)),
    )

    assert actual == (set(), {item.id.root for item in _ITEMS})


def test_and_or_and_not_combine_with_three_valued_logic(engine: Engine) -> None:
    compiler = _compiler(engine)
    specifications = [
        _ITEM.stock.gt(1) & _ITEM.active.eq(True),
        _ITEM.stock.gt(1) | _ITEM.memo.eq("fresh"),
        ~(_ITEM.stock.lt(3) | _ITEM.tone.eq("dark")),
        ~(_ITEM.stock.ge(0) & _ITEM.weight.ne(10)),
    ]

    actual = [_selected(engine, compiler.where(spec)) for spec in specifications]

    assert actual == [_expected(spec) for spec in specifications]


def test_an_unknown_specification_node_does_not_compile() -> None:
    compiler = SpecificationCompiler.for_documents(_TABLE, ItemRepository.storage, "sqlite")

    with pytest.raises(TypeError, match="cannot compile Unknown"):
        compiler.where(Unknown())


def test_an_in_comparison_needs_a_tuple_of_values() -> None:
    compiler = SpecificationCompiler.for_documents(_TABLE, ItemRepository.storage, "sqlite")

    with pytest.raises(TypeError, match="needs a tuple of values"):
        compiler.where(Comparison(("weight",), Operator.IN, [1, 2]))


# -- collation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("specification", "collated"),
    [
        (_ITEM.title.lt("b"), True),
        (_ITEM.sku.ge("b"), True),
        (_ITEM.tone.gt("dark"), True),
        (_ITEM.title.eq("b"), False),
        (_ITEM.sku.in_(["b"]), False),
        (_ITEM.price.lt(1), False),
        (_ITEM.weight.lt(1), False),
        (_ITEM.owner.lt(_OWNERS[1]), True),
    ],
)
def test_postgresql_orders_text_by_code_point_in_ordering_comparisons_only(
    specification: Specification[Item], collated: bool
) -> None:
    condition = SpecificationCompiler.for_documents(
        _TABLE, ItemRepository.storage, "postgresql"
    ).where(specification)

    actual = 'COLLATE "C"' in _sql(condition, "postgresql")

    assert actual is collated


def test_sqlite_needs_no_collation() -> None:
    condition = SpecificationCompiler.for_documents(_TABLE, ItemRepository.storage, "sqlite").where(
        _ITEM.title.lt("b")
    )

    assert "COLLATE" not in _sql(condition, "sqlite")


# -- order and keyset positions -----------------------------------------------------------------
def _python_order(*keys: tuple[str, bool]) -> list[uuid.UUID]:
    """Sort the items by ``keys`` (attribute, descending) as SQL does: NULL after every value."""
    items = sorted(_ITEMS, key=lambda item: item.id.root)
    for name, descending in reversed(keys):
        items.sort(
            key=lambda item: (getattr(item, name) is None, getattr(item, name) or 0),
            reverse=descending,
        )
    return [item.id.root for item in items]


@pytest.mark.parametrize(
    "keys",
    [
        (("stock", False),),
        (("stock", True),),
        (("price", False), ("stock", True)),
        (("title", False),),
        (("title", True),),
    ],
    ids=["nulls last ascending", "nulls first descending", "two keys", "text", "text desc"],
)
def test_order_by_sorts_by_the_keys_then_the_id(
    engine: Engine, keys: tuple[tuple[str, bool], ...]
) -> None:
    sort_keys = tuple(_ITEM[name].desc() if desc else _ITEM[name].asc() for name, desc in keys)

    actual = _ordered(engine, _compiler(engine).order_by(sort_keys))

    assert actual == _python_order(*keys)


def test_order_by_only_the_id_without_keys(engine: Engine) -> None:
    actual = _ordered(engine, _compiler(engine).order_by(()))

    assert actual == sorted(item.id.root for item in _ITEMS)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_after_selects_the_rows_that_follow_a_position(engine: Engine, descending: bool) -> None:
    compiler = _compiler(engine)
    keys = (_ITEM.price.desc() if descending else _ITEM.price.asc(),)
    order = _python_order(("price", descending))
    ranked = {item.id.root: item for item in _ITEMS}
    position = ranked[order[1]]

    condition = compiler.after(keys, (position.price, position.id.root))
    with engine.connect() as connection:
        statement = select(_TABLE.c.id).where(condition).order_by(*compiler.order_by(keys))
        actual = [uuid.UUID(str(row_id)) for row_id in connection.execute(statement).scalars()]

    assert actual == order[2:]


def test_after_orders_text_by_code_point_on_postgresql() -> None:
    compiler = SpecificationCompiler.for_documents(_TABLE, ItemRepository.storage, "postgresql")

    sql = _sql(compiler.after((_ITEM.title.asc(),), ("b", uuid.UUID(int=0))), "postgresql")

    assert sql.count('COLLATE "C"') == 2
