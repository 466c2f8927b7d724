"""Migrations: one head, and upgrading an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from assets import ROOT, create_app
from assets.extensions import db
from assets.models.schema import include_object_for
from assets.services import register
from tests.support.factories import Factory


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def _fresh_app(app, database, tmp_path):
    if database == "postgresql":
        with app.app_context():
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        return app
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite'}"})


def test_upgrade_from_empty_gives_the_models_schema(app, database, tmp_path):
    fresh = _fresh_app(app, database, tmp_path)
    with fresh.app_context():
        upgrade(directory=str(ROOT / "migrations"))
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
        assert differences == []
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        if database == "sqlite":
            assert "asset_search" in tables, "the FTS5 search index exists"
        db.engine.dispose()


def test_search_works_on_a_migrated_database(app, database, tmp_path):
    fresh = _fresh_app(app, database, tmp_path)
    with fresh.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    Factory(fresh).asset("ASH-0042", name="Epson projector", serial_number="X4Y5Z6Q")
    with fresh.app_context():
        found = db.session.scalars(register.asset_select(register.AssetFilter(q="5z6"))).all()
        assert [a.tag for a in found] == ["ASH-0042"]
        db.session.remove()
        db.engine.dispose()
