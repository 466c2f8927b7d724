"""The head teacher sets the school's week in real Chromium on a phone: moves Period 1's end,
is told plainly when a new period would overlap, and adds an INSET day to the default terms.
The page reads without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def test_the_head_sets_the_school_day_and_an_inset_day_on_a_phone(
    live_server, live_app, phone, clock
):
    """On 23/11/2026 (the frozen clock): the page shows 2026-2027 and 2027-2028."""
    head = Factory(live_app).user("admin", name="Mrs H Roebuck")
    page = phone
    log_in(page, live_server.url, head, "/school-week")
    expect(page.get_by_role("row", name="Period 1")).to_contain_text("08:50\u201309:50")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="Keep this day to change it").click()
    page.get_by_role("link", name="Edit Period 1").click()
    page.get_by_label("Ends at").fill("09:45")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row", name="Period 1")).to_contain_text("08:50\u201309:45")

    page.get_by_role("link", name="Add a period").click()
    page.get_by_label("Name").fill("Assembly")
    page.get_by_label("Starts at").fill("09:30")
    page.get_by_label("Ends at").fill("10:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".invalid-feedback")).to_contain_text(
        "overlaps Period 1 (08:50\u201309:45)"
    )
    expect(page.get_by_label("Name")).to_have_value("Assembly")
    page.get_by_role("link", name="Cancel").click()

    page.get_by_role("link", name="Add a holiday or closure").click()
    page.get_by_label("Kind").select_option("inset")
    page.get_by_label("Name").fill("Training day")
    page.get_by_label("First day closed").fill("2027-02-01")
    page.get_by_label("Last day closed").fill("2027-02-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("INSET day: Training day, 01/02/2027")).to_be_visible()
