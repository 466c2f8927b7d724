"""Databases of their own for backup and restore tests, and what a person compares after a
restore: each table's rows, counted and checksummed.

A restore renames PostgreSQL databases and rewrites SQLite files, so these tests never use the
worker's shared database: `own_database` makes a new one (a SQLite file under tmp_path, or a
new database on the run's PostgreSQL server), builds the models' schema, stamps it at this
code's migration head (as `flask db upgrade` leaves a real one), and drops every database it
led to at the end (the restored one, the one kept aside), whatever happened."""

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import stamp
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url

from assets import ROOT, create_app
from assets.extensions import db, init_migrate

MIGRATIONS = str(ROOT / "migrations")


@contextmanager
def own_database(kind: str, tmp_path: Path, postgres_url: str | None = None, **config):
    """An app (CSRF off, as the `app` fixture) on a new database of `kind` at the migration
    head; yields (app, url)."""
    name = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    else:
        name = f"assets_bk_{secrets.token_hex(4)}"
        url = _create_postgres(postgres_url, name)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, **config})
    init_migrate(app)
    try:
        with app.app_context():
            db.create_all()
            stamp(directory=MIGRATIONS, revision="head")
            db.session.remove()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if name:
            drop_postgres_like(postgres_url, name)


def _admin(postgres_url: str):
    server = make_url(postgres_url).set(database="postgres")
    return create_engine(server, isolation_level="AUTOCOMMIT")


def _create_postgres(postgres_url: str, name: str) -> str:
    admin = _admin(postgres_url)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


def postgres_databases(postgres_url: str, prefix: str) -> set[str]:
    """The names of the server's databases that start with `prefix`."""
    admin = _admin(postgres_url)
    try:
        with admin.connect() as connection:
            return set(
                connection.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                    {"p": prefix + "%"},
                ).scalars()
            )
    finally:
        admin.dispose()


def drop_postgres_like(postgres_url: str, prefix: str) -> None:
    names = postgres_databases(postgres_url, prefix)
    admin = _admin(postgres_url)
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def table_checksums(connection: Connection, extra_tables=()) -> dict[str, tuple[int, str]]:
    """{table: (row count, sha256 of every row in primary-key order)} for every table of the
    models and `extra_tables` (Table objects): two databases of one dialect with equal sums
    hold the same rows."""
    sums = {}
    for table in [*db.metadata.sorted_tables, *extra_tables]:
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        sums[table.name] = (len(rows), digest)
    return sums


def live_checksums(app: Flask, extra_tables=()) -> dict[str, tuple[int, str]]:
    with app.app_context():
        with db.engine.connect() as connection:
            sums = table_checksums(connection, extra_tables)
        db.engine.dispose()
    return sums


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def app_context(app: Flask) -> Iterator:
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
