"""Restoring a backup: to the side first, checked, and only then in place of the live database,
with the replaced one kept aside. A file that fails any check changes nothing live.

The checks: the file is a backup of the live database's kind (SQLite or a PostgreSQL custom
dump: never the other); it restores whole (SQLite: `PRAGMA integrity_check` and
`foreign_key_check`; PostgreSQL: pg_restore in one transaction, stopping at the first error);
its migration (alembic_version) is this code's head, neither older nor newer; and every table
of the models is there. Row counts are reported.

The swap. SQLite: the live database is first copied aside (`<file>.before-restore-<time>`),
then the checked copy is written into the live file through SQLite's backup API, which takes
the write lock, so app servers still running see the restored database at their next
transaction rather than keep writing to a renamed file. (Renaming files under a running app
would leave its open connections on the old file, and its -wal and -shm files beside the new
one.) PostgreSQL: pg_restore into a new database on the same server; then new connections to
the live database are refused, the others ended, the live database renamed to
`<name>_before_restore_<time>` and the new one renamed to the live name. App servers reconnect
to the restored database.
"""

import contextlib
import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from assets.extensions import MIGRATIONS, db
from assets.models import Asset, Event, Incident, LeaverCase, Loan, Person, Signature, User
from assets.models.base import utcnow
from assets.services.operations.backups import (
    KIND_LABELS,
    POSTGRESQL,
    SQLITE,
    BackupError,
    LiveDatabaseLeftChanged,
    database_kind,
    file_kind,
    postgres_tool,
    run_postgres_tool,
    sqlite_path,
)

# The tables a person checks first, in the order the report lists them.
CORE_TABLES = [m.__tablename__ for m in (Asset, Person, User, Loan, Signature, Incident)] + [
    LeaverCase.__tablename__,
    Event.__tablename__,
]
POSTGRES_NAME_LENGTH = 63
Say = Callable[[str], None]


@dataclass
class RestoreReport:
    """What a restore found and did."""

    file: Path
    kind: str
    revision: str
    counts: dict[str, int]
    replaced: bool = False
    # The replaced database, kept: a file path (SQLite) or a database name (PostgreSQL).
    kept_aside: str | None = None
    notes: list[str] = field(default_factory=list)


def head_revision() -> str:
    """The newest migration of this code."""
    return _scripts().get_current_head()


def _scripts():
    """alembic's view of migrations/ (imported here: only a restore needs it)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def restore_backup(
    file: Path,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    say: Say = lambda _: None,
    confirm: Callable[[RestoreReport], bool] | None = None,
) -> RestoreReport:
    """Restore `file` (a backup from take_backup) in place of the live database, having first
    restored it beside the live one and checked it; with `dry_run`, only restore to the side,
    check and remove the side copy. `say` hears each step; `confirm`, given the checked
    report, may still say no (nothing changes). BackupError, with the live database
    untouched, when the file is refused."""
    now = now or utcnow()
    file = Path(file)
    kind = database_kind()
    _check_file(file, kind)
    when = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    go_on = confirm or (lambda _report: True)
    if kind == SQLITE:
        return _restore_sqlite(file, dry_run, when, say, go_on)
    return _restore_postgres(file, dry_run, when, say, go_on)


def _check_file(file: Path, live_kind: str) -> None:
    if not file.is_file():
        raise BackupError(f"{file} is not a file.")
    if file.stat().st_size == 0:
        raise BackupError(f"{file} is empty: it is not a backup.")
    found = file_kind(file)
    if found is None:
        raise BackupError(
            f"{file} is not a backup of this app: it is neither a SQLite database nor a "
            "PostgreSQL custom-format dump (as `flask backup` writes)."
        )
    if found != live_kind:
        raise BackupError(
            f"{file} is a {KIND_LABELS[found]} backup, but this app runs on "
            f"{KIND_LABELS[live_kind]} (DATABASE_URL): restore it where the app runs on "
            f"{KIND_LABELS[found]}."
        )


def _check_restored(engine: Engine, file: Path) -> tuple[str, dict[str, int]]:
    """The restored copy's migration and row counts; BackupError unless it is this app's
    database at this code's migration with every table."""
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            if "alembic_version" not in tables:
                raise BackupError(
                    f"{file} is not a backup of this app: it has no alembic_version table."
                )
            versions = list(connection.execute(text("SELECT version_num FROM alembic_version")))
            missing = sorted({t.name for t in db.metadata.sorted_tables} - tables)
            counts = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in db.metadata.sorted_tables
                if table.name in tables
            }
    except DBAPIError as error:
        raise BackupError(f"{file} is damaged: {error.orig}") from error
    if len(versions) != 1:
        raise BackupError(f"{file} is not a backup of this app: its migration is not recorded.")
    revision, head = versions[0][0], head_revision()
    if revision != head:
        from alembic.util.exc import CommandError

        try:
            known = _scripts().get_revision(revision) is not None
        except CommandError:
            known = False
        if known:
            raise BackupError(
                f"{file} was taken at migration {revision}, older than this code's {head}. "
                "Restore it with the version of the app that took it, then upgrade "
                "(flask db upgrade)."
            )
        raise BackupError(
            f"{file} comes from a newer version of the app (migration {revision} is unknown "
            f"to this code, which is at {head}): restore it with that version."
        )
    if missing:
        raise BackupError(
            f"{file} is not a whole backup of this app: it lacks the tables {', '.join(missing)}."
        )
    return revision, counts


def counts_text(counts: dict[str, int]) -> str:
    """The core tables' row counts, as the report prints them."""
    return ", ".join(f"{counts.get(name, 0)} {name}" for name in CORE_TABLES)


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_restore(report: RestoreReport, *, now: datetime | None = None) -> Event:
    """The audit event, in the restored database, of the restore that put it there (added to
    the session: the caller commits)."""
    event = Event(
        at=now or utcnow(),
        actor_id=None,
        action="database.restored",
        entity_type="database",
        entity_id=None,
        summary=f"Restored from {report.file.name} by the command line"[:300],
        changes={
            "file": str(report.file),
            "sha256": _sha256(report.file),
            "kept_aside": report.kept_aside,
            "migration": report.revision,
        },
    )
    db.session.add(event)
    return event


# ---- SQLite -----------------------------------------------------------------------------------


def _sqlite_files(path: Path) -> list[Path]:
    return [path] + [path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal")]


def _remove_sqlite(path: Path) -> None:
    for each in _sqlite_files(path):
        each.unlink(missing_ok=True)


def _restore_sqlite(file: Path, dry_run: bool, when: str, say: Say, go_on) -> RestoreReport:
    live = sqlite_path()
    side = live.with_name(f"{live.name}.restoring-{when}")
    say(f"Restoring {file} to {side} to check it...")
    try:
        shutil.copyfile(file, side)
        side.chmod(0o600)
        _sqlite_integrity(side, file)
        engine = create_engine(f"sqlite:///{side}", poolclass=NullPool)
        try:
            revision, counts = _check_restored(engine, file)
        finally:
            engine.dispose()
        report = RestoreReport(file=file, kind=SQLITE, revision=revision, counts=counts)
        say(f"Checked: integrity ok, migration {revision} (this code's), {counts_text(counts)}.")
        if dry_run:
            say(f"Dry run: the live database {live} would be replaced; nothing was changed.")
            return report
        if not go_on(report):
            say("Nothing was changed.")
            return report
        aside = live.with_name(f"{live.name}.before-restore-{when}")
        _swap_sqlite(side, live, aside)
    except OSError as error:
        raise BackupError(f"The restore could not write beside {live}: {error}") from error
    finally:
        _remove_sqlite(side)
    report.replaced = True
    report.kept_aside = str(aside) if aside.exists() else None
    return report


def _sqlite_integrity(side: Path, file: Path) -> None:
    connection = sqlite3.connect(side)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{file} is damaged: {error}.") from error
    finally:
        connection.close()
    if problems != ["ok"]:
        raise BackupError(f"{file} is damaged: " + "; ".join(problems[:5]))
    if broken:
        raise BackupError(f"{file} is damaged: {len(broken)} rows point at rows it lacks.")


def _swap_sqlite(side: Path, live: Path, aside: Path) -> None:
    """Keep the live database aside, then write the checked copy into the live file."""
    db.engine.dispose()
    restored = sqlite3.connect(side, timeout=30)
    target = sqlite3.connect(live, timeout=30)
    try:
        if live.stat().st_size > 0:
            kept = sqlite3.connect(aside)
            try:
                target.backup(kept)
                kept.execute("PRAGMA journal_mode = DELETE")
            finally:
                kept.close()
            aside.chmod(0o600)
        page_size = target.execute("PRAGMA page_size").fetchone()[0]
        if restored.execute("PRAGMA page_size").fetchone()[0] != page_size:
            # A WAL database takes a backup only of its own page size.
            restored.execute("PRAGMA journal_mode = DELETE")
            restored.execute(f"PRAGMA page_size = {int(page_size)}")
            restored.execute("VACUUM")
        restored.backup(target)  # under the live file's write lock; all or nothing
    except sqlite3.Error as error:
        raise BackupError(f"Writing the restored database into {live} failed: {error}") from error
    finally:
        target.close()
        restored.close()


# ---- PostgreSQL -------------------------------------------------------------------------------


def _postgres_name(live: str, suffix: str) -> str:
    return live[: POSTGRES_NAME_LENGTH - len(suffix)] + suffix


def _admin_engine(url: URL) -> Engine:
    return create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


def _restore_postgres(file: Path, dry_run: bool, when: str, say: Say, go_on) -> RestoreReport:
    url = db.engine.url
    live = url.database
    side = _postgres_name(live, f"_restoring_{when.lower()}")
    admin = _admin_engine(url)
    try:
        _check_may_replace(admin, live)
        say(f"Restoring {file} into a new database {side} to check it...")
        _create_like(admin, side, live)
        try:
            run_postgres_tool(
                [
                    postgres_tool("pg_restore"),
                    "--no-password",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={side}",
                    str(file),
                ],
                url,
                f"Restoring {file}",
                database=side,
            )
            engine = create_engine(url.set(database=side), poolclass=NullPool)
            try:
                revision, counts = _check_restored(engine, file)
            finally:
                engine.dispose()
            report = RestoreReport(file=file, kind=POSTGRESQL, revision=revision, counts=counts)
            say(
                f"Checked: restored whole, migration {revision} (this code's), "
                f"{counts_text(counts)}."
            )
            if dry_run or not go_on(report):
                say(
                    f"Dry run: the live database {live} would be replaced; nothing was changed."
                    if dry_run
                    else "Nothing was changed."
                )
                _drop(admin, side)
                return report
            aside = _postgres_name(live, f"_before_restore_{when.lower()}")
            _swap_postgres(admin, side, live, aside)
        except BaseException:
            with contextlib.suppress(BackupError):  # a leftover side copy harms nothing
                _drop(admin, side)
            raise
    finally:
        admin.dispose()
    report.replaced = True
    report.kept_aside = aside
    return report


def _check_may_replace(admin: Engine, live: str) -> None:
    """BackupError before anything is done unless the database role may create a database
    (CREATEDB) and rename the live one (its owner, or a member of the owner's role): a restore
    that checks the whole backup and then cannot swap it in helps nobody."""
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT r.rolname, r.rolsuper, r.rolcreatedb, "
                    "pg_get_userbyid(d.datdba), pg_has_role(current_user, d.datdba, 'USAGE') "
                    "FROM pg_roles r LEFT JOIN pg_database d ON d.datname = :live "
                    "WHERE r.rolname = current_user"
                ),
                {"live": live},
            ).one()
    except DBAPIError as error:
        raise BackupError(f"Cannot reach the database server to restore: {error.orig}") from error
    role, superuser, createdb, owner, owns = found
    if superuser:
        return
    if not createdb:
        raise BackupError(
            f"The database role {role} cannot create databases (CREATEDB), which a restore "
            f"needs: run it as a role that can (ALTER ROLE {role} CREATEDB)."
        )
    if owner is not None and not owns:
        raise BackupError(
            f"The database role {role} does not own the live database {live} (its owner is "
            f"{owner}), so it cannot rename it: run the restore with DATABASE_URL as {owner}."
        )


def _quote(admin: Engine, name: str) -> str:
    return admin.dialect.identifier_preparer.quote_identifier(name)


def _create_like(admin: Engine, name: str, live: str) -> None:
    """A new empty database with the live one's encoding and collation."""
    with admin.connect() as connection:
        found = connection.execute(
            text(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype "
                "FROM pg_database WHERE datname = :name"
            ),
            {"name": live},
        ).first()
        options = ""
        if found:
            options = f" ENCODING '{found[0]}' LC_COLLATE '{found[1]}' LC_CTYPE '{found[2]}'"
        try:
            connection.execute(
                text(f"CREATE DATABASE {_quote(admin, name)} TEMPLATE template0{options}")
            )
        except DBAPIError as error:
            raise BackupError(
                f"Cannot create the database {name} to restore into: {error.orig} "
                "(the database role needs CREATEDB)."
            ) from error


def _drop(admin: Engine, name: str) -> None:
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {_quote(admin, name)} WITH (FORCE)"))
    except DBAPIError as error:
        raise BackupError(
            f"The database {name} made to restore into could not be removed: {error.orig}. "
            f"Remove it yourself: DROP DATABASE {_quote(admin, name)};"
        ) from error


def _allow_connections(connection, quoted: str, allowed: bool) -> None:
    connection.execute(
        text(f"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS {'true' if allowed else 'false'}")
    )


def _swap_postgres(admin: Engine, side: str, live: str, aside: str) -> None:
    """Rename the live database aside and the restored one into its place. Connections to
    the live one are refused and ended first (a database in use cannot be renamed).

    Whatever stops it half way (an error, Ctrl-C, SIGTERM, a lost connection), the live
    database is put back as it was, taking connections again, before the error goes on; if
    even that fails, the error says the SQL that puts it back."""
    db.engine.dispose()
    q_live, q_side, q_aside = (_quote(admin, n) for n in (live, side, aside))
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": live}
            ).first()
            if exists:
                _allow_connections(connection, q_live, False)
                for attempt in range(10):
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": live},
                    )
                    try:
                        connection.execute(text(f"ALTER DATABASE {q_live} RENAME TO {q_aside}"))
                        break
                    except DBAPIError:
                        if attempt == 9:
                            raise
                        connection.execute(text("SELECT pg_sleep(0.2)"))
                _allow_connections(connection, q_aside, True)
            connection.execute(text(f"ALTER DATABASE {q_side} RENAME TO {q_live}"))
    except BaseException as error:
        undone = _undo_swap(admin, live, aside, side)
        if undone is not None:
            raise LiveDatabaseLeftChanged(
                f"The restore stopped half way ({type(error).__name__}: "
                f"{getattr(error, 'orig', None) or error}) and the live database could not be "
                f"put back ({undone}). The app may be down: put it back with psql on the "
                f"database postgres: {_recovery_sql(admin, live, aside)}"
            ) from error
        if isinstance(error, DBAPIError):
            raise BackupError(
                f"The restored database could not take the place of {live}: {error.orig}. "
                "The live database was put back as it was."
            ) from error
        raise


def _recovery_sql(admin: Engine, live: str, aside: str) -> str:
    q_live, q_aside = _quote(admin, live), _quote(admin, aside)
    return (
        f"if {q_live} is missing, ALTER DATABASE {q_aside} RENAME TO {q_live}; then "
        f"ALTER DATABASE {q_live} WITH ALLOW_CONNECTIONS true;"
    )


def _undo_swap(admin: Engine, live: str, aside: str, side: str) -> str | None:
    """Put the live database back after a swap stopped half way, as the catalogue finds it
    (a lost connection may have done a step it did not report): None when it is back and
    taking connections, else what went wrong."""
    q_live, q_aside = _quote(admin, live), _quote(admin, aside)
    try:
        with admin.connect() as connection:
            names = set(
                connection.execute(
                    text("SELECT datname FROM pg_database WHERE datname IN (:a, :b, :c)"),
                    {"a": live, "b": aside, "c": side},
                ).scalars()
            )
            if live not in names and aside in names:
                connection.execute(text(f"ALTER DATABASE {q_aside} RENAME TO {q_live}"))
                names = (names - {aside}) | {live}
            for name in names & {live, aside}:
                _allow_connections(connection, _quote(admin, name), True)
            if live not in names:
                return f"neither {live} nor {aside} exists"
    except Exception as error:  # what went wrong is said, with the way out
        return str(getattr(error, "orig", None) or error)
    return None
