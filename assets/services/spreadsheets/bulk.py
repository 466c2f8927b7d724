"""Writing many rows at once, for imports, in the session's transaction.

Statements run in order on the session's connection (no thread), and the database gives the
ids. Values go through each column type's own bind processor, so they are stored exactly as
the ORM would store them, but each distinct value of a batch only once: an import repeats its
values (every row carries the same times; registers repeat dates and prices).

SQLite: inserts and updates are a few multi-row statements, as many rows in each as SQLite's
32,766 bound values allow, INSERT ... VALUES (...), (...) RETURNING id and UPDATE ... FROM
(VALUES ...), as SQL text. Not an executemany: the FTS5 index behind the assets table flushes
its pending terms at the end of every statement, so row-at-a-time statements are several
times slower.

PostgreSQL: inserts are a COPY ... FROM STDIN, the ids (when wanted) taken from the
table's own sequence beforehand in one query, so a batch is three round trips whatever its
size; updates are one executemany, which psycopg 3 pipelines.

Not an executemany for PostgreSQL's inserts: psycopg 3 pipelines it as one prepared
statement, but the server still plans, executes and RETURNs row by row, and psycopg binds each
row in Python: 20,000 assets took about 1.5 x as long as through COPY, and the CLI import of
100,000 rows used twice the server's CPU (the trigram index on the assets' search text costs
the same either way; see benchmarks/README.md).

Not SQLAlchemy's own multi-row INSERT (insertmanyvalues, what `insert(table).returning(...)`
with many rows does) on either database: it converts every value of every row, and on
PostgreSQL psycopg parses each of those long statements afresh; an import of 100,000 rows
took 1.2 x as long on SQLite and 1.9 x on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, bindparam, exc, update

from assets.database import before_write
from assets.extensions import db

# SQLite binds at most 32,766 values in one statement (since 3.32).
SQLITE_MAX_VALUES = 32_766


class Batch(NamedTuple):
    statement: Any  # a Core statement, or SQL text
    rows: Sequence  # dicts for a Core statement; tuples, or one flat tuple, for SQL text
    copy: bool = False  # PostgreSQL's COPY ... FROM STDIN of `rows`, tuples


class BulkWriter:
    """Inserts and updates for one import, in the order they are asked for."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"

    def insert(self, table: Table, rows: Sequence[dict]) -> None:
        """INSERT `rows`, dicts with the same keys."""
        if rows:
            self._insert(table, rows, returning=False)

    def insert_new(self, table: Table, rows: Sequence[dict]) -> list[int]:
        """INSERT `rows`, dicts with the same keys, and give their new ids, in order."""
        if not rows:
            return []
        return self._insert(table, rows, returning=True)

    def _insert(self, table: Table, rows: Sequence[dict], *, returning: bool) -> list[int]:
        columns, values = _values(self.connection, table, rows)
        if not self.sqlite:
            return self._copy(table, columns, values, returning=returning)
        quote = self.connection.dialect.identifier_preparer
        names = ", ".join(quote.quote(name) for name in columns)
        head = f"INSERT INTO {quote.format_table(table)} ({names}) VALUES "  # noqa: S608
        tail = f" RETURNING {quote.quote(table.c.id.name)}" if returning else ""
        ids = []
        one_row = "(" + ", ".join("?" * len(columns)) + ")"
        page_size = SQLITE_MAX_VALUES // len(columns)
        for start in range(0, len(values), page_size):
            page = values[start : start + page_size]
            sql = head + ", ".join([one_row] * len(page)) + tail
            result = _execute(self.connection, Batch(sql, tuple(itertools.chain(*page))))
            if returning:
                # SQLite does not promise the order of RETURNING's rows, but gives each row
                # of one INSERT ... VALUES the next rowid, in the order of its VALUES (one
                # larger than the largest in the table: the transaction holds the only write
                # lock): sorted, the ids of one statement are in the order of its rows.
                ids.extend(sorted(result.scalars().all()))
        return ids

    def _copy(self, table: Table, columns: list, values: list, *, returning: bool) -> list[int]:
        """PostgreSQL: COPY the rows in; with `returning`, each given an id of the table's
        sequence first (taken as its default would, ascending in the order of the rows)."""
        ids = []
        if returning:
            result = _execute(
                self.connection,
                Batch(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    (table.name, table.c.id.name, len(values)),
                ),
            )
            ids = sorted(result.scalars())
            columns = [table.c.id.name, *columns]
            values = [[id_, *row] for id_, row in zip(ids, values, strict=True)]
        quote = self.connection.dialect.identifier_preparer
        names = ", ".join(quote.quote(name) for name in columns)
        sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
        _execute(self.connection, Batch(sql, values, copy=True))
        return ids

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


def _execute(connection: Connection, batch: Batch) -> Any:
    """Every statement goes through here (the tests make one fail)."""
    if batch.copy:
        return _copy_in(connection, batch.statement, batch.rows)
    if isinstance(batch.statement, str):
        return connection.exec_driver_sql(batch.statement, batch.rows)
    return connection.execute(batch.statement, batch.rows)


def _copy_in(connection: Connection, sql: str, rows: Sequence[Sequence]) -> None:
    """psycopg's COPY ... FROM STDIN of `rows`, on the session's connection and transaction.
    Its errors are SQLAlchemy's, as on every other path."""
    dbapi = connection.dialect.loaded_dbapi
    before_write(connection)
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:
        raise exc.DBAPIError.instance(sql, None, error, dbapi.Error) from error
    finally:
        cursor.close()


def _values(connection: Connection, table: Table, rows: Sequence[dict]) -> tuple[list, list]:
    """The columns to insert and each row's values in their order, converted by the column
    types, with the Python-side defaults of the columns the rows leave out."""
    given = list(rows[0])
    defaults = _defaults_left_out(table, given)
    columns = [*given, *defaults]
    values_of = itemgetter(*given) if len(given) > 1 else lambda row: (row[given[0]],)
    extra = tuple(defaults.values())
    values = [[*values_of(row), *extra] for row in rows]
    for index, process in _converters(table, columns, connection.dialect):
        _convert_column(values, index, process)
    return columns, values


def _defaults_left_out(table: Table, given: list[str]) -> dict[str, Any]:
    """The Python-side defaults (`default=` in the model) of the columns the rows leave out,
    which a Core INSERT would fill in: one value for the whole statement."""
    found = {}
    for column in table.c:
        default = column.default
        if column.name in given or default is None:
            continue
        if default.is_scalar:
            found[column.name] = default.arg
        elif default.is_callable:
            found[column.name] = default.arg(None)  # SQLAlchemy's wrapper takes a context
        else:
            raise NotImplementedError(f"{table.name}.{column.name}: give it in every row")
    return found


def _sqlite_updates(connection: Connection, table: Table, rows: Sequence[dict]):
    """(sql, values) of UPDATE ... FROM (VALUES ...) statements, as few as SQLite allows:
    20,000 updates took 1.9 s one at a time, 0.3 s so (see benchmarks/README.md). SQLAlchemy
    renders a VALUES list with
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
