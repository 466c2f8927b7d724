"""On a leaver's last day, in real Chromium: the technician works through the checklist for a
laptop and a camera (the camera comes back damaged), wipes the laptop, disables the accounts
and closes the checklist with both signatures drawn with the mouse."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assets.extensions import db
from assets.files.images.signatures import clean_signature
from assets.models import Incident, LeaverCase, Loan, User
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.leavers import new_leaver_with_kit
from tests.support.pdf import pdf_words
from tests.support.smtp import send_mail_through

pytestmark = pytest.mark.browser

POINTS = [(0.10, 0.70), (0.22, 0.25), (0.34, 0.78), (0.47, 0.30), (0.62, 0.72), (0.86, 0.50)]


def draw_with_mouse(page, pad: str) -> None:
    canvas = page.locator(f"#{pad}-pad canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + box["width"] * POINTS[0][0], y + box["height"] * POINTS[0][1])
    page.mouse.down()
    for px, py in POINTS[1:]:
        page.mouse.move(x + box["width"] * px, y + box["height"] * py, steps=12)
    page.mouse.up()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_technician_completes_a_leavers_checklist_and_both_sign(
    browser, live_server, live_app, smtp_server
):
    send_mail_through(live_app, smtp_server.port)
    leaver_with_kit = new_leaver_with_kit(live_app, Factory(live_app))
    context = browser.new_context(viewport={"width": 1024, "height": 800}, accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    try:
        log_in(page, live_server.url, leaver_with_kit.technician)
        page.get_by_role("link", name="Leavers").click()
        row = page.locator(".leaver-row", has_text="Mrs J Smullen")
        expect(row).to_contain_text("Leaves in 10 days")
        expect(row).to_contain_text("Holds 2 items")
        row.get_by_role("button", name="Start the checklist").click()
        expect(
            page.get_by_role("heading", name="Leaver's checklist: Mrs J Smullen")
        ).to_be_visible()
        expect(page.get_by_text("0 of 4 steps done")).to_be_visible()

        laptop = page.locator(f"#item-{leaver_with_kit.laptop_loan.id}")
        laptop.get_by_label("Returned in full working condition").check()
        laptop.get_by_role("button", name="Record ASH-0003").click()
        expect(
            page.get_by_text("ASH-0003 HP ProBook 440: returned in full working condition.")
        ).to_be_visible()

        camera = page.locator(f"#item-{leaver_with_kit.camera_loan.id}")
        camera.get_by_label("Returned damaged or not working").check()
        camera.get_by_label("What is damaged or missing").fill("Lens cracked; it will not focus.")
        camera.get_by_role("button", name="Record ASH-0025").click()
        expect(
            page.get_by_text(
                "Incident #1 filed: the head teacher and IT technician have been emailed."
            )
        ).to_be_visible()
        expect(page.locator(f"#item-{leaver_with_kit.camera_loan.id}")).to_contain_text(
            "Returned damaged or not working (damage incident #1)"
        )

        wipe = page.locator("#wipe-ASH-0003")
        wipe.get_by_label("How were the user account and personal work deleted?").select_option(
            label="Drive erased and re-imaged with the school's standard image"
        )
        wipe.get_by_label("Note (tool, certificate or reference)").fill("Image v3, job 4411")
        wipe.get_by_role("button", name="Record the wipe of ASH-0003").click()
        expect(page.get_by_text("ASH-0003 HP ProBook 440: wipe recorded.")).to_be_visible()

        page.get_by_label("Software or licence").fill("Adobe Creative Cloud seat")
        page.get_by_role("button", name="Add to the checklist").click()
        licence = page.locator("#licences ~ ul li", has_text="Adobe Creative Cloud seat")
        licence.get_by_role("button", name="Returned").click()
        expect(page.get_by_text("Adobe Creative Cloud seat: returned.")).to_be_visible()

        page.get_by_label("Account name or reference (optional)").fill("jsmullen")
        page.get_by_role("button", name="Disabled on the network").click()
        page.get_by_role("button", name="Deactivate their login").click()
        expect(page.get_by_text("is deactivated and all its sessions ended.")).to_be_visible()
        expect(page.get_by_text("6 of 6 steps done")).to_be_visible()

        page.get_by_role("link", name="Sign off and close").click()
        expect(page.get_by_role("heading", name="Close Mrs J Smullen's checklist")).to_be_visible()
        # Confirming unsigned is stopped in the page.
        page.get_by_role("button", name="Close and file the record").click()
        expect(page.get_by_text("Please sign off in the first box.")).to_be_visible()
        draw_with_mouse(page, "technician_signature")
        draw_with_mouse(page, "leaver_signature")
        page.get_by_role("button", name="Close and file the record").click()

        expect(
            page.get_by_text("Mrs J Smullen's checklist is closed and its signed record filed.")
        ).to_be_visible()
        expect(
            page.get_by_text("Signed off by Mr M Savage and signed by Mrs J Smullen")
        ).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the signed record (PDF)").click()
        assert re.fullmatch(
            r"leaver-record-\d+-[0-9A-F-]{14}\.pdf", download.value.suggested_filename
        )
        pdf = Path(download.value.path()).read_bytes()
        assert problems == []
    finally:
        context.close()

    text = pdf_words(pdf)
    for expected in (
        "ASH-0003 HP ProBook 440, serial HP-3",
        "ASH-0025 Canon PowerShot",
        "Lens cracked; it will not focus.",
        "Image v3, job 4411",
        "Adobe Creative Cloud seat",
        "Signed off by the IT technician",
        "Signed by the leaver at the IT desk",
    ):
        assert expected in text, expected
    with live_app.app_context():
        case = db.session.scalar(select(LeaverCase))
        assert case.status == "closed"
        assert pdf == case.record_pdf
        for role in ("technician", "leaver"):
            drawn = clean_signature(case.signature_of(role).image_png)
            assert drawn.width > 200, role  # a stroke across the box, not a dot
        loans = db.session.scalars(select(Loan).order_by(Loan.id)).all()
        assert [loan.return_condition for loan in loans] == ["full_working", "damaged"]
        assert db.session.scalar(select(Incident)).kind == "damage"
        assert not db.session.get(User, leaver_with_kit.staff.id).active
    [report_email] = smtp_server.messages
    assert report_email.message["Subject"].startswith("Damage reported: ASH-0025 Canon PowerShot")


def test_the_checklist_fits_a_phone(phone, live_server, live_app):
    make = Factory(live_app)
    leaver_with_kit = new_leaver_with_kit(live_app, make)
    case = make.leaver_case(leaver_with_kit.leaver, by=leaver_with_kit.technician)
    log_in(phone, live_server.url, leaver_with_kit.technician)
    phone.goto(f"{live_server.url}/leavers/{case.id}")
    expect(phone.get_by_role("button", name="Record ASH-0003")).to_be_visible()
    assert fits_the_screen(phone)
    phone.goto(f"{live_server.url}/leavers")
    expect(phone.get_by_text("Mrs J Smullen")).to_be_visible()
    assert fits_the_screen(phone)
