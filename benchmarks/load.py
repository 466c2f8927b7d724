"""Load on two app servers sharing one PostgreSQL database: technicians and office staff at
10, 50 and 200 concurrent users.

Seeds a fresh database migrated with `flask db upgrade` (benchmarks/register.py's seeding:
10,000 assets, 300 people, 2,000 open loans by default; 200 logins), starts two gunicorn
servers with the repository's gunicorn.conf.py (production config, its default workers and
threads), and drives them over real HTTP with aiohttp, each simulated user with its own
session cookie, users alternating between the servers:

* a technician (7 users in 10): the scan page, the asset page a label's QR code opens
  (/a/TAG), then the check-in form and its POST if the item is on loan, else the check-out
  form and its POST (handed over awaiting the borrower's signature), with the form's CSRF
  token; each technician works through a set of tags of their own;
* office staff (3 in 10): the asset list searched for a fragment of a serial number, a device
  name or a holder's surname.

Users wait for nothing between requests (each is a closed loop), so N users keep up to N
requests in flight. For each level and action it prints requests, requests/s, median and
99th-percentile time and errors: any answer other than 2xx/3xx, a page saying "Something went
wrong", a POST that does not redirect (the form refused), or a failed connection. Each level
runs --seconds (default 15) after its users have logged in (untimed).

Run from the project root:

    .venv/bin/python -m benchmarks.load
    .venv/bin/python -m benchmarks.load --levels 10,50,200 --seconds 15 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/load

Without --database-url it starts a throwaway PostgreSQL cluster (tests/support/postgres.py),
removed at the end. A --database-url must name an empty database.
"""

import argparse
import asyncio
import html
import math
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp
from sqlalchemy import select, text

from assets import create_app
from assets.extensions import db
from assets.models import Asset, Person
from assets.services.people import login_admin
from benchmarks.register import PASSWORD, _fragment, seed
from tests.support.gunicorn import ROOT, GunicornServer, production_environment
from tests.support.postgres import PostgresCluster

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BROKEN = "Something went wrong"
TECHNICIAN_SHARE = 0.7
ACTIONS = (
    "scan page",
    "asset page",
    "check-out form",
    "check-out",
    "check-in form",
    "check-in",
    "search",
    "all",
)


@dataclass
class Stats:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)

    def failed(self, action: str, why: str) -> None:
        self.errors[action] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{action}: {why}")


class Failed(Exception):
    """The request did not do what the user wanted; counted as an error."""


# ---- seeding ---------------------------------------------------------------------------------


def prepare(url: str, args: argparse.Namespace, rng: random.Random, secret_key: str) -> dict:
    """Migrate and seed the database; the logins, each technician's tags, what to search."""
    with tempfile.TemporaryDirectory() as instance:
        subprocess.run(
            [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=production_environment(url, secret_key, INSTANCE_PATH=instance),
            check=True,
            capture_output=True,
        )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    top = max(args.levels)
    technicians = math.ceil(top * TECHNICIAN_SHARE)
    started = time.perf_counter()
    with app.app_context():
        data = seed(args.assets, args.people, args.loans, rng)
        logins = []
        for n in range(top):
            role = "technician" if n < technicians else "office"
            email = f"{role}{n}@load.example"
            login_admin.create_user(
                None, email=email, name=f"Load {role} {n}", role=role, password=PASSWORD
            )
            logins.append(email)
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
        lendable = db.session.execute(
            select(Asset.tag, Asset.status).where(Asset.status.in_(("available", "on_loan")))
        ).all()
        people = list(db.session.scalars(select(Person.id)))
        db.engine.dispose()
    print(
        f"Seeded {args.assets:,} assets, {args.people:,} people, {args.loans:,} open loans and "
        f"{top} logins in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    rng.shuffle(lendable)
    # Each technician has tags of their own, so no two users lend the same item at once (the
    # race is tests/test_servers.py's), and knows which are on loan.
    tags = [lendable[n::technicians] for n in range(technicians)]
    searches = (
        [_fragment(rng.choice(data["serials"]), rng) for _ in range(200)]
        + [_fragment(name, rng, middle=False).strip() or "Dell" for name in data["names"]]
        + [
            holder.split()[-1][:5]
            for holder in rng.sample(data["holders"], min(100, len(data["holders"])))
        ]
    )
    return {
        "logins": logins,
        "technicians": technicians,
        "tags": [{tag: status == "on_loan" for tag, status in mine} for mine in tags],
        "searches": searches,
        "people": people,
    }


# ---- the simulated users ---------------------------------------------------------------------


async def fetch(
    http: aiohttp.ClientSession,
    stats: Stats | None,
    action: str,
    method: str,
    url: str,
    *,
    data: dict | None = None,
) -> str:
    """One request, timed under `action`; its page, or Failed. A GET follows redirects; a
    POST must answer with a redirect (anything else is the form refused)."""
    started = time.perf_counter()
    try:
        async with http.request(method, url, data=data, allow_redirects=method == "GET") as r:
            body = await r.text()
            status = r.status
    except (TimeoutError, aiohttp.ClientError) as error:
        why = f"{type(error).__name__}: {error}"
        if stats:
            stats.failed(action, why)
        raise Failed(why) from error
    elapsed = (time.perf_counter() - started) * 1000
    why = None
    if not 200 <= status < 400:
        why = f"HTTP {status} for {method} {url}"
    elif BROKEN in body:
        why = f"'{BROKEN}' on {method} {url}"
    elif method == "POST" and status not in (302, 303):
        errors = re.findall(
            r'class="[^"]*(?:invalid-feedback|alert-danger|text-danger)[^"]*"[^>]*>'
            r"([^<]+)",
            body,
        )
        why = f"form refused on {url}: {html.unescape(' / '.join(errors)[:200])}"
    if why:
        if stats:
            stats.failed(action, why)
        raise Failed(why)
    if stats:
        stats.timings[action].append(elapsed)
    return body


def csrf_token(page: str) -> str:
    found = CSRF_FIELD.search(page)
    if not found:
        raise Failed("no CSRF token on the page")
    return html.unescape(found.group(1))


async def log_in(http: aiohttp.ClientSession, base: str, email: str) -> None:
    page = await fetch(http, None, "login", "GET", f"{base}/login")
    await fetch(
        http,
        None,
        "login",
        "POST",
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )


async def technician(http, base: str, mine: dict[str, bool], people, rng, stats, until) -> None:
    tags = list(mine)
    n = rng.randrange(len(tags))
    while time.monotonic() < until:
        n = (n + 1) % len(tags)
        tag = tags[n]
        path = quote(tag, safe="")
        try:
            await fetch(http, stats, "scan page", "GET", f"{base}/scan")
            await fetch(http, stats, "asset page", "GET", f"{base}/a/{path}")
            if mine[tag]:
                form = await fetch(
                    http, stats, "check-in form", "GET", f"{base}/assets/{path}/return"
                )
                await fetch(
                    http,
                    stats,
                    "check-in",
                    "POST",
                    f"{base}/assets/{path}/return",
                    data={"condition": "full_working", "note": "", "csrf_token": csrf_token(form)},
                )
            else:
                form = await fetch(
                    http, stats, "check-out form", "GET", f"{base}/loans/new?tag={path}"
                )
                await fetch(
                    http,
                    stats,
                    "check-out",
                    "POST",
                    f"{base}/loans/new",
                    data={
                        "person_id": str(rng.choice(people)),
                        "tags": tag,
                        "awaiting_signature": "y",
                        "csrf_token": csrf_token(form),
                    },
                )
            mine[tag] = not mine[tag]
        except Failed:
            await asyncio.sleep(0.1)


async def office(http, base: str, searches: list[str], rng, stats, until) -> None:
    while time.monotonic() < until:
        query = urlencode({"q": rng.choice(searches)})
        try:
            await fetch(http, stats, "search", "GET", f"{base}/assets?{query}")
        except Failed:
            await asyncio.sleep(0.1)


async def run_level(users: int, servers: list[str], plan: dict, seconds: float, seed_: int):
    """`users` users at once for `seconds`: the stats and the measured window's length."""
    stats = Stats()
    technicians = min(math.ceil(users * TECHNICIAN_SHARE), plan["technicians"])
    roles = ["technician"] * technicians + ["office"] * (users - technicians)
    timeout = aiohttp.ClientTimeout(total=120)
    sessions = [
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout)
        for _ in roles
    ]
    try:
        bases = [servers[n % len(servers)] for n in range(users)]
        emails = [
            plan["logins"][n] if role == "technician" else plan["logins"][-(n - technicians + 1)]
            for n, role in enumerate(roles)
        ]
        await asyncio.gather(
            *(log_in(s, b, e) for s, b, e in zip(sessions, bases, emails, strict=True))
        )
        started = time.monotonic()
        until = started + seconds
        work = []
        for n, role in enumerate(roles):
            rng = random.Random(seed_ * 1000 + n)
            if role == "technician":
                work.append(
                    technician(
                        sessions[n], bases[n], plan["tags"][n], plan["people"], rng, stats, until
                    )
                )
            else:
                work.append(office(sessions[n], bases[n], plan["searches"], rng, stats, until))
        await asyncio.gather(*work)
        return stats, time.monotonic() - started
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(users: int, stats: Stats, window: float) -> list[str]:
    everything = [t for timings in stats.timings.values() for t in timings]
    stats.timings["all"] = everything
    stats.errors["all"] = sum(stats.errors.values())
    rows = []
    for action in ACTIONS:
        timings = stats.timings.get(action, [])
        if not timings and not stats.errors.get(action):
            continue
        rows.append(
            f"| {users} | {action} | {len(timings):,} | {len(timings) / window:,.1f} | "
            f"{statistics.median(timings) if timings else 0:,.0f} | "
            f"{percentile(timings, 0.99) if timings else 0:,.0f} | {stats.errors.get(action, 0)} |"
        )
    return rows


# ---- the run ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--loans", type=int, default=2_000)
    parser.add_argument(
        "--levels", type=lambda s: [int(n) for n in s.split(",")], default=[10, 50, 200]
    )
    parser.add_argument("--seconds", type=float, default=15, help="measured time per level")
    parser.add_argument("--database-url", help="an empty database (default: a throwaway cluster)")
    parser.add_argument("--seed", type=int, default=20_261_207, help="random seed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    secret_key = secrets.token_hex(32)
    cluster = None
    servers: list[GunicornServer] = []
    url = args.database_url
    try:
        if not url:
            cluster = PostgresCluster().start()
            url = cluster.create_database("load")
        plan = prepare(url, args, rng, secret_key)
        logs = Path(tempfile.mkdtemp(prefix="load-gunicorn-"))
        environment = production_environment(url, secret_key, INSTANCE_PATH=str(logs))
        for name in ("one", "two"):
            servers.append(GunicornServer(environment, logs, name).start())
        print(f"Two gunicorn servers ({', '.join(s.url for s in servers)}), logs in {logs}")
        lines = [
            "| users | action | requests | requests/s | p50 ms | p99 ms | errors |",
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for level in args.levels:
            stats, window = asyncio.run(
                run_level(level, [s.url for s in servers], plan, args.seconds, level)
            )
            lines += report(level, stats, window)
            print(f"{level} users: {stats.errors['all']} errors", *stats.samples, sep="\n  ")
            print("\n".join(lines[-len(ACTIONS) :]), flush=True)
        print("\n" + "\n".join(lines))
        for server in servers:
            worrying = [
                line
                for line in server.errors().splitlines()
                if "ERROR" in line or "CRITICAL" in line or "Traceback" in line
            ]
            print(f"gunicorn {server.name}: {len(worrying)} error lines", *worrying[:5], sep="\n  ")
    finally:
        for server in servers:
            server.stop()
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
