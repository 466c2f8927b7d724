"""A teacher who forgot her password resets it from her phone, end to end: the email arrives
through a real SMTP server, its link works once, and a used or expired link says so."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import audit
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.smtp import send_mail_through

pytestmark = pytest.mark.browser


def _next_email(smtp_server, count: int):
    """The `count`-th message the server has received, waiting for it: the app sends it
    once the page's answer has gone."""
    for _ in range(200):
        if len(smtp_server.messages) >= count:
            return smtp_server.messages[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"email {count} never arrived")


def _ask_for_a_link(page, url, email):
    page.goto(url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("If that address has a login, we have sent it a link")).to_be_visible()


def test_a_teacher_resets_a_forgotten_password_by_email(
    live_server, live_app, phone, smtp_server, clock, caplog
):
    send_mail_through(live_app, smtp_server.port)
    teacher = Factory(live_app).user("staff", name="Miss A Guthrie")
    page = phone
    referers: list[str] = []
    page.on("request", lambda request: referers.append(request.headers.get("referer") or ""))

    _ask_for_a_link(page, live_server.url, teacher.email)
    received = _next_email(smtp_server, 1)
    assert received.rcpt_tos == [teacher.email]
    assert "Dear Miss A Guthrie" in received.body
    link = re.search(re.escape(live_server.url) + r"/password/reset/\S+", received.body).group(0)
    token = link.rsplit("/", 1)[1]

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert page.url == live_server.url + "/password/reset", "the token left the address bar"
    page.get_by_label("New password", exact=True).fill("weakpass")
    page.get_by_label("New password again").fill("weakpass")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_text("contain at least one capital letter")).to_be_visible()
    _, failing = audit(page, live_server.url, "the reset form with an error")
    assert not failing, "\n".join(failing)
    page.get_by_label("New password", exact=True).fill("Sunflower42")
    page.get_by_label("New password again").fill("Sunflower42")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_text("Your password has been changed. Log in with it.")).to_be_visible()
    assert not [r for r in referers if token in r], "the token never left in a Referer"

    teacher.password = "Sunflower42"
    log_in(page, live_server.url, teacher)
    expect(page.get_by_role("heading", name="My equipment")).to_be_visible()

    # The same link a second time.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_text("has expired or has already been used")).to_be_visible()

    # A new link, opened 30 minutes and a second after it was sent.
    page.get_by_role("link", name="Ask for a new link").click()
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("If that address has a login")).to_be_visible()
    second = _next_email(smtp_server, 2)
    late_link = re.search(re.escape(live_server.url) + r"/password/reset/\S+", second.body)
    clock.advance(minutes=30, seconds=1)
    page.goto(late_link.group(0))
    expect(page.get_by_text("has expired or has already been used")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    assert "/password/reset/[hidden]" in caplog.text
    assert token not in caplog.text, "the server's request log hides the token"


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    live_server, live_app, desktop, smtp_server
):
    send_mail_through(live_app, smtp_server.port)
    _ask_for_a_link(desktop, live_server.url, "nobody@ashbrook.sch.uk")
    time.sleep(0.5)
    assert smtp_server.messages == []
