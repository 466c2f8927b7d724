"""Policy 10.2 in real Chromium: office staff find the unencrypted laptops and who holds them
through Register > Compliance; an admin who signs out an unencrypted laptop is asked why."""

import pytest
from playwright.sync_api import expect

from assets.services.loans import lending_rules
from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


@pytest.fixture
def unencrypted_laptops(live_app):
    make = Factory(live_app)
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    lent = make.asset("ASH-0007", category=laptops, name="HP ProBook 440", encrypted=False)
    make.asset("ASH-0014", category=laptops, name="Dell Latitude 3440", encrypted=False)
    make.asset("ASH-0001", category=laptops, name="Lenovo ThinkPad E14")
    make.loan(
        lent,
        make.person("Mrs S Judd"),
        by=make.user("admin"),
        reasons=lending_rules.Reasons(unencrypted="Annual reviews; BitLocker on Friday"),
    )
    return make


def test_office_staff_find_unencrypted_laptops_and_their_holders(
    live_server, unencrypted_laptops, desktop
):
    page = desktop
    log_in(page, live_server.url, unencrypted_laptops.user("office", name="Mrs S Mann"))

    page.get_by_role("button", name="Register", exact=True).click()
    page.get_by_role("link", name="Compliance", exact=True).click()

    expect(page.get_by_role("heading", name="Encryption compliance")).to_be_visible()
    expect(
        page.get_by_text("2 devices not marked encrypted: 1 on loan, 1 ready to lend.")
    ).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("ASH-0007")
    expect(rows.nth(0)).to_contain_text(
        "Lent unencrypted because: Annual reviews; BitLocker on Friday"
    )
    expect(rows.nth(1)).to_contain_text("ASH-0014")
    expect(rows.nth(1)).to_contain_text("Ready to lend")
    expect(page.get_by_text("ASH-0001")).to_have_count(0)
    expect(page.get_by_role("button", name="Register", exact=True)).to_have_class(
        "nav-link dropdown-toggle active"
    )

    rows.nth(0).get_by_role("link", name="Mrs S Judd").click()
    expect(page.get_by_role("heading", name="Mrs S Judd")).to_be_visible()


def test_an_admin_is_asked_why_before_lending_an_unencrypted_laptop(
    live_server, unencrypted_laptops, desktop
):
    page = desktop
    unencrypted_laptops.person("Mr B Okafor")
    log_in(page, live_server.url, unencrypted_laptops.user("admin", name="Mrs H Roebuck"))

    page.goto(live_server.url + "/loans/new?tag=ASH-0014")
    page.get_by_label("Borrower", exact=True).select_option(label="Mr B Okafor")
    reason_box = page.get_by_label("Why lend it although it is not marked encrypted?")
    expect(reason_box).to_have_count(0)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("ASH-0014 is a mobile device not marked as encrypted")).to_be_visible()
    reason_box.fill("Supply teacher starts today; encryption booked for tomorrow")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Sign for equipment")).to_be_visible()
    expect(page.locator("input[name=unencrypted_reason]")).to_have_value(
        "Supply teacher starts today; encryption booked for tomorrow"
    )
