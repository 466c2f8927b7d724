"""Booking in real Chromium: a teacher on a phone books the iPad trolley for Tuesday 09:50 from
the scan page; a colleague at a desktop is refused with when it is booked and the free
trolley, books that one from the link, then books it for Period 3 every week until the end of
term; both pages pass axe-core. The clock stands at Monday 23/11/2026 09:00."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import audit
from tests.support.bookings import school
from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def fill_times(page, day: str, starts: str, ends: str) -> None:
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("From").fill(starts)
    page.get_by_label("Until", exact=True).fill(ends)


def test_a_clash_is_refused_with_the_free_trolley(live_server, live_app, clock, phone, desktop):
    s = school(Factory(live_app))
    url = live_server.url

    log_in(phone, url, s.staff)
    phone.goto(f"{url}/a/TROLLEY-A")
    phone.get_by_role("link", name="Book this").click()
    expect(phone.get_by_label("Item")).to_have_value("TROLLEY-A")
    fill_times(phone, "2026-11-24", "09:50", "10:50")
    phone.get_by_label("Repeat every week until").fill("2026-12-15")
    phone.get_by_role("button", name="Book", exact=True).click()
    expect(phone.get_by_role("alert")).to_contain_text(
        "TROLLEY-A booked for Mr B Okafor on 4 Tuesdays, 24/11/2026 to 15/12/2026."
    )
    expect(phone.get_by_text("24/11/2026 09:50\u201310:50")).to_be_visible()
    assert audit(phone, url, "my bookings on a phone")[1] == []

    log_in(desktop, url, s.colleague)
    desktop.goto(f"{url}/bookings/new?tag=TROLLEY-A")
    fill_times(desktop, "2026-12-01", "10:00", "11:00")
    desktop.get_by_role("button", name="Book", exact=True).click()
    expect(desktop.get_by_role("alert").first).to_contain_text(
        "TROLLEY-A is not free then: booked 01/12/2026 09:50\u201310:50"
    )
    expect(desktop.get_by_text("Okafor")).to_have_count(0)
    assert audit(desktop, url, "a clash on a desktop")[1] == []
    desktop.get_by_role("link", name="Book TROLLEY-B instead").click()
    expect(desktop.get_by_label("Item")).to_have_value("TROLLEY-B")
    expect(desktop.get_by_label("From")).to_have_value("10:00")
    desktop.get_by_role("button", name="Book", exact=True).click()
    expect(desktop.get_by_role("alert")).to_contain_text("TROLLEY-B booked for Ms C Nowak")

    # Period 3 every week until the end of term, chosen without typing any time.
    desktop.goto(f"{url}/bookings/new?tag=TROLLEY-B")
    desktop.get_by_label("Date", exact=True).fill("2026-11-26")
    desktop.get_by_label("Lesson period").select_option(label="Period 3 (11:10\u201312:10)")
    desktop.get_by_label("Every week until the end of this term").check()
    desktop.get_by_role("button", name="Book", exact=True).click()
    expect(desktop.get_by_role("alert")).to_contain_text(
        "TROLLEY-B booked for Ms C Nowak on 4 Thursdays, 26/11/2026 to 17/12/2026."
    )
    expect(desktop.get_by_text("17/12/2026 11:10\u201312:10")).to_be_visible()
