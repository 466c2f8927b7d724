"""Signing for equipment in real Chromium: at the desk with the mouse, on a tablet with a
finger, and checking in on a phone. The receipt PDF is rendered to find the drawn ink."""

import io
import itertools
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image, ImageChops
from sqlalchemy import select

from assets.extensions import db
from assets.files.images.signatures import clean_signature
from assets.files.pdf.receipts import build_receipt_pdf
from assets.models import Asset, Loan, Signature
from assets.services.terms import signatures
from assets.services.terms.policy_texts import EQUIPMENT_TERMS, LAPTOP_TERMS
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.browser


@pytest.fixture
def signing_desk(live_app):
    make = Factory(live_app)
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    return SimpleNamespace(
        make=make,
        technician=make.user("technician", name="Mr M Savage"),
        borrower=make.person("Miss A Guthrie"),
        laptop=make.asset(
            "ASH-0001", category=laptops, name="Dell Latitude 3440", serial_number="DL-1"
        ),
        camera=make.asset("ASH-0025", category=cameras, name="Canon PowerShot"),
    )


def open_context(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    return context, page


POINTS = [(0.10, 0.70), (0.22, 0.25), (0.34, 0.78), (0.47, 0.30), (0.62, 0.72), (0.86, 0.50)]


def draw_with_mouse(page) -> None:
    canvas = page.locator("[data-signature-pad] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + box["width"] * POINTS[0][0], y + box["height"] * POINTS[0][1])
    page.mouse.down()
    for px, py in POINTS[1:]:
        page.mouse.move(x + box["width"] * px, y + box["height"] * py, steps=12)
    page.mouse.up()


def draw_with_finger(page) -> None:
    """Touch events as a finger makes them: CDP touch points (Chromium turns them into touch
    pointer events), about 60 a second, stamped with that pace whatever the machine's load, and
    a finger that comes to rest before it lifts. Chromium's gesture detector reads a stroke
    that ends moving (or whose events arrive bunched, as on a busy CI machine) as a fling, and
    the tap that follows only stops the fling: the confirm button never sees it."""
    canvas = page.locator("[data-signature-pad] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)
    started = time.time()
    sent = itertools.count()

    def touch(kind, *points):
        # Never ahead of the real clock: each event waits its 16 ms before it is sent.
        stamp = started + next(sent) * 0.016
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": list(points), "timestamp": stamp},
        )
        page.wait_for_timeout(16)

    def at(px, py):
        return {"x": box["x"] + box["width"] * px, "y": box["y"] + box["height"] * py}

    touch("touchStart", at(*POINTS[0]))
    for (ax, ay), (bx, by) in itertools.pairwise(POINTS):
        for step in range(1, 9):
            t = step / 8
            touch("touchMove", at(ax + (bx - ax) * t, ay + (by - ay) * t))
    for _ in range(8):
        touch("touchMove", at(*POINTS[-1]))
    touch("touchEnd")
    cdp.detach()
    page.wait_for_function("!document.querySelector('[data-signature-pad]').signaturePad.isEmpty()")
    page.wait_for_timeout(300)


def render_page_one(pdf: bytes, tmp_path, name: str) -> Image.Image:
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile", f"{name}.pdf", name],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / f"{name}.png") as image:
        return image.convert("L")


def text_and_body(pdf: bytes) -> tuple[str, str]:
    """The whole text, and the text without each page's running header and footer (so the
    terms read on across pages), both with the spacing squeezed."""
    lines = pdf_text(pdf).splitlines()
    furniture = re.compile(
        r"^(Verification code [0-9A-F-]{14}( +Page \d+ of \d+)?|Page \d+ of \d+"
        r"|.* - Equipment loan receipt - .*)$"
    )
    body = [line for line in lines if not furniture.match(line.strip())]
    return " ".join(" ".join(lines).split()), " ".join(" ".join(body).split())


def white_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (400, 150), 255).save(out, format="PNG")
    return out.getvalue()


def test_a_laptop_and_a_camera_signed_at_the_desk_with_the_mouse(
    browser, live_server, live_app, signing_desk, tmp_path
):
    context, page = open_context(browser, viewport={"width": 1024, "height": 768})
    try:
        log_in(page, live_server.url, signing_desk.technician)
        page.goto(f"{live_server.url}/loans/new?tag=ASH-0001")
        page.select_option("#person_id", str(signing_desk.borrower.id))
        page.fill("#tags", "ASH-0001\nASH-0025")
        page.click("text=Continue")
        page.wait_for_selector("text=Sign for equipment")
        assert "8.1 The laptop remains the property of the School" in page.inner_text(".terms-text")

        # Confirming unsigned is stopped in the page.
        page.click("#confirm")
        assert page.locator("[data-signature-error]").is_visible()
        draw_with_mouse(page)
        page.click("#confirm")
        page.wait_for_url(re.compile(r".*/signatures/\d+$"))
        assert "Miss A Guthrie signed for ASH-0001, ASH-0025." in page.inner_text("main")
        assert page.locator("img.signature-image").evaluate("img => img.naturalWidth") > 100

        with page.expect_download() as download:
            page.click("text=Download the PDF receipt")
        assert download.value.suggested_filename.startswith("receipt-")
        pdf = Path(download.value.path()).read_bytes()
        assert page.problems == []
    finally:
        context.close()

    with live_app.app_context():
        signature = db.session.scalar(select(Signature))
        assert pdf == signature.receipt_pdf
        blank = build_receipt_pdf(signatures.receipt_for(signature, white_png()))
        assert all(a.status == "on_loan" for a in db.session.scalars(select(Asset)))
    signed_page = render_page_one(pdf, tmp_path, "signed")
    blank_page = render_page_one(blank, tmp_path, "blank")
    # The two renders differ where the ink is (and where the verification codes differ).
    ink = ImageChops.difference(signed_page, blank_page).point(lambda v: 255 if v > 100 else 0)
    box = ink.crop((0, 0, signed_page.width, signed_page.height * 3 // 4)).getbbox()
    assert box is not None
    dark = signed_page.crop(box).point(lambda v: 255 if v < 80 else 0).histogram()[255]
    assert dark > 150
    assert box[2] - box[0] > 60  # a stroke across the box, not a dot
    everything, body = text_and_body(pdf)
    assert " ".join(LAPTOP_TERMS.split()) in body
    assert " ".join(EQUIPMENT_TERMS.split()) in body
    assert "Miss A Guthrie" in everything
    assert "DL-1" in everything
    assert f"Verification code: {signature.receipt_code}" in everything


def test_the_borrower_signs_later_on_a_tablet_with_a_finger(
    browser, live_server, live_app, signing_desk
):
    staff = signing_desk.make.user("staff", person=True, name="Mrs J Smullen")
    signing_desk.make.loan(signing_desk.camera, SimpleNamespace(id=staff.person_id), signed=False)
    context, page = open_context(
        browser,
        viewport={"width": 768, "height": 1024},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        log_in(page, live_server.url, staff)
        assert page.url.endswith("/my")
        page.tap("text=Read the terms and sign")
        page.wait_for_selector("text=Sign for your equipment")
        draw_with_finger(page)
        page.tap("#confirm")
        page.wait_for_url(re.compile(r".*/signatures/\d+$"))
        assert "Thank you: your signature is saved." in page.inner_text("main")
        assert page.problems == []
    finally:
        context.close()

    with live_app.app_context():
        loan = db.session.scalar(select(Loan))
        assert loan.signature.capture == "remote"
        drawn = clean_signature(loan.signature.image_png)
        assert drawn.width > 200


def test_a_borrower_without_a_login_signs_later_on_the_desk_tablet(
    browser, live_server, live_app, signing_desk
):
    signing_desk.make.loan(signing_desk.laptop, signing_desk.borrower, signed=False)
    signing_desk.make.loan(signing_desk.camera, signing_desk.borrower, signed=False)
    context, page = open_context(
        browser,
        viewport={"width": 768, "height": 1024},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        log_in(page, live_server.url, signing_desk.technician)
        page.goto(f"{live_server.url}/loans?show=unsigned")
        page.get_by_role("link", name="Sign at the desk").first.tap()
        page.wait_for_url(f"{live_server.url}/people/{signing_desk.borrower.id}/sign")
        assert "Miss A Guthrie" in page.inner_text("main")
        assert "At the IT desk with Mr M Savage" in page.inner_text("main")
        assert "8.1 The laptop remains the property of the School" in page.inner_text(".terms-text")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("[data-signature-pad] canvas").bounding_box()["width"] > 600

        draw_with_finger(page)
        page.tap("#confirm")
        page.wait_for_url(re.compile(r".*/signatures/\d+$"))
        assert "Miss A Guthrie signed for ASH-0001, ASH-0025." in page.inner_text("main")
        assert "at the IT desk" in page.inner_text("main")
        with page.expect_download() as download:
            page.tap("text=Download the PDF receipt")
        pdf = Path(download.value.path()).read_bytes()
        page.goto(f"{live_server.url}/loans?show=unsigned")
        assert page.get_by_role("link", name="Sign at the desk").count() == 0
        assert page.problems == []
    finally:
        context.close()

    with live_app.app_context():
        (signature,) = db.session.scalars(select(Signature)).all()
        assert signature.capture == "desk"
        assert signature.technician.name == "Mr M Savage"
        assert signature.receipt_pdf == pdf
        assert signatures.verify(signature)
        assert all(loan.signature_id == signature.id for loan in db.session.scalars(select(Loan)))
        assert clean_signature(signature.image_png).width > 200


def test_checking_in_on_a_phone_without_the_optional_signature(
    phone, live_server, live_app, signing_desk
):
    signing_desk.make.loan(signing_desk.laptop, signing_desk.borrower)
    log_in(phone, live_server.url, signing_desk.technician)

    phone.goto(f"{live_server.url}/assets/ASH-0001")
    phone.tap("text=Check in")
    phone.wait_for_selector("text=Check in ASH-0001")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.check("input[value=full_working]")
    phone.tap("#confirm")
    phone.wait_for_url(f"{live_server.url}/assets/ASH-0001")

    assert "ASH-0001 checked in from Miss A Guthrie." in phone.inner_text("main")
    with live_app.app_context():
        loan = db.session.scalar(select(Loan))
        assert loan.return_condition == "full_working"
        assert loan.return_signature_id is None


def test_the_signing_page_fits_a_phone(phone, live_server, signing_desk):
    log_in(phone, live_server.url, signing_desk.technician)
    phone.goto(f"{live_server.url}/loans/new?tag=ASH-0025&person={signing_desk.borrower.id}")
    phone.tap("text=Continue")
    phone.wait_for_selector("text=Sign for equipment")

    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    canvas = phone.locator("[data-signature-pad] canvas").bounding_box()
    assert canvas["width"] > 300
    # The terms are part of the page on a phone, not a box scrolling inside it.
    terms = phone.locator(".terms-text")
    assert terms.evaluate("el => el.scrollHeight <= el.clientHeight + 1"), "no inner scroll"
    assert terms.evaluate("el => getComputedStyle(el).overflowY") == "visible"
