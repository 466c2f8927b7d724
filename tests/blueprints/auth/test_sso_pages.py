"""The login page's "Sign in with ..." buttons and the provider's way back, through the test
client (the whole flow in Chromium: tests/browser/test_sso_browser.py)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import session as flask_session
from sqlalchemy import func, select

from assets import create_app
from assets.blueprints.auth.views import _start_session
from assets.extensions import db
from assets.models import Event, UsedSignInState, User
from assets.sso import init_sso
from tests.conftest import login
from tests.support.oidc import DOMAIN


@pytest.fixture
def sso_app(app, oidc_provider):
    """The app with both providers pointed at the tests' OpenID provider."""
    app.config.update(oidc_provider.app_config())
    init_sso(app)
    return app


def test_no_buttons_and_no_sign_in_when_no_provider_is_configured(client):
    page = client.get("/login")
    assert "Sign in with" not in page.text
    assert "form-action 'self';" in page.headers["Content-Security-Policy"]
    response = client.post("/login/microsoft")
    assert response.status_code == 302 and response.location == "/login"
    assert "not set up here" in client.get("/login").text


def test_each_configured_provider_has_a_button_and_its_origin_may_be_posted_to(
    sso_app, client, oidc_provider
):
    page = client.get("/login")
    assert "Sign in with Microsoft 365" in page.text and "Sign in with Google" in page.text
    csp = page.headers["Content-Security-Policy"]
    for issuer in oidc_provider.issuers.values():
        assert issuer in csp


@pytest.mark.parametrize("provider", ["microsoft", "google"])
def test_the_button_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(
    sso_app, client, oidc_provider, provider
):
    response = client.post(f"/login/{provider}")
    assert response.status_code == 302
    address = urlsplit(response.location)
    assert f"{address.scheme}://{address.netloc}" == oidc_provider.issuers[provider]
    query = parse_qs(address.query)
    assert query["redirect_uri"] == [f"https://assets.school.test/login/{provider}/callback"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"]
    assert query.get("hd") == ([DOMAIN] if provider == "google" else None)


@pytest.mark.parametrize(
    "query", ["", "?code=abc", "?code=abc&state=forged", "?error=access_denied&state=x"]
)
def test_an_answer_this_browser_did_not_ask_for_is_refused_and_changes_nothing(
    sso_app, client, ctx, query
):
    response = client.get(f"/login/google/callback{query}")
    assert response.status_code == 302 and response.location == "/login"
    assert "expired or was used already" in client.get("/login").text
    assert db.session.scalar(select(func.count()).select_from(UsedSignInState)) == 0


def test_the_provider_saying_no_is_refused_with_an_audit_event(sso_app, client, ctx):
    state = parse_qs(urlsplit(client.post("/login/google").location).query)["state"][0]
    response = client.get(f"/login/google/callback?error=access_denied&state={state}")
    assert response.location == "/login"
    assert "Signing in with Google did not work" in client.get("/login").text
    summary = db.session.scalar(select(Event.summary).where(Event.action == "user.sso_refused"))
    assert "access_denied" in summary


def test_a_session_signed_in_with_a_provider_is_not_asked_to_renew_a_password(client, make):
    user = make.user("staff", must_change=True)
    login(client, user)
    assert "/account/password" in client.get("/").location
    with client.session_transaction() as session:
        session["signed_in_with"] = "microsoft"
    response = client.get("/")
    assert "/account/password" not in (response.location or "")
    assert client.get("/account/password").status_code == 200  # still there if they want it


def test_the_way_back_is_built_from_base_url_never_from_the_host_header(sso_app, client):
    response = client.post("/login/microsoft", headers={"Host": "evil.example"})
    query = parse_qs(urlsplit(response.location).query)
    assert query["redirect_uri"] == ["https://assets.school.test/login/microsoft/callback"]


def test_logging_out_leaves_nothing_of_the_session_for_the_next_person(client, make):
    """A reset link half used on a shared computer, then someone signs in and out: the next
    person at that browser cannot carry on with it."""
    login(client, make.user("staff"))
    with client.session_transaction() as session:
        session["password_reset_token"] = "a-half-used-link"
        session["sso_next"] = "/somewhere"
    client.post("/logout")
    with client.session_transaction() as session:
        assert "password_reset_token" not in session
        assert "sso_next" not in session
        assert "_user_id" not in session
    assert "expired" in client.get("/password/reset").text


def test_a_session_that_does_not_say_how_it_signed_in_is_taken_as_a_passwords(client, make):
    """A remember-me session (only a password gives one) of a login that last signed in with
    Microsoft still has its password's expiry checked."""
    user = make.user("staff", must_change=True)
    login(client, user)
    with client.session_transaction() as session:
        session.pop("signed_in_with")
    with make.app.app_context():
        db.session.get(User, user.id).last_login_method = "microsoft"
        db.session.commit()
    assert "/account/password" in client.get("/").location
    with client.session_transaction() as session:
        session["signed_in_with"] = "something else"
    assert "/account/password" in client.get("/").location


def test_a_new_session_starts_empty(app, make):
    """What the browser's session held before signing in (someone else's half-used reset link,
    a sign-in in progress) does not carry over to whoever signs in."""
    user = make.user("staff")
    with app.test_request_context():
        flask_session["password_reset_token"] = "someone-elses-link"
        flask_session["_state_google_abc"] = {"data": "a sign-in in progress"}
        _start_session(db.session.get(User, user.id), remember=False, method="google")
        assert set(flask_session) >= {"_user_id", "signed_in_with"}
        assert "password_reset_token" not in flask_session
        assert "_state_google_abc" not in flask_session
        assert flask_session["signed_in_with"] == "google"


def test_the_login_pages_csp_names_the_providers_or_refuses_to_be_built(monkeypatch):
    from assets import security

    csp = security.csp_with_forms_to(["https://login.microsoftonline.com"])
    assert "form-action 'self' https://login.microsoftonline.com;" in csp
    monkeypatch.setattr(security, "CSP", "default-src 'self'; form-action 'self' https://x")
    with pytest.raises(RuntimeError, match="form-action"):
        security.csp_with_forms_to(["https://accounts.google.com"])


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("STAFF_PASSWORDS", "no", "STAFF_PASSWORDS must be on or off"),
        ("SSO_UNKNOWN_PEOPLE", "maybe", "SSO_UNKNOWN_PEOPLE must be one of"),
        ("MICROSOFT_TENANT_ID", "ashbrook.sch.uk", "Directory \\(tenant\\) ID, a GUID"),
        ("MICROSOFT_TENANT_ID", "common", "not a domain name or 'common'"),
    ],
)
def test_a_mistyped_sign_in_setting_stops_the_app_starting_and_says_why(setting, value, message):
    """A typo must not leave passwords on, or every Microsoft sign-in failing, in silence."""
    with pytest.raises(RuntimeError, match=message):
        create_app({setting: value})
