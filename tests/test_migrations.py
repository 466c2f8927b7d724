"""The migrations build the schema the models describe, on SQLite and PostgreSQL, with the
policy's texts seeded and the never-edited rules in place; and they go down again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from assets.services.policy_texts import FIRST_VERSIONS
from assets.services.terms import sha256_text

ROOT = Path(__file__).resolve().parents[1]


def test_the_migrations_have_a_single_head():
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database(database, request, tmp_path) -> str:
    """A URL to a database with nothing in it."""
    if database == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    url = make_url(request.getfixturevalue("postgres_url"))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS assets_migrations"))
        connection.execute(text("CREATE DATABASE assets_migrations"))
    admin.dispose()
    return url.set(database="assets_migrations").render_as_string(hide_password=False)


# Flask-Migrate's commands, run in a separate process as a deployment runs them (Alembic's
# env.py reconfigures logging, which must not leak into the test run).
MIGRATE = """
import sys
import flask_migrate
from wsgi import app
with app.app_context():
    for step in sys.argv[1:]:
        command, _, revision = step.partition(":")
        if command == "check":
            flask_migrate.check()
        else:
            getattr(flask_migrate, command)(revision=revision)
"""


def migrate(url: str, tmp_path: Path, *steps: str) -> subprocess.CompletedProcess:
    """Run `steps` ("upgrade:head", "check", "downgrade:0001") against the database at `url`."""
    env = {
        **os.environ,
        "APP_CONFIG": "development",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-c", MIGRATE, *steps],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_upgrade_matches_the_models_seeds_the_texts_and_downgrades(empty_database, tmp_path):
    upgraded = migrate(empty_database, tmp_path, "upgrade:head", "check")
    assert upgraded.returncode == 0, upgraded.stderr

    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, version, title, body, sha256 FROM terms"))
            seeded = {row.kind: row for row in rows}
            assert set(seeded) == set(FIRST_VERSIONS)
            for kind, (title, body) in FIRST_VERSIONS.items():
                assert seeded[kind].version == 1
                assert seeded[kind].title == title
                assert seeded[kind].body == body
                assert seeded[kind].sha256 == sha256_text(body)
            with pytest.raises(DBAPIError, match="never edited"):
                connection.execute(text("UPDATE terms SET body = 'changed'"))
            connection.rollback()
            indexes = connection.execute(
                text(
                    "SELECT sql FROM sqlite_master WHERE name = 'uq_loans_open_asset'"
                    if engine.dialect.name == "sqlite"
                    else "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_loans_open_asset'"
                )
            ).scalar_one()
            assert "returned_at IS NULL" in indexes
    finally:
        engine.dispose()

    again = migrate(empty_database, tmp_path, "downgrade:0001", "upgrade:head", "check")
    assert again.returncode == 0, again.stderr
