"""Signing in with Microsoft 365 or Google in Chromium, against a real OpenID provider on
loopback (npm oidc-provider: tests/support/oidc.py)."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, SignInIdentity, User
from tests.support.factories import Factory
from tests.support.oidc import DOMAIN, OTHER_TENANT, TENANT


@pytest.fixture
def live_app_config(oidc_provider) -> dict:
    return oidc_provider.app_config()


@pytest.fixture
def desktop(browser, live_server):
    """A desktop page that fails the test on any error in the app's pages. The provider's
    development login page asks for a web font elsewhere: nothing leaves loopback."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("http://127.0.0.1:")
            else route.abort()
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and page.url.startswith(live_server.url)
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"errors in the app's pages: {errors}"


def sign_in_at_provider(page: Page, url: str, provider: str, login: str | None) -> None:
    """Press "Sign in with ..." on the app's login page and, when the provider asks, sign in
    there as `login` (any password)."""
    label = {"microsoft": "Microsoft 365", "google": "Google"}[provider]
    page.goto(f"{url}/login")
    page.get_by_role("button", name=f"Sign in with {label}").click()
    if login is not None:
        page.get_by_placeholder("Enter any login").fill(login)
        page.get_by_placeholder("and password").fill("anything")
        page.get_by_role("button", name="Sign-in").click()
    try:
        page.wait_for_url(lambda address: address.startswith(url), timeout=10_000)
    except Exception:
        print(page.url, page.content())
        raise


def microsoft_account(oid: str, email: str, tenant: str = TENANT, **claims) -> dict:
    return {"oid": oid, "tid": tenant, "email": email, "name": "A Teacher", **claims}


def test_an_existing_login_is_linked_then_found_by_subject_after_its_email_changes(
    live_server, live_app, desktop, oidc_provider
):
    make = Factory(live_app)
    teacher = make.user("staff", email="k.okafor@ashbrook.sch.uk")
    oidc_provider.set_accounts(kokafor=microsoft_account("oid-kokafor", "k.okafor@ashbrook.sch.uk"))

    sign_in_at_provider(desktop, live_server.url, "microsoft", "kokafor")
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
    with live_app.app_context():
        identity = db.session.scalar(select(SignInIdentity))
        assert (identity.provider, identity.subject, identity.user_id) == (
            "microsoft",
            f"{TENANT}/oid-kokafor",
            teacher.id,
        )
        assert db.session.get(User, teacher.id).last_login_method == "microsoft"
        assert db.session.scalar(select(Event).where(Event.action == "user.sso_linked"))

    desktop.get_by_role("button", name="Log out").click()
    # She marries; the school changes her address at Microsoft and here; someone else is
    # given the old one. She still signs in as herself, by her account's subject.
    oidc_provider.set_accounts(
        kokafor=microsoft_account("oid-kokafor", "k.adeyemi@ashbrook.sch.uk")
    )
    make.user("staff", email="k.okafor.new@ashbrook.sch.uk")
    sign_in_at_provider(desktop, live_server.url, "microsoft", None)
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
    with live_app.app_context():
        assert (
            db.session.scalar(
                select(Event.actor_id).where(Event.action == "user.login").order_by(Event.id.desc())
            )
            == teacher.id
        )
