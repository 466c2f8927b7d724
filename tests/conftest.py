"""Shared fixtures: the app on SQLite and on a real PostgreSQL server, clients, factories,
a live server and Chromium for browser tests."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import sync_playwright
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from assets import create_app
from assets.extensions import db
from tests.support.clock import Clock, frozen
from tests.support.factories import Factory
from tests.support.postgres import PostgresCluster
from tests.support.smtp import SmtpServer

DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser):
    parser.addoption(
        "--databases",
        default=",".join(DATABASES),
        help="comma-separated databases to run database tests on",
    )


def pytest_generate_tests(metafunc):
    if "database" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--databases").split(",")
        metafunc.parametrize("database", [d for d in DATABASES if d in chosen], indirect=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database for the whole run (TEST_POSTGRES_URL to use an existing one)."""
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    cluster = PostgresCluster().start()
    try:
        yield cluster.create_database("assets_test")
    finally:
        cluster.stop()


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze time for this test at tests.support.clock.FROZEN_AT (see that module)."""
    with frozen() as traveller:
        yield Clock(traveller)


@pytest.fixture
def database(request) -> str:
    return request.param


def _empty_postgres(app: Flask) -> None:
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def app(request, tmp_path: Path) -> Iterator[Flask]:
    """The app on the database chosen by the `database` parameter (SQLite when the test is
    not parametrized), with an empty schema."""
    name = request.getfixturevalue("database") if "database" in request.fixturenames else "sqlite"
    overrides = {"WTF_CSRF_ENABLED": False}
    if name == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_url")
    else:
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'test.sqlite'}"
    overrides |= getattr(request, "param", {}) or {}
    app = create_app(overrides)
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        if name == "postgresql":
            _empty_postgres(app)
        with app.app_context():
            db.session.remove()
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
    return {
        "category": category,
        "location": location,
        "asset": asset,
        "person": person,
        "other_user": make.user("staff"),
        "stocktake": make.stocktake(location),
        "incident": make.incident(asset, photos=1),
        # Signed by someone other than the logged-in user: staff must not see it.
        "loan": make.loan(make.asset(category=category), person),
        "leaver_case": make.leaver_case(person, licences=["Adobe Creative Cloud"]),
        "import": make.applied_import(
            f"Asset tag,Name,Category\nIMP-1,Imported,{category.name}\n".encode()
        ),
    }


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
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with CSRF on, as in production, on a SQLite file."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}",
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        db.create_all()
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
