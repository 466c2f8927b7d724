"""Every search of the asset list, the loans, the reports and the people, timed in-process at
the service level at trust scale (100,000 devices, 3,000 people, 20,000 loans).

Each search runs as its page runs it (the asset list: register.list_total then a page of
register.asset_select; the loans, reports and people: db.paginate of their service's select,
which counts then reads the page), 50 times; it prints the median and p90 in milliseconds, the
median CPU time of the process (on a shared machine, a steadier figure for SQLite), and how
many rows match. With --explain it prints the plan of each page's statements
(EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).

Run from the project root:

    .venv/bin/python -m benchmarks.searches --database-url sqlite:////tmp/searches.sqlite
    .venv/bin/python -m benchmarks.searches --database-url postgresql+psycopg://...:5432/bench

A database with no assets is seeded first (benchmarks.register.seed: 10,000 open loans, plus
10,000 returned loans and 1,000 reports here) and kept, so a second run measures at once.
Without --database-url a temporary SQLite file is seeded and removed at the end.
"""

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from assets import create_app
from assets.extensions import db
from assets.models import Asset, Incident, Loan, Person
from assets.services.incidents import incident_lists
from assets.services.loans import loan_lists
from assets.services.people import login_admin, people
from assets.services.register import register
from benchmarks.register import seed

RUNS = 50


def seed_all(rng: random.Random) -> None:
    seed(100_000, 3_000, 10_000, rng)
    now = datetime.now(UTC)
    asset_ids = list(db.session.scalars(select(Asset.id)))
    person_ids = list(db.session.scalars(select(Person.id)))
    history = []
    for _ in range(10_000):
        out_at = now - timedelta(days=rng.randrange(30, 1500))
        history.append(
            {
                "asset_id": rng.choice(asset_ids),
                "person_id": rng.choice(person_ids),
                "out_at": out_at,
                "due_on": None,
                "returned_at": out_at + timedelta(days=rng.randrange(1, 25)),
                "return_condition": "full_working",
                "return_note": "",
            }
        )
    db.session.execute(insert(Loan), history)
    reporter = login_admin.create_user(
        None,
        email="bench@trust.example",
        name="Bench Technician",
        role="technician",
        password="Benchmark1",
        must_change=False,
    )
    db.session.flush()
    reports = []
    for _ in range(1_000):
        reported = now - timedelta(days=rng.randrange(1, 700))
        reports.append(
            {
                "asset_id": rng.choice(asset_ids),
                "person_id": rng.choice(person_ids),
                "reporter_id": reporter.id,
                "kind": rng.choice(("loss", "damage", "fault")),
                "status": "reported",
                "occurred_on": reported.date(),
                "place": "",
                "unsecured": "no",
                "description": "Screen cracked",
                "outcome_note": "",
                "reported_at": reported,
                "updated_at": reported,
                "notify_state": "sent",
                "notify_attempts": 1,
            }
        )
    db.session.execute(insert(Incident), reports)
    db.session.commit()
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def asset_list(q: str, page: int = 1) -> Callable[[], int]:
    """What the asset list's view runs: the capped count, then the page."""
    per_page, cap = 25, 1_000

    def run() -> int:
        filters = register.AssetFilter(q=q)
        total = register.list_total(filters, cap, per_page * page)
        rows = db.paginate(
            register.asset_select(filters, many=total is None),
            page=page,
            per_page=per_page,
            count=False,
        ).items
        return total if total is not None else -len(rows)

    return run


def paged(make_select: Callable[[], object], per_page: int) -> Callable[[], int]:
    """What a list page using listing.paginate runs: a count of every match, then the page."""

    def run() -> int:
        page = db.paginate(make_select(), page=1, per_page=per_page, count=True)
        return page.total

    return run


def searches(serial: str, surname: str, today: date) -> list[tuple[str, Callable[[], int]]]:
    def loans(q: str, view: str = "open"):
        """What the loans page's view runs: the count (capped for a search), then the page."""
        filters = loan_lists.LoanFilter(view=view, q=q)
        if not hasattr(loan_lists, "search_total"):  # the code before the count was capped
            return paged(lambda: loan_lists.loan_select(filters, today), 50)

        def run() -> int:
            total = loan_lists.search_total(filters, 50, today)
            select_ = loan_lists.loan_select(filters, today, many=total is None)
            rows = db.paginate(select_, page=1, per_page=50, count=False).items
            return total if total is not None else -len(rows)

        return run

    def reports(q: str):
        filters = incident_lists.IncidentFilter(state="all", q=q)
        return paged(lambda: incident_lists.incident_select(None, filters), 25)

    def staff(q: str):
        return paged(lambda: people.people_select(q), 50)

    return [
        ("assets: (no search)", asset_list("")),
        (f"assets: serial fragment {serial!r}", asset_list(serial)),
        ("assets: broad 'lenovo'", asset_list("lenovo")),
        ("assets: broad 'Lenovo ThinkPad'", asset_list("Lenovo ThinkPad")),
        ("assets: two broad words 'Lenovo Tablet'", asset_list("Lenovo Tablet")),
        ("assets: words out of order 'laptop lenovo'", asset_list("laptop lenovo")),
        ("assets: broad 'dell', page 41", asset_list("dell", 41)),
        (f"assets: holder surname {surname!r}", asset_list(surname)),
        ("assets: one letter 'e'", asset_list("e")),
        ("assets: two letters 'ip'", asset_list("ip")),
        ("assets: '%'", asset_list("%")),
        (f"loans open: holder {surname!r}", loans(surname)),
        ("loans open: broad 'lenovo'", loans("lenovo")),
        (f"loans open: serial {serial!r}", loans(serial)),
        (f"loans history: holder {surname!r}", loans(surname, "history")),
        ("loans history: broad 'dell'", loans("dell", "history")),
        ("loans open: one letter 'a'", loans("a")),
        (f"reports: holder {surname!r}", reports(surname)),
        ("reports: broad 'lenovo'", reports("lenovo")),
        (f"people: surname {surname!r}", staff(surname)),
        ("people: one letter 'a'", staff("a")),
        ("people: email fragment 'trust.ex'", staff("trust.ex")),
    ]


def explain(dialect: str, run: Callable[[], int]) -> None:
    """Print the plan of every statement `run` sends."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    connection = db.session.connection().connection.driver_connection
    for statement, parameters in statements:
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
        print("   ", " ".join(statement.split())[:300])
        cursor = connection.cursor()
        cursor.execute(prefix + statement, parameters)
        for row in cursor.fetchall():
            line = " | ".join(str(v) for v in row[-1:]) if dialect == "sqlite" else row[0]
            print("      ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    parser.add_argument("--only", default="", help="run only searches whose label has this")
    args = parser.parse_args()
    tmpdir = None
    url = args.database_url
    if not url:
        tmpdir = tempfile.mkdtemp(prefix="searches-bench-")
        url = f"sqlite:///{tmpdir}/bench.sqlite"
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            dialect = db.engine.dialect.name
            db.create_all()
            if not db.session.scalar(select(func.count()).select_from(Asset)):
                started = time.perf_counter()
                seed_all(random.Random(20_260_401))
                print(f"seeded in {time.perf_counter() - started:.0f} s")
            serial = db.session.scalar(select(Asset.serial_number).where(Asset.id == 4242))[3:8]
            surname = "Patel"
            today = datetime.now(UTC).date()
            print(
                f"{dialect}: median and p90 of {RUNS} runs, and the median CPU time of this"
                " process (all of SQLite's work; PostgreSQL's server is not in it), in ms"
            )
            for label, run in searches(serial, surname, today):
                if args.only not in label:
                    continue
                found = run()
                timings, cpu = [], []
                for _ in range(RUNS):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    run()
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    db.session.rollback()
                p90 = sorted(timings)[int(0.9 * RUNS)]
                shown = f"{found:,}" if found >= 0 else f"1,000+ ({-found} on the page)"
                print(
                    f"{label:<46} {statistics.median(timings):8.2f} {p90:8.2f}"
                    f" {statistics.median(cpu):8.2f}  {shown}"
                )
                if args.explain:
                    explain(dialect, run)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
