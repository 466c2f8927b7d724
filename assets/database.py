"""Database binding and the SQLite settings every connection needs."""

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
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
    with app.app_context():
        _watch_statements(db.engine)


# PostgreSQL: the app's transactions begin at the first statement that needs one, as Django's
# do. psycopg otherwise sends BEGIN before a request's first SELECT, and the request ends with
# COMMIT or ROLLBACK: two round trips of the six the asset page made; and at a ROLLBACK psycopg
# forgets the connection's prepared statements (an object they use may have gone with it), so
# the statements every page runs were planned afresh at every request. So the app's
# connections are in autocommit: a plain SELECT runs on its own (under READ COMMITTED,
# PostgreSQL's level and ours, each statement sees the database as it is when the statement
# starts, in a transaction or not). BEGIN is sent before any other statement (a write, a
# savepoint, SET, DDL), a SELECT that locks rows (FOR UPDATE, FOR SHARE) or one read through a
# server-side cursor; the commit or rollback SQLAlchemy asks for ends that transaction as
# before. A request that only reads sends neither. Only the app's own engine: others (a
# restore's maintenance engine, AUTOCOMMIT by its own choice) are left as they are made.
_LAZY_BEGIN = "assets.lazy_begin"
_LOCKS_ROWS = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I)


def _watch_statements(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _autocommit)
        # Back to autocommit when a connection that was given an isolation level of its own
        # is returned (SQLAlchemy then sets the default level: out of autocommit).
        event.listen(engine, "checkin", _autocommit)
    event.listen(engine, "before_cursor_execute", _before_statement)


def _autocommit(dbapi_connection, record) -> None:
    if dbapi_connection is not None and not dbapi_connection.autocommit:
        dbapi_connection.autocommit = True
    record.info[_LAZY_BEGIN] = True


def _before_statement(connection, cursor, statement: str, *_args) -> None:
    if (
        statement.lstrip()[:6].upper() == "SELECT"
        # (Most statements have no "for" at all: the quick test spares them the pattern.)
        and not (("FOR" in statement or "for" in statement) and _LOCKS_ROWS.search(statement))
        and getattr(cursor, "name", None) is None
    ):
        return
    before_write(connection)


def before_write(connection) -> None:
    """Before a statement that writes or locks rows: notes that this request (or command) has
    written (`wrote_here`), and on PostgreSQL begins the connection's transaction if it has
    not begun. Called by the app engine's statement event, and directly before a write sent
    through the driver's own cursor (psycopg's COPY), which SQLAlchemy's events do not see.
    (SQLite's driver begins before a write itself; a PostgreSQL connection given an isolation
    level of its own is out of autocommit, and psycopg begins then, or in AUTOCOMMIT by the
    caller's choice.)"""
    if has_app_context():
        g.assets_wrote = True
    if not connection.info.get(_LAZY_BEGIN):
        return
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # asked for by the caller (VACUUM, say, runs in no transaction)
    from psycopg.pq import TransactionStatus

    dbapi_connection = connection.connection.dbapi_connection
    idle = dbapi_connection.info.transaction_status == TransactionStatus.IDLE
    if idle and dbapi_connection.autocommit:
        dbapi_connection.execute("BEGIN")


def wrote_here() -> bool:
    """Whether this request (or command: its app context) has sent a statement that writes or
    locks rows, committed or not."""
    return has_app_context() and g.get("assets_wrote", False)


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
