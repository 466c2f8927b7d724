"""Shared fixtures: the app on SQLite and on a real PostgreSQL server, clients, factories,
a live server and Chromium for browser tests.

The suite runs in parallel (pytest-xdist, `make test`): each worker process has its own
SQLite files (under tmp_path) and its own database on the run's one PostgreSQL cluster, and
builds each schema once; a test gets a copy of the empty SQLite file, or the PostgreSQL
database emptied after the test before it."""

import gc
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from werkzeug.serving import WSGIRequestHandler, make_server

from assets import create_app
from assets.extensions import db
from tests.support.clock import Clock, frozen
from tests.support.factories import Factory
from tests.support.leavers import new_leaver_with_kit
from tests.support.oidc import OidcProvider
from tests.support.postgres import shared_cluster, stop_shared_cluster
from tests.support.routing import compile_each_builder_once
from tests.support.smtp import SmtpServer
from tests.support.templates import share_compiled_templates

DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption(
        "--databases",
        default=",".join(DATABASES),
        help="comma-separated databases to run database tests on",
    )


def pytest_generate_tests(metafunc):
    """A test taking `database` runs on each database --databases names, or on those of its
    `@pytest.mark.databases(...)` mark (a PostgreSQL-only feature: its exclusion constraints)."""
    if "database" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--databases").split(",")
        mark = metafunc.definition.get_closest_marker("databases")
        allowed = mark.args if mark else DATABASES
        names = [d for d in DATABASES if d in chosen and d in allowed]
        metafunc.parametrize("database", names, indirect=True)


def _slowest_first(item) -> int:
    if item.nodeid.startswith("tests/browser/test_accessibility.py"):
        return 0
    return 1 if item.nodeid.startswith("tests/browser/") else 2


def pytest_collection_modifyitems(items):
    """The longest tests (real Chromium, the accessibility walk longest of all) first: the
    parallel workers then finish together instead of one running a long test at the end."""
    items.sort(key=_slowest_first)


def pytest_collection_finish(session):
    """Less garbage collection, which took a tenth of the tests' time.

    What the run has built so far (modules, the collected tests) lives until the end, so the
    collector need not walk it again (gc.freeze). Each test then makes an app and its records
    and drops them as cycles; collecting after every 10,000 new objects instead of 700 cut the
    service tests' CPU time from 86-89 s to 76-79 s, for 420 MB at most in a worker."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


# ---- one run, several workers ------------------------------------------------------------------


def _worker() -> str | None:
    """This xdist worker's name ("gw0", "gw1", ...), or None in a run without workers."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def pytest_configure(config):
    """The run's directory, shared by its workers: it holds the PostgreSQL cluster's state."""
    compile_each_builder_once()
    if hasattr(config, "workerinput"):
        config.assets_run_dir = Path(config.workerinput["assets_run_dir"])
    else:
        config.assets_run_dir = Path(tempfile.mkdtemp(prefix="assets-run-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["assets_run_dir"] = str(node.config.assets_run_dir)


def pytest_unconfigure(config):
    """The controlling process stops the run's PostgreSQL cluster, whatever happened."""
    if not hasattr(config, "workerinput"):
        try:
            stop_shared_cluster(config.assets_run_dir)
        finally:
            shutil.rmtree(config.assets_run_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(request) -> Iterator[str]:
    """This worker's own PostgreSQL database, holding the models' empty schema, for the whole
    run: on the run's throwaway cluster, or on the server TEST_POSTGRES_URL names (then, with
    workers, a database per worker beside the one it names)."""
    given = os.environ.get("TEST_POSTGRES_URL")
    if given and not _worker():
        url, server, created = given, None, None
    else:
        if given:
            server = make_url(given)
            name = f"{server.database}_{_worker()}"
        else:
            server = make_url(shared_cluster(request.config.assets_run_dir).url())
            name = f"assets_test_{_worker() or 'main'}"
        server, created = server.set(database="postgres"), name
        _recreate_database(server, created)
        url = server.set(database=created).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
    _empty_postgres(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    engines: dict[str, Engine] = {}
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(
        SQLAlchemy, "_make_engine", _one_engine_for(url, SQLAlchemy._make_engine, engines)
    )
    try:
        yield url
    finally:
        monkeypatch.undo()
        for engine in engines.values():
            engine.dispose()
        if created and given:
            _drop_database(server, created)


def _one_engine_for(url: str, make_engine, engines: dict[str, Engine]):
    """Flask-SQLAlchemy's engine maker, giving every test's app on `url` the same engine.

    Each test has an app of its own, and a new engine would open new connections: a new
    PostgreSQL backend each, which must load the schema's catalog again (the emptying after
    the test alone took 16 ms on a cold backend, 1.5 ms on a warm one). The engine's pooled
    connections carry nothing from one test to the next: every transaction ends with the
    test (the app fixture removes the session), and the app sets no session state."""

    def make(self, bind_key, options, app):
        if make_url(options["url"]).render_as_string(hide_password=False) != url:
            return make_engine(self, bind_key, options, app)
        same = repr(sorted((key, value) for key, value in options.items() if key != "url"))
        if same not in engines:
            engines[same] = make_engine(self, bind_key, options, app)
        return engines[same]

    return make


def _recreate_database(server: URL, name: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _drop_database(server: URL, name: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def empty_sqlite(tmp_path_factory) -> Path:
    """A SQLite file holding the models' empty schema, built once per worker: each test's
    app works on a copy of it."""
    path = tmp_path_factory.mktemp("schema") / "empty.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


def _copy_of(empty: Path, path: Path) -> str:
    shutil.copyfile(empty, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze time for this test at tests.support.clock.FROZEN_AT (see that module)."""
    with frozen() as traveller:
        yield Clock(traveller)


@pytest.fixture
def database(request) -> str:
    return request.param


def _empty_postgres(app: Flask) -> None:
    """Empty every table and start every id at 1 again, as `TRUNCATE ... RESTART IDENTITY`
    would, in one round trip. DELETE from the few rows a test leaves (children before their
    parents) takes milliseconds where TRUNCATE of every table takes a quarter of a second."""
    # The tables' own names, from the models: nothing here comes from outside.
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    deletes = " ".join(f"DELETE FROM {name};" for name in tables)  # noqa: S608
    with app.app_context():
        db.session.execute(
            text(
                f"DO $$ DECLARE s record; BEGIN {deletes} "  # noqa: S608
                "FOR s IN SELECT schemaname, sequencename FROM pg_sequences "
                "WHERE last_value IS NOT NULL LOOP "
                "PERFORM setval(quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename),"
                " 1, false); END LOOP; END $$"
            )
        )
        db.session.commit()


@pytest.fixture
def app(request, tmp_path: Path, empty_sqlite: Path) -> Iterator[Flask]:
    """The app on the database chosen by the `database` parameter (SQLite when the test is
    not parametrized), with an empty schema."""
    name = request.getfixturevalue("database") if "database" in request.fixturenames else "sqlite"
    overrides = {"WTF_CSRF_ENABLED": False}
    if name == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_url")
    else:
        overrides["SQLALCHEMY_DATABASE_URI"] = _copy_of(empty_sqlite, tmp_path / "test.sqlite")
    overrides |= getattr(request, "param", {}) or {}
    app = share_compiled_templates(create_app(overrides))
    try:
        yield app
    finally:
        if name == "postgresql":
            _empty_postgres(app)
        with app.app_context():
            db.session.remove()
            if name != "postgresql":  # the worker's one PostgreSQL engine stays (_one_engine_for)
                db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture
def ctx(app: Flask):
    """An app context for calling services directly, as a view or command would."""
    with app.app_context():
        yield db.session


@pytest.fixture
def records(make):
    """One of each kind of record, for tests that visit every page."""
    category = make.category()
    location = make.location()
    asset = make.asset(category=category, location=location)
    person = make.person()
    kit = make.kit(parts=[make.asset(category=category, location=location)])
    pool = make.pool("Loan iPads, IT office", units=2)
    soon = datetime.now(UTC) + timedelta(minutes=10)
    return {
        "category": category,
        "location": location,
        "asset": asset,
        "person": person,
        "other_user": make.user("staff"),
        "stocktake": make.stocktake(location),
        "kit": kit,
        "incident": make.incident(asset, photos=1),
        # Signed by someone other than the logged-in user: staff must not see it.
        "loan": make.loan(make.asset(category=category), person),
        "leaver_case": make.leaver_case(person, licences=["Adobe Creative Cloud"]),
        "school_week": make.school_week(),
        "booking": make.booking(make.asset(category=category), person),
        "pool": pool,
        # A kit's and a pool's bookings: their pages (collect, extend) are walked too
        # (url_map.MORE_SAMPLES).
        # Starting in 10 minutes: the hand-over pages show the scanning and signing.
        "kit_booking": make.booking(kit=kit, person=person, start=soon),
        "pool_booking": make.booking(pool=pool, person=person, start=soon),
        "import": make.applied_import(
            f"Asset tag,Name,Category\nIMP-1,Imported,{category.name}\n".encode()
        ),
    }


@pytest.fixture
def leaver_with_kit(app: Flask, make: Factory):
    """Mrs J Smullen leaves in ten days holding a laptop and a camera, and has a login
    (tests.support.leavers.new_leaver_with_kit)."""
    return new_leaver_with_kit(app, make)


def login(client: FlaskClient, user, password: str | None = None, **extra):
    return client.post(
        "/login", data={"email": user.email, "password": password or user.password, **extra}
    )


@pytest.fixture
def as_role(client: FlaskClient, make: Factory):
    """Log the client in as a new user of the given role; returns that user."""

    def log_in(role: str, **values):
        user = make.user(role, **values)
        response = login(client, user)
        assert response.status_code == 302, response.text
        return user

    return log_in


# ---- live server and Chromium ----------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


def _closing_every_response(app: Flask):
    """`app` as a WSGI app whose responses are closed even when the browser drops the
    connection: Werkzeug's development server then skips close(), leaving a static file open
    (a ResourceWarning that fails the test that happens to be running)."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


class _OneRequestPerConnection(WSGIRequestHandler):
    """HTTP/1.0, a connection for each request. Threaded, Werkzeug's development server keeps
    connections alive but still drains the socket after each response, so under load it can
    swallow the browser's next request on that connection, which Chromium then reports as
    ERR_CONNECTION_RESET."""

    protocol_version = "HTTP/1.0"


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server(
            "127.0.0.1",
            0,
            _closing_every_response(app),
            threaded=True,
            request_handler=_OneRequestPerConnection,
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_app_config() -> dict:
    """More configuration for `live_app`: a test module overrides this fixture."""
    return {}


@pytest.fixture
def live_app(tmp_path: Path, empty_sqlite: Path, live_app_config: dict) -> Iterator[Flask]:
    """The app with CSRF on, as in production, on a SQLite file."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _copy_of(empty_sqlite, tmp_path / "live.sqlite"),
            "WTF_CSRF_ENABLED": True,
            **live_app_config,
        }
    )
    share_compiled_templates(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        live_app.config["BASE_URL"] = server.url
        yield server


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright driver of the run (the sync API allows one at a time); launch any
    other browser, such as one with a fake camera, from it."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def _page_failing_on_errors(browser, **options) -> Iterator:
    """A page in a new browser context, failing the test on any error the page reports."""
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def phone(browser):
    """A phone-sized page (390 x 844, touch), failing the test on any page error."""
    yield from _page_failing_on_errors(
        browser,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def desktop(browser):
    """A desktop-sized page (1280 x 900) that accepts downloads, failing the test on any page
    error."""
    yield from _page_failing_on_errors(
        browser, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )


# ---- email -----------------------------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port for one test; `.messages` holds what it
    received. Point the app at it with tests.support.smtp.send_mail_through(app, port)."""
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


# ---- single sign-on ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _oidc_server() -> Iterator[OidcProvider]:
    """A real OpenID provider (npm oidc-provider under node) on loopback, started once for
    the run, with a Microsoft-like and a Google-like issuer."""
    provider = OidcProvider().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def oidc_provider(_oidc_server, monkeypatch) -> OidcProvider:
    """The run's OpenID provider, for one test. Authlib refuses plain HTTP unless told: told
    for this test only (the provider is on loopback), never for the rest of the run."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    return _oidc_server
