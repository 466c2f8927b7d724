"""The extension forms: a booking's page for its booker (or the desk), a loan's for the desk.
Plain forms (no JS), the refusal on the page with nothing changed. The clock stands at Monday
23/11/2026 09:00 (GMT)."""

from datetime import date
from types import SimpleNamespace

import pytest

from assets.extensions import db
from assets.models import Booking, Loan
from tests.conftest import login
from tests.support.bookings import at, school
from tests.support.pages import text_of


@pytest.fixture
def s(make, clock):
    make.terms()
    return school(make)


def test_a_booker_extends_their_booking_from_its_page(app, client, s, make, clock, database):
    mine = make.booking(
        s.trolley,
        SimpleNamespace(id=s.staff.person_id),
        start=at("2026-11-24", "08:50"),
        now=clock.now,
    )
    make.booking(s.trolley, start=at("2026-11-24", "10:50"), now=clock.now)
    login(client, s.staff)
    page = client.get(f"/bookings/{mine.id}/extend")
    assert "Extend the booking of TROLLEY-A" in text_of(page)
    refused = client.post(
        f"/bookings/{mine.id}/extend", data={"end_day": "2026-11-24", "ends": "11:00"}
    )
    assert "can be extended to 24/11/2026 10:50 at most" in text_of(refused)
    done = client.post(
        f"/bookings/{mine.id}/extend", data={"end_day": "2026-11-24", "ends": "10:50"}
    )
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Booking, mine.id).ends_at == at("2026-11-24", "10:50")


def test_someone_elses_booking_is_not_found(client, s, make, clock):
    theirs = make.booking(s.trolley, start=at("2026-11-24", "08:50"), now=clock.now)
    login(client, s.colleague)
    assert client.get(f"/bookings/{theirs.id}/extend").status_code == 404


def test_the_desk_extends_a_loan_up_to_the_next_booking(app, client, s, make, clock, database):
    loan = make.loan(s.trolley, due_on=date(2026, 11, 24), now=clock.now)
    make.booking(s.trolley, start=at("2026-11-27", "08:50"), now=clock.now)
    login(client, s.technician)
    assert "Extend the loan of TROLLEY-A" in text_of(client.get(f"/loans/{loan.id}/extend"))
    refused = client.post(f"/loans/{loan.id}/extend", data={"due_on": "2026-11-27"})
    assert "it can be extended to 26/11/2026 at most" in text_of(refused)
    done = client.post(f"/loans/{loan.id}/extend", data={"due_on": "2026-11-26"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Loan, loan.id).due_on == date(2026, 11, 26)
