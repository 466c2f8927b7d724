"""A throwaway PostgreSQL 15 cluster for the test run: started in a temporary directory on
a free loopback port, stopped and removed at the end, whether the tests passed or not.

With pytest-xdist the run has one cluster for all its workers: the first worker that needs it
starts it under a file lock in the run's directory (`shared_cluster`), the others find it
there, and the controlling process stops it at the end (`stop_shared_cluster`). Each worker
then works in a database of its own on it."""

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.ports import free_port

__all__ = ["PostgresCluster", "free_port", "shared_cluster", "stop_shared_cluster"]

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")


def _tool(name: str) -> str:
    for directory in PG_BIN_DIRS:
        path = Path(directory) / name
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; the PostgreSQL tests need it.")
    return found


class PostgresCluster:
    def __init__(self, directory: Path | None = None, port: int | None = None) -> None:
        self.directory = directory or Path(tempfile.mkdtemp(prefix="assets-pg-"))
        self.data = self.directory / "data"
        self.port = port or free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> "PostgresCluster":
        if self.as_root:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            _tool("initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            _tool("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )
        return self

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        self._run(
            _tool("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name
        )
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(_tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def _state(run_dir: Path) -> Path:
    return run_dir / "postgres.json"


def shared_cluster(run_dir: Path) -> PostgresCluster:
    """The run's one cluster: started by the first process to ask, found by the others."""
    with (run_dir / "postgres.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = _state(run_dir)
        if state.exists():
            found = json.loads(state.read_text())
            if not found.get("started"):
                raise RuntimeError(
                    "The test run's PostgreSQL cluster failed to start (another worker tried): "
                    f"see {found['directory']}/log and that worker's error."
                )
            return PostgresCluster(Path(found["directory"]), found["port"])
        cluster = PostgresCluster()
        where = {"directory": str(cluster.directory), "port": cluster.port}
        # Written before starting, so a start that fails half-way is still cleaned up, and
        # marked started after, so the other workers say why rather than fail to connect.
        state.write_text(json.dumps(where | {"started": False}))
        cluster.start()
        state.write_text(json.dumps(where | {"started": True}))
        return cluster


def stop_shared_cluster(run_dir: Path) -> None:
    """Stop and remove the run's cluster, if any process started one."""
    state = _state(run_dir)
    if state.exists():
        found = json.loads(state.read_text())
        PostgresCluster(Path(found["directory"]), found["port"]).stop()
        state.unlink()
