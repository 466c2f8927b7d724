"""The week's calendar in real Chromium: on a phone a section a day, nothing scrolls
sideways off the screen; on a desktop a table with headers; a free period's link opens the
booking form filled in; both pass axe-core. The clock stands at Monday 23/11/2026 09:00."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import audit
from tests.support.bookings import school
from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def test_the_week_on_a_phone_and_a_desktop(live_server, live_app, clock, phone, desktop):
    s = school(Factory(live_app))
    url = live_server.url
    log_in(phone, url, s.staff)
    phone.goto(f"{url}/bookings/calendar/asset/TROLLEY-A?week=2026-11-24")
    expect(phone.get_by_role("heading", name="Tuesday 24/11/2026")).to_be_visible()
    expect(phone.get_by_role("table")).to_be_hidden()
    wide = phone.evaluate("document.documentElement.scrollWidth")
    assert wide <= phone.viewport_size["width"], wide
    assert audit(phone, url, "the week on a phone")[1] == []
    phone.get_by_role("link", name="Book TROLLEY-A").first.click()
    expect(phone.get_by_label("Item")).to_have_value("TROLLEY-A")

    log_in(desktop, url, s.colleague)
    desktop.goto(f"{url}/bookings/calendar/asset/TROLLEY-A?week=2026-11-24")
    table = desktop.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Tuesday 24/11/2026")).to_be_visible()
    expect(table.get_by_role("rowheader", name="Period 3")).to_be_visible()
    assert audit(desktop, url, "the week on a desktop")[1] == []
    desktop.get_by_role(
        "link", name=re.compile(r"^Book TROLLEY-A.*, Tuesday 24.11.2026, Period 3$")
    ).click()
    expect(desktop.get_by_label("Lesson period")).to_have_value("Period 3")
    expect(desktop.get_by_label("Date", exact=True)).to_have_value("2026-11-24")
