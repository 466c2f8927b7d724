"""The private calendar feed and the calendar page: the link is made, shown once, replaced
and revoked; the feed needs no login, parses with icalendar, keeps its UIDs, bumps SEQUENCE
on a change, keeps cancelled bookings as cancelled, holds only that person's bookings, and
keeps Unicode names; the confirmation email carries the same event as an .ics, through a
real SMTP server. The clock stands at Monday 23/11/2026 09:00 (GMT)."""

import re

import pytest
from icalendar import Calendar
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Booking, CalendarFeed, Person
from assets.services.register import places
from tests.conftest import login
from tests.support.bookings import school
from tests.support.pages import text_of
from tests.support.smtp import send_mail_through


@pytest.fixture
def s(make, clock):
    found = school(make)
    found.lukasz = make.user("staff", person=True, name="Łukasz Żółć")
    with make.app.app_context():
        room = places.save_location(None, None, name="Pokój Żółty 12")
        db.session.get(Asset, found.trolley.id).location_id = room.id
        db.session.commit()
    return found


def make_link(client) -> str:
    page = client.post("/bookings/mine/calendar-feed", data={"action": "make"})
    assert page.status_code == 200
    found = re.search(r'value="(http[^"]+\.ics)"', page.text)
    assert found, text_of(page)
    return found.group(1).removeprefix("https://assets.school.test")


def book(client, **extra):
    data = {"tag": "TROLLEY-A", "day": "2026-11-24", "period": "Period 3", **extra}
    return client.post("/bookings/new", data=data)


def events(client, link):
    answer = client.get(link)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/calendar")
    return list(Calendar.from_ical(answer.data).walk("VEVENT"))


def test_the_feed_holds_ones_bookings_and_follows_their_changes(app, client, s, database):
    login(client, s.colleague)
    assert book(client, day="2026-11-25").status_code == 302  # someone else's
    client.post("/logout")
    login(client, s.lukasz)
    assert book(client, purpose="Year 9 Geografia").status_code == 302
    link = make_link(client)
    client.post("/logout")  # calendar apps cannot sign in

    first = events(client, link)
    assert len(first) == 1
    event = first[0]
    assert re.fullmatch(r"booking-\d+@assets\.school\.test", str(event["uid"]))
    assert str(event["summary"]).startswith("TROLLEY-A")
    assert str(event["status"]) == "CONFIRMED"
    assert "Łukasz Żółć" in str(event["description"])
    assert event.decoded("dtstart").isoformat() == "2026-11-24T11:10:00+00:00"
    assert "dtstamp" in event
    again = events(client, link)
    assert [str(e["uid"]) for e in again] == [str(event["uid"])]

    login(client, s.lukasz)
    with app.app_context():
        booking_id = db.session.scalar(select(Booking.id).where(Booking.purpose != ""))
    client.post("/bookings/cancel", data={"booking_id": booking_id})
    client.post("/logout")
    (cancelled,) = events(client, link)
    assert str(cancelled["uid"]) == str(event["uid"])
    assert cancelled["sequence"] > event["sequence"]
    assert str(cancelled["status"]) == "CANCELLED"


def test_a_replaced_or_revoked_link_answers_not_found(app, client, s, database):
    login(client, s.staff)
    old = make_link(client)
    new = make_link(client)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    page = client.get("/bookings/mine/calendar-feed")
    assert "It is not shown again" in text_of(page) and new not in page.text
    client.post("/bookings/mine/calendar-feed", data={"action": "revoke"})
    assert client.get(new).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(CalendarFeed)).all() == []
    for forged in ("x", "a" * 43, "..%2F..%2Fetc", "é" * 40):
        assert client.get(f"/bookings/feed/{forged}.ics").status_code == 404


def test_the_feed_stores_only_a_hash(app, client, s, database):
    login(client, s.staff)
    link = make_link(client)
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        (feed,) = db.session.scalars(select(CalendarFeed)).all()
        assert token not in feed.token_hash and len(feed.token_hash) == 64


def test_the_confirmation_email_carries_the_feeds_event(app, client, s, smtp_server, database):
    send_mail_through(app, smtp_server.port)
    login(client, s.lukasz)
    with app.app_context():
        db.session.get(Person, s.lukasz.person_id).email = "lukasz@school.test"
        db.session.commit()
    assert book(client).status_code == 302
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["lukasz@school.test"]
    assert "Łukasz Żółć" in received.body
    (attachment,) = list(received.message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    (mailed,) = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    link = make_link(client)
    (fed,) = events(client, link)
    assert str(mailed["uid"]) == str(fed["uid"])
    assert str(mailed["location"]) == str(fed["location"]) == "Pokój Żółty 12"


def test_the_calendar_page_shows_the_week_and_links_to_book(client, s, database):
    login(client, s.staff)
    book(client)
    page = client.get("/bookings/calendar/asset/TROLLEY-A?week=2026-11-25")
    text = text_of(page)
    assert page.status_code == 200
    assert "Week of 23/11/2026" in text
    assert "Tuesday 24/11/2026" in text and "Held" in text and "Free" in text
    assert "period=Period+4" in page.text or "period=Period%204" in page.text
    assert "week=2026-11-30" in page.text and "week=2026-11-16" in page.text


@pytest.mark.parametrize("week", ["garbage", "2026-13-01", "99999-01-01", "Łódź"])
def test_a_week_that_cannot_be_read_shows_this_week(client, s, week):
    login(client, s.staff)
    page = client.get(f"/bookings/calendar/asset/TROLLEY-A?week={week}")
    assert page.status_code == 200
    assert "could not be read" in text_of(page) and "Week of 23/11/2026" in text_of(page)


def test_an_unknown_tag_is_not_found(client, s):
    login(client, s.staff)
    assert client.get("/bookings/calendar/asset/NOPE").status_code == 404
