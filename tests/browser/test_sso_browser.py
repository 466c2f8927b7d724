"""Signing in with Microsoft 365 or Google in Chromium, against a real OpenID provider on
loopback (npm oidc-provider: tests/support/oidc.py)."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, SignInIdentity, User
from assets.services.people import login_admin
from tests.browser.test_accessibility import audit
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.oidc import DOMAIN, OTHER_TENANT, TENANT

pytestmark = pytest.mark.browser

CHOICES = {
    "link": {"SSO_UNKNOWN_PEOPLE": "link"},
    "staff passwords off": {"STAFF_PASSWORDS": "off"},
}


@pytest.fixture
def live_app_config(request, oidc_provider) -> dict:
    """Both providers pointed at the test issuers, with the school's choices the test names."""
    return oidc_provider.app_config(**CHOICES.get(getattr(request, "param", None), {}))


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
    return {
        "oid": oid,
        "tid": tenant,
        "email": email,
        "xms_edov": True,
        "name": "A Teacher",
        **claims,
    }


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


def google_account(sub: str, email: str, hd: str | None = DOMAIN, **claims) -> dict:
    return {"sub": sub, "hd": hd, "email": email, "email_verified": True, **claims}


def refused_with(page: Page, url: str, message: str) -> None:
    assert page.url.startswith(f"{url}/login")
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_the_buttons_and_a_refusal_pass_axe(live_server, desktop, oidc_provider):
    desktop.goto(f"{live_server.url}/login")
    assert audit(desktop, live_server.url, "login with buttons")[1] == []
    oidc_provider.set_accounts(nobody=google_account("g-nobody", "nobody@ashbrook.sch.uk"))
    sign_in_at_provider(desktop, live_server.url, "google", "nobody")
    refused_with(desktop, live_server.url, "see the IT desk")
    assert audit(desktop, live_server.url, "refused")[1] == []


def test_a_google_workspace_account_signs_in(live_server, live_app, desktop, oidc_provider):
    teacher = Factory(live_app).user("staff", email="l.evans@ashbrook.sch.uk")
    oidc_provider.set_accounts(levans=google_account("g-levans", "l.evans@ashbrook.sch.uk"))
    sign_in_at_provider(desktop, live_server.url, "google", "levans")
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
    with live_app.app_context():
        assert db.session.get(User, teacher.id).last_login_method == "google"


@pytest.mark.parametrize(
    ("provider", "claims", "message"),
    [
        (
            "microsoft",
            microsoft_account("oid-elsewhere", "m.ali@ashbrook.sch.uk", tenant=OTHER_TENANT),
            "That Microsoft account does not belong to the school",
        ),
        (
            "google",
            google_account("g-personal", "m.ali@ashbrook.sch.uk", hd="gmail.com"),
            "That Google account does not belong to the school",
        ),
        # A school address without the Workspace's hd claim: the address proves nothing.
        (
            "google",
            google_account("g-no-hd", "m.ali@ashbrook.sch.uk", hd=None),
            "That Google account does not belong to the school",
        ),
    ],
    ids=["wrong tenant", "wrong domain", "no domain"],
)
def test_an_account_of_another_tenant_or_domain_is_refused(
    live_server, live_app, desktop, oidc_provider, provider, claims, message
):
    Factory(live_app).user("staff", email="m.ali@ashbrook.sch.uk")
    oidc_provider.set_accounts(outsider=claims)
    sign_in_at_provider(desktop, live_server.url, provider, "outsider")
    refused_with(desktop, live_server.url, message)
    with live_app.app_context():
        assert db.session.scalar(select(SignInIdentity)) is None
        assert db.session.scalar(select(Event.summary).where(Event.action == "user.sso_refused"))


def test_someone_without_a_login_is_sent_to_the_it_desk(
    live_server, live_app, desktop, oidc_provider
):
    Factory(live_app).person("Mr N Unknown", email="n.unknown@ashbrook.sch.uk")
    oidc_provider.set_accounts(nunknown=microsoft_account("oid-nu", "n.unknown@ashbrook.sch.uk"))
    sign_in_at_provider(desktop, live_server.url, "microsoft", "nunknown")
    refused_with(
        desktop,
        live_server.url,
        "There is no login here for your Microsoft 365 account. Please see the IT desk.",
    )


def test_a_deactivated_login_cannot_sign_in_with_its_school_account(
    live_server, live_app, desktop, oidc_provider
):
    make = Factory(live_app)
    teacher = make.user("staff", email="r.deane@ashbrook.sch.uk")
    oidc_provider.set_accounts(rdeane=google_account("g-rdeane", "r.deane@ashbrook.sch.uk"))
    sign_in_at_provider(desktop, live_server.url, "google", "rdeane")
    desktop.get_by_role("button", name="Log out").click()
    with live_app.app_context():
        admin = db.session.get(User, make.user("admin").id)
        login_admin.set_active(admin, db.session.get(User, teacher.id), False)
        db.session.commit()
    sign_in_at_provider(desktop, live_server.url, "google", None)
    refused_with(desktop, live_server.url, "This account has been deactivated")


def test_a_replayed_answer_from_the_provider_is_refused(
    live_server, live_app, desktop, oidc_provider
):
    """The browser's way back from the provider (code and state), sent again: with the session
    as it is after signing in, and with a copy of the cookie from before (kept by an attacker
    or a browser restoring tabs). Neither signs in."""
    Factory(live_app).user("staff", email="s.hughes@ashbrook.sch.uk")
    oidc_provider.set_accounts(shughes=microsoft_account("oid-sh", "s.hughes@ashbrook.sch.uk"))
    context = desktop.context
    answers: list[str] = []
    desktop.on(
        "request",
        lambda request: (
            answers.append(request.url) if "/login/microsoft/callback" in request.url else None
        ),
    )
    desktop.goto(f"{live_server.url}/login")
    desktop.get_by_role("button", name="Sign in with Microsoft 365").click()
    desktop.get_by_placeholder("Enter any login").fill("shughes")
    desktop.get_by_placeholder("and password").fill("anything")
    cookies_before = context.cookies(live_server.url)  # the attempt waits in the session
    desktop.get_by_role("button", name="Sign-in").click()
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
    (answer,) = answers
    desktop.get_by_role("button", name="Log out").click()

    desktop.goto(answer)
    refused_with(desktop, live_server.url, "That sign-in has expired or was used already")

    context.clear_cookies()
    context.add_cookies(cookies_before)
    desktop.goto(answer)
    refused_with(desktop, live_server.url, "That sign-in link has been used already")


@pytest.mark.parametrize("live_app_config", ["link"], indirect=True)
def test_the_school_may_let_staff_without_a_login_sign_in_as_staff(
    live_server, live_app, desktop, oidc_provider
):
    person = Factory(live_app).person("Mrs T Roebuck", email="t.roebuck@ashbrook.sch.uk")
    oidc_provider.set_accounts(
        troebuck=microsoft_account("oid-tr", "t.roebuck@ashbrook.sch.uk", roles=["Global Admin"])
    )
    sign_in_at_provider(desktop, live_server.url, "microsoft", "troebuck")
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
    with live_app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role, user.person_id) == (
            "t.roebuck@ashbrook.sch.uk",
            "staff",
            person.id,
        )


@pytest.mark.parametrize("live_app_config", ["staff passwords off"], indirect=True)
def test_with_staff_passwords_off_staff_use_the_button_and_admins_keep_passwords(
    live_server, live_app, desktop, oidc_provider
):
    make = Factory(live_app)
    teacher = make.user("staff")
    head = make.user("admin")
    desktop.goto(f"{live_server.url}/login")
    desktop.get_by_label("Email").fill(teacher.email)
    desktop.get_by_label("Password").fill(teacher.password)
    desktop.get_by_role("button", name="Log in").click()
    expect(desktop.get_by_role("alert")).to_contain_text("Staff sign in here with Microsoft 365")
    log_in(desktop, live_server.url, head)
    expect(desktop.get_by_role("button", name="Log out")).to_be_visible()
