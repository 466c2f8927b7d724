"""Database binding and the SQLite settings every connection needs."""

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

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
    url = make_url(uri)
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    if uri.startswith("sqlite:///") and not in_memory:
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not in_memory:
        # A thread takes the connection used last, not the one idle longest, so the few
        # connections in use keep their prepared statements warm (psycopg prepares a
        # statement at its fifth run on a connection) and the others can time out. (An
        # in-memory SQLite database has one connection, and no pool to choose from.)
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_use_lifo": True, **options}
    db.init_app(app)
    # After Flask-SQLAlchemy's own teardown is registered, so it runs before it (teardowns run
    # last-registered first), while the request's transaction is still open.
    app.teardown_appcontext(_end_read_only_transaction)


# Whether the connection's transaction has run anything but SELECT, kept in the pool record's
# info (it lives as long as the connection): cleared at BEGIN, set by any other statement
# SQLAlchemy runs and by code that writes through the driver itself (mark_written).
_WROTE = "assets.wrote"


@event.listens_for(Engine, "begin")
def _transaction_begins(connection) -> None:
    connection.info[_WROTE] = False


@event.listens_for(Engine, "before_cursor_execute")
def _statement(connection, _cursor, statement: str, *_args) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_WROTE] = True


def mark_written(connection) -> None:
    """For a write sent through the driver's own cursor (psycopg's COPY), which SQLAlchemy's
    events do not see."""
    connection.info[_WROTE] = True


def _end_read_only_transaction(error: BaseException | None) -> None:
    """End a PostgreSQL transaction that ran only SELECTs with COMMIT instead of the ROLLBACK
    the session's close would send; the two mean the same for such a transaction. psycopg
    forgets its connection's prepared statements at every ROLLBACK (an object they use may have
    gone with it), so with ROLLBACK the statements every page runs (the login's check, the
    asset a scan opens) were planned afresh at every request, and planning the asset page's
    query takes longer than running it. Kept past COMMIT, psycopg prepares a statement at its
    fifth run on a connection. A transaction that wrote anything, failed, or holds unflushed
    changes is left to be rolled back as before."""
    if error is not None:
        return
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active or session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.info.get(_WROTE, True):
        return
    from psycopg import pq

    status = connection.connection.dbapi_connection.info.transaction_status
    if status == pq.TransactionStatus.INTRANS:
        # Without expiring what was loaded: the session is closed next, and what a rollback
        # at its close would leave readable (an object kept past the app context) stays so.
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        except SQLAlchemyError as failure:
            # Nothing was written, so nothing is lost: the page the user asked for has been
            # made, and must not become an error page because its connection went (a restore
            # ends every other connection) between its last SELECT and this COMMIT.
            current_app.logger.warning("Ending a read-only transaction failed: %s", failure)
            session.rollback()
        finally:
            session.expire_on_commit = expire


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
