"""The booking pages as staff and the desk use them: book from an asset's page, see a clash
with the free alternatives, cancel one's own booking, approve or decline requests; forged,
expired and nonsense requests give a message and change nothing. The clock stands at Monday
23/11/2026 09:00 (GMT)."""

import re

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Booking, Category, Person
from assets.models.booking import LONGEST_BOOKING
from assets.services.schoolweek import week
from tests.conftest import login
from tests.support.bookings import school
from tests.support.pages import count, text_of
from tests.support.smtp import send_mail_through


@pytest.fixture
def s(make, clock):
    return school(make)


def switch(client, user):
    client.post("/logout")
    login(client, user)


def form(tag="TROLLEY-A", day="2026-11-24", starts="09:50", ends="10:50", **extra) -> dict:
    return {"tag": tag, "day": day, "starts": starts, "ends": ends, **extra}


def states(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Booking).order_by(Booking.id)).all()
        return [(b.asset.tag, b.state) for b in rows]


def test_staff_book_from_the_asset_link_and_see_it_in_their_bookings(app, client, s, database):
    login(client, s.staff)
    page = client.get("/bookings/new?tag=TROLLEY-A&day=2026-11-24&starts=09:50&ends=bogus")
    assert page.status_code == 200
    assert 'value="TROLLEY-A"' in page.text and 'value="2026-11-24"' in page.text
    assert "For: Mr B Okafor" in text_of(page)
    done = client.post("/bookings/new", data=form(purpose="Year 9 science"))
    assert done.status_code == 302 and done.location.endswith("/bookings")
    mine = text_of(client.get("/bookings"))
    assert "TROLLEY-A" in mine and "24/11/2026 09:50\u201310:50" in mine
    assert "Year 9 science" in mine
    assert states(app) == [("TROLLEY-A", "approved")]


def test_a_clash_shows_when_it_is_booked_and_the_free_alternatives(app, client, s, database):
    login(client, s.staff)
    client.post("/bookings/new", data=form())
    switch(client, s.colleague)
    refused = client.post("/bookings/new", data=form(starts="10:00", ends="11:00"))
    assert refused.status_code == 200
    page = text_of(refused)
    assert "TROLLEY-A is not free then: booked 24/11/2026 09:50\u201310:50." in page
    assert "Okafor" not in page  # a colleague is not told who
    assert "Book TROLLEY-B instead" in page
    link = re.search(r'href="(/bookings/new\?tag=TROLLEY-B[^"]*)"', refused.text).group(1)
    chosen = client.get(link.replace("&amp;", "&"))
    assert 'value="TROLLEY-B"' in chosen.text and 'value="10:00"' in chosen.text
    assert states(app) == [("TROLLEY-A", "approved")]


def test_the_desk_sees_who_holds_it_and_books_for_anyone(app, client, s, database):
    login(client, s.staff)
    client.post("/bookings/new", data=form())
    switch(client, s.technician)
    page = text_of(client.post("/bookings/new", data=form(person_id=s.borrower.id)))
    assert "booked 24/11/2026 09:50\u201310:50 to Mr B Okafor" in page
    done = client.post("/bookings/new", data=form(tag="CAM-01", person_id=s.borrower.id))
    assert done.status_code == 302
    assert "for Miss A Guthrie" in text_of(client.get("/bookings"))


def test_staff_cannot_book_what_is_not_self_service_nor_for_others(app, client, s, database):
    login(client, s.staff)
    page = text_of(client.post("/bookings/new", data=form(tag="CAM-01")))
    assert "cannot be booked for yourself" in page
    # A forged person id is ignored: staff book only for themselves.
    client.post("/bookings/new", data=form(person_id=s.borrower.id))
    with app.app_context():
        (booking,) = db.session.scalars(select(Booking)).all()
        assert booking.person_id == s.staff.person_id


def test_until_midnight_is_the_end_of_that_day(app, client, s, database):
    login(client, s.staff)
    assert client.post("/bookings/new", data=form(starts="18:00", ends="00:00")).status_code == 302
    assert (
        client.post(
            "/bookings/new", data=form(day="2026-11-25", starts="00:00", ends="08:00")
        ).status_code
        == 302
    )
    mine = text_of(client.get("/bookings"))
    assert "24/11/2026 18:00\u201325/11/2026 00:00" in mine
    assert "25/11/2026 00:00\u201308:00" in mine


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (form(tag="NOPE-1"), "No asset or kit has the tag NOPE-1"),
        (form(tag=""), "Type or scan the tag"),
        (form(day="31/02/2026"), "Not a valid date"),
        (form(starts="25:00"), "Not a valid time"),
        (form(ends="09:00"), "The end must be after the start"),
        (form(day="2026-11-20"), "already passed"),
        (form(repeat_until="2026-11-01"), "Repeat until a date on or after"),
        (form(end_day="2028-01-01"), "a year at most"),
        (form(purpose="x" * 501), "cannot be longer than 500"),
    ],
)
def test_bad_input_gives_a_message_and_books_nothing(app, client, s, values, message):
    login(client, s.staff)
    response = client.post("/bookings/new", data=values)
    assert response.status_code == 200
    assert message in text_of(response) or message in response.text
    assert count(app, Booking) == 0


def test_a_weekly_booking_and_cancelling_one_week(app, client, s, database):
    login(client, s.staff)
    done = client.post("/bookings/new", data=form(repeat_until="2026-12-15"))
    assert done.status_code == 302
    assert len(states(app)) == 4
    with app.app_context():
        second = db.session.scalars(select(Booking.id).order_by(Booking.starts_at)).all()[1]
    cancelled = client.post("/bookings/cancel", data={"booking_id": second})
    assert cancelled.status_code == 302
    assert [state for _tag, state in states(app)] == [
        "approved",
        "cancelled",
        "approved",
        "approved",
    ]
    again = client.post("/bookings/cancel", data={"booking_id": second}, follow_redirects=True)
    assert "cannot be cancelled" in text_of(again)
    gone = client.post("/bookings/cancel", data={"booking_id": "99999"}, follow_redirects=True)
    assert "no longer exists" in text_of(gone)
    odd = client.post("/bookings/cancel", data={"booking_id": "²"}, follow_redirects=True)
    assert "no longer exists" in text_of(odd)


def test_a_colleague_cannot_cancel_my_booking(app, client, s, database):
    login(client, s.staff)
    client.post("/bookings/new", data=form())
    with app.app_context():
        booking_id = db.session.scalar(select(Booking.id))
    switch(client, s.colleague)
    refused = client.post(
        "/bookings/cancel", data={"booking_id": booking_id}, follow_redirects=True
    )
    assert "only your own bookings" in text_of(refused)
    assert states(app) == [("TROLLEY-A", "approved")]


def test_requests_wait_for_the_desk_to_approve_or_decline(app, client, s, database):
    with app.app_context():
        db.session.get(Category, s.trolleys.id).booking_needs_approval = True
        db.session.commit()
    login(client, s.staff)
    done = client.post("/bookings/new", data=form(), follow_redirects=True)
    assert "waiting for the IT technician's approval" in text_of(done)
    client.post("/bookings/new", data=form(day="2026-11-25"))
    assert client.get("/bookings/requests").status_code == 403
    assert client.post("/bookings/requests", data={}).status_code == 403
    with app.app_context():
        first, second = db.session.scalars(select(Booking.id).order_by(Booking.id)).all()
    switch(client, s.technician)
    listed = text_of(client.get("/bookings/requests"))
    assert "TROLLEY-A" in listed and "for Mr B Okafor" in listed
    client.post("/bookings/requests", data={"booking_id": first, "decision": "approve"})
    client.post("/bookings/requests", data={"booking_id": second, "decision": "decline"})
    assert states(app) == [("TROLLEY-A", "approved"), ("TROLLEY-A", "declined")]
    odd = client.post(
        "/bookings/requests",
        data={"booking_id": first, "decision": "delete"},
        follow_redirects=True,
    )
    assert "Choose approve or decline" in text_of(odd)
    twice = client.post(
        "/bookings/requests",
        data={"booking_id": first, "decision": "decline"},
        follow_redirects=True,
    )
    assert "already: nothing changed" in text_of(twice)
    assert "No bookings are waiting" in text_of(client.get("/bookings/requests"))


def test_a_login_without_a_staff_record_is_told_so(client, make, clock):
    login(client, make.user("office"))
    assert "not linked to a member of staff" in text_of(client.get("/bookings/new"))
    assert "no bookings coming up" in text_of(client.get("/bookings"))


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_booking_and_cancelling_need_the_forms_csrf_token(app, client, s):
    token = _token(client.get("/login").text)
    client.post(
        "/login", data={"email": s.staff.email, "password": s.staff.password, "csrf_token": token}
    )
    assert client.post("/bookings/new", data=form()).status_code == 400
    assert count(app, Booking) == 0
    token = _token(client.get("/bookings/new").text)
    assert client.post("/bookings/new", data=form(csrf_token=token)).status_code == 302
    with app.app_context():
        booking_id = db.session.scalar(select(Booking.id))
    assert client.post("/bookings/cancel", data={"booking_id": booking_id}).status_code == 400
    assert states(app) == [("TROLLEY-A", "approved")]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_desk_sets_what_booking_a_category_asks(app, client, s):
    switch(client, s.technician)
    page = client.get(f"/categories/{s.trolleys.id}/edit")
    assert "Booking ahead" in text_of(page)
    values = {
        "name": "iPad trolley",
        "terms_kind": "equipment",
        "loan_kind": "short",
        "default_loan_days": "7",
        "booking_needs_approval": "y",
        "max_booking_hours": "3",
        "min_notice_hours": "24",
    }
    assert client.post(f"/categories/{s.trolleys.id}/edit", data=values).status_code == 302
    with app.app_context():
        category = db.session.get(Category, s.trolleys.id)
        rules = (category.booking_needs_approval, category.max_booking_hours)
        assert (*rules, category.min_notice_hours, category.self_service) == (True, 3, 24, True)
    bad = client.post(f"/categories/{s.trolleys.id}/edit", data=values | {"max_booking_hours": "0"})
    assert bad.status_code == 200 and "Number must be" in text_of(bad)
    # Left empty: no limits any more.
    cleared = values | {"max_booking_hours": "", "min_notice_hours": ""}
    client.post(f"/categories/{s.trolleys.id}/edit", data=cleared)
    with app.app_context():
        category = db.session.get(Category, s.trolleys.id)
        assert (category.max_booking_hours, category.min_notice_hours) == (None, None)


def test_a_member_of_staff_who_has_left_is_told_why_they_cannot_book(app, client, s, make):
    login(client, s.staff)
    with app.app_context():
        db.session.get(Person, s.staff.person_id).active = False
        db.session.commit()
    page = text_of(client.post("/bookings/new", data=form()))
    assert "no longer on the staff list and cannot book equipment" in page
    assert count(app, Booking) == 0


def test_a_kit_booked_and_kit_and_pool_requests_approved_are_emailed(
    app, client, make, s, smtp_server, database
):
    send_mail_through(app, smtp_server.port)
    needs = make.category("Visualiser")
    with app.app_context():
        db.session.get(Category, needs.id).booking_needs_approval = True
        db.session.commit()
    make.kit("KIT-V", "Visualiser kit", parts=[make.asset("VIS-01", category=needs)])
    pool = make.pool("Visualisers, IT office", category=needs, units=2)
    login(client, s.staff)
    asked = client.post("/bookings/new", data=form(tag="KIT-V"), follow_redirects=True)
    assert "waiting for the IT technician's approval" in text_of(asked)
    client.post(f"/pools/{pool.id}/book", data={"quantity": "2", **form(tag="")})
    assert smtp_server.messages == []  # a request is not confirmed
    with app.app_context():
        kit_request, pool_request = db.session.scalars(select(Booking.id).order_by(Booking.id))

    switch(client, s.technician)
    for booking_id in (kit_request, pool_request):
        page = client.post(
            "/bookings/requests",
            data={"booking_id": booking_id, "decision": "approve"},
            follow_redirects=True,
        )
        assert page.status_code == 200
        assert f"The booking was emailed to {s.staff.email}." in text_of(page)
    booked = client.post(
        "/bookings/new",
        data=form(tag="KIT-V", day="2026-11-25", person_id=s.staff.person_id),
        follow_redirects=True,
    )
    assert "KIT-V booked for Mr B Okafor." in text_of(booked)
    assert f"The booking was emailed to {s.staff.email}." in text_of(booked)
    subjects = [m.message["Subject"] for m in smtp_server.messages]
    assert [subject.split(" ")[1] for subject in subjects] == ["KIT-V", "2", "KIT-V"]
    assert "2 from Visualisers, IT office" in smtp_server.messages[1].body
    switch(client, s.staff)
    mine = text_of(client.get("/bookings"))
    assert "Extend the booking of KIT-V on 24/11/2026" in mine
    assert "Extend the booking of 2 from Visualisers, IT office on 24/11/2026" in mine


@pytest.mark.parametrize("until", ["2200-12-31", "2027-11-26"])
def test_a_repeat_past_a_year_is_refused_before_the_school_week_is_read(
    app, client, s, monkeypatch, until
):
    read = []
    real = week.closed_days
    monkeypatch.setattr(week, "closed_days", lambda *span: read.append(span) or real(*span))
    login(client, s.staff)
    page = client.post("/bookings/new", data=form(repeat_until=until))
    assert page.status_code == 200
    assert "A booking can repeat for a year at most." in text_of(page)
    assert [span for span in read if span[1] - span[0] > LONGEST_BOOKING] == []
    assert count(app, Booking) == 0
