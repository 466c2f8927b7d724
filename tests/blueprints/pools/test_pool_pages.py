"""The pool pages: making a pool, booking a number of its units by period (bad numbers get
a message, nothing is booked), a forged pool id is a 404, and the desk's list hands a pool
booking over by scanning. The clock stands at Monday 23/11/2026 09:00 (GMT)."""

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Booking, Pool
from assets.models.booking import LONGEST_BOOKING
from assets.services.schoolweek import week
from tests.conftest import login
from tests.support.bookings import school
from tests.support.pages import text_of
from tests.support.smtp import send_mail_through


@pytest.fixture
def s(make, clock):
    make.terms()
    s = school(make)
    s.pool = make.pool("Loan iPads, IT office", units=4)
    return s


def booked(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Booking.id)))


def test_a_technician_makes_a_pool_with_a_unicode_name(app, client, make, s):
    category, location = make.category("Caméra"), make.location("Salle d'Zoë")
    login(client, s.technician)
    page = client.post(
        "/pools/new",
        data={"name": "Caméras de Zoë", "category_id": category.id, "location_id": location.id},
        follow_redirects=True,
    )
    assert "Pool Caméras de Zoë made." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Pool).where(Pool.name == "Caméras de Zoë")) is not None


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Book at least 1."),
        ("-3", "Book at least 1."),
        ("lots", "Say how many as a whole number, such as 3."),
        ("", "Say how many as a whole number, such as 3."),
        ("5", "Loan iPads, IT office has 4 units: book 4 at most."),
    ],
)
def test_a_bad_number_is_refused_with_a_message(app, client, s, quantity, message):
    login(client, s.staff)
    page = client.post(
        f"/pools/{s.pool.id}/book",
        data={"quantity": quantity, "day": "2026-11-24", "period": "Period 3"},
    )
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert booked(app) == 0


def test_staff_book_3_for_period_3(app, client, s):
    login(client, s.staff)
    page = client.post(
        f"/pools/{s.pool.id}/book",
        data={"quantity": "3", "day": "2026-11-24", "period": "Period 3"},
        follow_redirects=True,
    )
    assert "3 from Loan iPads, IT office booked for Mr B Okafor." in page.get_data(as_text=True)
    assert booked(app) == 1


def test_a_forged_pool_id_is_not_found(client, s):
    login(client, s.technician)
    assert client.get("/pools/999999").status_code == 404
    assert client.get("/pools/999999/book").status_code == 404
    assert client.get("/pools/bookings/999999/collect").status_code == 404


def test_the_desk_hands_a_pool_booking_over_by_scanning(app, client, s, clock):
    login(client, s.technician)
    client.post(
        f"/pools/{s.pool.id}/book",
        data={
            "quantity": "2",
            "person_id": s.borrower.id,
            "day": "2026-11-23",
            "starts": "09:20",
            "ends": "10:00",
        },
    )
    with app.app_context():
        booking_id = db.session.scalar(select(Booking.id))
    today = client.get("/bookings/today").get_data(as_text=True)
    assert "2 from Loan iPads, IT office" in today
    url = f"/pools/bookings/{booking_id}/collect"
    assert url in today
    tags = s.pool.unit_tags
    page = client.post(url, data={"tags": tags[0]}).get_data(as_text=True)
    assert "Only 1 of 2 scanned." in page
    page = client.post(url, data={"tags": f"{tags[0]}\n{tags[1]}"}).get_data(as_text=True)
    assert "Confirm and sign" in page and tags[1] in page


def test_a_pool_booked_is_emailed_with_its_calendar_file(app, client, s, smtp_server):
    send_mail_through(app, smtp_server.port)
    login(client, s.staff)
    page = client.post(
        f"/pools/{s.pool.id}/book",
        data={"quantity": "3", "day": "2026-11-24", "period": "Period 3"},
        follow_redirects=True,
    )
    assert f"The booking was emailed to {s.staff.email}." in text_of(page)
    (message,) = smtp_server.messages
    assert message.message["Subject"].startswith("Booked: 3 from Loan iPads, IT office ")
    assert "Booked for you: 3 from Loan iPads, IT office" in message.body
    (attachment,) = list(message.message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert "SUMMARY:3 from Loan iPads\\, IT office (booked)" in attachment.get_content()


def test_a_mail_server_down_keeps_the_pool_booking_and_warns(app, client, s, smtp_server):
    send_mail_through(app, smtp_server.port)
    smtp_server.stop()
    login(client, s.staff)
    page = client.post(
        f"/pools/{s.pool.id}/book",
        data={"quantity": "1", "day": "2026-11-24", "period": "Period 3"},
        follow_redirects=True,
    )
    assert "1 from Loan iPads, IT office booked for Mr B Okafor." in text_of(page)
    assert "The booking is made, but it could not be emailed" in text_of(page)
    assert booked(app) == 1


def test_the_ordinary_collect_page_sends_a_pool_booking_to_its_scanning_page(app, client, s):
    login(client, s.technician)
    client.post(
        f"/pools/{s.pool.id}/book",
        data={
            "quantity": "2",
            "person_id": s.borrower.id,
            "day": "2026-11-23",
            "starts": "09:20",
            "ends": "10:00",
        },
    )
    with app.app_context():
        booking_id = db.session.scalar(select(Booking.id))
    for send in (client.get, client.post):
        page = send(f"/bookings/{booking_id}/collect")
        assert page.status_code == 302
        assert page.location.endswith(f"/pools/bookings/{booking_id}/collect")
    with app.app_context():
        assert db.session.get(Booking, booking_id).state == "approved"


@pytest.mark.parametrize("until", ["2200-12-31", "2027-11-26"])
def test_a_repeat_past_a_year_is_refused_before_the_school_week_is_read(
    app, client, s, monkeypatch, until
):
    read = []
    real = week.closed_days
    monkeypatch.setattr(week, "closed_days", lambda *span: read.append(span) or real(*span))
    login(client, s.staff)
    page = client.post(
        f"/pools/{s.pool.id}/book",
        data={"quantity": "1", "day": "2026-11-24", "period": "Period 3", "repeat_until": until},
    )
    assert page.status_code == 200
    assert "A booking can repeat for a year at most." in text_of(page)
    assert [span for span in read if span[1] - span[0] > LONGEST_BOOKING] == []
    assert booked(app) == 0
