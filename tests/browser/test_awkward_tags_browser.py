"""A register moved from Snipe-IT on a phone: a tag with slashes, spaces, # and % typed into
the scanner opens its asset, and a 255-character name wraps on every page rather than
pushing it sideways."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser

TAG = "IT/2023/Łódź #7 50%-off?"
LONG_WORD = "Thunderbolt4DockingStationWithDualDisplayPortAndGigabitEthernet"
NAME = ("Dell Latitude 7440 with " + LONG_WORD + " ") * 3
NAME = NAME[:255].strip()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_awkward_tag_and_a_long_name_on_a_phone(live_server, live_app, phone):
    make = Factory(live_app)
    tech = make.user("technician")
    make.asset(TAG, name=NAME, location=make.location("ICT suite"))
    make.asset("IT", name="A decoy an unencoded / would open")
    page = phone
    log_in(page, live_server.url, tech, then="/scan")

    page.get_by_label("Or type the asset tag").fill(TAG.lower())
    page.get_by_label("Or type the asset tag").press("Enter")
    page.wait_for_url(live_server.url + "/a/" + quote(TAG, safe="/"))
    expect(page.get_by_role("heading", name=TAG)).to_be_visible()
    expect(page.get_by_text(NAME[:40])).to_be_visible()
    assert fits_the_phone(page), "the scan page wraps a long name"

    page.get_by_role("link", name="Full record and history").click()
    expect(page.get_by_role("heading", name=TAG)).to_be_visible()
    assert fits_the_phone(page), "the asset page wraps a long name"

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Name")).to_have_value(NAME)
    page.get_by_label("Notes").fill("n" * 5000)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"{TAG} saved.")).to_be_visible()

    page.goto(live_server.url + "/assets?q=" + quote("łódź #7"))
    expect(page.get_by_role("link", name=TAG)).to_be_visible()
    assert fits_the_phone(page), "the asset list fits a phone with a long tag and name"
