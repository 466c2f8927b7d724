"""flask backup and flask restore, as an admin (or cron) runs them, on both databases."""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from assets import create_app
from assets.models import Event
from assets.services.operations import backups
from tests.conftest import login
from tests.support.backups import (
    app_context,
    file_digest,
    live_checksums,
    own_database,
    postgres_databases,
)
from tests.support.factories import Factory


@pytest.fixture
def live(database, tmp_path, request):
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    with own_database(database, tmp_path, url) as app:
        yield app, url


def _backup(app, *args):
    return app.test_cli_runner().invoke(args=["backup", *args])


def test_backup_writes_where_it_is_told_and_says_how_large(live, tmp_path, clock):
    app, _url = live
    Factory(app).asset("ŁÓDŹ-1", name="Łukasz Żółć's laptop")
    result = _backup(app, str(tmp_path / "backups"), "--keep", "2")
    assert result.exit_code == 0, result.output
    (path,) = backups.our_backups(tmp_path / "backups")
    assert path.name == f"assets-2026-11-23T090000Z.{path.suffix[1:]}"
    assert f"to {path} (" in result.output
    assert backups.human_size(path.stat().st_size) in result.output


def test_backup_takes_the_configured_directory_or_says_it_needs_one(live, tmp_path, clock):
    app, _url = live
    app.config["BACKUP_DIR"] = ""
    refused = _backup(app)
    assert refused.exit_code != 0
    assert "flask backup DIR, or set BACKUP_DIR" in refused.output
    app.config["BACKUP_DIR"] = str(tmp_path / "nightly")
    app.config["BACKUP_KEEP"] = 1
    for _ in range(3):
        clock.advance(days=1)
        assert _backup(app).exit_code == 0
    assert len(backups.our_backups(tmp_path / "nightly")) == 1


def test_backup_fails_loudly_and_leaves_nothing_half_written(live, tmp_path, clock):
    app, _url = live
    (tmp_path / "taken").write_text("a file where the directory should be")
    result = _backup(app, str(tmp_path / "taken" / "backups"))
    assert result.exit_code == 1
    assert "No backup was made." in result.output


def test_a_postgres_password_is_never_on_the_command_line_or_printed(
    tmp_path, postgres_url, clock, monkeypatch
):
    secret = "Sëcret-pässword-42"
    url = make_url(postgres_url).set(password=secret).render_as_string(hide_password=False)
    command_lines = []
    real_run = subprocess.run

    def recording_run(args, *rest, **kwargs):
        """The real subprocess.run, noting each command line (and its environment)."""
        command_lines.append((list(args), kwargs.get("env") or {}))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    with own_database("postgresql", tmp_path, url) as app:
        # The throwaway cluster trusts local connections: the password travels, unused.
        ok = _backup(app, str(tmp_path / "backups"))
        assert ok.exit_code == 0, ok.output
        assert secret not in ok.output
        (path,) = backups.our_backups(tmp_path / "backups")
        checked = _restore(app, str(path), "--dry-run")
        assert checked.exit_code == 0, checked.output
        assert secret not in checked.output
    tools = [Path(args[0]).name for args, _env in command_lines]
    assert tools == ["pg_dump", "pg_restore", "pg_restore"], "dump, read back, restore aside"
    for args, env in command_lines:
        assert not any(secret in arg for arg in args), args
        assert env["PGPASSWORD"] == secret, "it travels in the environment instead"
        with app_context(app) as session:
            env = backups.postgres_environment(session.get_bind().url)
        assert env["PGPASSWORD"] == secret
    # A database that is not there: pg_dump's own complaint, without the password.
    missing = make_url(url).set(database="assets_bk_not_there")
    app = create_app({"SQLALCHEMY_DATABASE_URI": missing.render_as_string(hide_password=False)})
    failed = _backup(app, str(tmp_path / "backups"))
    assert failed.exit_code == 1
    assert "pg_dump failed" in failed.output and "assets_bk_not_there" in failed.output
    assert secret not in failed.output


def _restore(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["restore", *args], **kwargs)


def test_restore_then_the_app_works_on_the_restored_data(live, database, tmp_path, clock):
    app, url = live
    make = Factory(app)
    admin = make.user("admin", name="Zoë O'Brien-Ñúñez")
    asset = make.asset("ŁÓDŹ-1", name="Łukasz Żółć's laptop")
    assert _backup(app, str(tmp_path / "backups")).exit_code == 0
    (path,) = backups.our_backups(tmp_path / "backups")
    at_backup = live_checksums(app)
    make.asset("AFTER-1", name="Bought after the backup")

    checked = _restore(app, str(path), "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "Dry run" in checked.output and "1 users" in checked.output

    declined = _restore(app, str(path), input="n\n")
    assert declined.exit_code == 0 and "Nothing was changed." in declined.output
    assert live_checksums(app)["assets"][0] == 2
    assert not list(tmp_path.glob("*.restoring-*")), "no side copy is left"
    if database == "postgresql":
        live_name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        assert postgres_databases(url, live_name) == {live_name}, "no side copy is left"

    result = _restore(app, str(path), input="y\n")
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "kept as" in result.output
    restored = live_checksums(app)
    assert {k: v for k, v in restored.items() if k != "events"} == {
        k: v for k, v in at_backup.items() if k != "events"
    }
    assert restored["events"][0] == at_backup["events"][0] + 1
    with app_context(app) as session:
        event = session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert event.action == "database.restored"
    assert event.summary == f"Restored from {path.name} by the command line"
    assert event.changes["sha256"] == file_digest(path)

    client = app.test_client()
    assert login(client, admin).status_code == 302
    page = client.get(f"/assets/{asset.tag}")
    assert page.status_code == 200
    assert "Łukasz Żółć&#39;s laptop" in page.text
    assert client.get("/assets?q=AFTER-1").text.count("Bought after the backup") == 0
    if database == "postgresql":
        name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        assert len(postgres_databases(url, name)) == 2, "the live one and the one kept aside"


def test_restore_refuses_a_damaged_backup_and_changes_nothing(live, database, tmp_path, clock):
    app, _url = live
    Factory(app).asset("ŁÓDŹ-1")
    assert _backup(app, str(tmp_path / "backups")).exit_code == 0
    (path,) = backups.our_backups(tmp_path / "backups")
    damaged = tmp_path / "damaged" / path.name
    damaged.parent.mkdir()
    damaged.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    before = live_checksums(app)
    live_file = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    digest = file_digest(live_file) if database == "sqlite" else None
    result = _restore(app, str(damaged), "--yes")
    assert result.exit_code == 1
    assert "Refused:" in result.output and "The live database was not changed." in result.output
    assert live_checksums(app) == before
    if database == "sqlite":
        assert file_digest(live_file) == digest
