"""Column and constraint helpers shared by the models."""

import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def tag_key(tag: str) -> str:
    """A tag as it is looked up in any letter case ("ŁÓDŹ-1" and "łódź-1" are one tag):
    NFKC, then Unicode case folding, worked out here and stored beside the tag
    (assets.tag_key, kits.tag_key, indexed). Not the databases' lower(): PostgreSQL's folds
    by the server's locale (ASCII only under C), and SQLite's folds ASCII only unless the app
    replaces it, which an index must not depend on (a backup's integrity check, or the
    sqlite3 shell, runs the built-in one)."""
    return unicodedata.normalize("NFKC", tag).casefold()


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
