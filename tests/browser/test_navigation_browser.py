"""The top navigation in real Chromium: on a phone the bar folds behind the menu button and the
register pages sit in a menu inside it; on a desktop the menus open in place."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.menu import open_menu

pytestmark = pytest.mark.browser


def test_office_staff_on_a_phone_reach_a_page_inside_the_register_menu(
    live_server, live_app, phone
):
    make = Factory(live_app)
    office = make.user("office", name="Mrs J Office")
    make.location("Office store")
    page = phone
    log_in(page, live_server.url, office)

    categories = page.get_by_role("link", name="Categories", exact=True)
    register = page.get_by_role("button", name="Register", exact=True)
    expect(register).to_be_hidden()
    open_menu(page)
    expect(page.get_by_role("link", name="Assets", exact=True)).to_be_visible()
    expect(categories).to_be_hidden()
    register.click()
    expect(register).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Import", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Admin", exact=True)).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the open menu fits a phone screen without sideways scrolling"

    page.get_by_role("link", name="Locations", exact=True).click()
    expect(page.get_by_role("heading", name="Locations")).to_be_visible()
    expect(page.get_by_text("Office store")).to_be_visible()
    expect(register).to_be_hidden()
    open_menu(page)
    expect(register).to_have_class("nav-link dropdown-toggle active")
    register.click()
    expect(page.get_by_role("link", name="Locations", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_a_staff_member_on_a_phone_sees_no_register_menu(live_server, live_app, phone):
    make = Factory(live_app)
    teacher = make.user("staff", person=True, name="Miss A Guthrie")
    page = phone
    log_in(page, live_server.url, teacher)
    page.wait_for_url(live_server.url + "/my")
    expect(page.get_by_role("heading", name="My equipment")).to_be_visible()

    open_menu(page)
    nav = page.locator("#nav .navbar-nav")
    expect(nav.get_by_role("link")).to_have_text(
        ["Scan", "My equipment", "Bookings", "Pools", "My incidents"]
    )
    expect(nav.get_by_role("link", name="My equipment", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("button", name="Register", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Admin", exact=True)).to_have_count(0)
    page.get_by_role("link", name="My incidents", exact=True).click()
    expect(page.get_by_role("heading", name="My incidents")).to_be_visible()


def test_the_head_teacher_at_a_desktop_opens_the_admin_menu_by_mouse_and_keyboard(
    browser, live_server, live_app
):
    make = Factory(live_app)
    head = make.user("admin", name="Mrs H Roebuck")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        log_in(page, live_server.url, head)
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        bar = page.locator("nav.navbar")
        assert bar.bounding_box()["height"] < 80, "the bar is one line on a desktop"

        page.get_by_role("button", name="Admin", exact=True).click()
        page.get_by_role("link", name="Logins", exact=True).click()
        expect(page.get_by_role("heading", name="Logins")).to_be_visible()
        expect(page.get_by_role("button", name="Admin", exact=True)).to_have_class(
            "nav-link dropdown-toggle active"
        )

        page.get_by_role("button", name="Register", exact=True).focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Staff", exact=True)).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("link", name="Staff", exact=True)).to_be_hidden()
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"
