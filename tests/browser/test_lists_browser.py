"""List pages on a phone: label tick boxes in reach of a thumb with "tick all on this page",
and filters that apply as soon as they are chosen (Go stays for pages without JavaScript)."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def test_a_technician_ticks_labels_on_a_phone(live_server, live_app, phone):
    make = Factory(live_app)
    tech = make.user("technician", name="Mr M Savage")
    laptops = make.category("Laptop")
    for number in range(1, 4):
        make.asset(f"LAP-{number:04d}", category=laptops, name="Lenovo ThinkPad E14 Gen 5 Intel")
    page = phone
    log_in(page, live_server.url, tech, "/assets")

    first = page.get_by_role("checkbox", name="Print a label for LAP-0001")
    box = first.bounding_box()
    assert box["x"] + box["width"] <= 390, "the tick box is on screen, no sideways scroll"
    cell = page.locator("label.label-pick").filter(has=first).bounding_box()
    assert cell["width"] >= 44 and cell["height"] >= 44, "the whole cell is the target"
    page.locator("label.label-pick").filter(has=first).tap()
    expect(first).to_be_checked()

    every = page.get_by_role("checkbox", name="Tick every asset on this page")
    expect(every).to_have_js_property("indeterminate", True)
    every.tap()
    for number in range(1, 4):
        expect(
            page.get_by_role("checkbox", name=f"Print a label for LAP-{number:04d}")
        ).to_be_checked()
    page.get_by_role("button", name="Print labels for the ticked").tap()
    expect(page.locator("textarea#tags")).to_have_value("LAP-0001\nLAP-0002\nLAP-0003")


def test_filters_apply_when_chosen_and_focus_comes_back(live_server, live_app, phone):
    make = Factory(live_app)
    office = make.user("office", name="Mrs J Office")
    laptops, cameras = make.category("Laptop"), make.category("Camera")
    make.asset("LAP-0001", category=laptops)
    make.asset("CAM-0001", category=cameras)
    page = phone
    log_in(page, live_server.url, office, "/assets")
    expect(page.get_by_role("button", name="Go")).to_be_visible()

    page.get_by_label("Category").select_option(label="Camera")
    page.wait_for_url(re.compile(r"category=\d+"))
    expect(page.get_by_role("link", name="CAM-0001")).to_be_visible()
    expect(page.get_by_role("link", name="LAP-0001")).to_have_count(0)
    expect(page.get_by_label("Category")).to_be_focused()

    # A search box waits for Enter (or Go): typing does not reload the page under the thumb.
    page.get_by_placeholder("Tag, serial, name or holder").fill("LAP")
    page.wait_for_timeout(300)
    assert "q=LAP" not in page.url
    page.get_by_placeholder("Tag, serial, name or holder").press("Enter")
    page.wait_for_url(re.compile(r"q=LAP"))


def test_a_keyboard_user_moves_through_a_filter_list_without_reloads(
    live_server, live_app, browser
):
    make = Factory(live_app)
    office = make.user("office")
    make.asset("LAP-0001", category=make.category("Laptop"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server.url, office, "/incidents")
        status = page.get_by_label("Status")
        status.focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(300)
        assert "status=" not in page.url, "no reload at each arrow key"
        page.keyboard.press("Tab")
        page.wait_for_url(re.compile(r"status=\w+"))
    finally:
        context.close()
