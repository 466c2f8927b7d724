"""Writing many rows at once, for imports, in the session's transaction.

Values go through each column type's own bind processor, so they are stored exactly as the
ORM would store them. The statements run on one background thread, in order: SQLite and
psycopg let go of the interpreter while the database works, so an import checks its next
batch of rows while this one is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from assets.extensions import db

# SQLite binds at most 32,766 values in one statement (since 3.32).
SQLITE_MAX_VALUES = 32_766


class BulkWriter:
    """Inserts and updates for one import. Call `wait` before anything else uses the session
    (a query, an ORM flush): it lets the queued statements finish, and raises their error."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer")
        self._queued: list[Future] = []
        self._next_id: dict[str, int] = {}

    def insert(self, table: Table, rows: Sequence[dict]) -> None:
        """INSERT `rows`, dicts with the same keys."""
        if rows:
            self._queue(self._statements(table, rows))

    def insert_new(self, table: Table, rows: Sequence[dict]) -> list[int]:
        """INSERT `rows` and give their new ids, in order."""
        if not rows:
            return []
        if not self.sqlite:
            self.wait()
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(self.connection.execute(statement, rows).scalars())
        # The transaction holds SQLite's only write lock (an import writes its own event
        # first), so the ids after the largest are free until it commits.
        if table.name not in self._next_id:
            self.wait()
            largest = self.connection.execute(select(func.max(table.c.id))).scalar()
            self._next_id[table.name] = (largest or 0) + 1
        start = self._next_id[table.name]
        self._next_id[table.name] = start + len(rows)
        ids = list(range(start, start + len(rows)))
        self.insert(table, [row | {"id": id_} for row, id_ in zip(rows, ids, strict=True)])
        return ids

    def update(self, table: Table, rows: Sequence[dict]) -> None:
        """UPDATE `table` from `rows`, dicts with the same keys, each with its "id"."""
        if not rows:
            return
        if self.sqlite:
            self._queue(list(_sqlite_updates(self.connection, table, rows)))
            return
        columns = [name for name in rows[0] if name != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in columns})
        )
        params = [{"_id": row["id"], **{name: row[name] for name in columns}} for row in rows]
        self._queue([(statement, params)])

    def wait(self) -> None:
        """Let every queued statement finish; raise the first error among them."""
        queued, self._queued = self._queued, []
        for future in queued:
            future.result()

    def close(self) -> None:
        """Stop the background thread once the queued statements are done (errors are left
        to `wait`, or to the rollback that follows one)."""
        self._thread.shutdown(wait=True)

    def _queue(self, statements: list[tuple[Any, Any]]) -> None:
        self._queued.append(self._thread.submit(_execute, self.connection, statements))

    def _statements(self, table: Table, rows: Sequence[dict]) -> list[tuple[Any, Any]]:
        if not self.sqlite:
            return [(insert(table), list(rows))]
        return list(_sqlite_inserts(self.connection, table, rows))


def _execute(connection: Connection, statements: list[tuple[Any, Any]]) -> None:
    for statement, params in statements:
        if isinstance(statement, str):
            connection.exec_driver_sql(statement, params)
        else:
            connection.execute(statement, params)


def _sqlite_inserts(connection: Connection, table: Table, rows: Sequence[dict]):
    """(sql, values) of as few multi-row INSERTs as SQLite allows.

    Not an executemany: the FTS5 index behind the assets table flushes its pending terms at
    the end of every statement, so 100,000 assets took 7 s a row at a time, 3.2 s in
    statements of 500 rows and 2.2 s of 1,700.
    """
    columns = list(rows[0])
    page_size = SQLITE_MAX_VALUES // len(columns)
    converters = _converters(table, columns, connection.dialect)
    # Only the table's own column names (_converters looked each up), quoted by the dialect.
    quote = connection.dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    head = f"INSERT INTO {quote.format_table(table)} ({names}) VALUES "  # noqa: S608
    one_row = "(" + ", ".join("?" * len(columns)) + ")"
    values_of = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    for start in range(0, len(rows), page_size):
        page = [list(values_of(row)) for row in rows[start : start + page_size]]
        for index, process in converters:
            _convert_column(page, index, process)
        sql = head + ", ".join([one_row] * len(page))
        yield sql, tuple(itertools.chain.from_iterable(page))


def _sqlite_updates(connection: Connection, table: Table, rows: Sequence[dict]):
    """(sql, values) of UPDATE ... FROM (VALUES ...) statements, as few as SQLite allows:
    for the same reason as the inserts, 20,000 updates took 1.9 s one at a time, 0.3 s so."""
    columns = ["id", *(name for name in rows[0] if name != "id")]
    page_size = SQLITE_MAX_VALUES // len(columns)
    converters = _converters(table, columns, connection.dialect)
    quote = connection.dialect.identifier_preparer
    name = quote.format_table(table)
    # VALUES names its columns column1, column2...; column1 is the id.
    sets = ", ".join(f"{quote.quote(c)} = v.column{i}" for i, c in enumerate(columns, 1) if i > 1)
    one_row = "(" + ", ".join("?" * len(columns)) + ")"
    values_of = itemgetter(*columns)
    for start in range(0, len(rows), page_size):
        page = [list(values_of(row)) for row in rows[start : start + page_size]]
        for index, process in converters:
            _convert_column(page, index, process)
        sql = (
            f"UPDATE {name} SET {sets} FROM (VALUES "  # noqa: S608 - quoted column names only
            + ", ".join([one_row] * len(page))
            + f") AS v WHERE {name}.id = v.column1"
        )
        yield sql, tuple(itertools.chain.from_iterable(page))


def _convert_column(page: list[list], index: int, process: Callable) -> None:
    # Registers repeat their dates and prices, and an import stamps every row with the same
    # time: convert each distinct value once.
    done: dict = {}
    for values in page:
        value = values[index]
        if value is None:
            continue
        if value.__class__ is dict:  # a JSON column's value: unhashable, never repeated
            values[index] = process(value)
            continue
        converted = done.get(value, done)
        if converted is done:
            converted = done[value] = process(value)
        values[index] = converted


def _converters(table: Table, columns: list[str], dialect) -> list[tuple[int, Callable]]:
    """(index, function) for each column whose type converts values before they are bound."""
    converters = []
    for index, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converters.append((index, process))
    return converters
