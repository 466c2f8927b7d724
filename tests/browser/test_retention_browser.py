"""Retention in real Chromium: six years after Łukasz Żółć left, the head teacher finds him
through Staff > Retention, reads what will be removed and kept, and confirms."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def test_an_admin_anonymises_a_leaver_past_retention(live_app, live_server, desktop, clock):
    make = Factory(live_app)
    gone = make.person("Łukasz Żółć", active=False, contract_end_date=date(2019, 8, 31))
    clock.advance(days=6 * 366 + 1)
    page = desktop
    log_in(page, live_server.url, make.user("admin", name="Mrs H Teacher"))

    page.goto(live_server.url + "/people/")
    page.get_by_role("link", name="Retention", exact=True).click()
    expect(page.get_by_role("heading", name="Personal data past retention")).to_be_visible()
    page.get_by_role("link", name="Anonymise Łukasz Żółć…").click()

    expect(page.get_by_role("heading", name="Anonymise Łukasz Żółć")).to_be_visible()
    expect(page.get_by_role("heading", name="Removed, for good")).to_be_visible()
    page.get_by_role("button", name="Anonymise Łukasz Żółć now").click()

    pseudonym = f"Former member of staff #{gone.id}"
    expect(page.get_by_role("heading", name=pseudonym)).to_be_visible()
    expect(page.get_by_text(f"{pseudonym} anonymised")).to_be_visible()
    expect(page.get_by_text("Łukasz Żółć")).to_have_count(0)
