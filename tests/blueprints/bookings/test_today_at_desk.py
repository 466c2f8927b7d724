"""Today at the desk: the day's hand-overs and returns, handing a booked item over with one
signature, and checking it back in. The clock stands at Monday 23/11/2026 09:00 (GMT)."""

import pytest

from assets.extensions import db
from assets.models import Loan
from assets.services.bookings import bookings
from tests.conftest import login
from tests.support import drawings
from tests.support.bookings import asset, at, booking, person_of, school, user
from tests.support.pages import count, text_of


@pytest.fixture
def s(make, clock):
    make.terms()
    return school(make)


def book(app, s, start, end, now, thing=None):
    with app.app_context():
        made = bookings.book(
            user(s.technician),
            asset(thing or s.trolley),
            person_of(s.borrower),
            start,
            end,
            now,
            purpose="Year 5 science",
        )
        db.session.commit()
        return made.id


def test_the_desk_lists_today_and_hands_over_with_one_signature(app, client, s, clock, database):
    now = clock.now
    first = book(app, s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), now)
    book(app, s, at("2026-11-24", "09:10"), at("2026-11-24", "10:00"), now, s.spare)  # tomorrow
    login(client, s.technician)
    page = text_of(client.get("/bookings/today"))
    assert "To hand over (1)" in page
    assert "TROLLEY-A" in page and "TROLLEY-B" not in page
    assert "23/11/2026 09:10\u201310:00 · for Miss A Guthrie" in page
    assert "Due back (0)" in page

    signing = client.get(f"/bookings/{first}/collect")
    assert signing.status_code == 200
    assert "Hand over TROLLEY-A" in text_of(signing)
    assert "Due back 23/11/2026" in text_of(signing)
    terms_ids = signing.text.split('name="terms_ids" value="')[1].split('"')[0]

    unsigned = client.post(f"/bookings/{first}/collect", data={"terms_ids": terms_ids})
    assert unsigned.status_code == 200
    assert count(app, Loan) == 0

    done = client.post(
        f"/bookings/{first}/collect",
        data={"terms_ids": terms_ids, "signature": drawings.drawn_signature()},
    )
    assert done.status_code == 302
    assert "/signatures/" in done.headers["Location"]
    with app.app_context():
        assert booking(first).state == "collected"
    page = text_of(client.get("/bookings/today"))
    assert "To hand over (0)" in page and "Due back (1)" in page
    assert "Check in TROLLEY-A from Miss A Guthrie" in page

    again = client.post(
        f"/bookings/{first}/collect",
        data={"terms_ids": terms_ids, "signature": drawings.drawn_signature()},
        follow_redirects=True,
    )
    assert "already been handed over" in text_of(again)
    assert count(app, Loan) == 1

    back = client.post(
        "/assets/TROLLEY-A/return?next=/bookings/today",
        data={"condition": "full_working"},
    )
    assert back.headers["Location"].endswith("/bookings/today")
    with app.app_context():
        assert booking(first).state == "returned"


def test_too_early_goes_back_to_the_list_with_the_reason(app, client, s, clock, database):
    later = book(app, s, at("2026-11-23", "14:00"), at("2026-11-23", "15:00"), clock.now)
    login(client, s.technician)
    page = client.get(f"/bookings/{later}/collect", follow_redirects=True)
    assert "TROLLEY-A can be collected from 23/11/2026 13:30" in text_of(page)
    assert client.get("/bookings/999999/collect").status_code == 404


def test_staff_cannot_see_the_desk_list_or_hand_over(app, client, s, clock):
    first = book(app, s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    login(client, s.staff)
    assert client.get("/bookings/today").status_code == 403
    assert client.get(f"/bookings/{first}/collect").status_code == 403
    assert "Today at the desk" not in client.get("/bookings").text
