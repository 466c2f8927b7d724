"""Writing many rows at once, for imports, in the session's transaction.

Plain SQLAlchemy Core statements on the session's connection, so values go through each
column type's own bind processor and are stored exactly as the ORM would store them, and the
database gives the ids. An INSERT carries RETURNING, which makes SQLAlchemy's
"insertmanyvalues" send the rows as a few multi-row INSERT ... VALUES ... RETURNING
statements (as many rows per statement as the driver allows) rather than one per row: the
FTS5 index behind the assets table flushes its pending terms at the end of every statement,
so row-at-a-time inserts are several times slower there (see benchmarks/README.md). For the
same reason SQLite's updates are a few UPDATE ... FROM (VALUES ...) statements; PostgreSQL's
are one executemany.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import Connection, CursorResult, Executable, Table, bindparam, insert, update

from assets.extensions import db

# SQLite binds at most 32,766 values in one statement (since 3.32).
SQLITE_MAX_VALUES = 32_766

# Rows per multi-row INSERT: as many as the driver takes (SQLAlchemy keeps each statement
# under SQLite's limit of 32,766 bound values by itself).
PAGE_SIZE = 32_766


class Batch(NamedTuple):
    statement: Executable | str
    rows: Sequence[dict] | tuple


class BulkWriter:
    """Inserts and updates for one import, in the order they are asked for."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"

    def insert(self, table: Table, rows: Sequence[dict]) -> None:
        """INSERT `rows`, dicts with the same keys."""
        if rows:
            self._insert(table, rows, ordered=False)

    def insert_new(self, table: Table, rows: Sequence[dict]) -> list[int]:
        """INSERT `rows`, dicts with the same keys, and give their new ids, in order."""
        if not rows:
            return []
        # PostgreSQL can be asked to RETURN the ids in the order of the rows; SQLite cannot,
        # in one statement, but gives each row of one INSERT the next rowid in the order of
        # its VALUES (the transaction holds the only write lock): sorted, they are in order.
        ids = list(self._insert(table, rows, ordered=not self.sqlite).scalars())
        if self.sqlite:
            ids.sort()
        return ids

    def _insert(self, table: Table, rows: Sequence[dict], *, ordered: bool) -> CursorResult:
        # RETURNING is what makes SQLAlchemy batch the rows into multi-row INSERTs.
        statement = (
            insert(table)
            .returning(table.c.id, sort_by_parameter_order=ordered)
            .execution_options(insertmanyvalues_page_size=PAGE_SIZE)
        )
        return _execute(self.connection, Batch(statement, rows))

    def update(self, table: Table, rows: Sequence[dict]) -> None:
        """UPDATE `table` from `rows`, dicts with the same keys, each with its "id"."""
        if not rows:
            return
        if self.sqlite:
            for sql, values in _sqlite_updates(self.connection, table, rows):
                _execute(self.connection, Batch(sql, values))
            return
        columns = [name for name in rows[0] if name != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in columns})
        )
        params = [{"_id": row["id"], **{name: row[name] for name in columns}} for row in rows]
        _execute(self.connection, Batch(statement, params))


def _execute(connection: Connection, batch: Batch) -> CursorResult:
    """Every statement goes through here (the tests make one fail)."""
    if isinstance(batch.statement, str):  # SQLite's UPDATE ... FROM (VALUES ...), below
        return connection.exec_driver_sql(batch.statement, batch.rows)
    return connection.execute(batch.statement, batch.rows)


def _sqlite_updates(connection: Connection, table: Table, rows: Sequence[dict]):
    """(sql, values) of UPDATE ... FROM (VALUES ...) statements, as few as SQLite allows:
    the FTS5 index flushes at the end of every statement, and 20,000 updates took 1.9 s one
    at a time, 0.3 s so (see benchmarks/README.md). SQLAlchemy renders a VALUES list with
    column aliases SQLite does not take, hence the SQL text; column names are the table's
    own, quoted by the dialect."""
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
