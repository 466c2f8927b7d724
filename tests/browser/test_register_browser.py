"""A technician on a phone: log in, add an asset, find it by search, log out."""

import pytest
from playwright.sync_api import expect

from tests.support.factories import Factory
from tests.support.menu import open_menu

pytestmark = pytest.mark.browser


def test_technician_manages_the_register_from_a_phone(live_server, live_app, phone):
    make = Factory(live_app)
    tech = make.user("technician", name="Mr M Savage")
    make.category("Laptop")
    make.location("ICT suite")
    page = phone

    page.goto(live_server.url + "/assets")
    expect(page).to_have_url(live_server.url + "/login?next=%2Fassets")
    page.get_by_label("Email").fill(tech.email)
    page.get_by_label("Password").fill(tech.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Assets")).to_be_visible()

    page.get_by_role("link", name="Add an asset").click()
    page.get_by_label("Asset tag").fill("ASH-0500")
    page.get_by_label("Name").fill("Lenovo ThinkPad E14")
    page.get_by_label("Category").select_option(label="Laptop")
    page.get_by_label("Location").select_option(label="ICT suite")
    page.get_by_label("Serial number").fill("PF4Q81ZZ")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("ASH-0500 added to the register.")).to_be_visible()
    expect(page.get_by_role("heading", name="ASH-0500")).to_be_visible()

    open_menu(page)
    page.get_by_role("link", name="Assets", exact=True).click()
    page.get_by_placeholder("Tag, serial, name or holder").fill("q81z")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 asset", exact=True)).to_be_visible()
    row = page.get_by_role("link", name="ASH-0500")
    expect(row).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the list fits a phone screen without sideways scrolling"
    row.click()
    expect(page.get_by_text("PF4Q81ZZ")).to_be_visible()

    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out everywhere.")).to_be_visible()
    page.goto(live_server.url + "/assets")
    expect(page).to_have_url(live_server.url + "/login?next=%2Fassets")
