"""Column and constraint helpers shared by the models."""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware datetime, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sql_list(values: Iterable[str]) -> str:
    """`values` as a parenthesised list of SQL string literals, for the CHECK constraints
    that keep a column to its choices: the one way every model writes them.

        CheckConstraint(f"status IN {sql_list(STATUSES)}", name="status")
        -> CHECK (status IN ('available', 'on_loan', ...))

    It is plain text in the DDL, written the same on SQLite and PostgreSQL and the same as
    the migrations that made these constraints wrote it."""
    return "(" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + ")"
