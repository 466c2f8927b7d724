"""The head teacher fixes a teacher's login in real Chromium: a locked account, a wrong role
and a forgotten password; the teacher then logs in with the temporary password and must choose
their own. On a phone the logins list reads without sideways scrolling."""

import re

import pytest
from playwright.sync_api import expect

from assets.extensions import db
from assets.models import User
from assets.models.base import utcnow
from assets.services.common.errors import LoginRefused
from assets.services.people import logins, passwords
from tests.browser.test_accessibility import audit
from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def _lock_out(app, user) -> None:
    """Wrong passwords until the login locks, as a forgetful teacher would type them."""
    with app.app_context():
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            try:
                logins.authenticate(user.email, "Forgotten1")
            except LoginRefused:
                db.session.commit()
        assert logins.is_locked(db.session.get(User, user.id))


def test_the_head_unlocks_corrects_the_role_and_resets_a_forgotten_password(
    live_server, live_app, desktop
):
    make = Factory(live_app)
    head = make.user("admin", name="Mrs A Head")
    teacher = make.user("office", name="Mrs J Smullen", person=True)
    _lock_out(live_app, teacher)
    page = desktop
    log_in(page, live_server.url, head, "/logins")

    row = page.locator(".login-row").filter(has_text=teacher.email)
    expect(row).to_contain_text("Office staff")
    expect(row).to_contain_text(re.compile(r"Locked until \d\d/\d\d/\d{4} \d\d:\d\d"))
    expect(row).to_contain_text(re.compile(r"Last signed in\s*Never"))
    row.get_by_role("button", name="Unlock Mrs J Smullen").click()
    expect(page.locator(".alert").first).to_contain_text("is unlocked")
    expect(row).not_to_contain_text("Locked until")

    row.get_by_role("link", name="Edit Mrs J Smullen").click()
    expect(page.get_by_role("heading", name="Edit the login of Mrs J Smullen")).to_be_visible()
    page.get_by_label("Role").select_option(label="Staff")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert").first).to_contain_text("logged out everywhere")
    expect(row).to_contain_text(re.compile(r"Role\s*Staff\b"))

    row.get_by_role("link", name="Reset password of Mrs J Smullen").click()
    page.get_by_label("Temporary password", exact=True).fill("Welcome2026")
    page.get_by_label("Temporary password again").fill("Welcome2027")
    page.get_by_role("button", name="Reset the password").click()
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    page.get_by_label("Temporary password", exact=True).fill("Welcome2026")
    page.get_by_label("Temporary password again").fill("Welcome2026")
    page.get_by_role("button", name="Reset the password").click()
    expect(page.locator(".alert").first).to_contain_text("has a temporary password")
    page.get_by_role("button", name="Log out").click()

    page.get_by_label("Email").fill(teacher.email)
    page.get_by_label("Password").fill("Welcome2026")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/account/password"))
    expect(page.get_by_text("Please choose a new one")).to_be_visible()
    page.get_by_label("Current password").fill("Welcome2026")
    page.get_by_label("New password", exact=True).fill("Smullen2026")
    page.get_by_label("New password again").fill("Smullen2026")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    with live_app.app_context():
        user = db.session.get(User, teacher.id)
        assert user.role == "staff" and not passwords.password_expired(user)


def test_the_logins_list_reads_on_a_phone(live_server, live_app, phone):
    """Every state a row can show at once: locked, deactivated, signed in with Microsoft 365,
    a long name and email; readable on 390 px and passing axe-core."""
    make = Factory(live_app)
    head = make.user("admin", name="Mrs A Head")
    long = make.user(
        "technician",
        name="Mr Maximilian Savage-Wolstenholme",
        email="maximilian.savage-wolstenholme.it-support@ashbrook-infant-and-nursery.sch.uk",
        person=True,
    )
    _lock_out(live_app, long)
    gone = make.user("office", name="Mr O Gone")
    with live_app.app_context():
        db.session.get(User, gone.id).active = False
        logins.record_sign_in(db.session.get(User, head.id), "microsoft", utcnow())
        db.session.commit()
    page = phone
    log_in(page, live_server.url, head, "/logins")
    expect(page.get_by_text("Mr Maximilian Savage-Wolstenholme").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(
        page.get_by_role("button", name="Unlock Mr Maximilian Savage-Wolstenholme")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Reactivate Mr O Gone")).to_be_visible()
    _, failing = audit(page, live_server.url, "/logins on a phone")
    assert failing == []
