"""A PostgreSQL restore run by a role that may not replace the live database is refused before
anything is done, and a swap stopped half way (an error, Ctrl-C) puts the live database back,
taking connections again."""

import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assets import create_app
from assets.extensions import db
from assets.services.operations import backups, restores
from tests.support.backups import (
    app_context,
    live_checksums,
    own_database,
    postgres_databases,
)
from tests.support.factories import Factory


def _server(postgres_url):
    return create_engine(
        make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


def _allows_connections(postgres_url, name) -> bool | None:
    server = _server(postgres_url)
    try:
        with server.connect() as connection:
            return connection.execute(
                text("SELECT datallowconn FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
    finally:
        server.dispose()


@pytest.fixture
def live(tmp_path, postgres_url, role):
    """Set up after `role`, so dropped before it (the role's grants live in it)."""
    with own_database("postgresql", tmp_path, postgres_url) as app:
        yield app


@pytest.fixture
def role(postgres_url):
    """make(createdb) -> a login role of the test's own, dropped at the end."""
    made = []
    server = _server(postgres_url)

    def make(createdb: bool) -> str:
        name = f"assets_rv_{secrets.token_hex(4)}"
        with server.connect() as connection:
            connection.execute(
                text(f"CREATE ROLE {name} LOGIN {'CREATEDB' if createdb else 'NOCREATEDB'}")
            )
        made.append(name)
        return name

    yield make
    with server.connect() as connection:
        for name in made:
            connection.execute(text(f"DROP ROLE IF EXISTS {name}"))
    server.dispose()


def _as_role(app, role_name: str, live_url: str):
    """An app on the same live database, signed in as `role_name`, with the rights an app
    role has on the tables (but not the database's ownership)."""
    with app_context(app) as session:
        session.execute(text(f"GRANT USAGE ON SCHEMA public TO {role_name}"))
        session.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role_name}"))
        session.commit()
    url = make_url(live_url).set(username=role_name, password=None)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.mark.parametrize("createdb", [True, False])
def test_a_role_that_may_not_replace_the_live_database_is_refused_first(
    live, role, postgres_url, tmp_path, clock, createdb
):
    Factory(live).asset("ŁÓDŹ-1", name="Łukasz Żółć's laptop")
    with app_context(live):
        good = backups.take_backup(tmp_path / "backups", keep=3, now=clock.now).path
    live_url = live.config["SQLALCHEMY_DATABASE_URI"]
    name = make_url(live_url).database
    before = live_checksums(live)
    app = _as_role(live, role(createdb), live_url)
    try:
        result = app.test_cli_runner().invoke(args=["restore", str(good), "--yes"])
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: Refused: The database role assets_rv_")
    expected = "does not own the live database" if createdb else "cannot create databases"
    assert expected in result.output
    assert result.output.rstrip().endswith("The live database was not changed.")
    assert "Restoring" not in result.output, "refused before restoring anything"
    assert postgres_databases(postgres_url, name) == {name}
    assert _allows_connections(postgres_url, name) is True
    assert live_checksums(live) == before


def test_a_swap_interrupted_half_way_puts_the_live_database_back(
    live, postgres_url, tmp_path, clock, monkeypatch
):
    Factory(live).asset("ÉCOLE-1", name="Zoë's projector")
    with app_context(live):
        good = backups.take_backup(tmp_path / "backups", keep=3, now=clock.now).path
    Factory(live).asset("AFTER-1")
    before = live_checksums(live)
    name = make_url(live.config["SQLALCHEMY_DATABASE_URI"]).database
    real = restores._allow_connections
    interrupted = []

    def ctrl_c_after_the_live_one_is_moved(connection, quoted, allowed):
        if allowed and not interrupted:  # the live database is renamed aside by now
            interrupted.append(quoted)
            raise KeyboardInterrupt
        real(connection, quoted, allowed)

    monkeypatch.setattr(restores, "_allow_connections", ctrl_c_after_the_live_one_is_moved)
    with app_context(live), pytest.raises(KeyboardInterrupt):
        restores.restore_backup(good, now=clock.now)
    assert "before_restore" in interrupted[0]
    assert postgres_databases(postgres_url, name) == {name}, "put back, side copy dropped"
    assert _allows_connections(postgres_url, name) is True
    assert live_checksums(live) == before


def test_a_swap_that_fails_after_moving_the_live_database_puts_it_back(live, postgres_url, clock):
    """The restored database is gone when its turn comes: the live one goes back."""
    before = live_checksums(live)
    name = make_url(live.config["SQLALCHEMY_DATABASE_URI"]).database
    with app_context(live) as session:
        url = session.get_bind().url
        admin = restores._admin_engine(url)
        try:
            with pytest.raises(backups.BackupError) as refused:
                restores._swap_postgres(admin, f"{name}_not_there", name, f"{name}_aside")
        finally:
            admin.dispose()
    assert "The live database was put back as it was." in refused.value.message
    assert postgres_databases(postgres_url, name) == {name}
    assert _allows_connections(postgres_url, name) is True
    assert live_checksums(live) == before


def test_a_swap_that_cannot_even_be_undone_says_the_sql_that_puts_it_back(
    live, postgres_url, tmp_path, clock, monkeypatch
):
    Factory(live).asset("ÉCOLE-1", name="Zoë's projector")
    with app_context(live):
        good = backups.take_backup(tmp_path / "backups", keep=3, now=clock.now).path
    before = live_checksums(live)
    name = make_url(live.config["SQLALCHEMY_DATABASE_URI"]).database
    real = restores._allow_connections

    def lost_whenever_connections_are_allowed_again(connection, quoted, allowed):
        if allowed:
            raise ConnectionError("server closed the connection unexpectedly")
        real(connection, quoted, allowed)

    monkeypatch.setattr(restores, "_allow_connections", lost_whenever_connections_are_allowed_again)
    result = live.test_cli_runner().invoke(args=["restore", str(good), "--yes"])
    assert result.exit_code == 1
    assert "The live database was not changed." not in result.output
    assert "could not be put back (server closed the connection unexpectedly)" in result.output
    sql = f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true;'
    assert sql in result.output.replace("\n", " ")
    # Renamed back, but refusing connections: the SQL given puts it right.
    assert _allows_connections(postgres_url, name) is False
    server = _server(postgres_url)
    try:
        with server.connect() as connection:
            connection.execute(text(sql))
    finally:
        server.dispose()
    assert live_checksums(live) == before
