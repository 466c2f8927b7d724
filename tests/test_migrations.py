"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
go down and up again."""

import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from assets import create_app
from assets.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def include_for(dialect: str):
    """As migrations/env.py: SQLite's FTS5 search table is not in the models, and the trigram
    index is PostgreSQL's only."""

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and name and name.startswith("asset_search"):
            return False
        return not (type_ == "index" and name == "ix_assets_search_trgm" and dialect == "sqlite")

    return include


@pytest.fixture
def empty_database_url(database, tmp_path, request):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    name = f"assets_migrations_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_revisions_form_one_line():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1, "two heads: chain the newest revision after the other"


def test_migrations_build_the_models_schema_and_go_down_and_up(empty_database_url, tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database_url, "INSTANCE_PATH": str(tmp_path)}
    )
    with app.app_context():
        upgrade()
        downgrade(revision="0001")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"include_object": include_for(connection.dialect.name), "compare_type": True},
            )
            differences = compare_metadata(context, db.metadata)
            columns = {c["name"] for c in inspect(connection).get_columns("assets")}
            if connection.dialect.name == "sqlite":
                triggers = connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
                assert set(triggers) >= {"assets_search_insert", "assets_search_update"}
        db.engine.dispose()
    assert differences == []
    assert {"last_seen_at", "last_seen_location_id"} <= columns
