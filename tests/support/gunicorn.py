"""Real gunicorn servers running the app with the repository's gunicorn.conf.py, each on a
loopback port it is handed already bound, for the multi-server test and the load benchmark.
Started with `start()`, stopped with `stop()` (SIGTERM, then SIGKILL): callers stop them in a
`finally`."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def production_environment(database_url: str, secret_key: str, **extra: str) -> dict[str, str]:
    """The environment of a production server on plain-HTTP loopback: the production config
    (APP_CONFIG=production), with cookies allowed over HTTP, nothing else from the caller's
    environment that the app reads. Under `faketime` (make test-dates) the server keeps the
    run's clock (its LD_PRELOAD and FAKETIME): a token the tests make "now" is made at the
    server's now too."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "LD_PRELOAD"}
    env = {
        key: value for key, value in os.environ.items() if key in keep or key.startswith("FAKETIME")
    }
    return (
        env
        | {
            "APP_CONFIG": "production",
            "SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            "BASE_URL": "https://assets.school.test",
            "SESSION_COOKIE_SECURE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        | extra
    )


class GunicornServer:
    """`gunicorn -c gunicorn.conf.py wsgi:app` with `environment` (GUNICORN_BIND is set here,
    to the socket `start` binds); its access log (stdout) and error log (stderr) go to files in
    `log_dir`."""

    def __init__(self, environment: dict[str, str], log_dir: Path | None = None, name: str = "app"):
        self.environment = environment
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="assets-gunicorn-"))
        self.name = name
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.access_log = self.log_dir / f"{name}.access.log"
        self.error_log = self.log_dir / f"{name}.error.log"

    def _launch(self, listener: socket.socket) -> subprocess.Popen:
        """gunicorn on the socket `listener`, bound here and handed over as an inherited file
        descriptor (GUNICORN_BIND=fd://N): the port is ours from the moment it is chosen, so no
        other test worker's server can take it between choosing and binding."""
        fd = listener.fileno()
        env = self.environment | {"GUNICORN_BIND": f"fd://{fd}"}
        with self.access_log.open("wb") as out, self.error_log.open("wb") as err:
            return subprocess.Popen(
                [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
                pass_fds=(fd,),
                start_new_session=True,
            )

    def start(self, timeout: float = 30, healthz: int = 200) -> "GunicornServer":
        """Start on a loopback port of its own and wait until /healthz answers `healthz` (503
        for a server whose database is down); a server that stops or does not answer so in
        `timeout` seconds raises with its error log. Each start begins the access and error
        logs afresh."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind(("127.0.0.1", 0))
            port = listener.getsockname()[1]
            self.process = self._launch(listener)
        # gunicorn holds the port now; this process's copy of the socket is closed.
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start:\n{self.errors()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == healthz:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in {timeout} s:\n{self.errors()}")

    def errors(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def access_lines(self) -> list[str]:
        return self.access_log.read_text(errors="replace").splitlines()

    def workers(self) -> list[int]:
        """The worker processes' ids: the master's children."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return sorted(int(pid) for pid in children)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a graceful stop) to gunicorn's master, then SIGKILL to its whole process
        group if it has not stopped."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
