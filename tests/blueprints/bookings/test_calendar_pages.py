"""The week pages of a kit and of a pool (the asset's template), the links to them (the kit's
page, the pool's page, My bookings' "Week" for every kind of booking), a free period's "Book"
filling the right form, and extending a kit's or a pool's booking from its page. The clock
stands at Monday 23/11/2026 09:00 (GMT)."""

import re
from types import SimpleNamespace

import pytest

from assets.extensions import db
from assets.models import Booking, Person
from tests.conftest import login
from tests.support.bookings import at, kit_school
from tests.support.pages import text_of
from tests.support.smtp import send_mail_through


@pytest.fixture
def s(make, clock):
    make.terms()
    s = kit_school(make)
    office = make.location("IT office")
    ipads = make.category("Loan iPad", default_loan_days=7)
    s.pool = make.pool("Loan iPads, IT office", category=ipads, location=office, units=3)
    s.me = SimpleNamespace(id=s.staff.person_id)
    return s


def hrefs(page) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page.text)]


def test_a_kits_week_shows_its_booking_and_books_a_free_period_by_its_tag(
    client, s, make, clock, database
):
    make.booking(kit=s.kit_a, person=s.me, start=at("2026-11-24", "08:50"), now=clock.now)
    login(client, s.staff)
    page = client.get("/bookings/calendar/kit/KIT-A?week=2026-11-25")
    text = text_of(page)
    assert page.status_code == 200
    assert "KIT-A iPad trolley A: the week" in text and "Week of 23/11/2026" in text
    assert "Booked for Mr B Okafor (booked)" in text and "Held" in text
    assert "/bookings/new?day=2026-11-24&period=Period+2&tag=KIT-A" in hrefs(page), [
        h for h in hrefs(page) if "new" in h
    ]
    form = client.get("/bookings/new?tag=KIT-A&day=2026-11-24&period=Period+2")
    assert 'value="KIT-A"' in form.text and 'value="2026-11-24"' in form.text


def test_a_kits_tag_on_the_asset_calendar_goes_to_the_kits_and_unknown_tags_are_not_found(
    client, s
):
    login(client, s.staff)
    moved = client.get("/bookings/calendar/asset/kit-a?week=2026-11-25")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith("/bookings/calendar/kit/KIT-A?week=2026-11-25")
    assert client.get("/bookings/calendar/kit/NOPE").status_code == 404
    assert client.get("/bookings/calendar/pool/999999").status_code == 404


def test_a_pools_week_counts_and_books_a_number_on_the_pools_form(client, s, make, clock, database):
    make.booking(
        pool=s.pool, quantity=2, person=s.me, start=at("2026-11-24", "11:10"), now=clock.now
    )
    login(client, s.colleague)
    page = client.get(f"/bookings/calendar/pool/{s.pool.id}?week=2026-11-23")
    text = text_of(page)
    assert page.status_code == 200
    assert "Loan iPads, IT office: the week" in text
    assert "1 of 3 free" in text and "3 of 3 free" in text
    # Not hers: how many, but not whose.
    assert "2 booked (booked)" in text and "Okafor" not in text
    link = f"/pools/{s.pool.id}/book?day=2026-11-24&period=Period+3"
    assert link in hrefs(page)
    form = client.get(link + "&quantity=1")
    assert form.status_code == 200
    assert 'value="2026-11-24"' in form.text
    assert re.search(
        r'<option selected value="Period 3">|<option value="Period 3" selected', form.text
    )
    assert 'name="quantity"' in form.text and 'value="1"' in form.text
    booked = client.post(
        link,
        data={
            "quantity": "1",
            "person_id": str(s.colleague.person_id),
            "day": "2026-11-24",
            "period": "Period 3",
        },
    )
    assert booked.status_code == 302, text_of(booked)


def test_the_kit_and_pool_pages_and_my_bookings_link_to_each_week(client, s, make, clock, database):
    make.booking(s.trolley, s.me, start=at("2026-11-24", "08:50"), now=clock.now)
    make.booking(kit=s.kit_a, person=s.me, start=at("2026-11-25", "08:50"), now=clock.now)
    make.booking(
        pool=s.pool, quantity=2, person=s.me, start=at("2026-11-30", "08:50"), now=clock.now
    )
    login(client, s.staff)
    assert "/bookings/calendar/kit/KIT-A" in hrefs(client.get("/k/KIT-A"))
    pool_page = client.get(f"/pools/{s.pool.id}")
    assert f"/bookings/calendar/pool/{s.pool.id}" in hrefs(pool_page)
    mine = client.get("/bookings")
    links = hrefs(mine)
    assert "/bookings/calendar/asset/TROLLEY-A?week=2026-11-24" in links
    assert "/bookings/calendar/kit/KIT-A?week=2026-11-25" in links
    assert f"/bookings/calendar/pool/{s.pool.id}?week=2026-11-30" in links
    for said in ("Week of TROLLEY-A", "Week of KIT-A", "Week of Loan iPads, IT office"):
        assert said in text_of(mine)


def test_a_kit_booking_and_a_pool_booking_are_extended_from_their_pages(
    app, client, s, make, clock, database
):
    kit_booking = make.booking(
        kit=s.kit_a, person=s.me, start=at("2026-11-24", "08:50"), now=clock.now
    )
    make.booking(kit=s.kit_a, start=at("2026-11-24", "10:50"), now=clock.now)
    pool_booking = make.booking(
        pool=s.pool, quantity=2, person=s.me, start=at("2026-11-24", "09:00"), now=clock.now
    )
    make.booking(pool=s.pool, quantity=2, start=at("2026-11-24", "10:30"), now=clock.now)
    login(client, s.staff)
    page = client.get(f"/bookings/{kit_booking.id}/extend")
    assert "Extend the booking of KIT-A iPad trolley A" in text_of(page)
    refused = client.post(
        f"/bookings/{kit_booking.id}/extend", data={"end_day": "2026-11-24", "ends": "10:51"}
    )
    assert "can be extended to 24/11/2026 10:50 at most" in text_of(refused)
    done = client.post(
        f"/bookings/{kit_booking.id}/extend",
        data={"end_day": "2026-11-24", "ends": "10:50"},
        follow_redirects=True,
    )
    assert "Booking of KIT-A extended" in text_of(done)

    page = client.get(f"/bookings/{pool_booking.id}/extend")
    assert "Extend the booking of 2 from Loan iPads, IT office" in text_of(page)
    refused = client.post(
        f"/bookings/{pool_booking.id}/extend", data={"end_day": "2026-11-24", "ends": "10:31"}
    )
    assert "this booking needs 2, so it can be extended to 24/11/2026 10:30 at most" in text_of(
        refused
    )
    done = client.post(
        f"/bookings/{pool_booking.id}/extend",
        data={"end_day": "2026-11-24", "ends": "10:30"},
        follow_redirects=True,
    )
    assert "Booking of 2 from Loan iPads, IT office extended" in text_of(done)
    with app.app_context():
        assert db.session.get(Booking, pool_booking.id).ends_at == at("2026-11-24", "10:30")


def test_a_kit_and_a_pool_booking_are_confirmed_by_email(app, client, s, smtp_server, database):
    send_mail_through(app, smtp_server.port)
    with app.app_context():
        db.session.get(Person, s.staff.person_id).email = "okafor@school.test"
        db.session.commit()
    login(client, s.staff)
    kit_form = {"tag": "KIT-A", "person_id": str(s.staff.person_id), "day": "2026-11-24"}
    booked = client.post("/bookings/new", data=kit_form | {"period": "Period 3"})
    assert booked.status_code == 302, text_of(booked)
    pool_form = {"quantity": "2", "person_id": str(s.staff.person_id), "day": "2026-11-25"}
    booked = client.post(f"/pools/{s.pool.id}/book", data=pool_form | {"period": "Period 3"})
    assert booked.status_code == 302, text_of(booked)
    first, second = smtp_server.messages
    assert "Booked for you: KIT-A iPad trolley A" in first.body
    assert "Booked for you: 2 from Loan iPads, IT office" in second.body
    assert "Collect it from: IT office" in second.body
