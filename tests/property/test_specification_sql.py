"""Compiled specifications select what they select in memory, on SQLite and on PostgreSQL.

Hypothesis draws aggregates and specification trees over every kind of attribute a document
repository compares: projected columns (integers, text, decimals, aware timestamps, an optional
integer) and attributes inside the JSON document (text, integers, booleans, an enum, an id and
optional text). The repository's ``find`` and ``count`` must agree with
``Specification.is_satisfied_by``, and ``find(order_by=...)`` with a Python sort that puts
``None`` after every value and breaks ties by id.

The same aggregates are also stored through a data-mapper repository that maps every attribute
to a column of its own row, so specifications compiled over mapped columns are held to the
same in-memory evaluation, ordering by any attribute included.
"""

from __future__ import annotations

import enum
import os
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Success
from sqlalchemy import BigInteger, MetaData, String, create_engine, delete, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

from creativeflow_shared.application import DocumentRepository, Repository, project
from creativeflow_shared.domain import (
    AggregateRoot,
    Identity,
    SortKey,
    Specification,
    where,
)
from creativeflow_shared.infrastructure.sqlalchemy import (
    DataMapperRepository,
    ExactDecimal,
    SQLAlchemyUnitOfWork,
    UtcDateTime,
    document_table,
)
from creativeflow_shared.testing import aware_datetimes, identities

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from sqlalchemy import Engine

_POSTGRES_URL = os.environ.get(
    "CREATIVEFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class SampleId(Identity):
    """The id of a sample."""


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Sample(AggregateRoot[SampleId]):
    # Projected into columns.
    rank: int
    label: str
    price: Decimal
    at: datetime
    score: int | None = None
    # Compared inside the JSON document.
    note: str
    count: int
    flag: bool
    colour: Colour
    ref: SampleId
    memo: str | None = None


class SampleRepository(DocumentRepository[Sample, SampleId]):
    projections = (
        project("rank"),
        project("label"),
        project("price"),
        project("at"),
        project("score"),
    )


_METADATA = MetaData()
_SAMPLES = document_table(_METADATA, SampleRepository, name="prop_spec_sql_samples")


class _Rows(DeclarativeBase):
    metadata = _METADATA


class SampleRow(_Rows):
    """A sample in a row of its own: every attribute in a column that holds its plain value."""

    __tablename__ = "dm_prop_spec_sql_samples"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    rank: Mapped[int] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String)
    price: Mapped[Decimal] = mapped_column(ExactDecimal())
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    score: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String)
    count: Mapped[int] = mapped_column(BigInteger)
    flag: Mapped[bool]
    colour: Mapped[str] = mapped_column(String)
    ref: Mapped[UUID]
    memo: Mapped[str | None] = mapped_column(String)


class SampleRowRepository(DataMapperRepository[Sample, SampleId, SampleRow]):
    columns: ClassVar[Mapping[str, Any]] = {
        "rank": SampleRow.rank,
        "label": SampleRow.label,
        "price": SampleRow.price,
        "at": SampleRow.at,
        "score": SampleRow.score,
        "note": SampleRow.note,
        "count": SampleRow.count,
        "flag": SampleRow.flag,
        "colour": SampleRow.colour,
        "ref": SampleRow.ref,
        "memo": SampleRow.memo,
    }

    @override
    def to_row(self, aggregate: Sample) -> SampleRow:
        return SampleRow(
            id=aggregate.id.value,
            rank=aggregate.rank,
            label=aggregate.label,
            price=aggregate.price,
            at=aggregate.at,
            score=aggregate.score,
            note=aggregate.note,
            count=aggregate.count,
            flag=aggregate.flag,
            colour=aggregate.colour.value,
            ref=aggregate.ref.value,
            memo=aggregate.memo,
        )

    @override
    def to_domain(self, row: SampleRow) -> Sample:
        return Sample(
            id=SampleId(row.id),
            rank=row.rank,
            label=row.label,
            price=row.price,
            at=row.at,
            score=row.score,
            note=row.note,
            count=row.count,
            flag=row.flag,
            colour=Colour(row.colour),
            ref=SampleId(row.ref),
            memo=row.memo,
        )


_SAMPLE_ROWS = _METADATA.tables["dm_prop_spec_sql_samples"]
_Samples = type[Repository[Sample, SampleId]]

_PROJECTED = ("rank", "label", "price", "at", "score")
_OPTIONAL = ("score", "memo")

# Small pools make equal values (and so ties, and matches for ``eq``) frequent; the wide
# strategies find the edges. PostgreSQL stores no NUL character in text, so none is drawn.
_REFS = [SampleId.new() for _ in range(3)]
_INTEGERS = st.integers(-3, 3) | st.integers(-(2**62), 2**62)
_TEXTS = st.sampled_from(["", "a", "B", "\u00e9", "\U0001f600"]) | st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6
)
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "rank": _INTEGERS,
    "label": _TEXTS,
    "price": st.decimals(
        min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False
    ),
    "at": aware_datetimes(),
    "score": _INTEGERS,
    "note": _TEXTS,
    "count": _INTEGERS,
    "flag": st.booleans(),
    "colour": st.sampled_from(Colour),
    "ref": st.sampled_from(_REFS) | identities(SampleId),
    "memo": _TEXTS,
}
_FIELDS = tuple(_VALUES)


def _sample_strategy() -> st.SearchStrategy[Sample]:
    fields = {
        name: st.none() | strategy if name in _OPTIONAL else strategy
        for name, strategy in _VALUES.items()
    }
    return st.builds(_sample, identities(SampleId), st.fixed_dictionaries(fields))


def _sample(id_: SampleId, values: dict[str, Any]) -> Sample:
    return Sample.model_validate({"id": id_, **values})


_SAMPLE_LISTS = st.lists(_sample_strategy(), max_size=8, unique_by=lambda s: s.id.root)


def _values_of(name: str, samples: Sequence[Sample]) -> st.SearchStrategy[Any]:
    """Values for comparisons with ``name``: often one the samples hold, else a fresh one."""
    present = [getattr(s, name) for s in samples if getattr(s, name) is not None]
    return st.sampled_from(present) | _VALUES[name] if present else _VALUES[name]


def _apply(method: Callable[[Any], Specification[Sample]], value: object) -> Specification[Sample]:
    return method(value)


def _leaves(samples: Sequence[Sample]) -> st.SearchStrategy[Specification[Sample]]:
    def leaf(name: str) -> st.SearchStrategy[Specification[Sample]]:
        attribute = where(Sample)[name]
        values = _values_of(name, samples)
        methods: list[Callable[[Any], Specification[Sample]]] = [
            attribute.eq,
            attribute.ne,
            attribute.lt,
            attribute.le,
            attribute.gt,
            attribute.ge,
        ]
        options: list[st.SearchStrategy[Specification[Sample]]] = [
            st.builds(_apply, st.sampled_from(methods), values),
            st.lists(values, max_size=3).map(attribute.in_),
        ]
        if name in _OPTIONAL:
            options += [st.just(attribute.is_null()), st.just(attribute.is_not_null())]
        return st.one_of(options)

    return st.one_of([leaf(name) for name in _FIELDS])


def _specifications(samples: Sequence[Sample]) -> st.SearchStrategy[Specification[Sample]]:
    def combine(
        children: st.SearchStrategy[Specification[Sample]],
    ) -> st.SearchStrategy[Specification[Sample]]:
        pairs = st.tuples(children, children)
        return st.one_of(
            pairs.map(lambda pair: pair[0] & pair[1]),
            pairs.map(lambda pair: pair[0] | pair[1]),
            children.map(lambda child: ~child),
        )

    return st.recursive(_leaves(samples), combine, max_leaves=6)


def _sort_keys(names: Sequence[str]) -> st.SearchStrategy[list[SortKey[Sample]]]:
    return st.lists(
        st.tuples(st.sampled_from(names), st.booleans()),
        min_size=1,
        max_size=2,
        unique_by=lambda key: key[0],
    ).map(
        lambda keys: [
            where(Sample)[name].desc() if descending else where(Sample)[name].asc()
            for name, descending in keys
        ]
    )


_SORT_KEYS = _sort_keys(_PROJECTED)
# A data-mapper repository keeps every attribute in a column: any of them sorts.
_ROW_SORT_KEYS = _sort_keys(_FIELDS)


def _python_order(samples: Sequence[Sample], keys: Sequence[SortKey[Sample]]) -> list[SampleId]:
    """Sort as SQL does here: by each key, ``None`` after every value, then by id."""
    ordered = sorted(samples, key=lambda s: s.id.root)
    for key in reversed(keys):

        def position(sample: Sample, key: SortKey[Sample] = key) -> tuple[bool, Any]:
            value = key.value_of(sample)
            return value is None, value

        ordered.sort(key=position, reverse=key.descending)
    return [sample.id for sample in ordered]


def _check(
    engine: Engine,
    samples: list[Sample],
    specification: Specification[Sample],
    keys: list[SortKey[Sample]],
    kind: _Samples = SampleRepository,
) -> None:
    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(kind)
        for sample in samples:
            repository.add(sample.model_copy())
        assert uow.commit() == Success(None)
    expected = [s for s in samples if specification.is_satisfied_by(s)]

    with SQLAlchemyUnitOfWork(engine, _METADATA) as uow:
        repository = uow.repository(kind)
        found = repository.find(specification)
        counted = repository.count(specification)
        ordered = repository.find(specification, order_by=keys)

    assert {s.id for s in found} == {s.id for s in expected}
    assert counted == len(expected)
    assert [s.id for s in ordered] == _python_order(expected, keys)
    # What was read back is what was stored (values compare equal, e.g. the same instant).
    assert {s.id: s.model_dump() for s in found} == {
        s.id: s.model_dump() | {"version": 1} for s in expected
    }


@st.composite
def _cases(
    draw: st.DrawFn,
) -> tuple[list[Sample], Specification[Sample], list[SortKey[Sample]]]:
    samples = draw(_SAMPLE_LISTS)
    return samples, draw(_specifications(samples)), draw(_SORT_KEYS)


@st.composite
def _row_cases(
    draw: st.DrawFn,
) -> tuple[list[Sample], Specification[Sample], list[SortKey[Sample]]]:
    samples = draw(_SAMPLE_LISTS)
    return samples, draw(_specifications(samples)), draw(_ROW_SORT_KEYS)


_Case = tuple[list[Sample], Specification[Sample], list[SortKey[Sample]]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases())
def test_sqlite_selects_counts_and_orders_as_specifications_evaluate(case: _Case) -> None:
    samples, specification, keys = case
    engine = create_engine("sqlite://")
    try:
        _METADATA.create_all(engine)
        _check(engine, samples, specification, keys)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def postgres_engine_with_samples() -> Iterator[Engine]:
    """The PostgreSQL test database with the samples table (skipped when unreachable)."""
    engine = create_engine(_POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        cause = str(exc.orig).strip().splitlines()[0]
        reason = f"PostgreSQL is not reachable ({cause}); set CREATIVEFLOW_TEST_POSTGRES_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    _METADATA.drop_all(engine)
    _METADATA.create_all(engine)
    yield engine
    _METADATA.drop_all(engine)
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases())
def test_postgresql_selects_counts_and_orders_as_specifications_evaluate(
    postgres_engine_with_samples: Engine, case: _Case
) -> None:
    engine = postgres_engine_with_samples
    samples, specification, keys = case
    with engine.begin() as connection:
        connection.execute(delete(_SAMPLES))

    _check(engine, samples, specification, keys)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_row_cases())
def test_sqlite_rows_select_count_and_order_as_specifications_evaluate(case: _Case) -> None:
    samples, specification, keys = case
    engine = create_engine("sqlite://")
    try:
        _METADATA.create_all(engine)
        _check(engine, samples, specification, keys, SampleRowRepository)
    finally:
        engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_row_cases())
def test_postgresql_rows_select_count_and_order_as_specifications_evaluate(
    postgres_engine_with_samples: Engine, case: _Case
) -> None:
    engine = postgres_engine_with_samples
    samples, specification, keys = case
    with engine.begin() as connection:
        connection.execute(delete(_SAMPLE_ROWS))

    _check(engine, samples, specification, keys, SampleRowRepository)


def test_the_generated_samples_cover_every_compared_field() -> None:
    # The strategies above name every field of the aggregate but ``id`` and ``version``.
    fields = set(Sample.model_fields) - {"id", "version"}

    assert set(_FIELDS) == fields
    assert {p.path[0] for p in SampleRepository.storage.projections} == set(_PROJECTED)
    assert {p.path[0] for p in SampleRowRepository.storage.projections} == fields
