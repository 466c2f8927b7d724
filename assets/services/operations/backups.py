"""Backups: one consistent copy of the live database, taken while the app keeps serving.

SQLite: Python's sqlite3 online backup API (`Connection.backup`) in one step, which reads the
live file inside one read transaction: writers carry on (WAL), and the copy is the database at
one moment. `PRAGMA integrity_check` then reads every page of the copy. PostgreSQL:
`pg_dump --format=custom`, which dumps from one snapshot; `pg_restore --list` then reads the
archive's table of contents back. The password goes to pg_dump in PGPASSWORD, never on its
command line or in what is printed.

A backup is written under a hidden temporary name in the directory and gets its own name only
once it is complete and checked: a file named `assets-<UTC time>.sqlite3` or `.pgdump` is
always whole. Restoring one is `restores.py`.
"""

import itertools
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import URL

from assets.extensions import db
from assets.models.base import utcnow
from assets.services.common.errors import DomainError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SUFFIXES = {SQLITE: "sqlite3", POSTGRESQL: "pgdump"}
KIND_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
# assets-2026-12-07T011005Z.sqlite3, and -2, -3... for a second backup in the same second.
BACKUP_NAME = re.compile(r"^assets-(\d{4}-\d{2}-\d{2}T\d{6}Z)(?:-(\d+))?\.(sqlite3|pgdump)$")
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
POSTGRES_TIMEOUT = 6 * 60 * 60  # seconds: a dump or restore taking longer has hung
# libpq settings a DATABASE_URL may carry in its query string, as pg_dump's environment.
LIBPQ_QUERY = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


class BackupError(DomainError):
    """A backup or restore could not be made or was refused; nothing live was changed."""


class LiveDatabaseLeftChanged(BackupError):
    """A restore stopped half way and the live database could not be put back: the message
    says how to put it back by hand."""


@dataclass(frozen=True)
class BackupResult:
    """A backup written and checked: where, how large, and the older ones `keep` removed."""

    path: Path
    size: int
    kind: str
    removed: list[Path] = field(default_factory=list)

    @property
    def size_text(self) -> str:
        return human_size(self.size)


def human_size(size: int) -> str:
    """`size` bytes as a person reads it: 812 bytes, 14.2 KB, 3.1 MB, 1.4 GB."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def database_kind(url: URL | None = None) -> str:
    """SQLITE or POSTGRESQL for the live database (or `url`); BackupError for anything else."""
    url = url or db.engine.url
    name = url.get_backend_name()
    if name == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
        return SQLITE
    if name == "postgresql":
        return POSTGRESQL
    raise BackupError(f"Backups work on SQLite and PostgreSQL, not on {name}.")


def sqlite_path(url: URL | None = None) -> Path:
    """The live SQLite database's file."""
    url = url or db.engine.url
    return Path(url.database).resolve()


def stamp(now: datetime) -> str:
    """`now` in UTC as a backup's name has it: 2026-12-07T011005Z (sorts as time does)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")


def file_kind(path: Path) -> str | None:
    """SQLITE or POSTGRESQL by the file's first bytes; None for anything else."""
    with path.open("rb") as file:
        start = file.read(len(SQLITE_MAGIC))
    if start == SQLITE_MAGIC:
        return SQLITE
    if start.startswith(PGDUMP_MAGIC):
        return POSTGRESQL
    return None


# ---- PostgreSQL's own tools -------------------------------------------------------------------


def postgres_tool(name: str) -> str:
    """The newest installed `name` (pg_dump, pg_restore): POSTGRES_BIN_DIR when set, then
    Debian's /usr/lib/postgresql/<version>/bin, then the PATH. A newer pg_dump reads an older
    server; an older one refuses a newer server."""
    configured = current_app.config.get("POSTGRES_BIN_DIR") or ""
    directories = [Path(configured)] if configured else []
    directories += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
        reverse=True,
    )
    for directory in directories:
        if (directory / name).is_file():
            return str(directory / name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"PostgreSQL's {name} is not installed. Install the PostgreSQL client tools "
        "(the server's major version or newer), or set POSTGRES_BIN_DIR to their directory."
    )


def postgres_environment(url: URL, database: str | None = None) -> dict[str, str]:
    """The environment that points libpq's tools at `url` (at `database` on its server),
    password included, so that nothing secret is on a command line."""
    env = dict(os.environ)
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": database or url.database,
    }
    for key, variable in LIBPQ_QUERY.items():
        value = url.query.get(key)
        if value:
            values[variable] = value if isinstance(value, str) else value[-1]
    env.update({k: v for k, v in values.items() if v})
    return env


def run_postgres_tool(args: list[str], url: URL, what: str, database: str | None = None) -> str:
    """Run a PostgreSQL tool against `url`; its output, or BackupError with its own words
    (the password, should it appear, blanked)."""
    try:
        done = subprocess.run(  # noqa: S603 - our tool's path and our own arguments
            args,
            env=postgres_environment(url, database),
            capture_output=True,
            text=True,
            timeout=POSTGRES_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BackupError(f"{what} failed: {error}") from error
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        if url.password:
            said = said.replace(str(url.password), "********")
        raise BackupError(f"{what} failed: {said}")
    return done.stdout


# ---- taking a backup --------------------------------------------------------------------------


def take_backup(directory: Path, keep: int, now: datetime | None = None) -> BackupResult:
    """Back up the live database into `directory` (made if missing) as
    assets-<UTC time>.sqlite3 or .pgdump, checked before it gets that name, and then remove
    all but the newest `keep` of our backups there (no other file). Changes nothing in the
    database. BackupError, with no new backup left behind, when anything fails."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    now = now or utcnow()
    kind = database_kind()
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise BackupError(f"Cannot make the backup directory {directory}: {error}") from error
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a directory.")
    partial = directory / f".assets-{stamp(now)}.{os.getpid()}.partial"
    try:
        if kind == SQLITE:
            _backup_sqlite(sqlite_path(), partial)
        else:
            _backup_postgres(db.engine.url, partial)
        _sync(partial)
        path = _publish(partial, directory, stamp(now), SUFFIXES[kind])
    except OSError as error:
        raise BackupError(f"The backup could not be written to {directory}: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    size = path.stat().st_size
    removed = rotate(directory, keep, new=path)
    return BackupResult(path=path, size=size, kind=kind, removed=removed)


def _backup_sqlite(live: Path, target: Path) -> None:
    if not live.is_file():
        raise BackupError(f"The database file {live} does not exist.")
    source = sqlite3.connect(live, timeout=30)
    copy = sqlite3.connect(target)
    try:
        os.chmod(target, 0o600)  # staff details and signatures: for the backup's owner only
        source.backup(copy)  # one step (pages=-1): one read transaction, one moment
        # The copy stands alone as one file, whatever mode the live database is in.
        copy.execute("PRAGMA journal_mode = DELETE")
        # As strict as a restore (restores._sqlite_integrity): a backup reported as checked
        # is one that `flask restore` accepts.
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        broken = copy.execute("PRAGMA foreign_key_check").fetchall()
        migrated = copy.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}") from error
    finally:
        copy.close()
        source.close()
    if problems != ["ok"]:
        raise BackupError("The copy failed its integrity check: " + "; ".join(problems[:5]))
    if broken:
        raise BackupError(
            f"The live database has {len(broken)} rows that point at rows it lacks "
            "(PRAGMA foreign_key_check), so a restore would refuse its backup."
        )
    if not migrated:
        raise BackupError(
            "The live database has no alembic_version table (run flask db upgrade), so a "
            "restore would refuse its backup."
        )


def _backup_postgres(url: URL, target: Path) -> None:
    target.touch(mode=0o600)
    run_postgres_tool(
        [postgres_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}"],
        url,
        "pg_dump",
    )
    contents = run_postgres_tool(
        [postgres_tool("pg_restore"), "--list", str(target)], url, "Reading the dump back"
    )
    if "alembic_version" not in contents:
        raise BackupError("The dump holds no alembic_version table: it is not this app's.")


def _sync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _publish(partial: Path, directory: Path, when: str, suffix: str) -> Path:
    """Give the finished backup its name, never replacing another file."""
    for n in itertools.count(1):
        path = directory / f"assets-{when}{'' if n == 1 else f'-{n}'}.{suffix}"
        try:
            os.link(partial, path)  # fails rather than replace a file of that name
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            if path.exists():
                continue
            os.rename(partial, path)
        break
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def our_backups(directory: Path) -> list[Path]:
    """The backups this app wrote in `directory`, newest first."""
    found = []
    for path in directory.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append(((match[1], int(match[2] or 1)), path))
    return [path for _key, path in sorted(found, reverse=True)]


def rotate(directory: Path, keep: int, new: Path | None = None) -> list[Path]:
    """Remove all but the newest `keep` of our backups in `directory`; the removed ones.
    `new`, the backup just written, is always kept and counts as the newest, whatever the
    names of the others (a machine whose clock was once wrong may have left later ones)."""
    found = our_backups(directory)
    if new is not None:
        found = [new] + [path for path in found if path != new]
    removed = found[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed
