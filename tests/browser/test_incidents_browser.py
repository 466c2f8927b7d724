"""A teacher reports a lost laptop with a photo from a phone; the desk is emailed at once."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.support.factories import Factory, jpeg_bytes
from tests.support.smtp import send_mail_through

pytestmark = pytest.mark.browser


def test_a_borrower_reports_a_lost_laptop_with_a_photo_from_a_phone(
    live_server, live_app, phone, smtp_server
):
    send_mail_through(live_app, smtp_server.port)
    make = Factory(live_app)
    teacher = make.user("staff", person=True, name="Miss A Guthrie")
    make.user("admin", name="Mrs H Roebuck", email="head@ashbrook.sch.uk")
    technician = make.user("technician", name="Mr M Savage", email="it@ashbrook.sch.uk")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    make.lend(laptop, SimpleNamespace(id=teacher.person_id), by=technician)
    page = phone

    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill(teacher.email)
    page.get_by_label("Password").fill(teacher.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My equipment")).to_be_visible()
    page.get_by_role("link", name="Report a problem").click()
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()

    page.get_by_label("Which item?").select_option(label="ASH-0001 Dell Latitude 3440")
    page.get_by_label("What kind of problem?").select_option(label="Loss")
    page.get_by_label("When did it happen?").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("About what time?").fill("17:45")
    page.get_by_label("Where did it happen?").fill("Staff car park")
    page.get_by_label("What happened?").fill("Put it down by my car and drove off without it.")
    page.get_by_label("Photos (optional)").set_input_files(
        files=[{"name": "car-park.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(320, 240)}]
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the form fits a phone screen without sideways scrolling"
    page.get_by_role("button", name="Send the report").click()

    expect(
        page.get_by_text("The head teacher and IT technician have been emailed.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Incident #1: Loss")).to_be_visible()
    expect(page.get_by_text("Put it down by my car and drove off without it.")).to_be_visible()
    photo = page.get_by_role("img", name="Photo 1 of incident #1")
    expect(photo).to_be_visible()
    # Visible is not loaded: wait for the photo itself (0 if it fails to load).
    loaded_width = photo.evaluate(
        "img => img.complete ? img.naturalWidth : new Promise(done => {"
        " img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); })"
    )
    assert loaded_width == 320
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the report fits a phone screen without sideways scrolling"

    [received] = smtp_server.messages
    assert sorted(received.rcpt_tos) == ["head@ashbrook.sch.uk", "it@ashbrook.sch.uk"]
    assert received.message["Subject"] == "Loss reported: ASH-0001 Dell Latitude 3440 (incident #1)"
    link = f"{live_server.url}/incidents/1"
    assert link in received.body
    page.goto(link)
    expect(page.get_by_text("Staff car park")).to_be_visible()
    expect(page.get_by_text("Lost", exact=True)).to_be_visible()
