"""Writing many rows at once, for imports, in the session's transaction.

Plain SQLAlchemy Core statements on the session's connection, so values go through each
column type's own bind processor and are stored exactly as the ORM would store them, and the
database gives the ids. An INSERT carries RETURNING, which makes SQLAlchemy's
"insertmanyvalues" send the rows as a few multi-row INSERT ... VALUES ... RETURNING
statements (as many rows per statement as the driver allows) rather than one per row: the
FTS5 index behind the assets table flushes its pending terms at the end of every statement,
so row-at-a-time inserts are several times slower there (see benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection, CursorResult, Executable, Table, bindparam, insert, update

from assets.extensions import db

# Rows per multi-row INSERT: as many as the driver takes (SQLAlchemy keeps each statement
# under SQLite's limit of 32,766 bound values by itself).
PAGE_SIZE = 32_766


class Batch(NamedTuple):
    statement: Executable
    rows: Sequence[dict]


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
    return connection.execute(batch.statement, batch.rows)
