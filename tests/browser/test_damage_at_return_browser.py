"""A laptop comes back damaged: the technician checks it in on a phone and reports the damage
against the borrower's loan; the head teacher charges that borrower at a desktop; the laptop
is not offered for lending while the report is open."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_return_damage_report_and_a_charge_to_the_borrower(live_server, live_app, phone, browser):
    make = Factory(live_app)
    technician = make.user("technician", name="Mr M Savage")
    head = make.user("admin", name="Mrs H Roebuck")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    make.loan(laptop, make.person("Miss A Guthrie"), by=technician)

    log_in(phone, live_server.url, technician)
    phone.goto(f"{live_server.url}/assets/ASH-0001")
    phone.get_by_role("link", name="Check in").click()
    phone.get_by_label("Damaged or not working").check()
    phone.get_by_label("What is damaged or missing?").fill("Screen cracked across the corner")
    phone.get_by_role("button", name="Check in").click()

    expect(phone.get_by_role("heading", name="Report a problem")).to_be_visible()
    expect(phone.get_by_text("report it now")).to_be_visible()
    borrower = phone.get_by_label("Miss A Guthrie, who returned it on")
    expect(borrower).to_be_checked()
    expect(phone.get_by_label("What happened?")).to_have_value("Screen cracked across the corner")
    expect(phone.get_by_label("What kind of problem?")).to_have_value("damage")
    assert fits(phone), "the report form fits a phone screen"
    phone.get_by_role("button", name="Send the report").click()

    expect(phone.get_by_role("heading", name="Incident #1: Damage")).to_be_visible()
    details = phone.locator(".incident-details")
    expect(details).to_contain_text("Miss A Guthrie")
    expect(details).not_to_contain_text("Not on loan")

    phone.goto(f"{live_server.url}/assets/ASH-0001")
    hold = phone.locator(".lending-hold")
    expect(hold).to_contain_text("Not to be lent: Damage incident #1 is open")
    expect(phone.locator(".asset-actions").get_by_role("link", name="Sign out")).to_have_count(0)
    expect(phone.locator(".asset-details")).to_contain_text("Broken")
    phone.goto(f"{live_server.url}/a/ASH-0001")
    expect(phone.get_by_text("Damage incident #1", exact=False).first).to_be_visible()
    expect(phone.get_by_role("link", name="Check out")).to_have_count(0)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        desk = context.new_page()
        log_in(desk, live_server.url, head)
        desk.goto(f"{live_server.url}/incidents/1")
        desk.get_by_text("Decide on a charge").click()
        desk.get_by_label("Is a charge made?").select_option(label="Yes, the borrower is charged")
        desk.get_by_label("Amount (£)").fill("45.00")
        desk.get_by_label("Reason").fill("Carried without its case, against policy 8.3")
        desk.get_by_role("button", name="Record the decision").click()
        expect(desk.get_by_text("Charge decision recorded.")).to_be_visible()
        decision = desk.locator(".charge-decision")
        expect(decision).to_contain_text("A charge of £45.00 to be paid by Miss A Guthrie")
        desk.get_by_label("The charge was").select_option(label="Paid")
        desk.get_by_role("button", name="Record it").click()
        expect(desk.get_by_text("Charge recorded as paid.")).to_be_visible()
        expect(decision).to_contain_text("Paid on")
    finally:
        context.close()


def test_a_stocktake_checks_in_an_item_found_on_the_shelf(live_server, live_app, phone):
    make = Factory(live_app)
    technician = make.user("technician", name="Mr M Savage")
    make.location("Office store")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    make.loan(laptop, make.person("Miss A Guthrie"), by=technician)

    log_in(phone, live_server.url, technician)
    phone.goto(f"{live_server.url}/stocktakes")
    phone.get_by_label("Start a stocktake of").select_option(label="Office store")
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("Or type the asset tag").fill("ASH-0001")
    phone.get_by_role("button", name="Count").click()
    row = phone.locator('[data-list="unexpected"] [data-tag="ASH-0001"]')
    # Built by the page's script from the JSON reply, as every scan is.
    expect(row).to_have_class(re.compile(r"\bis-new\b"))
    expect(row).to_contain_text("It is on loan to Miss A Guthrie.")
    expect(row.get_by_role("button", name="Move to Office store")).to_be_visible()
    row.get_by_role("link", name="Check in from Miss A Guthrie").click()

    expect(phone.get_by_role("heading", name="Check in ASH-0001")).to_be_visible()
    phone.get_by_label("Full working condition").check()
    phone.get_by_role("button", name="Check in").click()
    expect(phone.get_by_text("ASH-0001 checked in from Miss A Guthrie.")).to_be_visible()
    expect(phone.get_by_role("heading", name="Stocktake of Office store")).to_be_visible()
    row = phone.locator('[data-list="unexpected"] [data-tag="ASH-0001"]')
    expect(row.get_by_role("link", name="Check in from Miss A Guthrie")).to_have_count(0)
