"""The confirmation emailed when a booking is made already approved (or approved later), with
the booking as an .ics: for an asset, a kit and a number of a pool's units alike. Through the
real SMTP test server; the clock stands at Monday 23/11/2026 09:00 (GMT)."""

from datetime import date

import pytest
from icalendar import Calendar

from assets.extensions import db
from assets.models import Kit, Pool
from assets.services.bookings import booking_mail, bookings, pool_bookings
from tests.support.bookings import asset, at, person_of, school, user
from tests.support.smtp import send_mail_through


@pytest.fixture
def s(make, database, clock, app, smtp_server):
    make.terms()
    send_mail_through(app, smtp_server.port)
    found = school(make)
    found.zoe = make.person("Mrs Zoë O'Brien-Ngô", email="zoe.obrien@ashbrook.sch.uk")
    found.kit = make.kit(
        "KIT-V",
        "Visualiser kit",
        parts=[make.asset("VIS-01", location=make.location("Store")), make.asset("VIS-02")],
    )
    found.pool = make.pool("Loan iPads, IT office", units=3, location=make.location("IT office"))
    return found


def sent_calendar(message) -> Calendar:
    (attachment,) = list(message.message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    return Calendar.from_ical(attachment.get_content())


def test_a_kit_booking_is_emailed_with_the_kit_named(s, ctx, clock, smtp_server):
    made = bookings.book(
        user(s.technician),
        db.session.get(Kit, s.kit.id),
        person_of(s.zoe),
        at("2026-11-24", "09:00"),
        at("2026-11-24", "10:00"),
        clock.now,
    )
    db.session.commit()

    assert booking_mail.send_confirmation([made]) is True

    (message,) = smtp_server.messages
    assert message.rcpt_tos == ["zoe.obrien@ashbrook.sch.uk"]
    assert message.message["Subject"].startswith("Booked: KIT-V ")
    assert "Booked for you: KIT-V Visualiser kit" in message.body
    assert "Collect it from" not in message.body  # a kit is kept nowhere in particular
    (event,) = sent_calendar(message).walk("VEVENT")
    assert event["SUMMARY"] == "KIT-V Visualiser kit (booked)"
    assert "LOCATION" not in event


def test_a_pool_booking_is_emailed_with_its_number_and_where_to_collect(s, ctx, clock, smtp_server):
    made = pool_bookings.book_pool_repeating(
        user(s.technician),
        db.session.get(Pool, s.pool.id),
        person_of(s.zoe),
        2,
        at("2026-11-24", "09:00"),
        at("2026-11-24", "10:00"),
        date(2026, 12, 1),
        clock.now,
    )
    db.session.commit()

    assert booking_mail.send_confirmation(list(made)) is True

    (message,) = smtp_server.messages
    assert message.message["Subject"].startswith("Booked: 2 from Loan iPads, IT office ")
    assert message.message["Subject"].endswith(" and 1 more")
    assert "Booked for you: 2 from Loan iPads, IT office" in message.body
    assert "Collect it from: IT office" in message.body
    events = list(sent_calendar(message).walk("VEVENT"))
    assert [str(e["LOCATION"]) for e in events] == ["IT office", "IT office"]


def test_an_asset_booking_still_names_the_asset_and_its_place(make, s, ctx, clock, smtp_server):
    lab = make.asset("VIS-09", name="Visualiser", location=make.location("Lab 2"))
    made = bookings.book(
        user(s.technician),
        asset(lab),
        person_of(s.zoe),
        at("2026-11-24", "09:00"),
        at("2026-11-24", "10:00"),
        clock.now,
    )
    db.session.commit()

    assert booking_mail.send_confirmation([made]) is True

    (message,) = smtp_server.messages
    assert "Booked for you: VIS-09 Visualiser" in message.body
    assert "Collect it from: Lab 2" in message.body
