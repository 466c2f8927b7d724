"""Issue 16's "done when", in real Chromium: a teacher on a phone books "iPad trolley A" (a
kit: the trolley, 4 iPads, 4 chargers) for Tuesday Period 3 every week until the end of term,
half term left out; a colleague at a desktop is refused that Tuesday, the message naming the
booking and offering "iPad trolley B"; on the Tuesday the technician hands the kit over from
today's list by scanning its units as a USB scanner types them, and the teacher signs once; it
comes back with a charger missing, which is recorded, and today's list says so.

The clock stands at Monday 19/10/2026 09:00 BST, the week before half term."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assets.extensions import db
from assets.models import Booking, Event, Loan
from tests.browser.test_accessibility import audit
from tests.browser.test_loan_signing import draw_with_mouse, open_context
from tests.support.bookings import kit_school
from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser

PERIOD_3 = "Period 3 (11:10\u201312:10)"


def test_a_kit_booked_for_the_term_handed_over_by_scanning_and_back_without_a_charger(
    browser, live_server, live_app, clock, phone, desktop
):
    clock.move_to(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))  # 09:00 BST
    make = Factory(live_app)
    make.terms()
    make.school_week()
    s = kit_school(make)
    url = live_server.url
    failing = []

    # A teacher on a phone, from the kit's page.
    log_in(phone, url, s.staff)
    phone.goto(f"{url}/k/KIT-A")
    phone.get_by_role("link", name="Book this kit").click()
    expect(phone.get_by_label("Item")).to_have_value("KIT-A")
    phone.get_by_label("Date", exact=True).fill("2026-10-20")
    phone.get_by_label("Lesson period").select_option(label=PERIOD_3)
    phone.get_by_label("Every week until the end of this term").check()
    phone.get_by_role("button", name="Book", exact=True).click()
    expect(phone.get_by_role("alert")).to_contain_text(
        "KIT-A booked for Mr B Okafor on 8 Tuesdays, 20/10/2026 to 15/12/2026; "
        "not 27/10/2026 (Half term)."
    )
    expect(phone.get_by_text("20/10/2026 11:10\u201312:10")).to_be_visible()
    failing += audit(phone, url, "my bookings on a phone")[1]

    # A colleague at a desktop, the same Tuesday.
    log_in(desktop, url, s.colleague)
    desktop.goto(f"{url}/bookings/new?tag=KIT-A")
    desktop.get_by_label("Date", exact=True).fill("2026-10-20")
    desktop.get_by_label("Lesson period").select_option(label=PERIOD_3)
    desktop.get_by_role("button", name="Book", exact=True).click()
    expect(desktop.get_by_role("alert").first).to_contain_text(
        "KIT-A is not free then: booked 20/10/2026 11:10\u201312:10. Free instead: KIT-B."
    )
    expect(desktop.get_by_role("link", name="Book KIT-B instead (iPad trolley B)")).to_be_visible()
    failing += audit(desktop, url, "a kit's clash on a desktop")[1]

    # Tuesday, 10:50: the technician at the desk, the teacher beside them.
    clock.move_to(datetime(2026, 10, 20, 9, 50, tzinfo=UTC))
    context, desk = open_context(browser, viewport={"width": 1024, "height": 768})
    log_in(desk, url, s.technician)
    desk.goto(f"{url}/bookings/today")
    desk.get_by_role("link", name="Hand over KIT-A to Mr B Okafor").click()
    expect(desk.get_by_role("heading", name="Hand over kit KIT-A")).to_be_visible()
    scan = desk.get_by_label("Scan a part")
    for part in s.parts_a:
        scan.press_sequentially(part.tag, delay=5)
        scan.press("Enter")
    expect(desk.get_by_text("Parts: 9 of 9 scanned")).to_be_visible()
    expect(desk.locator("[data-part-tag='ASH-0038'] [data-state]")).to_have_text("Scanned")
    failing += audit(desk, url, "scanning a kit's parts")[1]
    desk.get_by_role("button", name="Continue to signing").click()
    expect(desk.get_by_text("Every part is here; due back: 20/10/2026")).to_be_visible()
    draw_with_mouse(desk)
    desk.get_by_role("button", name="Confirm and sign").click()
    desk.wait_for_url("**/signatures/**")
    expect(desk.get_by_role("alert").first).to_contain_text(
        "Mr B Okafor signed for KIT-A iPad trolley A."
    )

    # Back at 12:15 without its last charger.
    clock.move_to(datetime(2026, 10, 20, 11, 15, tzinfo=UTC))
    desk.goto(f"{url}/bookings/today")
    desk.get_by_role("link", name="Check in KIT-A from Mr B Okafor").click()
    charger = s.parts_a[-1]
    for part in s.parts_a:
        choice = "missing" if part is charger else "fine"
        desk.locator(f"#check-{part.id}-{choice}").check()
    desk.get_by_label("What is damaged or missing?").last.fill("Not in the trolley")
    desk.get_by_role("button", name="Check in").click()
    expect(desk.get_by_text("Still on loan, marked missing: ASH-0038.")).to_be_visible()
    desk.goto(f"{url}/bookings/today")
    expect(desk.get_by_text("Back except: ASH-0038 Charger A4")).to_be_visible()
    failing += audit(desk, url, "today's list with a kit back but a charger")[1]
    desk.goto(f"{url}/kits/{s.kit_a.id}")
    expect(desk.get_by_text("Missing since 20/10/2026")).to_be_visible()
    context.close()

    with live_app.app_context():
        made = db.session.scalars(select(Booking).order_by(Booking.starts_at)).all()
        assert len(made) == 8 and made[0].state == "collected"
        assert {b.state for b in made[1:]} == {"approved"}
        out = db.session.scalars(select(Loan).where(Loan.returned_at.is_(None))).all()
        assert [(loan.asset.tag, loan.booking_id) for loan in out] == [("ASH-0038", made[0].id)]
        assert db.session.scalar(select(Event.summary).where(Event.action == "kit.part_missing"))
    assert failing == []
