"""Backups and restores (assets/services/operations): a backup taken while desks lend and an
import writes restores to the database of one moment; old backups rotate; a damaged, foreign
or newer file is refused with the live database untouched."""

import re
import secrets
import sqlite3
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import make_url

from assets.extensions import db
from assets.models import Asset, Loan, Person, User
from assets.services.loans import loans, returns
from assets.services.operations import backups, restores
from assets.services.spreadsheets import imports
from tests.support.backups import (
    app_context,
    file_digest,
    live_checksums,
    own_database,
    postgres_databases,
    table_checksums,
)
from tests.support.drawings import drawn_signature
from tests.support.factories import Factory
from tests.support.postgres import _tool

# The test's own commit counter, in the database under test (see the consistency test).
COUNTER = Table(
    "backup_test_transactions",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)
DESKS = 2
ASSETS_PER_DESK = 3


@pytest.fixture
def live(database, tmp_path, request):
    """(app, postgres_url or None) on a database of the test's own, at the migration head."""
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    with own_database(database, tmp_path, url) as app:
        yield app, url


def _counted(app, work, recorded: dict) -> int:
    """Run `work()` in one transaction numbered by the counter row, and record the checksum of
    every table as that transaction leaves them; returns its number."""
    with app_context(app) as session:
        # First statement: takes the counter row's lock (the write lock on SQLite), so each
        # numbered transaction runs alone from here to its commit.
        n = session.execute(
            text("UPDATE backup_test_transactions SET n = n + 1 WHERE id = 1 RETURNING n")
        ).scalar_one()
        work(session, n)
        session.flush()
        sums = table_checksums(session.connection(), [COUNTER])
        session.commit()
    recorded[n] = sums
    return n


def _desk(app, desk: int, ids: dict, recorded: dict, stop: threading.Event, done: list):
    """Check each of the desk's assets out to its borrower and back in, again and again."""
    turn = 0
    while not stop.is_set():
        asset_id = ids["assets"][desk][turn % ASSETS_PER_DESK]

        def work(session, _n, asset_id=asset_id):
            technician = session.get(User, ids["technician"])
            asset = session.get(Asset, asset_id)
            if asset.status == "on_loan":
                returns.check_in(technician, asset, "full_working")
            else:
                loans.check_out(
                    technician,
                    session.get(Person, ids["people"][desk]),
                    [asset],
                    signature=drawn_signature(),
                )

        _counted(app, work, recorded)
        turn += 1
    done.append(turn)


def _importer(app, category: str, recorded: dict, stop: threading.Event, done: list):
    """Import a small register again and again, each file new assets with Unicode names."""
    count = 0
    while not stop.is_set():
        count += 1
        csv = (
            "Asset tag,Name,Category\n"
            f"IMP-{count}-1,Łukasz Żółć's laptop {count},{category}\n"
            f"IMP-{count}-2,جهاز عرض {count},{category}\n"
        ).encode()

        def work(session, _n, csv=csv):
            imports.import_file(None, "assets", "register.csv", csv, imports.Choices(), write=True)

        _counted(app, work, recorded)
    done.append(count)


def _seed(app) -> dict:
    make = Factory(app)
    make.terms()
    category = make.category("Laptops")
    ids = {
        "technician": make.user("technician").id,
        "people": [make.person(f"Zoë O'Brien-Ñúñez {d}").id for d in range(DESKS)],
        "assets": [
            [make.asset(f"D{d}-{a}", category=category).id for a in range(ASSETS_PER_DESK)]
            for d in range(DESKS)
        ],
        "category": category.name,
    }
    with app_context(app) as session:
        COUNTER.create(session.connection())
        session.execute(COUNTER.insert().values(id=1, n=0))
        session.commit()
    return ids


def _wait_for(recorded: dict, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(recorded) < count:
        assert time.monotonic() < deadline, "the writers stalled"
        time.sleep(0.01)


def test_a_backup_taken_while_desks_lend_and_an_import_writes_restores_one_moment(
    live, tmp_path, clock
):
    """The proof that a backup is the database at one moment, every table of it.

    Writers (two desks checking out and in: loans, assets, signatures, events together; and an
    importer: pending_imports, assets, events) each commit numbered transactions. The number
    comes from a counter row the transaction updates as its first statement, so numbered
    transactions run one at a time from that statement to their commit (the row's lock on
    PostgreSQL, the write lock on SQLite), and commit in number order. Just before its commit
    each transaction checksums every table as it leaves them (its own writes included, nobody
    else's pending): recorded[n] is the whole database exactly after commit n.

    The backup runs in the main thread while they write (the test checks that transactions
    committed both before and after it). Restored, the counter row says which commit it saw,
    C; the restored database must then equal recorded[C] in every table, row count and
    checksum. A backup copying tables at different moments, or holding half a transaction (a
    loan without its event, an asset on loan without its loan), cannot match any recorded[n]."""
    app, _url = live
    ids = _seed(app)
    recorded: dict[int, dict] = {}
    stop, done = threading.Event(), []
    writers = [
        threading.Thread(target=_desk, args=(app, d, ids, recorded, stop, done))
        for d in range(DESKS)
    ] + [threading.Thread(target=_importer, args=(app, ids["category"], recorded, stop, done))]
    for writer in writers:
        writer.start()
    try:
        _wait_for(recorded, 6)
        with app_context(app):
            result = backups.take_backup(tmp_path / "backups", keep=3, now=clock.now)
        _wait_for(recorded, max(recorded) + 6)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    assert len(done) == DESKS + 1, "a writer failed"
    final = max(recorded)

    with app_context(app):
        report = restores.restore_backup(result.path, now=clock.now)
    assert report.replaced
    restored = live_checksums(app, [COUNTER])
    moment = restored[COUNTER.name]
    with app_context(app) as session:
        seen = session.execute(select(COUNTER.c.n)).scalar_one()
        open_loans = session.scalars(select(Loan).where(Loan.returned_at.is_(None))).all()
        on_loan = session.scalars(select(Asset.id).where(Asset.status == "on_loan")).all()
    assert 0 < seen < final, f"the backup saw commit {seen} of {final}: not while writing"
    assert restored == recorded[seen], f"the restored database is not the one of commit {seen}"
    assert moment == recorded[seen][COUNTER.name]
    assert sorted(loan.asset_id for loan in open_loans) == sorted(on_loan)
    assert report.counts["assets"] == restored["assets"][0]


def _sqlite_other_app(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.execute("INSERT INTO notes (body) VALUES ('shopping')")
    connection.commit()
    connection.close()
    return path


def test_backups_rotate_keeping_the_newest_and_never_other_files(live, tmp_path, clock):
    app, _url = live
    directory = tmp_path / "backups"
    directory.mkdir()
    others = {
        "notes.txt": b"not ours",
        "assets-latest.sqlite3": b"not ours either",
        "assets-2020-01-01T000000Z.txt": b"another suffix",
    }
    for name, data in others.items():
        (directory / name).write_bytes(data)
    taken = []
    with app_context(app):
        for hours in range(4):
            taken.append(
                backups.take_backup(directory, keep=2, now=clock.now + timedelta(hours=hours))
            )
        again = backups.take_backup(directory, keep=2, now=clock.now + timedelta(hours=3))
    assert [r.path.name for r in taken][-1].startswith("assets-2026-11-23T120000Z.")
    assert again.path.name.startswith("assets-2026-11-23T120000Z-2.")
    assert backups.our_backups(directory) == [again.path, taken[3].path]
    assert again.removed == [taken[2].path]
    assert taken[3].removed == [taken[1].path]
    for name, data in others.items():
        assert (directory / name).read_bytes() == data
    assert not list(directory.glob(".*")), "no temporary file is left behind"
    assert again.size == again.path.stat().st_size > 0
    assert again.path.stat().st_mode & 0o077 == 0, "only the backup's owner may read it"


def test_rotation_never_removes_the_backup_just_written(live, database, tmp_path, clock):
    """Backups named later than now (left by a machine whose clock was once wrong) do not push
    out the one just taken."""
    app, _url = live
    directory = tmp_path / "backups"
    directory.mkdir()
    suffix = backups.SUFFIXES[database]
    future = [directory / f"assets-2030-01-0{day}T000000Z.{suffix}" for day in (1, 2)]
    for path in future:
        path.write_bytes(b"a backup from a wrong clock")
    with app_context(app):
        kept_two = backups.take_backup(directory, keep=2, now=clock.now)
        assert kept_two.path.exists()
        assert kept_two.removed == [future[0]]
        assert backups.our_backups(directory) == [future[1], kept_two.path]
        only = backups.take_backup(directory, keep=1, now=clock.now + timedelta(hours=1))
    assert only.path.exists()
    assert backups.our_backups(directory) == [only.path]
    assert set(only.removed) == {future[1], kept_two.path}


@pytest.mark.parametrize("damage", ["a loan of a deleted person", "no alembic_version"])
def test_a_sqlite_backup_is_checked_as_strictly_as_a_restore_checks_it(tmp_path, clock, damage):
    """A backup reported as checked is one `flask restore` accepts: a live database it would
    refuse gives no backup, and says why."""
    with own_database("sqlite", tmp_path) as app:
        make = Factory(app)
        person = make.person("Łukasz Żółć")
        make.loan(make.asset("ŁÓDŹ-1"), person)
        live_file = tmp_path / "live.sqlite"
        connection = sqlite3.connect(live_file)
        connection.execute("PRAGMA foreign_keys = OFF")
        if damage == "no alembic_version":
            connection.execute("DROP TABLE alembic_version")
            expected = "no alembic_version table"
        else:
            connection.execute("DELETE FROM people WHERE id = ?", (person.id,))
            expected = "point at rows it lacks"
        connection.commit()
        connection.close()
        with app_context(app), pytest.raises(backups.BackupError, match=expected):
            backups.take_backup(tmp_path / "backups", keep=2, now=clock.now)
    assert list((tmp_path / "backups").iterdir()) == [], "nothing half checked is left"


def test_a_backup_needs_a_directory_it_can_write(live, tmp_path, clock):
    app, _url = live
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    with app_context(app), pytest.raises(backups.BackupError, match="a-file"):
        backups.take_backup(blocker / "backups", keep=2, now=clock.now)
    with app_context(app), pytest.raises(backups.BackupError, match="at least one"):
        backups.take_backup(tmp_path, keep=0, now=clock.now)


def _unchanged_snapshot(app, kind, url, tmp_path):
    sums = live_checksums(app)
    if kind == "sqlite":
        live_file = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        with app_context(app):
            db.engine.dispose()
        files = sorted(p.name for p in live_file.parent.iterdir())
        return sums, file_digest(live_file), files
    # This test's live database and any made beside it (not other workers' at the same time).
    live_name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    return sums, None, sorted(postgres_databases(url, live_name))


def _bad_files(kind: str, good: Path, tmp_path: Path, url: str | None) -> dict[str, tuple]:
    data = good.read_bytes()
    corrupt = bytearray(data)
    # Past SQLite's first page (the schema): the tables' own pages. In a dump: its data.
    start = 4096 if kind == "sqlite" else len(data) // 2
    corrupt[start : start + 200] = b"\xff" * 200
    bad = {
        "empty": (b"", "is empty"),
        "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "neither a SQLite database nor"),
        "truncated": (data[: len(data) // 2], "damaged|failed"),
        "corrupt": (bytes(corrupt), "damaged|failed"),
    }
    if kind == "sqlite":
        other = _sqlite_other_app(tmp_path / "backups" / "other.sqlite")
        bad["another app"] = (other.read_bytes(), "no alembic_version")
        connection = sqlite3.connect(other)
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (restores.head_revision(),))
        connection.commit()
        connection.close()
        bad["another app using alembic"] = (other.read_bytes(), "lacks the tables")
        bad["a PostgreSQL dump"] = (b"PGDMP\x01\x0f" + b"\x00" * 64, "this app runs on SQLite")
    else:
        other = _sqlite_other_app(tmp_path / "backups" / "other.sqlite")
        bad["a SQLite file"] = (other.read_bytes(), "this app runs on PostgreSQL")
        bad["another app's dump"] = (_other_postgres_dump(url, with_alembic=False), "no alembic")
        bad["another app's dump using alembic"] = (
            _other_postgres_dump(url, with_alembic=True),
            "lacks the tables",
        )
    return bad


def _other_postgres_dump(postgres_url: str, *, with_alembic: bool) -> bytes:
    """pg_dump (custom format) of another app's database: a notes table, and with
    `with_alembic` an alembic_version at this code's head."""
    name = f"other_app_{secrets.token_hex(4)}"
    server = make_url(postgres_url)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        other = create_engine(server.set(database=name))
        try:
            with other.begin() as connection:
                connection.execute(text("CREATE TABLE notes (id serial PRIMARY KEY, body text)"))
                connection.execute(text("INSERT INTO notes (body) VALUES ('Zoë''s list')"))
                if with_alembic:
                    connection.execute(
                        text("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)")
                    )
                    connection.execute(
                        text("INSERT INTO alembic_version VALUES (:v)"),
                        {"v": restores.head_revision()},
                    )
        finally:
            other.dispose()
        libpq = server.set(drivername="postgresql", database=name)
        return subprocess.run(
            [_tool("pg_dump"), "--format=custom", libpq.render_as_string(hide_password=False)],
            check=True,
            capture_output=True,
        ).stdout
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_damaged_foreign_or_newer_backup_is_refused_and_nothing_changes(
    live, database, tmp_path, clock, dry_run
):
    app, url = live
    make = Factory(app)
    make.asset("ŁÓDŹ-1", name="Łukasz Żółć's laptop")
    with app_context(app):
        good = backups.take_backup(tmp_path / "backups", keep=5, now=clock.now).path
    with app_context(app):
        bad = _bad_files(database, good, tmp_path, url)
    # A backup from a newer version of the app: its migration is unknown to this code.
    with app_context(app) as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
        session.commit()
        newer = backups.take_backup(tmp_path / "newer", keep=5, now=clock.now).path
        session.execute(
            text("UPDATE alembic_version SET version_num = :head"),
            {"head": restores.head_revision()},
        )
        session.commit()
    make.asset("AFTER-1", name="Added after the backup")
    (tmp_path / "bad").mkdir()
    before = _unchanged_snapshot(app, database, url, tmp_path)

    cases = {name: tmp_path / "bad" / f"{i}.bin" for i, name in enumerate(bad)}
    for name, path in cases.items():
        path.write_bytes(bad[name][0])
    cases["newer"] = newer
    messages = {name: bad[name][1] for name in bad} | {"newer": "newer version of the app"}
    for name, path in cases.items():
        with app_context(app), pytest.raises(backups.BackupError) as refused:
            restores.restore_backup(path, dry_run=dry_run, now=clock.now)
        assert refused.value.message, name
        assert re.search(messages[name], refused.value.message), (name, refused.value.message)
        assert _unchanged_snapshot(app, database, url, tmp_path) == before, name


def test_a_dry_run_checks_and_changes_nothing(live, database, tmp_path, clock):
    app, url = live
    Factory(app).asset("ÉCOLE-1", name="Zoë's projector")
    with app_context(app):
        good = backups.take_backup(tmp_path / "backups", keep=5, now=clock.now).path
    Factory(app).asset("AFTER-1")
    before = _unchanged_snapshot(app, database, url, tmp_path)
    said = []
    with app_context(app):
        report = restores.restore_backup(good, dry_run=True, now=clock.now, say=said.append)
    assert not report.replaced and report.kept_aside is None
    assert report.counts["assets"] == 1
    assert any("Dry run" in line for line in said)
    assert _unchanged_snapshot(app, database, url, tmp_path) == before


def test_a_restore_keeps_the_replaced_database_aside(live, database, tmp_path, clock):
    app, url = live
    Factory(app).asset("ÉCOLE-1", name="Zoë's projector")
    with app_context(app):
        good = backups.take_backup(tmp_path / "backups", keep=5, now=clock.now).path
    at_backup = live_checksums(app)
    Factory(app).asset("AFTER-1")
    replaced = live_checksums(app)
    with app_context(app):
        report = restores.restore_backup(good, now=clock.now)
    assert live_checksums(app) == at_backup
    aside = report.kept_aside
    if database == "sqlite":
        aside_url = f"sqlite:///{aside}"
        assert Path(aside).name.startswith("live.sqlite.before-restore-")
    else:
        assert aside.endswith("_before_restore_20261123t090000z")
        aside_url = make_url(url).set(database=aside).render_as_string(hide_password=False)
    engine = create_engine(aside_url)
    try:
        with engine.connect() as connection:
            assert table_checksums(connection) == replaced
    finally:
        engine.dispose()


def test_an_app_server_running_through_the_restore_sees_the_restored_database(
    live, database, tmp_path, clock
):
    """A restore need not be followed by a restart: a server's pooled connection (SQLite: to
    the same file, written in place; PostgreSQL: ended, and the pool reconnects by name to the
    restored database) reads the restored rows."""
    app, _url = live
    Factory(app).asset("ÉCOLE-1", name="Zoë's projector")
    with app_context(app):
        good = backups.take_backup(tmp_path / "backups", keep=5, now=clock.now).path
    Factory(app).asset("AFTER-1")
    server = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_pre_ping=True)
    try:
        with server.connect() as connection:
            assert connection.execute(select(Asset.tag).order_by(Asset.tag)).scalars().all() == [
                "AFTER-1",
                "ÉCOLE-1",
            ]
        with app_context(app):
            restores.restore_backup(good, now=clock.now)
        with server.connect() as connection:
            assert connection.execute(select(Asset.tag)).scalars().all() == ["ÉCOLE-1"]
    finally:
        server.dispose()
