"""Database binding and the SQLite settings every connection needs."""

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.services.common.errors import DomainError

T = TypeVar("T")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys enforced, WAL so readers never wait for the writer, a busy timeout so
    two writers queue instead of failing with 'database is locked', and a lower() that
    knows every alphabet."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # SQLite's own lower() folds A-Z only; tags, names and the search text hold every
        # script, and PostgreSQL folds them all ("ŁÓDŹ-1" and "łódź-1" are one tag on both).
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    if value is None or isinstance(value, bytes):
        return value
    return str(value).lower()


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)


def commit_or_rollback(action: Callable[[], T], *, retry_on_race: bool = False) -> T:
    """Run one service call and commit what it did: the one commit of a request or command,
    giving back the call's result. When a rule says no (DomainError), roll back so nothing
    changes and raise the error for the caller to show.

    `retry_on_race`: the call may lose a race the database settles (another request wrote the
    same row a moment before, and a unique index said no); roll back and run it once more,
    when it finds that row and carries on with it."""
    try:
        try:
            result = action()
        except IntegrityError:
            if not retry_on_race:
                raise
            db.session.rollback()
            result = action()
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return result
