"""Documents in a SQL table, through SQLAlchemy Core (the ORM costs several times more here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from returns.result import Failure, Result, Success
from sqlalchemy import bindparam, delete, func, insert, literal, select, update

from creativeflow_shared.application.ports import StoredRecord
from creativeflow_shared.domain import AlreadyExistsError, InvalidInputError, utc_now
from creativeflow_shared.infrastructure.sqlalchemy._compiler import SpecificationCompiler
from creativeflow_shared.infrastructure.sqlalchemy._errors import (
    execute,
    name_the_key,
    name_the_record,
)
from creativeflow_shared.infrastructure.sqlalchemy._memo import Memo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement, Connection, Table
    from sqlalchemy.engine import CursorResult
    from sqlalchemy.sql import Delete, Executable, Insert, Select, Update
    from sqlalchemy.sql.dml import ReturningDelete, ReturningUpdate

    from creativeflow_shared.application.ports import RecordQuery, Storage, WriteError
    from creativeflow_shared.infrastructure.sqlalchemy._transactions import Transactions

__all__ = ["SQLAlchemyDocumentStore"]


class _Statements:
    """The statements of one table, built once: SQLAlchemy then caches their compiled SQL."""

    def __init__(self, table: Table, storage: Storage, dialect: str) -> None:
        c = table.c
        self.columns = (c.id, c.version, c.tenant_id, c.data)
        self.get = select(*self.columns).where(c.id == bindparam("b_id"))
        self.get_for_tenant = self.get.where(c.tenant_id == bindparam("b_tenant"))
        self.insert: Insert = insert(table)
        values: dict[str, Any] = {
            name: bindparam(f"b_{name}") for name in ("version", "updated_at", "data")
        }
        values |= {p.name: bindparam(f"b_{p.name}") for p in storage.projections}
        # Writes of a tenant-owned aggregate match only a row of the request's tenant.
        key = [c.id == bindparam("b_id"), c.version == bindparam("b_expected")]
        if storage.tenant_owned:
            key.append(c.tenant_id == bindparam("b_tenant"))
        self.update: Update = update(table).where(*key).values(values)
        self.delete: Delete = delete(table).where(*key)
        # Sent unchecked in a pipeline (see ``Transactions``): a write that matches no row
        # divides by zero on the server, which aborts the transaction before its COMMIT.
        self.guarded_update = _guarded(self.update.returning(c.id))
        self.guarded_delete = _guarded(self.delete.returning(c.id))
        self.compiler = SpecificationCompiler.for_documents(table, storage, dialect)
        #: The projection each unique column holds, to name a clash (see ``name_the_key``).
        self.unique_keys = {frozenset({p.name}): p for p in storage.projections if p.unique}


def _guarded(write: ReturningUpdate[Any] | ReturningDelete[Any]) -> Select[Any]:
    """A conditional write that fails (division by zero) when it matches no row."""
    written = write.cte("written")
    return select(literal(1) / func.count()).select_from(written)


_STATEMENTS: Memo[_Statements] = Memo("document statements")


class SQLAlchemyDocumentStore:
    """The ``RecordStore`` of one table, within a connection's transaction."""

    __slots__ = ("_compiler", "_connection", "_name", "_statements", "_table", "_transactions")

    def __init__(
        self,
        connection: Connection,
        table: Table,
        storage: Storage,
        transactions: Transactions | None = None,
    ) -> None:
        """Store what ``storage`` describes in ``table``, within ``connection``'s transaction.

        ``transactions`` says when writes go out unchecked (the unit of work's, if any).
        """
        self._connection = connection
        self._transactions = transactions
        self._table = table
        self._name = storage.resource_name
        dialect = connection.dialect.name
        self._statements = _STATEMENTS.get(
            table.info, lambda: _Statements(table, storage, dialect), dialect
        )
        self._compiler = self._statements.compiler

    def get(self, id_: object, tenant_id: str | None) -> StoredRecord | None:
        """Return the document with ``id_`` (of ``tenant_id`` when given), or ``None``."""
        if tenant_id is None:
            row = self._execute(self._statements.get, {"b_id": id_}, id_).first()
        else:
            params = {"b_id": id_, "b_tenant": tenant_id}
            row = self._execute(self._statements.get_for_tenant, params, id_).first()
        return None if row is None else _document(row)

    def find(self, query: RecordQuery) -> list[StoredRecord]:
        """Return the documents matching ``query`` in its order."""
        statement = select(*self._statements.columns).where(*self._conditions(query))
        statement = statement.order_by(*self._compiler.order_by(query.order_by))
        if query.offset:
            statement = statement.offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return [_document(row) for row in self._execute(statement, None)]

    def count(self, query: RecordQuery) -> int:
        """Return how many documents match ``query``."""
        statement = select(func.count()).select_from(self._table)
        counted = self._execute(statement.where(*self._conditions(query)), None).scalar_one()
        return int(counted)

    def insert(self, records: Sequence[StoredRecord]) -> Result[None, WriteError]:
        """Insert new documents in one statement; a taken id or unique key is a ``Failure``."""
        now = utc_now()
        rows = [
            {
                "id": record.id,
                "tenant_id": record.tenant_id,
                "version": record.version,
                "created_at": now,
                "updated_at": now,
                "data": record.data,
                **record.projections,
            }
            for record in records
        ]
        # One row names its id; which row of a batch clashed, PostgreSQL says (SQLite not).
        clash = records[0].id if len(records) == 1 else f"one of {len(records)} new"
        try:
            self._execute(self._statements.insert, rows, clash)
        except AlreadyExistsError as error:
            named = name_the_key(error, self._statements.unique_keys, "tenant_id")
            candidates = [(row["id"], row.get) for row in rows]
            return Failure(name_the_record(named, self._table.name, candidates))
        except InvalidInputError as error:
            return Failure(error)
        return Success(None)

    def update(self, record: StoredRecord, expected_version: int) -> Result[bool, WriteError]:
        """Replace the document if its stored version is ``expected_version``."""
        params = {
            "b_id": record.id,
            "b_tenant": record.tenant_id,
            "b_expected": expected_version,
            "b_version": record.version,
            "b_updated_at": utc_now(),
            "b_data": record.data,
            **{f"b_{name}": value for name, value in record.projections.items()},
        }
        try:
            if self._unchecked():
                self._execute(self._statements.guarded_update, params, record.id)
                return Success(True)  # noqa: FBT003 (the port's answer; the server checks it)
            result = self._execute(self._statements.update, params, record.id)
        except AlreadyExistsError as error:
            return Failure(name_the_key(error, self._statements.unique_keys, "tenant_id"))
        except InvalidInputError as error:
            return Failure(error)
        return Success(_rowcount(result) == 1)

    def delete(self, id_: object, expected_version: int, tenant_id: str | None) -> bool:
        """Delete the document if its stored version is ``expected_version`` (of the tenant)."""
        params = {"b_id": id_, "b_expected": expected_version, "b_tenant": tenant_id}
        if self._unchecked():
            self._execute(self._statements.guarded_delete, params, id_)
            return True  # the server checks it: no row, no commit
        return _rowcount(self._execute(self._statements.delete, params, id_)) == 1

    def _unchecked(self) -> bool:
        return self._transactions is not None and self._transactions.unchecked

    def _execute(
        self, statement: Executable, params: object, subject: object = None
    ) -> CursorResult[Any]:
        return execute(self._connection, statement, params, self._name, subject)

    def _conditions(self, query: RecordQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if query.tenant_id is not None:
            conditions.append(self._table.c.tenant_id == query.tenant_id)
        if query.specification is not None:
            conditions.append(self._compiler.where(query.specification))
        if query.after is not None:
            conditions.append(self._compiler.after(query.order_by, query.after))
        return conditions


def _document(row: Sequence[Any]) -> StoredRecord:
    id_, version, tenant_id, data = cast("tuple[object, int, str | None, dict[str, Any]]", row)
    return StoredRecord(id=id_, version=version, tenant_id=tenant_id, data=data)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0))
