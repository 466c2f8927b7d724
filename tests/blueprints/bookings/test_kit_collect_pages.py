"""Handing a booked kit over without JavaScript: each scan posts the form, the page comes
back with the parts ticked; a part not scanned or a stranger's tag is said plainly and
nothing is lent. The clock stands at Monday 23/11/2026 09:00 (GMT)."""

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Loan
from assets.services.bookings import bookings
from tests.conftest import login
from tests.support.bookings import at, kit, kit_school, person_of, user
from tests.support.pages import text_of


@pytest.fixture
def s(make, clock):
    make.terms()
    return kit_school(make)


def test_each_scan_ticks_a_part_and_nothing_goes_out_until_all_are_there(
    app, client, s, clock, database
):
    with app.app_context():
        made = bookings.book(
            user(s.technician),
            kit(s.kit_a),
            person_of(s.borrower),
            at("2026-11-23", "09:10"),
            at("2026-11-23", "10:00"),
            clock.now,
        ).id
        db.session.commit()
    login(client, s.technician)
    page = text_of(client.get("/bookings/today"))
    assert "Hand over KIT-A to Miss A Guthrie" in page
    address = f"/bookings/{made}/collect"
    page = text_of(client.get(address))
    assert "Parts: 0 of 9 scanned" in page and "ASH-0038 Charger A4 Not scanned yet" in page

    # A scanner's Enter posts the form with the "Add" button: the scan joins the box.
    page = text_of(client.post(address, data={"tags": "ASH-0030", "scan": "ash-0031", "add": "1"}))
    assert "Parts: 2 of 9 scanned" in page
    page = text_of(client.post(address, data={"tags": "ASH-0030\nASH-0031", "scan": "ASH-0041"}))
    assert "ASH-0041 is not part of kit KIT-A (iPad trolley A): put it aside." in page
    page = text_of(client.post(address, data={"tags": "ASH-0030\nASH-0031", "go": "1"}))
    assert "Not scanned yet: ASH-0032 iPad A2, ASH-0033 iPad A3" in page
    assert "Nothing was lent." in page
    # A signature sent with parts missing lends nothing either.
    page = text_of(
        client.post(address, data={"tags": "ASH-0030", "signature": "data:image/png;base64,AA"})
    )
    assert "Not scanned yet" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Loan.id))) == 0

    # The kit's own label: every part, and on to the signature.
    page = text_of(
        client.post(address, data={"scan": "https://assets.school.test/k/KIT-A", "add": "1"})
    )
    assert "Parts: 9 of 9 scanned" in page and "Every part is here" in page
