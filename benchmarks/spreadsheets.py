"""Import and export of a 100,000-row register, beside the bare libraries, time and peak memory.

Run from the repository root:

    .venv/bin/python benchmarks/spreadsheets.py [--rows N] [--repeat R] [--only NAME,...]
    .venv/bin/python benchmarks/spreadsheets.py --postgres   # the imports, into PostgreSQL

`--postgres` starts a throwaway PostgreSQL cluster (tests/support/postgres.py) for the run;
`--database-url URL` uses an existing, disposable database instead (its schema is dropped
and made again before each run). Either way only the parse baseline and the four imports into
an empty database are measured. Figures before and after the bulk writer lost its thread and
hand-allocated ids: benchmarks/README.md.

It makes the 15-column register of benchmarks/xlsx_io.py once (benchmarks/out/), and a SQLite
database holding it (imported once, untimed), then measures, each run in its own process so
that its peak memory (ru_maxrss) is its own, interleaved and repeated. (Linux carries a
process's peak RSS across exec into its children, so this parent stays small: everything
heavy, the preparation included, runs in the children.)

* bare openpyxl read-only parse of the file: the baseline of the import;
* our import, one pass (what `flask import assets FILE --apply` does after its preview):
  parse, check every row, build the preview report, write, commit, into an empty database;
* our import as the web pages run it: keep the upload, preview it, then apply it (which
  reads and checks the file again), commit;
* our import as `flask import assets FILE --apply --create-categories --create-locations`
  runs it, end to end: the preview's pass, its report, then the apply's pass, commit;
* our import through the web pages, in this process with Flask's test client (CSRF off):
  upload, the preview page, the apply's POST and the page it leads to; its max RSS is the
  web flow's peak memory;
* our import through the web pages over HTTP against gunicorn (gunicorn.conf.py, the
  production config, 2 workers x 4 threads; signed in through the login form with its CSRF
  token, as a browser does): the peak RSS (VmHWM of /proc/PID/status) of the worker that
  handled it, each worker's VmRSS and VmHWM printed before and after (SQLite only);
* our import, one pass, of the same register with every asset renamed, into the database
  holding it: 100,000 UPDATEs (SQLite only);
* bare XlsxWriter constant_memory write of the rows our export writes (fetched beforehand,
  untimed), with the same caption, header, widths and formats: the baseline of the export;
* our export's rows alone, fetched from the database as the export streams them (what the
  export does besides writing, which the baseline is spared);
* the same rows, streamed from the database as our export streams them, into that bare
  XlsxWriter write: what an export written with XlsxWriter alone would take;
* our export of the register, from the database through the service.

Aims: the import in under 0.3 x the bare parse, the export within 1.2 x the bare write,
peak memory under 300 MB each. It prints figures; nothing fails on speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))


def _app(database: Path | str, **config):
    from assets import create_app

    url = database if isinstance(database, str) else f"sqlite:///{database}"
    return create_app({"SQLALCHEMY_DATABASE_URI": url, **config})


def _emptied(url: str) -> str:
    """The PostgreSQL database at `url`, its schema dropped and made again (untimed)."""
    from assets.extensions import db

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


def _schema_key() -> str:
    """A digest of the models' tables as SQLite makes them: the databases kept in OUT are
    made again when the schema changes (one kept from before a migration lacked its table)."""
    import hashlib

    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateTable

    from assets.extensions import db

    made = (
        CreateTable(table).compile(dialect=sqlite.dialect()) for table in db.metadata.sorted_tables
    )
    return hashlib.sha256("".join(map(str, made)).encode()).hexdigest()[:12]


def _empty_database(directory: Path) -> Path:
    """A database with the schema and nothing else (made once, copied for each run)."""
    path = OUT / f"empty-{_schema_key()}.sqlite"
    if not path.exists():
        from assets.extensions import db

        app = _app(path)
        with app.app_context():
            db.create_all()
            db.engine.dispose()
    copy = directory / "bench.sqlite"
    shutil.copy(path, copy)
    return copy


def _seeded_database(rows: int, directory: Path) -> Path:
    """A database holding the register, for the exports (imported once, untimed)."""
    from benchmarks import xlsx_io

    path = OUT / f"seeded_{rows}-{_schema_key()}.sqlite"
    if not path.exists():
        from assets.extensions import db
        from assets.services.spreadsheets import imports

        source = _empty_database(directory)
        app = _app(source)
        with app.app_context():
            data = xlsx_io.register_path(rows).read_bytes()
            choices = imports.Choices(create_categories=True, create_locations=True)
            imports.import_file(None, "assets", "register.xlsx", data, choices, write=True)
            db.session.commit()
            db.engine.dispose()
        shutil.move(source, path)
    copy = directory / "seeded.sqlite"
    shutil.copy(path, copy)
    return copy


def _changed_path(rows: int) -> Path:
    """The register again, every asset renamed: importing it updates every row."""
    return OUT / f"register_{rows}_renamed.xlsx"


def prepare(rows: int, seed: bool = True) -> dict:
    """Make the register file and the seeded database, if they are not made yet."""
    from benchmarks import xlsx_io

    OUT.mkdir(parents=True, exist_ok=True)
    path = xlsx_io.register_path(rows)
    if not path.exists():
        sheet = xlsx_io.Sheet(
            "Assets", xlsx_io.COLUMNS, xlsx_io.register_rows(rows), "Ashbrook - Register"
        )
        path.write_bytes(xlsx_io.build_workbook([sheet]))
    if seed:
        with tempfile.TemporaryDirectory() as directory:
            _seeded_database(rows, Path(directory))
        changed = _changed_path(rows)
        if not changed.exists():
            renamed = (
                [row[0], f"{row[1]} (renamed)", *row[2:]] for row in xlsx_io.register_rows(rows)
            )
            sheet = xlsx_io.Sheet("Assets", xlsx_io.COLUMNS, renamed, "Ashbrook - Register")
            changed.write_bytes(xlsx_io.build_workbook([sheet]))
    return {"columns": len(xlsx_io.COLUMNS), "mib": path.stat().st_size / 2**20}


def measure(name: str, rows: int, url: str | None = None) -> dict:
    """Do one measurement in this process and return its figures."""
    if name in ("prepare", "prepare_file"):
        return prepare(rows, seed=name == "prepare")
    directory = Path(tempfile.mkdtemp(prefix="sheets-bench-"))
    try:
        return _measure(name, rows, directory, url)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _measure(name: str, rows: int, directory: Path, url: str | None = None) -> dict:
    from benchmarks import xlsx_io

    if name == "read_openpyxl":
        figures = xlsx_io.measure("read_openpyxl", rows)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return figures | {"max_rss_mib": peak / 1024}

    from sqlalchemy import func, select

    from assets.extensions import db
    from assets.models import Asset, Event
    from assets.services.people import login_admin
    from assets.services.register import register
    from assets.services.spreadsheets import imports
    from assets.services.spreadsheets.exports import register as register_exports

    data = xlsx_io.register_path(rows).read_bytes()
    choices = imports.Choices(create_categories=True, create_locations=True)
    exporting = name in (*EXPORTS, "import_update")
    if name == "import_update":
        data = _changed_path(rows).read_bytes()
    if url is not None:
        if exporting:
            raise SystemExit("the exports and import_update are measured on SQLite only")
        database = _emptied(url)
    else:
        database = _seeded_database(rows, directory) if exporting else _empty_database(directory)
    if name == "import_pages":
        return _import_pages(database, data, rows)
    if name == "import_gunicorn":
        if url is not None:
            raise SystemExit("import_gunicorn is measured on SQLite only")
        return _import_gunicorn(database, data, rows, directory)
    app = _app(database)
    with app.test_request_context():
        office = login_admin.create_user(
            None,
            email="office@bench.example",
            name="Office",
            role="office",
            password="Benchmark1",
            must_change=False,
        )
        db.session.commit()
        baseline_rows = None
        if name == "write_xlsxwriter":
            # The very values our export writes, fetched before the clock starts.
            baseline_rows = list(register_exports._asset_rows(register.AssetFilter()))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        if name == "import_cli":
            args = ["import", "assets", str(xlsx_io.register_path(rows)), "--apply"]
            args += ["--create-categories", "--create-locations"]
            outcome = app.test_cli_runner().invoke(args=args)
            if outcome.exit_code:
                raise SystemExit(outcome.output[-2000:])
            count = rows if "Imported: " in outcome.output else 0
        elif name == "import_one_pass":
            result = imports.import_file(
                office, "assets", "register.xlsx", data, choices, write=True
            )
            db.session.commit()
            count = result.summary.counts["create"]
        elif name == "import_web":
            pending = imports.stage(office, "assets", "register.xlsx", data)
            db.session.commit()
            shown = imports.preview(pending, choices)
            result = imports.apply(office, pending, choices, shown.fingerprint)
            db.session.commit()
            count = result.summary.counts["create"]
        elif name == "import_update":
            result = imports.import_file(
                office, "assets", "register.xlsx", data, choices, write=True
            )
            db.session.commit()
            count = result.summary.counts["update"]
        elif name == "write_xlsxwriter":
            data = xlsx_io.bare_xlsxwriter(
                register_exports.ASSET_COLUMNS,
                baseline_rows,
                "Ashbrook School \u2013 Asset register \u2013 exported 22/11/2026 14:05",
                "Asset register",
            )
            count = len(baseline_rows) if data else 0
        elif name == "export_bare":
            data = xlsx_io.bare_xlsxwriter(
                register_exports.ASSET_COLUMNS,
                register_exports._asset_rows(register.AssetFilter()),
                "Ashbrook School \u2013 Asset register \u2013 exported 22/11/2026 14:05",
                "Asset register",
            )
            count = rows if data else 0
        elif name == "fetch_rows":
            count = sum(1 for _ in register_exports._asset_rows(register.AssetFilter()))
        elif name == "export_ours":
            exported = register_exports.asset_register(register.AssetFilter())
            count = rows if exported.content else 0
        else:
            raise SystemExit(f"unknown measurement {name}")
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if name.startswith("import"):
            assets = db.session.scalar(select(func.count()).select_from(Asset))
            logged = db.session.scalar(select(func.count()).select_from(Event))
            assert assets == rows and logged >= rows + 1, (assets, logged)
            assert count == rows, count
        db.engine.dispose()
    return {
        "seconds": elapsed,
        "rows": count,
        "peak_mib": (peak - before) / 1024,
        "max_rss_mib": peak / 1024,
    }


def _register_ready(app):
    """`app`, its database given the register's categories and locations (so the first
    preview can apply) and office staff who sign in as office@bench.example / Benchmark1."""
    from assets.extensions import db
    from assets.services.people import login_admin
    from assets.services.register import places
    from benchmarks import xlsx_io

    with app.app_context():
        for name in xlsx_io.CATEGORIES:
            places.save_category(
                None, None, name=name, terms_kind="equipment", loan_kind="short",
                default_loan_days=None,
            )  # fmt: skip
        for name in xlsx_io.LOCATIONS:
            places.save_location(None, None, name=name)
        login_admin.create_user(
            None,
            email="office@bench.example",
            name="Office",
            role="office",
            password="Benchmark1",
            must_change=False,
        )
        db.session.commit()
        db.engine.dispose()
    return app


def _import_pages(database: Path | str, data: bytes, rows: int) -> dict:
    """Upload, preview and apply through the pages, as office staff do in a browser."""
    import io

    from sqlalchemy import func, select

    from assets.extensions import db
    from assets.models import Asset

    app = _register_ready(_app(database, WTF_CSRF_ENABLED=False))
    client = app.test_client()
    client.post("/login", data={"email": "office@bench.example", "password": "Benchmark1"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    uploaded = client.post(
        "/imports",
        data={"kind": "assets", "file": (io.BytesIO(data), "register.xlsx")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.text[:2000]
    page = client.get(uploaded.location).text
    applied = client.post(uploaded.location + "/apply", data=_preview_form(page))
    assert applied.status_code == 302, applied.text[:2000]
    shown = client.get(applied.location, follow_redirects=True).text
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Asset))
        assert count == rows and "Imported: " in shown, count
        db.engine.dispose()
    return {
        "seconds": elapsed,
        "rows": count,
        "peak_mib": (peak - before) / 1024,
        "max_rss_mib": peak / 1024,
    }


def _preview_form(page: str) -> dict[str, str]:
    """The preview page's form as a browser would send it untouched: its hidden fields (the
    CSRF token among them) and each select's selected option."""
    import html
    import re

    form = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token:
        form["csrf_token"] = html.unescape(token.group(1))
    for name, options in re.findall(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        form[name] = html.unescape(chosen.group(1)) if chosen else ""
    return form


def _memory(pid: int) -> dict[str, float]:
    """A process's resident memory now (VmRSS) and at its peak (VmHWM), MiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0]) / 1024
    return figures


def _import_gunicorn(database: Path, data: bytes, rows: int, directory: Path) -> dict:
    """Upload, preview and apply over HTTP against gunicorn (gunicorn.conf.py, 2 workers, the
    production config), signed in through the login form with its CSRF token, as a browser
    does; the workers' peak RSS (VmHWM) is read before and after."""
    import html
    import re
    import secrets

    import requests
    from sqlalchemy import func, select

    from assets.extensions import db
    from assets.models import Asset
    from tests.support.gunicorn import GunicornServer, production_environment

    _register_ready(_app(database))
    environment = production_environment(
        f"sqlite:///{database}",
        secrets.token_hex(32),
        INSTANCE_PATH=str(directory),
        GUNICORN_WORKERS="2",
    )
    server = GunicornServer(environment, directory, "bench").start()
    try:
        http = requests.Session()

        def token(path: str) -> str:
            page = http.get(server.url + path, timeout=60).text
            return html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1])

        signed_in = http.post(
            server.url + "/login",
            data={
                "email": "office@bench.example",
                "password": "Benchmark1",
                "csrf_token": token("/login"),
            },
            allow_redirects=False,
            timeout=60,
        )
        assert signed_in.status_code == 302, signed_in.status_code
        workers = server.workers()
        before = {pid: _memory(pid) for pid in workers}
        started = time.perf_counter()
        uploaded = http.post(
            server.url + "/imports",
            data={"kind": "assets", "csrf_token": token("/imports")},
            files={"file": ("register.xlsx", data)},
            allow_redirects=False,
            timeout=600,
        )
        assert uploaded.status_code == 302, uploaded.text[:2000]
        preview = server.url + uploaded.headers["Location"].removeprefix(server.url)
        page = http.get(preview, timeout=600).text
        applied = http.post(preview + "/apply", data=_preview_form(page), timeout=600)
        assert applied.status_code == 200, applied.text[:2000]
        elapsed = time.perf_counter() - started
        assert server.workers() == workers, "a worker was restarted: " + server.errors()[-3000:]
        after = {pid: _memory(pid) for pid in workers}
        errors = server.errors()
    finally:
        server.stop()
    assert "Traceback" not in errors, errors[-3000:]
    with _app(database).app_context():
        count = db.session.scalar(select(func.count()).select_from(Asset))
        assert count == rows and "Imported: " in applied.text, count
        db.engine.dispose()
    busiest = max(workers, key=lambda pid: after[pid]["VmHWM"] - before[pid]["VmHWM"])
    return {
        "seconds": elapsed,
        "rows": count,
        "peak_mib": after[busiest]["VmHWM"] - before[busiest]["VmRSS"],
        "max_rss_mib": after[busiest]["VmHWM"],
        "workers": [{"before": before[pid], "after": after[pid]} for pid in workers],
    }


def run_child(name: str, rows: int, url: str | None = None) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.spreadsheets",
        "--measure",
        name,
        "--rows",
        str(rows),
    ]
    if url is not None:
        command += ["--database-url", url]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode:
        raise SystemExit(f"{name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


LABELS = {
    "read_openpyxl": "import baseline: bare openpyxl read-only parse",
    "import_one_pass": "our import, one pass (CLI --apply)",
    "import_web": "our import as the web runs it (stage, preview, apply)",
    "import_cli": "our import through the CLI, end to end (check, then --apply)",
    "import_pages": "our import through the web pages (upload, preview, apply)",
    "import_update": "our import, one pass, renaming every asset (SQLite)",
    "import_gunicorn": "web import through gunicorn, worker peak RSS (SQLite)",
    "write_xlsxwriter": "export baseline: bare XlsxWriter constant_memory",
    "fetch_rows": "our export's rows alone, from the database",
    "export_bare": "the same rows streamed into bare XlsxWriter",
    "export_ours": "our export from the database",
}


IMPORTS = (
    "import_one_pass",
    "import_web",
    "import_cli",
    "import_pages",
    "import_update",
    "import_gunicorn",
)
EXPORTS = ("write_xlsxwriter", "fetch_rows", "export_bare", "export_ours")


def _load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated measurements to run: " + ", ".join(LABELS))
    parser.add_argument(
        "--database-url",
        help="import into this (empty, disposable) PostgreSQL database instead of SQLite; "
        "its schema is dropped and made again before each run",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="import into a throwaway PostgreSQL cluster (tests/support/postgres.py)",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.rows, args.database_url)))
        return
    names = args.only.split(",") if args.only else list(LABELS)
    if args.database_url or args.postgres:
        names = [name for name in names if name in ("read_openpyxl", *IMPORTS[:4])]
    if args.postgres:
        from tests.support.postgres import PostgresCluster

        cluster = PostgresCluster().start()
        try:
            args.database_url = cluster.create_database("bench")
            _run(args, names)
        finally:
            cluster.stop()
    else:
        _run(args, names)


def _run(args: argparse.Namespace, names: list[str]) -> None:
    started = time.perf_counter()
    exporting = any(name in (*EXPORTS, "import_update") for name in names)
    made = run_child("prepare" if exporting else "prepare_file", args.rows)
    print(f"{args.rows:,} rows x {made['columns']} columns, {made['mib']:.1f} MiB")
    print(f"(file and seeded database ready in {time.perf_counter() - started:.1f} s)")
    print(f"load average before: {_load()} on {os.cpu_count()} CPUs")
    where = "PostgreSQL" if args.database_url else "SQLite"
    print(f"imports into {where}; best and median of {args.repeat} runs, each in its own process,")
    print("interleaved\n")
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(args.repeat):
        for name in names:
            url = args.database_url if name in IMPORTS else None
            runs[name].append(run_child(name, args.rows, url))
    width = max(len(LABELS[name]) for name in names)
    heads = f"{'best s':>7}  {'median s':>8}  {'peak MiB':>8}  {'max RSS MiB':>11}  {'rows/s':>9}"
    print(f"{'measurement':<{width}}  {heads}")
    best = {}
    for name in names:
        seconds = [run["seconds"] for run in runs[name]]
        best[name] = min(seconds)
        peak = max(run["peak_mib"] for run in runs[name])
        rss = max(run["max_rss_mib"] for run in runs[name])
        rate = f"  {args.rows / best[name]:>9,.0f}/s" if name in IMPORTS else ""
        print(
            f"{LABELS[name]:<{width}}  {min(seconds):7.2f}  {statistics.median(seconds):8.2f}"
            f"  {peak:8.1f}  {rss:11.1f}{rate}"
        )
    for run in runs.get("import_gunicorn", []):
        workers = ", ".join(
            f"VmRSS {w['before']['VmRSS']:.1f} -> {w['after']['VmRSS']:.1f}, "
            f"VmHWM {w['before']['VmHWM']:.1f} -> {w['after']['VmHWM']:.1f}"
            for w in run["workers"]
        )
        print(f"  gunicorn workers before -> after the import, MiB: {workers}")
    print(f"\nload average after: {_load()}")
    parse = best.get("read_openpyxl")
    if parse and "import_one_pass" in best and "import_web" in best:
        print(
            f"import one pass / bare parse: {best['import_one_pass'] / parse:.2f} x (aim < 0.3); "
            f"web flow / bare parse: {best['import_web'] / parse:.2f} x"
        )
    if "export_ours" in best and "write_xlsxwriter" in best:
        print(
            f"export / bare write: {best['export_ours'] / best['write_xlsxwriter']:.2f} x "
            "(aim <= 1.2)"
        )
    if "export_ours" in best and "export_bare" in best:
        print(
            f"export / the same rows streamed into bare XlsxWriter: "
            f"{best['export_ours'] / best['export_bare']:.2f} x (aim <= 1.2)"
        )
    print("peak MiB: the growth during the work; max RSS: the whole process (aim < 300 MB)")


if __name__ == "__main__":
    main()
