"""`flask db`: Flask-Migrate and alembic load when a migration command runs, not with the app,
and the commands work as before (upgrade, downgrade, migrate)."""

import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.fresh_process import run_fresh
from tests.support.gunicorn import production_environment

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))

APP_ALONE = """
import sys

import assets  # the whole app: every blueprint, service and command

app = assets.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
app.test_client().get("/login")
loaded = [name for name in ("alembic", "flask_migrate") if name in sys.modules]
assert not loaded, f"loaded with the app: {loaded}"
print("neither loaded")
"""


def test_the_app_loads_neither_alembic_nor_flask_migrate():
    assert run_fresh(APP_ALONE) == "neither loaded"


def _flask(tmp_path: Path, *args: str) -> str:
    url = f"sqlite:///{tmp_path / 'school.sqlite'}"
    environment = production_environment(url, secrets.token_hex(32), INSTANCE_PATH=str(tmp_path))
    done = subprocess.run(
        [FLASK, "--app", "wsgi", "db", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def test_flask_db_upgrades_downgrades_and_finds_nothing_to_migrate(tmp_path):
    assert "upgrade" in _flask(tmp_path, "--help")
    _flask(tmp_path, "upgrade")
    assert f"{_head()} (head)" in _flask(tmp_path, "current")
    _flask(tmp_path, "downgrade", "0001")
    assert "0001" in _flask(tmp_path, "current")
    _flask(tmp_path, "upgrade")
    # Autogenerate against a copy of the migrations, so nothing is written into the code.
    copy = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", copy)
    said = _flask(tmp_path, "migrate", "--directory", str(copy), "-m", "nothing")
    assert "No changes in schema detected" in said
    assert sorted(p.name for p in (copy / "versions").glob("*.py")) == sorted(
        p.name for p in (ROOT / "migrations" / "versions").glob("*.py")
    )
