"""Records of a data-mapper repository: the service's own rows, through an ORM ``Session``.

The rows and their children are the ORM's business (loading, cascades, foreign keys, the
order of writes); the version check is a Core statement issued first, so that a conflict is
found, and the root row locked, before any child is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from returns.result import Failure, Result, Success
from sqlalchemy import Column, bindparam, false, func, inspect, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from creativeflow_shared.application.ports import StoredRecord
from creativeflow_shared.domain import AlreadyExistsError, InvalidInputError
from creativeflow_shared.infrastructure.sqlalchemy._compiler import (
    SpecificationCompiler,
    wide_type,
)
from creativeflow_shared.infrastructure.sqlalchemy._errors import (
    execute,
    name_the_key,
    name_the_record,
    translated,
)
from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy import ColumnElement, Table
    from sqlalchemy.orm.interfaces import LoaderOption
    from sqlalchemy.sql import Select, Update

    from creativeflow_shared.application.ports import RecordQuery, WriteError
    from creativeflow_shared.infrastructure.sqlalchemy._row_storage import ChildRows, RowStorage

__all__ = ["SQLAlchemyRowStore"]


class _RowStatements:
    """What a row store needs of one repository, built once per dialect."""

    def __init__(self, storage: RowStorage, dialect: str) -> None:
        row, mapper = storage.row_class, storage.mapper
        table = cast("Table", mapper.local_table)
        self.id_column = mapper.columns[storage.id_attribute]
        self.version_key = storage.version_column
        self.tenant_key = storage.tenant_column
        version = mapper.columns[self.version_key]
        self.tenant_column = mapper.columns[self.tenant_key] if self.tenant_key else None
        self.options = _child_loads(storage.children)
        self.select: Select[Any] = select(row).options(*self.options)
        # Built once with bound parameters: a statement built per call would have its cache
        # key (loader options included) computed again on every execution.
        # Ids bound without the column's limits: an id beyond an INTEGER column is not found,
        # not a failed statement (see ``wide_type``).
        self.by_id: Select[Any] = self.select.where(
            self.id_column == bindparam("r_id", type_=wide_type(self.id_column.type))
        )
        self.by_id_and_tenant = self.by_id
        if self.tenant_column is not None:
            self.by_id_and_tenant = self.by_id.where(self.tenant_column == bindparam("r_tenant"))
        self.id_key = storage.id_attribute
        # The version check is also the tenant check: a bump matches only a row of the
        # request's tenant, before anything else of the aggregate is written.
        key = [
            self.id_column == bindparam("b_id", type_=wide_type(self.id_column.type)),
            version == bindparam("b_expected"),
        ]
        if self.tenant_column is not None:
            key.append(self.tenant_column == bindparam("b_tenant"))
        self.bump: Update = update(table).where(*key).values({version.key: bindparam("b_version")})
        self.compiler = SpecificationCompiler(storage.columns, self.id_column, dialect)
        #: The projection each unique root column holds, to name a clash (``name_the_key``);
        #: the key of the row is the id, which a clash of names by the id alone.
        unique = [(storage.columns[p.path], p) for p in storage.projections if p.unique]
        self.unique_keys = {
            frozenset({column.name}): p for column, p in unique if not column.primary_key
        }
        self.tenant_name = "" if self.tenant_column is None else self.tenant_column.name


_STATEMENTS: Memo[_RowStatements] = Memo("row statements")
#: The rows each session loaded, by object id: a session holds its rows weakly.
_LOADED_ROWS: Memo[dict[int, Any]] = Memo("loaded rows")


class SQLAlchemyRowStore:
    """The ``RecordStore`` of a data-mapper repository, within a session's transaction."""

    __slots__ = ("_session_of", "_statements", "_storage")

    def __init__(self, session: Session | Callable[[], Session], storage: RowStorage) -> None:
        """Store the rows ``storage`` describes through ``session``, or the one it returns.

        A unit of work passes a function: it replaces its session after every commit and
        rollback, while the repository keeps this store for the whole block.
        """
        self._session_of: Callable[[], Session] = (
            (lambda: session) if isinstance(session, Session) else session
        )
        self._storage = storage
        dialect = self._session.connection().dialect.name
        self._statements = _STATEMENTS.get(
            storage.info, lambda: _RowStatements(storage, dialect), dialect
        )

    @property
    def _session(self) -> Session:
        return self._session_of()

    def get(self, id_: object, tenant_id: str | None) -> StoredRecord | None:
        """Return the root row with ``id_`` (of ``tenant_id`` when given), or ``None``."""
        statements = self._statements
        if tenant_id is None:
            rows = self._scalars(statements.by_id, id_, {"r_id": id_})
        else:
            try:
                tenant = self._storage.tenant_value(tenant_id)
            except ValueError:
                return None  # a tenant the column cannot hold owns no row
            params = {"r_id": id_, "r_tenant": tenant}
            rows = self._scalars(statements.by_id_and_tenant, id_, params)
        return self._record(rows[0]) if rows else None

    def find(self, query: RecordQuery) -> list[StoredRecord]:
        """Return the root rows matching ``query`` in its order."""
        compiler = self._statements.compiler
        statement = self._statements.select.where(*self._conditions(query))
        statement = statement.order_by(*compiler.order_by(query.order_by))
        if query.offset:
            statement = statement.offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return [self._record(row) for row in self._scalars(statement)]

    def count(self, query: RecordQuery) -> int:
        """Return how many root rows match ``query``."""
        table = self._storage.mapper.local_table
        statement = select(func.count()).select_from(table).where(*self._conditions(query))
        return int(self._execute(statement, None).scalar_one())

    def insert(self, records: Sequence[StoredRecord]) -> Result[None, WriteError]:
        """Add the new root rows and their children; a taken id or unique key is a ``Failure``."""
        clash = records[0].id if len(records) == 1 else f"one of {len(records)} new"
        session = self._session
        for record in records:
            if session.identity_map.get(self._key(record.id, record.tenant_id)) is not None:
                # Still in this session (removed, or never committed): a duplicate for sure.
                return Failure(AlreadyExistsError(self._storage.resource_name, record.id))
        session.add_all([record.data for record in records])
        flushed = self._flush(clash)
        error = flushed.failure() if isinstance(flushed, Failure) else None
        if isinstance(error, AlreadyExistsError) and len(records) > 1:
            candidates = [(record.id, self._column_values(record.data)) for record in records]
            table = cast("Table", self._storage.mapper.local_table)
            return Failure(name_the_record(error, table.name, candidates))
        return flushed

    def update(self, record: StoredRecord, expected_version: int) -> Result[bool, WriteError]:
        """Write the new root row and children if the stored version is ``expected_version``."""
        if not self._bump(record.id, expected_version, record.version, record.tenant_id):
            return Success(False)  # noqa: FBT003 (the port's answer: not matched)
        session, statements, storage = self._session, self._statements, self._storage
        identity = storage.identity(record.id, record.tenant_id)

        def merge_and_flush() -> None:
            stored = session.get(storage.row_class, identity, options=statements.options)
            # Children the new rows no longer have go first: the ORM would insert the new
            # children before deleting the old, and a key or unique column they share clashes.
            if stored is not None and _drop_stale_children(stored, record.data, storage.children):
                session.flush()
            # ``merge`` finds rows by their keys alone: a new child whose key another
            # aggregate's child holds (another tenant's, even) would be taken over, not added.
            taken = _taken_child_key(session, stored, record.data, storage.children)
            if taken is not None:
                raise AlreadyExistsError(*taken)
            session.merge(record.data)
            session.flush()

        flushed = self._write(merge_and_flush, record.id)
        if isinstance(flushed, Failure):
            return flushed
        return Success(True)  # noqa: FBT003 (the port's answer: matched)

    def delete(self, id_: object, expected_version: int, tenant_id: str | None) -> bool:
        """Delete the root row and its children if the stored version is ``expected_version``.

        Only a row of ``tenant_id`` matches when it is given.
        """
        if not self._bump(id_, expected_version, expected_version + 1, tenant_id):
            return False
        session, storage = self._session, self._storage
        identity = storage.identity(id_, tenant_id)
        options = self._statements.options

        def delete_and_flush() -> None:
            session.delete(session.get(storage.row_class, identity, options=options))
            session.flush()

        self._write(delete_and_flush, id_)  # only a reference to the row can fail it: raised
        return True

    # -- helpers --------------------------------------------------------------------------------
    def _bump(self, id_: object, expected: int, version: int, tenant_id: str | None) -> bool:
        """Move the stored version from ``expected`` to ``version``; say whether it matched.

        It runs before any other write of the aggregate: on PostgreSQL it also locks the root
        row, so concurrent writers of one aggregate queue here and all but one find a newer
        version. Only a row of ``tenant_id`` matches when it is given.
        """
        params = {"b_id": id_, "b_expected": expected, "b_version": version}
        if tenant_id is not None:
            try:
                params["b_tenant"] = self._storage.tenant_value(tenant_id)
            except ValueError:
                return False  # a tenant the column cannot hold owns no row
        result = self._execute(self._statements.bump, params, id_)
        if int(getattr(result, "rowcount", 0)) != 1:
            return False
        loaded = self._session.identity_map.get(self._key(id_, tenant_id))
        if loaded is not None:  # keep the ORM's copy in step, so it writes no version itself
            set_committed_value(loaded, self._statements.version_key, version)
        return True

    def _flush(self, subject: object) -> Result[None, WriteError]:
        return self._write(self._session.flush, subject)

    def _write(self, step: Callable[[], object], subject: object) -> Result[None, WriteError]:
        """Run an ORM step (its loads and flushes may fail); a taken key is a ``Failure``."""
        try:
            translated(step, self._storage.resource_name, subject)
        except AlreadyExistsError as error:
            statements = self._statements
            return Failure(name_the_key(error, statements.unique_keys, statements.tenant_name))
        except InvalidInputError as error:
            return Failure(error)
        return Success(None)

    def _column_values(self, row: object) -> Callable[[str], object]:
        """Return a function from a root-table column name to the value ``row`` holds there.

        A column of another table (a child's key) gives ``None``, which names no row.
        """
        mapper = self._storage.mapper
        values = {
            column.name: getattr(row, attribute.key)
            for attribute in mapper.column_attrs
            for column in attribute.columns
            if isinstance(column, Column) and column.table is mapper.local_table
        }
        return values.get

    def _record(self, row: Any) -> StoredRecord:  # noqa: ANN401 (the service's row class)
        statements = self._statements
        tenant = None if statements.tenant_key is None else getattr(row, statements.tenant_key)
        return StoredRecord(
            id=getattr(row, statements.id_key),
            version=getattr(row, statements.version_key),
            tenant_id=None if tenant is None else str(tenant),
            data=row,
        )

    def _key(self, id_: object, tenant_id: str | None) -> Any:  # noqa: ANN401 (SQLAlchemy's identity key)
        storage = self._storage
        return self._session.identity_key(storage.row_class, storage.identity(id_, tenant_id))

    def _tenant_condition(self, tenant_id: str | None) -> list[ColumnElement[bool]]:
        column = self._statements.tenant_column
        if tenant_id is None or column is None:
            return []
        try:
            return [column == self._storage.tenant_value(tenant_id)]
        except ValueError:
            return [false()]  # a tenant the column cannot hold owns no row

    def _conditions(self, query: RecordQuery) -> list[ColumnElement[bool]]:
        compiler = self._statements.compiler
        conditions = self._tenant_condition(query.tenant_id)
        if query.specification is not None:
            conditions.append(compiler.where(query.specification))
        if query.after is not None:
            conditions.append(compiler.after(query.order_by, query.after))
        return conditions

    def _scalars(
        self, statement: Select[Any], subject: object = None, params: dict[str, Any] | None = None
    ) -> list[Any]:
        session = self._session
        rows: list[Any] = translated(
            lambda: list(session.scalars(statement, params)),
            self._storage.resource_name,
            subject,
        )
        # The session holds its rows weakly; keeping them here lets a later change of the
        # aggregate merge into the loaded rows instead of reading them again. One entry per
        # row object, however often a query returns it.
        _LOADED_ROWS.get(session.info, dict).update((id(row), row) for row in rows)
        return rows

    def _execute(self, statement: Any, params: object, subject: object = None) -> Any:  # noqa: ANN401
        connection = self._session.connection()
        return execute(connection, statement, params, self._storage.resource_name, subject)


def _drop_stale_children(
    stored: Any,  # noqa: ANN401 (a row of the service's)
    new: Any,  # noqa: ANN401 (a row of the service's)
    children: tuple[ChildRows, ...],
) -> bool:
    """Take out of ``stored`` every owned child that ``new`` has no row of the same key for.

    Returns:
        Whether any child was taken out (it is deleted at the next flush, as an orphan).
    """
    dropped = False
    for child in children:
        if not child.relationship.uselist or child.key not in vars(new):
            continue  # not a collection of children, or one ``to_row`` left alone
        wanted: list[Any] = getattr(new, child.key)
        by_key: dict[tuple[Any, ...], Any] = {
            tuple(child.mapper.primary_key_from_instance(row)): row for row in wanted
        }
        collection: list[Any] = getattr(stored, child.key)
        for row in list(collection):
            match = by_key.get(inspect(row).identity)
            if match is None:
                collection.remove(row)
                dropped = True
            elif _drop_stale_children(row, match, child.children):
                dropped = True
    return dropped


def _rows_of(child: ChildRows, parent: Any) -> list[Any]:  # noqa: ANN401 (a row of the service's)
    """Return the child rows ``parent`` holds through ``child`` (none for ``None``)."""
    if parent is None:
        return []
    held: Any = getattr(parent, child.key)
    rows: list[Any] = list(held) if child.relationship.uselist else [held]
    return [row for row in rows if row is not None]


def _taken_child_key(
    session: Session,
    stored: Any,  # noqa: ANN401 (a row of the service's)
    new: Any,  # noqa: ANN401 (a row of the service's)
    children: tuple[ChildRows, ...],
) -> tuple[str, tuple[Any, ...]] | None:
    """Return the class and key of a new child row whose key a row outside ``stored`` holds.

    A child that ``stored`` (the aggregate as loaded) already has is the aggregate's own; a
    child the database keys itself is new; any other child's key is looked up, and a row found
    belongs to another aggregate.
    """
    for child in children:
        if child.key not in vars(new):
            continue  # a relationship ``to_row`` left alone
        owned = {inspect(row).identity: row for row in _rows_of(child, stored)}
        for row in _rows_of(child, new):
            identity = tuple(child.mapper.primary_key_from_instance(row))
            mine = owned.get(identity)
            taken = mine is None and None not in identity
            if taken and session.get(child.mapper.class_, identity) is not None:
                return child.mapper.class_.__name__, identity
            nested = _taken_child_key(session, mine, row, child.children)
            if nested is not None:
                return nested
    return None


def _child_loads(children: tuple[ChildRows, ...]) -> list[LoaderOption]:
    """Load every owned child (``delete-orphan`` relationships) with ``SELECT ... IN``."""
    options: list[LoaderOption] = []
    for child in children:
        option: Any = selectinload(child.relationship.class_attribute)
        nested = _child_loads(child.children)
        if nested:
            option = option.options(*nested)
        options.append(option)
    return options
