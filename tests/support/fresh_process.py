"""Python code run in a process of its own, from the repository's root: for what a test must
see from the start (what `import assets` loads, the first PDF a process makes)."""

import subprocess
import sys

from assets import ROOT


def run_fresh(code: str, timeout: int = 120) -> str:
    """Run `code` with this interpreter in a new process; its standard output, once it has
    exited cleanly (the test fails with the end of its standard error otherwise)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()
