"""Response times of the asset register at trust scale (100,000 devices).

Seeds a fresh database with bulk inserts (a few categories and locations, 3,000 people,
100,000 assets with tags like TRUST-000001, 10,000 open loans), runs ANALYZE, logs in as a
technician and measures through the Flask test client, N requests each, the median and
99th-percentile time of:

* the asset page by tag (what a scan opens), on loan and not,
* the list page (first page and ?page=50),
* a search for a 4-6 character fragment of a serial number, and of a name (which matches
  thousands: the list counts only up to ASSETS_COUNT_CAP), and page 41 of the name search,
  rows 1,001-1,025, past that cap,
* the loans page (every open loan, and a borrower search) and the .xlsx export of every open loan,
* a bare Flask route rendering a standalone template of similar size without the database,

then, for comparison, the raw SQL time of a plain LIKE '%frag%' over tag, serial, name, make
and model, of the trigram query the app uses (FTS5 on SQLite, pg_trgm on PostgreSQL), and of
the list page's count query, both counting every match and capped as the page counts it. Aims:
asset page within 3 x the bare route; search under 10 ms at the median. It prints figures only;
nothing fails on speed.

Run from the project root:

    .venv/bin/python benchmarks/register.py
    .venv/bin/python benchmarks/register.py --assets 100000 --people 3000 --loans 10000 \\
        --requests 200 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Without --database-url it uses a fresh SQLite file in a temporary directory, removed at the
end. A --database-url must point at an empty database; the script creates the schema in it.
"""

import argparse
import random
import shutil
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from flask import render_template
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assets import create_app
from assets.extensions import db
from assets.models import Asset, Category, Loan, Location, Person, sort_key
from assets.models.base import tag_key
from assets.services.people import login_admin
from assets.services.register import register

PASSWORD = "Benchmark1"
BATCH = 5_000


def settle(engine) -> None:
    """The database as a school's is soon after a large import: statistics gathered and, on
    PostgreSQL, vacuumed (autovacuum does so after that many inserts). Vacuuming merges the
    trigram indexes' pending entries (GIN's fast update keeps new entries in a list every
    search reads through, until a vacuum) and sets the visibility map: straight after a bulk
    load, a rare serial's search took 11 ms over HTTP against 6.7 ms once vacuumed."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("VACUUM (ANALYZE)"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()


def _words(text_: str) -> list[str]:
    return text_.split()


# Each: manufacturer, model, name, category.
DEVICES = [
    ("Dell", "Latitude 5440", "Dell Latitude 5440 laptop", "Laptop"),
    ("Dell", "OptiPlex 7010", "Dell OptiPlex 7010 desktop", "Desktop"),
    ("Lenovo", "ThinkPad E14", "Lenovo ThinkPad E14 laptop", "Laptop"),
    ("Lenovo", "ThinkCentre M70q", "Lenovo ThinkCentre M70q desktop", "Desktop"),
    ("HP", "ProBook 450 G10", "HP ProBook 450 laptop", "Laptop"),
    ("HP", "EliteDesk 800 G9", "HP EliteDesk 800 desktop", "Desktop"),
    ("Apple", "iPad 10th generation", "Apple iPad 10.9in", "Tablet"),
    ("Apple", "MacBook Air M2", "Apple MacBook Air 13in", "Laptop"),
    ("Samsung", "Galaxy Tab A9", "Samsung Galaxy Tab A9", "Tablet"),
    ("Google", "Chromebook 14", "Acer Chromebook 314", "Laptop"),
    ("Canon", "EOS 250D", "Canon EOS 250D camera", "Camera"),
    ("Epson", "EB-E20", "Epson EB-E20 projector", "Projector"),
    ("BenQ", "MW560", "BenQ MW560 projector", "Projector"),
    ("Logitech", "C920", "Logitech C920 webcam", "Peripheral"),
    ("Bee-Bot", "Programmable floor robot", "Bee-Bot floor robot", "Classroom kit"),
]
CATEGORIES = {
    "Laptop": ("laptop", "allocation", None),
    "Desktop": ("equipment", "allocation", None),
    "Tablet": ("equipment", "short", 14),
    "Camera": ("equipment", "short", 7),
    "Projector": ("equipment", "short", 7),
    "Peripheral": ("equipment", "short", 28),
    "Classroom kit": ("equipment", "short", 7),
}
FIRST = _words(
    "Amelia Olivia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Evie Poppy Ella "
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Finley Priya Aisha Zara Kwame Tomasz Agnieszka Siobhan Declan Rhys Carys"
)
LAST = _words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan "
    "Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell "
    "Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell"
)
SCHOOLS = _words(
    "Ashbrook Beechwood Castlefield Dunmore Elmhurst Fairfield Greenacre Hollybank Ivydale "
    "Juniper Kingsmead Larkrise Meadowside Northgate Oakfield Parkview Queensway Riverside "
    "Southfields Thornhill Upton Valley Westbrook Yewtree"
)
STATUS_MIX = ("available", "in_repair", "lost", "retired")
STATUS_WEIGHTS = (90, 4, 1, 5)
ROOMS = ("IT store", "Office", "Library", "Hall", "Classroom 1", "Classroom 2", "Classroom 3")

PLAIN_LIKE = (
    "SELECT id FROM assets WHERE tag LIKE :p OR serial_number LIKE :p OR name LIKE :p"
    " OR manufacturer LIKE :p OR model LIKE :p"
)
# Standalone (no base.html: it uses current_user), about the size of the asset page's output.
BARE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} - Asset register</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/css/app.css"></head>
<body><nav class="navbar"><a class="navbar-brand" href="/">Asset register</a>
<ul class="nav">{% for link in links %}<li class="nav-item"><a class="nav-link"
 href="/{{ link|lower }}">{{ link }}</a></li>{% endfor %}</ul></nav>
<main class="container"><h1>{{ title }}</h1>
<dl class="row">{% for key, value in facts %}<dt class="col-sm-3">{{ key }}</dt>
<dd class="col-sm-9">{{ value }}</dd>{% endfor %}</dl>
<table class="table"><thead><tr><th>When</th><th>Who</th><th>What</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.when }}</td><td>{{ row.who }}</td><td>{{ row.what }}</td>
</tr>{% endfor %}</tbody></table></main></body></html>"""
BARE_CONTEXT = {
    "title": "TRUST-000042 Dell Latitude 5440 laptop",
    "links": ["Assets", "Loans", "People", "Categories", "Locations", "Reports", "Users"],
    "facts": [
        ("Tag", "TRUST-000042"),
        ("Serial number", "7KX2M9QZ4T"),
        ("Manufacturer", "Dell"),
        ("Model", "Latitude 5440"),
        ("Category", "Laptop"),
        ("Location", "Ashbrook IT store"),
        ("Status", "On loan"),
        ("Condition", "Good"),
        ("Purchased", "01/09/2024 for £649.00"),
        ("Warranty until", "31/08/2027"),
    ],
    "rows": [
        {"when": "12/03/2025 09:14", "who": "A. Technician", "what": f"Event number {n}"}
        for n in range(12)
    ],
}


# ---- seeding ---------------------------------------------------------------------------------


def _batches(rows: list[dict], size: int = BATCH) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _bulk(model, rows: list[dict]) -> None:
    for batch in _batches(rows):
        db.session.execute(insert(model), batch)


def _serial(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_uppercase + string.digits, k=rng.choice((10, 11, 12))))


def seed(n_assets: int, n_people: int, n_loans: int, rng: random.Random) -> dict:
    """Bulk-insert the register; returns the tags, serials and names to ask for."""
    now = datetime.now(UTC)
    _bulk(
        Category,
        [
            {
                "name": name,
                "terms_kind": terms,
                "loan_kind": kind,
                "default_loan_days": days,
                # Policy 10.2: laptops and tablets are mobile devices (laptop terms must be).
                "mobile_device": name in ("Laptop", "Tablet"),
            }
            for name, (terms, kind, days) in CATEGORIES.items()
        ],
    )
    _bulk(
        Location,
        [{"name": f"{school} {room}", "notes": ""} for school in SCHOOLS for room in ROOMS],
    )
    category_ids = dict(db.session.execute(select(Category.name, Category.id)).all())
    location_ids = list(db.session.scalars(select(Location.id)))

    people = []
    for n in range(1, n_people + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append(
            {
                "name": f"{first} {last}",
                "sort_key": sort_key(f"{first} {last}"),
                "email": f"{first}.{last}.{n}@trust.example".lower(),
                "staff_number": f"S{n:06d}",
                "job_title": rng.choice(("Teacher", "Teaching assistant", "Office", "Head")),
                "contract_end_date": None,
                "active": True,
                "notes": "",
                "created_at": now,
            }
        )
    _bulk(Person, people)
    person_ids = list(db.session.scalars(select(Person.id)))

    on_loan = set(rng.sample(range(n_assets), min(n_loans, n_assets)))
    assets = []
    for n in range(n_assets):
        make, model, name, category = rng.choice(DEVICES)
        status = "on_loan" if n in on_loan else rng.choices(STATUS_MIX, STATUS_WEIGHTS)[0]
        bought = date(2018, 1, 1) + timedelta(days=rng.randrange(2500))
        tag = f"TRUST-{n + 1:06d}"
        assets.append(
            {
                "tag": tag,
                "tag_key": tag_key(tag),
                "name": name,
                "manufacturer": make,
                "model": model,
                "serial_number": _serial(rng),
                "category_id": category_ids[category],
                "location_id": rng.choice(location_ids),
                "status": status,
                "condition": rng.choice(("new", "good", "good", "good", "fair")),
                "purchase_date": bought,
                "purchase_cost": Decimal(rng.randrange(4000, 120000)) / 100,
                "supplier": rng.choice(("XMA", "Softcat", "CDW", "Misco", None)),
                "warranty_end": bought + timedelta(days=3 * 365),
                "encrypted": category in ("Laptop", "Tablet"),
                "software_image": "Trust Win11 2024" if category == "Laptop" else None,
                "last_network_at": None,
                "notes": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    _bulk(Asset, assets)
    ids_by_tag = dict(db.session.execute(select(Asset.tag, Asset.id)).all())

    loans = []
    for n in sorted(on_loan):
        out_at = now - timedelta(days=rng.randrange(1, 700), minutes=rng.randrange(1440))
        loans.append(
            {
                "asset_id": ids_by_tag[assets[n]["tag"]],
                "person_id": rng.choice(person_ids),
                "out_at": out_at,
                "out_by_id": None,
                "due_on": (out_at + timedelta(days=14)).date() if rng.random() < 0.5 else None,
                "returned_at": None,
                "returned_to_id": None,
                "return_condition": None,
                "return_note": "",
            }
        )
    _bulk(Loan, loans)
    db.session.commit()
    return {
        "tags": [row["tag"] for row in assets],
        "loaned_tags": [assets[n]["tag"] for n in sorted(on_loan)],
        "serials": [row["serial_number"] for row in assets],
        "names": sorted({row["name"] for row in assets}),
        "holders": [row["name"] for row in people],
    }


# ---- measuring -------------------------------------------------------------------------------


def _fragment(value: str, rng: random.Random, middle: bool = True) -> str:
    size = rng.randint(4, 6)
    value = value.replace(" ", "") if middle else value
    start = rng.randint(1 if middle else 0, max(0, len(value) - size - (1 if middle else 0)))
    return value[start : start + size]


def time_calls(call: Callable[[], object], n: int) -> list[float]:
    """Milliseconds of each of n calls."""
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def time_gets(client, paths: list[str], warmup: int = 5) -> tuple[list[float], int]:
    """Milliseconds of each GET, after a few untimed ones; and the size of the last page."""
    size = 0
    for path in paths[:warmup]:
        client.get(path)
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        size = len(response.data)
    return timings, size


def p99(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def time_sql(sql: str, params: list[dict]) -> tuple[list[float], str]:
    """Milliseconds of each run of `sql`, and the median number of rows it returned."""
    connection = db.session.connection()
    statement = text(sql)
    connection.execute(statement, params[0]).fetchall()
    timings, counts = [], []
    for values in params:
        started = time.perf_counter()
        rows = connection.execute(statement, values).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
        counts.append(len(rows))
    return timings, f"~{statistics.median(counts):,.0f} rows"


# ---- the run ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=3_000)
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--seed", type=int, default=20_260_401, help="random seed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    tmpdir = None
    url = args.database_url
    if not url:
        tmpdir = tempfile.mkdtemp(prefix="register-bench-")
        url = f"sqlite:///{tmpdir}/bench.sqlite"
    try:
        run(args, url, rng)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def run(args: argparse.Namespace, url: str, rng: random.Random) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    # Compiled once, as Flask caches a file template; rendered through render_template so
    # context processors and signals run as for a real page.
    bare_template = app.jinja_env.from_string(BARE_TEMPLATE)
    app.add_url_rule(
        "/bench-bare", "bench_bare", lambda: render_template(bare_template, **BARE_CONTEXT)
    )
    n = args.requests

    with app.app_context():
        dialect = db.engine.dialect.name
        db.create_all()
        if db.session.scalar(select(func.count()).select_from(Asset)):
            raise SystemExit("The database already holds assets; give an empty one.")
        started = time.perf_counter()
        data = seed(args.assets, args.people, args.loans, rng)
        login_admin.create_user(
            None,
            email="bench@trust.example",
            name="Bench Technician",
            role="technician",
            password=PASSWORD,
            must_change=False,
        )
        db.session.commit()
        seeded = time.perf_counter() - started
        settle(db.engine)
        print(
            f"{dialect}: seeded {args.assets:,} assets, {args.people:,} people, "
            f"{args.loans:,} open loans in {seeded:.1f} s (+ VACUUM ANALYZE)"
        )

    serial_frags = [_fragment(rng.choice(data["serials"]), rng) for _ in range(n)]
    name_frags = [_fragment(rng.choice(data["names"]), rng, middle=False).strip() for _ in range(n)]
    name_frags = [frag if len(frag) >= 3 else "dell" for frag in name_frags]
    holder_frags = [rng.choice(data["holders"]).split()[-1][:5] for _ in range(n)]
    # Half the scanned tags on loan (those pages show the holder), half at random.
    tags = [rng.choice(data["loaned_tags"] if i % 2 else data["tags"]) for i in range(n)]

    # Outside any app context, so every request gets its own session, as in production.
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@trust.example", "password": PASSWORD})
    if response.status_code != 302 or client.get("/assets").status_code != 200:
        raise RuntimeError("logging in as the benchmark technician failed")

    results: list[tuple[str, list[float], str]] = []

    def page(label: str, paths: list[str]) -> None:
        timings, size = time_gets(client, paths)
        results.append((label, timings, f"{size / 1024:.0f} KiB"))

    page("bare route, template, no database", ["/bench-bare"] * n)
    page("asset page /assets/<tag>", [f"/assets/{tag}" for tag in tags])
    page("list page /assets", ["/assets"] * n)
    page("list page /assets?page=50", ["/assets?page=50"] * n)
    page("search: serial fragment", ["/assets?" + urlencode({"q": frag}) for frag in serial_frags])
    page("search: name fragment", ["/assets?" + urlencode({"q": frag}) for frag in name_frags])
    page(
        "search: name fragment, page 41",
        ["/assets?" + urlencode({"q": frag, "page": 41}) for frag in name_frags],
    )
    page("search: holder surname", ["/assets?" + urlencode({"q": frag}) for frag in holder_frags])
    page("loans page /loans (all open)", ["/loans"] * n)
    page("loans page, borrower search", ["/loans?" + urlencode({"q": f}) for f in holder_frags])
    exports = min(n, 5)
    timings, size = time_gets(client, ["/export/loans.xlsx"] * exports, warmup=1)
    results.append((f"export of every open loan (.xlsx, {args.loans:,} rows)", timings,
                    f"{size / 1024:.0f} KiB"))  # fmt: skip

    with app.app_context():
        # A plain LIKE: case-blind for ASCII on SQLite; PostgreSQL needs ILIKE for the same.
        op = "LIKE" if dialect == "sqlite" else "ILIKE"
        like = PLAIN_LIKE.replace(" LIKE ", f" {op} ")
        serial_params = [{"p": f"%{frag}%"} for frag in serial_frags]
        name_params = [{"p": f"%{frag}%"} for frag in name_frags]
        results.append((f"SQL: {op} over 5 columns, serial frag", *time_sql(like, serial_params)))
        results.append((f"SQL: {op} over 5 columns, name frag", *time_sql(like, name_params)))
        if dialect == "sqlite":
            fts = "SELECT rowid FROM asset_search WHERE asset_search MATCH :p"
            label = "SQL: FTS5 trigram MATCH"
            serial_params = [{"p": f'"{frag.lower()}"'} for frag in serial_frags]
            name_params = [{"p": f'"{frag.lower()}"'} for frag in name_frags]
        else:
            fts = "SELECT id FROM assets WHERE search_text LIKE :p"
            label = "SQL: pg_trgm search_text LIKE"
            serial_params = [{"p": f"%{frag.lower()}%"} for frag in serial_frags]
            name_params = [{"p": f"%{frag.lower()}%"} for frag in name_frags]
        results.append((f"{label}, serial frag", *time_sql(fts, serial_params)))
        results.append((f"{label}, name frag", *time_sql(fts, name_params)))

        # The list page's count: of every match, and as the page counts it (register.asset_count
        # with a limit one past the cap).
        cap = app.config["ASSETS_COUNT_CAP"]
        searches = ("", " (name search)", " (serial search)")
        filters = [register.AssetFilter(q=q) for q in ("", name_frags[0], serial_frags[0])]
        count_of = [
            select(func.count()).select_from(register.asset_select(f).order_by(None).subquery())
            for f in filters
        ]
        for label, statement in zip(searches, count_of, strict=True):
            timings = time_calls(lambda s=statement: db.session.execute(s).all(), min(n, 50))
            results.append((f"SQL: list count of every match{label}", timings, ""))
        capped = [
            select(func.count()).select_from(
                select(Asset.id).where(*register.filter_conditions(f)).limit(cap + 1).subquery()
            )
            for f in filters
        ]
        for label, statement in zip(searches, capped, strict=True):
            timings = time_calls(lambda s=statement: db.session.execute(s).all(), min(n, 50))
            results.append((f"SQL: list count up to {cap + 1:,}{label}", timings, ""))
        name_hits = db.session.scalar(count_of[1])

    report(results, dialect, name_frags[0], name_hits)


def report(results, dialect: str, name_frag: str, name_hits: int) -> None:
    medians = {label: statistics.median(timings) for label, timings, _ in results}
    width = max(len(label) for label, _, _ in results)
    print(f"\n{'what':<{width}}  {'median ms':>9}  {'p99 ms':>8}  {'n':>4}  page / rows")
    for label, timings, size in results:
        print(
            f"{label:<{width}}  {medians[label]:9.2f}  {p99(timings):8.2f}  "
            f"{len(timings):4d}  {size}"
        )
    bare = medians["bare route, template, no database"]
    asset_ratio = medians["asset page /assets/<tag>"] / bare
    print(f"\nasset page / bare route: {asset_ratio:.1f} x (aim <= 3)")
    print(f"list page / bare route:  {medians['list page /assets'] / bare:.1f} x")
    for label in ("search: serial fragment", "search: name fragment", "search: holder surname"):
        ratio = medians[label] / 10
        print(f"{label}: {medians[label]:.1f} ms median = {ratio:.2f} x the 10 ms aim")
    print(f"(e.g. the name fragment {name_frag!r} matches {name_hits:,} assets; {dialect})")


if __name__ == "__main__":
    main()
