"""Cookies, headers, CSRF, upload limits, absolute links and the health check."""

import secrets

import pytest
from flask import url_for
from sqlalchemy import func, select

from assets import create_app
from assets.extensions import db
from assets.models import Event
from assets.security import absolute_url, safe_next
from config import Config, TestConfig
from tests.conftest import login
from tests.support.url_map import endpoints, url_for_rule, urls_for_rule


def test_security_headers_and_csp_without_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text and " style=" not in response.text


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_forms_without_a_csrf_token_change_nothing(app, client, make):
    user = make.user("technician")
    response = login(client, user)
    assert response.status_code == 400
    assert "did not come from this site" in response.text


def test_opening_any_page_changes_nothing(app, client, make, records):
    """No state change over GET: an admin opening every page leaves no audit event."""
    login(client, make.user("admin"))
    with app.app_context():
        before = db.session.scalar(select(func.count(Event.id)))
    for rule, _view in endpoints(app):
        if "GET" in rule.methods:
            for url in urls_for_rule(rule, records):
                assert client.get(url).status_code < 500, url
    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id))) == before


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_pages_behind_login_are_not_kept_by_the_browser(app, client, make, records, role):
    """Staffroom computers are shared: Back after logout must not show loans or reports from
    the browser's cache. Every answer to a logged-in person says no-store, whatever the
    page (photos and downloads too); static files may be cached."""
    login(client, make.user(role))
    for rule, _view in endpoints(app):
        if "GET" in rule.methods:
            response = client.get(url_for_rule(rule, records))
            assert "no-store" in response.headers.get("Cache-Control", ""), rule.rule
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200
        assert "no-store" not in static.headers.get("Cache-Control", "")
    client.post("/logout")
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


def test_oversized_requests_are_refused(app, client, make):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    user = make.user("technician")
    login(client, user)
    response = client.post("/assets/new", data={"notes": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.text


GOOD_KEY = secrets.token_hex(32)


@pytest.fixture
def production(monkeypatch):
    """The production config with a good key and no FLASK_DEBUG, to spoil one thing at a time."""
    monkeypatch.setattr(Config, "SECRET_KEY", GOOD_KEY)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(production):
    production.setattr(Config, "SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app("production")


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (" " * 40, "not set"),
        ("x", "shorter than 32 characters"),
        ("secret", "well-known value"),
        ("Secret", "well-known value"),
        (TestConfig.SECRET_KEY, "well-known value"),
        ("correct-horse-battery-staple", "shorter than 32 characters"),
        ("x" * 40, "repeats a few characters"),
        ("secret" * 6, "repeats a few characters"),
    ],
)
def test_production_refuses_a_weak_secret_key(production, key, problem):
    production.setattr(Config, "SECRET_KEY", key)
    with pytest.raises(RuntimeError, match=problem) as refused:
        create_app("production")
    assert "secrets.token_hex(32)" in str(refused.value)


@pytest.mark.parametrize("flag", ["1", "true"])
def test_production_refuses_to_start_in_debug_mode(production, flag):
    """A 500 would show the Werkzeug debugger, which runs any code it is sent."""
    production.setenv("FLASK_DEBUG", flag)
    with pytest.raises(RuntimeError, match="debug mode is on"):
        create_app("production")
    production.setenv("FLASK_DEBUG", "0")
    assert not create_app("production").debug


def test_production_starts_with_a_good_key_and_development_with_debug(
    production, tmp_path, monkeypatch
):
    assert create_app("production").config["SECRET_KEY"] == GOOD_KEY
    monkeypatch.setattr("assets.INSTANCE_DIR", tmp_path)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert create_app("development").debug  # make run: the debugger is for the developer
    assert create_app({}).config["SECRET_KEY"] == TestConfig.SECRET_KEY


def test_development_generates_a_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.setattr("assets.INSTANCE_DIR", tmp_path)
    first = create_app("development").config["SECRET_KEY"]
    second = create_app("development").config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_cookies_are_http_only_and_secure_in_production(production):
    config = create_app("production").config
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_SECURE"] and config["REMEMBER_COOKIE_HTTPONLY"]


def test_absolute_links_come_from_base_url_not_the_host_header(app):
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert absolute_url("register.show_asset", tag="ASH-1") == (
            "https://assets.school.test/assets/ASH-1"
        )


@pytest.mark.parametrize("app", [{"TRUSTED_HOSTS": ["assets.school.test"]}], indirect=True)
def test_trusted_hosts_refuse_any_other_host_header(client):
    assert client.get("/login", base_url="https://assets.school.test").status_code == 200
    response = client.get("/login", base_url="http://evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.text


def test_safe_next():
    assert safe_next("/assets?q=1") == "/assets?q=1"
    for bad in (None, "", "http://x.example/", "//x.example", "assets", "/\\x", "/a\nb"):
        assert safe_next(bad) is None


def test_healthz_reports_the_database(client, database):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "reachable"}


def test_healthz_says_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_a_static_file_is_kept_for_a_year_under_a_link_that_changes_with_it(app, client, tmp_path):
    """A phone on the school's Wi-Fi does not ask for the CSS and scripts again on every page;
    an upgrade still reaches it at once, because the link changes with the file."""
    app.static_folder = str(tmp_path)
    (tmp_path / "app.css").write_text("body { color: black; }")
    with app.test_request_context():
        first = url_for("static", filename="app.css")
        (tmp_path / "app.css").write_text("body { color: navy; }")
        second = url_for("static", filename="app.css")
        missing = url_for("static", filename="not-there.css")
    assert first.startswith("/static/app.css?v=") and second.startswith("/static/app.css?v=")
    assert first != second
    assert missing == "/static/not-there.css"

    with client.get(second) as kept:
        assert kept.text == "body { color: navy; }"
        assert kept.headers["Cache-Control"] == "public, max-age=31536000"
    # Asked for without its fingerprint (a library's script fetching a relative path): the
    # browser checks it is still current each time.
    with client.get("/static/app.css") as unversioned:
        assert "max-age=31536000" not in unversioned.headers["Cache-Control"]
