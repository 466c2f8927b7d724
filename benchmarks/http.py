"""The pages a school uses most, measured over HTTP from outside (issue 17), on SQLite and
PostgreSQL side by side, beside the app's lightest pages; and the import and export.

For each database (`--database sqlite|postgresql|both`) it migrates a fresh database with
`flask db upgrade` (so the trigram and FTS5 search structures are the ones a school gets),
seeds it with benchmarks/register.py's bulk inserts (100,000 assets, 3,000 people, 10,000
open loans by default) plus 2,000 loss/damage reports and a technician's login, runs VACUUM
(ANALYZE) as autovacuum would soon after (register.settle), then starts gunicorn with the
repository's gunicorn.conf.py, the production config and 2 workers (4 threads each) on a
free loopback port, logs in by POSTing the login form with its
CSRF token, and hands the session cookie to `wrk` (-H "Cookie: ..."). Each page is fetched
once first (it must answer 200, not a redirect to the login page nor an error page), warmed
up for a second, then measured:

* p50 and p99 at one connection: `wrk --latency -t1 -c1 -d SECONDS`;
* requests a second at 16 connections: `wrk -t2 -c16 -d SECONDS`.

The pages (README: what each row means): the anonymous login page (the baseline: a template,
no query), the scanner page /scan (the lightest signed-in page: the app has no bare route
behind login; it costs the login and session checks and a template), the asset page a
label's QR code opens (/a/TAG), the register's asset page (/assets/TAG), the asset list
searched for a serial fragment, a broad name (thousands of matches), two words that are not
side by side in any name, and a holder's surname; the loans, people and reports (incidents)
lists searched for a surname. Then, each end to end as a subprocess: `flask import assets
FILE --apply` of a 100,000-row x 15-column register into an empty migrated database, `flask
export assets FILE` of the seeded register, and the bare calamine parse of the same file
(benchmarks/xlsx_io.py's read_table); and the web flow's peak memory: the import as the pages
run it (stage, preview, apply: benchmarks/spreadsheets.py's import_web) measured in its own
process (its maximum RSS, ru_maxrss), not through gunicorn.

Queries per request (an SQLAlchemy before_cursor_execute listener) are counted in a separate
process running the app in-process with the production config, for every page; with
`--profile PATH` that process also runs pyinstrument over `--profile-requests` requests of
the asset page and writes PATH (HTML) and PATH with .txt (text).

Run from the repository root (wrk: `apt-get install wrk`, or `make system-packages`):

    .venv/bin/python -m benchmarks.http --database both
    .venv/bin/python -m benchmarks.http --database sqlite --assets 2000 --seconds 2
    .venv/bin/python -m benchmarks.http --database both --json out.json --profile prof.html

PostgreSQL runs in a throwaway cluster (tests/support/postgres.py: initdb and pg_ctl, as the
postgres user through runuser when run as root) on a free loopback port, removed at the end.
It prints figures only; nothing fails on speed.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder would come first on sys.path and this module would
# stand in for the standard library's http package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from urllib.parse import quote, urlencode  # noqa: E402

import requests  # noqa: E402

from tests.support.gunicorn import ROOT, GunicornServer, production_environment  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
FLASK = str(Path(sys.executable).with_name("flask"))
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BROKEN = "Something went wrong"
EMAIL = "bench@trust.example"
INCIDENTS = 2_000
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# key, label; the paths come from the seeded data (paths()).
PAGES = [
    ("login", "login page, anonymous (baseline: template, no query)"),
    ("scan", "scanner page /scan (lightest signed-in page)"),
    ("asset", "asset page by tag /a/TAG (what a scan opens)"),
    ("register_asset", "register's asset page /assets/TAG"),
    ("serial", "asset search: serial fragment"),
    ("broad", "asset search: broad name (thousands of matches)"),
    ("words", "asset search: two words apart"),
    ("holder", "asset search: holder's surname"),
    ("loans", "loans search: borrower's surname"),
    ("people", "people search: surname"),
    ("reports", "reports search: surname"),
]
IMPORTS = [
    ("parse", "bare calamine parse of the register (s)"),
    ("cli_import", "CLI import, end to end (s)"),
    ("cli_export", "CLI export of the seeded register, end to end (s)"),
    ("web_import_rss", "web import flow, peak RSS of its process (MiB)"),
]


# ---- seeding ---------------------------------------------------------------------------------


def migrate(url: str, secret_key: str) -> None:
    """`flask db upgrade`, as a school's database is made."""
    with tempfile.TemporaryDirectory() as instance:
        subprocess.run(
            [FLASK, "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=production_environment(url, secret_key, INSTANCE_PATH=instance),
            check=True,
            capture_output=True,
        )


def seed_database(url: str, args: argparse.Namespace) -> dict:
    """register.py's seed, the technician's login and reports about loaned assets; what the
    pages will ask for."""
    from sqlalchemy import insert, text

    from assets import create_app
    from assets.extensions import db
    from assets.models import Incident
    from assets.services.people import login_admin
    from benchmarks.register import PASSWORD, _fragment, seed, settle

    rng = random.Random(args.seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        data = seed(args.assets, args.people, args.loans, rng)
        user = login_admin.create_user(
            None,
            email=EMAIL,
            name="Bench Technician",
            role="technician",
            password=PASSWORD,
            must_change=False,
        )
        db.session.flush()
        loaned = db.session.execute(text("SELECT asset_id, person_id FROM loans")).all()
        now = datetime.now(UTC)
        reports = [
            {
                "asset_id": asset_id,
                "person_id": person_id,
                "reporter_id": user.id,
                "kind": rng.choice(("loss", "damage", "fault")),
                "status": "reported",
                "occurred_on": (now - timedelta(days=rng.randrange(300))).date(),
                "place": "",
                "unsecured": "no",
                "description": "Screen cracked when dropped in the corridor",
                "outcome_note": "",
                "reported_at": now,
                "updated_at": now,
                "notify_state": "sent",
                "notify_attempts": 1,
            }
            for asset_id, person_id in rng.sample(loaned, min(INCIDENTS, len(loaned)))
        ]
        if reports:
            db.session.execute(insert(Incident), reports)
        db.session.commit()
        settle(db.engine)
        db.engine.dispose()
    # A borrower's surname: with 75 surnames among 3,000 people, each names ~40 of them.
    surname = rng.choice(data["holders"]).split()[-1]
    return {
        "tag": rng.choice(data["loaned_tags"]),
        "serial": _fragment(rng.choice(data["serials"]), rng),
        "surname": surname,
        "password": PASSWORD,
    }


def paths(found: dict) -> dict[str, str]:
    def search(prefix: str, q: str) -> str:
        return f"{prefix}?{urlencode({'q': q})}"

    tag = quote(found["tag"], safe="")
    return {
        "login": "/login",
        "scan": "/scan",
        "asset": f"/a/{tag}",
        "register_asset": f"/assets/{tag}",
        "serial": search("/assets", found["serial"]),
        "broad": search("/assets", "Lenovo"),
        "words": search("/assets", "Dell laptop"),
        "holder": search("/assets", found["surname"]),
        "loans": search("/loans", found["surname"]),
        "people": search("/people/", found["surname"]),
        "reports": search("/incidents", found["surname"]),
    }


# ---- measuring over HTTP ---------------------------------------------------------------------


def log_in(base: str, password: str) -> str:
    """A signed-in session's Cookie header, from the login form and its CSRF token."""
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = html.unescape(CSRF_FIELD.search(page).group(1))
    answer = http.post(
        f"{base}/login",
        data={"email": EMAIL, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"logging in failed: HTTP {answer.status_code}")
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def check_page(base: str, path: str, cookie: str | None) -> int:
    """The page's size; it must answer 200 with no error page (wrk counts a redirect to the
    login page as a success)."""
    headers = {"Cookie": cookie} if cookie else {}
    answer = requests.get(base + path, headers=headers, allow_redirects=False, timeout=120)
    if answer.status_code != 200 or BROKEN in answer.text:
        raise RuntimeError(f"GET {path} answered {answer.status_code}; the run would be wrong")
    return len(answer.content)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(figure: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", figure).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, cookie: str | None, connections: int, seconds: float) -> dict:
    """One wrk run: p50 and p99 in ms, requests a second, and errors (non-2xx/3xx, socket)."""
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed: apt-get install wrk (or make system-packages)")
    threads = 1 if connections == 1 else 2
    command = [WRK, "--latency", "--timeout", "60s", f"-t{threads}", f"-c{connections}"]
    command.append(f"-d{seconds:g}s")
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 120
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if len(latency) != 2 or not rate:
        raise RuntimeError(f"wrk's output was not understood:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: (.*)", output)
    return {
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "rps": float(rate.group(1)),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0),
        "socket_errors": sockets.group(1) if sockets else "",
    }


# A throughput run keeps wrk's 16 connections open from start to end; gunicorn's workers race
# to accept them, and now and then one worker takes all 16: the run then measures one process
# (one core, its threads sharing one interpreter lock), not the page. Seen on the PostgreSQL
# asset page: 550 requests a second with the work shared, 260 with one worker doing 99 % of
# it. Such a run is made again, and said so.
ONE_WORKER_SHARE = 0.9
THROUGHPUT_TRIES = 4


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def throughput(server: GunicornServer, url: str, cookie: str | None, seconds: float) -> dict:
    """wrk at 16 connections, with the work spread over the workers (see ONE_WORKER_SHARE):
    its figures, how many runs were made again and the busiest worker's share of the CPU."""
    workers = server.workers()
    made_again = 0
    while True:
        before = [_cpu_seconds(pid) for pid in workers]
        run = wrk(url, cookie, 16, seconds)
        used = [_cpu_seconds(pid) - start for pid, start in zip(workers, before, strict=True)]
        share = max(used) / sum(used) if sum(used) else 1.0
        if share < ONE_WORKER_SHARE or made_again == THROUGHPUT_TRIES - 1:
            return run | {"made_again": made_again, "busiest_share": share}
        print(f"    (one worker took {share:.0%} of the work: run again)", flush=True)
        made_again += 1


def measure_pages(server: GunicornServer, cookie: str, urls: dict[str, str], args) -> dict:
    base = server.url
    figures = {}
    for key, _label in PAGES:
        if args.only and key not in args.only:
            continue
        session = None if key == "login" else cookie
        try:
            size = check_page(base, urls[key], session)
            if args.warmup:
                wrk(base + urls[key], session, 1, args.warmup)
            one = wrk(base + urls[key], session, 1, args.seconds)
            many = throughput(server, base + urls[key], session, args.seconds)
        except (RuntimeError, subprocess.SubprocessError) as error:
            # Said in the table and the summary; the other pages are still measured.
            figures[key] = {"path": urls[key], "failed": str(error)[-3000:]}
            print(f"  {key:<15} FAILED: {error}", flush=True)
            continue
        figures[key] = {
            "path": urls[key],
            "bytes": size,
            "p50_ms": one["p50_ms"],
            "p99_ms": one["p99_ms"],
            "rps_1": one["rps"],
            "rps_16": many["rps"],
            "rps_16_made_again": many["made_again"],
            "busiest_worker_share": round(many["busiest_share"], 2),
            "errors": one["errors"] + many["errors"],
            "socket_errors": " / ".join(
                filter(None, (one["socket_errors"], many["socket_errors"]))
            ),
        }
        print(f"  {key:<15} {json.dumps(figures[key])}", flush=True)
    return figures


# ---- import and export -----------------------------------------------------------------------


def _child(module: str, name: str, rows: int, url: str | None = None) -> dict:
    command = [sys.executable, "-m", module, "--measure", name, "--rows", str(rows)]
    if url:
        command += ["--database-url", url]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{module} {name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _timed_flask(env: dict, *command: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [FLASK, "--app", "wsgi", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return elapsed


def measure_files(seeded_url: str, empty_url, args, secret_key: str, workdir: Path) -> dict:
    """`empty_url(name)`: a new empty database of the same kind."""
    from benchmarks import xlsx_io

    rows = args.import_rows or args.assets
    _child("benchmarks.spreadsheets", "prepare_file", rows)
    register = xlsx_io.register_path(rows)
    figures = {"rows": rows, "parse": _child("benchmarks.xlsx_io", "read_table", rows)["seconds"]}
    into = empty_url("imports")
    migrate(into, secret_key)
    env = production_environment(into, secret_key, INSTANCE_PATH=str(workdir))
    figures["cli_import"] = _timed_flask(
        env, "import", "assets", str(register), "--apply", "--create-categories",
        "--create-locations",
    )  # fmt: skip
    env = production_environment(seeded_url, secret_key, INSTANCE_PATH=str(workdir))
    figures["cli_export"] = _timed_flask(env, "export", "assets", str(workdir / "export.xlsx"))
    web = _child("benchmarks.spreadsheets", "import_web", rows, empty_url("web_import"))
    figures["web_import_rss"] = web["max_rss_mib"]
    figures["web_import_s"] = web["seconds"]
    print(f"  files: {json.dumps(figures)}", flush=True)
    return figures


# ---- queries per request and the profile (a child process with the production config) -------


def count_queries(url: str, found: dict, secret_key: str, profile: str | None, n: int) -> dict:
    spec = {"paths": paths(found), "password": found["password"], "profile": profile, "n": n}
    with tempfile.TemporaryDirectory() as instance:
        env = production_environment(url, secret_key, INSTANCE_PATH=instance)
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.http", "--in-process", json.dumps(spec)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode:
        raise RuntimeError(f"counting queries failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def in_process(spec: dict) -> dict:
    """Statements each page runs (after one warm-up request), and the profile if asked for."""
    from sqlalchemy import event

    from assets import create_app
    from assets.extensions import db

    app = create_app("production")
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    anonymous, client = app.test_client(), app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = html.unescape(CSRF_FIELD.search(page).group(1))
    signed_in = client.post(
        "/login", data={"email": EMAIL, "password": spec["password"], "csrf_token": token}
    )
    assert signed_in.status_code == 302, signed_in.status_code
    counts = {}
    for key, path in spec["paths"].items():
        browser = anonymous if key == "login" else client
        browser.get(path)
        statements.clear()
        answer = browser.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        counts[key] = len(statements)
    if spec["profile"]:
        from pyinstrument import Profiler

        asset = spec["paths"]["asset"]
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(spec["n"]):
            client.get(asset)
        profiler.stop()
        target = Path(spec["profile"])
        target.write_text(profiler.output_html())
        target.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
    return counts


# ---- one database ----------------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace) -> dict:
    secret_key = secrets.token_hex(32)
    workdir = Path(tempfile.mkdtemp(prefix=f"http-bench-{kind}-"))
    cluster = server = None
    try:
        if kind == "postgresql":
            cluster = PostgresCluster().start()
            empty_url = cluster.create_database
        else:
            empty_url = lambda name: f"sqlite:///{workdir}/{name}.sqlite"  # noqa: E731
        url = empty_url("bench")
        started = time.perf_counter()
        migrate(url, secret_key)
        found = seed_database(url, args)
        seeded = time.perf_counter() - started
        print(f"{DATABASES[kind]}: migrated and seeded {args.assets:,} assets in {seeded:.1f} s")
        profile = args.profile
        if profile and args.database == "both":
            profile = str(Path(profile).with_stem(f"{Path(profile).stem}-{kind}"))
        if profile:
            profile = str(Path(profile).resolve())
        queries = count_queries(url, found, secret_key, profile, args.profile_requests)
        print(f"  queries per request: {json.dumps(queries)}", flush=True)
        environment = production_environment(
            url, secret_key, INSTANCE_PATH=str(workdir), GUNICORN_WORKERS="2"
        )
        server = GunicornServer(environment, workdir, "bench").start()
        cookie = log_in(server.url, found["password"])
        pages = measure_pages(server, cookie, paths(found), args)
        errors = [line for line in server.errors().splitlines() if "Traceback" in line]
        server.stop()
        files = None if args.no_files else measure_files(url, empty_url, args, secret_key, workdir)
        return {
            "seeded_s": seeded,
            "pages": pages,
            "queries": queries,
            "files": files,
            "server_errors": len(errors),
        }
    finally:
        if server:
            server.stop()
        if cluster:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# ---- the table -------------------------------------------------------------------------------


def table(results: dict) -> str:
    kinds = list(results)
    head = ["measurement"]
    for kind in kinds:
        name = DATABASES[kind]
        head += [f"{name} p50 ms (x base)", "p99 ms", "req/s at 16 (1/x base)", "SQL"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for key, label in PAGES:
        cells = [label]
        for kind in kinds:
            page = results[kind]["pages"].get(key)
            base = results[kind]["pages"].get("login")
            base = None if base is None or "failed" in base else base
            queries = results[kind]["queries"].get(key, "")
            if page is None or "failed" in page:
                mark = "failed" if page else "-"
                cells += [mark, mark, mark, str(queries)]
                continue
            ratio = f" ({page['p50_ms'] / base['p50_ms']:.1f} x)" if base else ""
            share = f" (1/{base['rps_16'] / page['rps_16']:.1f})" if base else ""
            cells += [
                f"{page['p50_ms']:.2f}{ratio}",
                f"{page['p99_ms']:.2f}",
                f"{page['rps_16']:,.0f}{share}",
                str(queries),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    if all(results[kind]["files"] for kind in kinds):
        rows = results[kinds[0]]["files"]["rows"]
        for key, label in IMPORTS:
            cells = [f"{label.replace('the register', f'{rows:,} rows x 15 columns')}"]
            for kind in kinds:
                cells += [f"{results[kind]['files'][key]:,.2f}", "", "", ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=3_000)
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5, help="each wrk run")
    parser.add_argument("--warmup", type=float, default=1, help="untimed wrk run first; 0: none")
    parser.add_argument("--only", type=lambda s: s.split(","), help="page keys to measure")
    parser.add_argument("--import-rows", type=int, help="rows of the imported register")
    parser.add_argument("--no-files", action="store_true", help="skip the import and export")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile", help="pyinstrument profile of the asset page to this .html")
    parser.add_argument("--profile-requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20_260_401, help="random seed")
    parser.add_argument("--in-process", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.in_process:
        print(json.dumps(in_process(json.loads(args.in_process))))
        return {}
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    load_before = os.getloadavg()
    results = {kind: run_database(kind, args) for kind in kinds}
    summary = {
        "assets": args.assets,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "results": results,
    }
    print(f"\n{args.assets:,} assets; wrk {args.seconds:g} s a run; gunicorn 2 workers x 4 threads")
    print(f"load average before {load_before[0]:.2f}, after {summary['load_after'][0]:.2f} "
          f"on {os.cpu_count()} CPUs (shared machine: other work skews the figures)\n")  # fmt: skip
    print(table(results))
    for kind, result in results.items():
        wrong = {k: p.get("errors", "failed") for k, p in result["pages"].items()}
        wrong = {k: errors for k, errors in wrong.items() if errors}
        if wrong or result["server_errors"]:
            print(f"{DATABASES[kind]}: non-2xx answers {wrong}, {result['server_errors']} errors")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
