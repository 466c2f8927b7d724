"""Migrations: one line of revisions, and upgrading an empty database (then down to the first
revision and up again) gives exactly the models' schema, on SQLite and PostgreSQL."""

import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from assets import ROOT, create_app
from assets.extensions import db
from assets.models.schema import include_object_for
from assets.services import register
from assets.services.policy_texts import FIRST_VERSIONS
from assets.services.terms import sha256_text
from tests.support.factories import Factory

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def migrated_app(database, tmp_path, request):
    """The app on a new, empty database (a new SQLite file or a new PostgreSQL database),
    upgraded by the migrations alone."""
    if database == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'migrated.sqlite'}", None
    else:
        server = make_url(request.getfixturevalue("postgres_url"))
        name = f"assets_migrations_{secrets.token_hex(4)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url, drop = server.set(database=name).render_as_string(hide_password=False), name
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade(directory=MIGRATIONS)
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{drop}" WITH (FORCE)'))
            admin.dispose()


def test_the_revisions_form_one_line():
    script = ScriptDirectory(MIGRATIONS)
    assert len(script.get_heads()) == 1, "two heads: chain the newest revision after the other"


def test_migrations_build_the_models_schema_and_go_down_and_up(migrated_app):
    with migrated_app.app_context():
        downgrade(directory=MIGRATIONS, revision="0001")
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": include_object_for(connection.dialect.name),
                },
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
            if connection.dialect.name == "sqlite":
                assert "asset_search" in tables, "the FTS5 search index exists"
                triggers = set(
                    connection.execute(
                        text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    ).scalars()
                )
                assert {
                    "assets_search_insert",
                    "assets_search_update",
                    "assets_search_delete",
                } <= triggers
    assert differences == []
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_search_works_on_a_migrated_database(migrated_app):
    Factory(migrated_app).asset("ASH-0042", name="Epson projector", serial_number="X4Y5Z6Q")
    with migrated_app.app_context():
        found = db.session.scalars(register.asset_select(register.AssetFilter(q="5z6"))).all()
        assert [a.tag for a in found] == ["ASH-0042"]


def test_a_migrated_database_has_the_policy_texts_which_are_never_edited(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, version, title, body, sha256 FROM terms"))
        seeded = {row.kind: row for row in rows}
        assert set(seeded) == set(FIRST_VERSIONS)
        for kind, (title, body) in FIRST_VERSIONS.items():
            assert (seeded[kind].version, seeded[kind].title) == (1, title)
            assert seeded[kind].body == body
            assert seeded[kind].sha256 == sha256_text(body)
        with pytest.raises(DBAPIError, match="never edited"):
            connection.execute(text("UPDATE terms SET body = 'changed'"))
        connection.rollback()
        index = connection.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_loans_open_asset'"
                if connection.dialect.name == "sqlite"
                else "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_loans_open_asset'"
            )
        ).scalar_one()
        assert "returned_at IS NULL" in index
