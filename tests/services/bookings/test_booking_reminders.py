"""`flask daily` tells bookers on the day: collect in the morning, and when it is due back.
Through the real SMTP test server, with the clock frozen; on both databases.

The clock starts at Monday 23/11/2026 09:00 (GMT); times are school-local."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Booking, Event, Kit, Pool
from assets.services.bookings import bookings, collections, pool_bookings
from assets.services.operations import daily
from tests.support import drawings
from tests.support.bookings import asset, at, booking, person_of, school, user
from tests.support.smtp import send_mail_through

COLLECT = [job for job in daily.JOBS if job.name == "booking-collect-reminders"]
RETURN = [job for job in daily.JOBS if job.name == "booking-return-reminders"]


@pytest.fixture
def s(make, database, clock, app, smtp_server):
    make.terms()
    send_mail_through(app, smtp_server.port)
    found = school(make)
    found.quinn = make.person("Mrs Zoë O'Brien-Ngô", email="zoe.obrien@ashbrook.sch.uk")
    found.nomail = make.person("Mr Łukasz Nomail", email=None)
    return found


def book(s, start, end, now, *, who=None, thing=None):
    made = bookings.book(
        user(s.technician), asset(thing or s.trolley), person_of(who or s.quinn), start, end, now
    )
    db.session.commit()
    return made.id


def run(jobs, now, **options):
    (result,) = daily.run(jobs, now=now, **options)
    return result


def test_each_booker_gets_one_email_listing_todays_bookings_once(s, ctx, clock, smtp_server):
    early = clock.now - timedelta(days=3)
    p1 = book(s, at("2026-11-23", "08:50"), at("2026-11-23", "09:50"), early, thing=s.spare)
    p3 = book(s, at("2026-11-23", "11:10"), at("2026-11-23", "12:10"), early)
    tomorrow = book(s, at("2026-11-24", "08:50"), at("2026-11-24", "09:50"), early)
    cancelled = book(s, at("2026-11-23", "13:50"), at("2026-11-23", "14:50"), early, who=s.staff)
    bookings.cancel(user(s.technician), booking(cancelled), early)
    db.session.commit()
    morning = at("2026-11-23", "06:30")

    result = run(COLLECT, morning)

    assert (result.outcome, result.summary) == ("done", "1 sent")
    (message,) = smtp_server.messages
    assert message.rcpt_tos == ["zoe.obrien@ashbrook.sch.uk"]
    assert message.message["Subject"] == "Today: collect your booked equipment from the IT desk"
    body = message.body
    assert "Dear Mrs Zoë O'Brien-Ngô" in body
    assert "TROLLEY-B" in body and "Period 1, 08:50\u201309:50" in body
    assert "TROLLEY-A" in body and "Period 3, 11:10\u201312:10" in body
    assert "collect them from the IT desk" in body
    assert booking(p1).collect_reminded_at == morning
    assert booking(p3).collect_reminded_at == morning
    assert booking(tomorrow).collect_reminded_at is None
    assert booking(cancelled).collect_reminded_at is None

    # The same day again: the job ran already; forced, nothing is reminded twice.
    assert run(COLLECT, morning + timedelta(hours=1)).outcome == "skipped"
    assert run(COLLECT, morning + timedelta(hours=2), force=True).summary == "0 sent"
    assert len(smtp_server.messages) == 1

    # The next morning: tomorrow's booking, alone.
    assert run(COLLECT, at("2026-11-24", "06:30")).summary == "1 sent"
    assert "Period 1, 08:50\u201309:50" in smtp_server.messages[-1].body
    assert "TROLLEY-B" not in smtp_server.messages[-1].body
    sent = db.session.scalars(
        select(Event.entity_id).where(Event.action == "booking.collect_reminder_sent")
    ).all()
    assert sorted(sent) == sorted([p1, p3, tomorrow])


def test_requested_declined_and_over_bookings_are_not_reminded(s, ctx, clock, smtp_server):
    early = clock.now - timedelta(days=3)
    declined = book(s, at("2026-11-23", "08:50"), at("2026-11-23", "09:50"), early)
    db.session.execute(
        Booking.__table__.update().where(Booking.id == declined).values(state="declined")
    )
    book(s, at("2026-11-23", "06:00"), at("2026-11-23", "07:00"), early, thing=s.spare)
    db.session.commit()
    result = run(COLLECT, at("2026-11-23", "07:30"))
    assert result.summary == "0 sent"
    assert smtp_server.messages == []


def test_a_booker_with_no_email_address_is_listed_not_a_crash(s, ctx, clock, smtp_server):
    early = clock.now - timedelta(days=3)
    made = book(s, at("2026-11-23", "08:50"), at("2026-11-23", "09:50"), early, who=s.nomail)
    result = run(COLLECT, at("2026-11-23", "06:30"))
    assert result.outcome == "done"
    assert result.summary == "0 sent, 1 to tell in person (no email address)"
    assert any("Mr Łukasz Nomail has no email address" in line for line in result.details)
    assert "Łukasz" not in result.summary
    assert smtp_server.messages == []
    assert booking(made).collect_reminded_at is None


def test_a_booking_at_midnight_on_a_summer_day_is_that_school_days(s, ctx, clock, smtp_server):
    # 00:00 BST on Tuesday 16/06/2027 is 23:00 UTC on Monday.
    clock.move_to(at("2027-06-10", "12:00"))
    made = book(s, at("2027-06-16", "00:00"), at("2027-06-16", "08:50"), clock.now)
    assert booking(made).starts_at.hour == 23

    assert run(COLLECT, at("2027-06-15", "06:30")).summary == "0 sent"
    result = run(COLLECT, at("2027-06-16", "06:30"))
    assert result.summary == "1 sent"
    assert "00:00\u201308:50" in smtp_server.messages[-1].body


def test_the_collector_is_told_when_it_is_due_back_once(s, ctx, clock, smtp_server):
    # A BST day: collected at 09:00, due back 15:30 school time (14:30 UTC).
    clock.move_to(at("2027-06-14", "08:00"))
    made = book(s, at("2027-06-14", "09:00"), at("2027-06-14", "15:30"), clock.now)
    other = book(
        s,
        at("2027-06-14", "09:00"),
        at("2027-06-14", "15:30"),
        clock.now,
        who=s.staff,
        thing=s.spare,
    )
    clock.move_to(at("2027-06-14", "09:00"))
    collections.collect(user(s.technician), booking(made), drawings.drawn_signature(), clock.now)
    db.session.commit()
    bookings.cancel(user(s.technician), booking(other), clock.now)
    db.session.commit()

    result = run(RETURN, at("2027-06-14", "09:30"))

    assert result.summary == "1 sent"
    (message,) = smtp_server.messages
    assert message.message["Subject"] == "Today: your booked equipment is due back"
    assert "TROLLEY-A" in message.body and "due back at 15:30" in message.body
    assert booking(made).return_reminded_at is not None
    assert run(RETURN, at("2027-06-14", "10:00"), force=True).summary == "0 sent"
    assert len(smtp_server.messages) == 1


def test_a_kit_and_a_pool_booked_are_reminded_by_their_tag_and_words(
    make, s, ctx, clock, smtp_server
):
    kit = make.kit("KIT-V", "Visualiser kit", parts=[make.asset("VIS-01"), make.asset("VIS-02")])
    pool = make.pool("Loan iPads, IT office", units=3, location=make.location("IT office"))
    early = clock.now - timedelta(days=3)
    tech = user(s.technician)
    bookings.book(
        tech,
        db.session.get(Kit, kit.id),
        person_of(s.quinn),
        at("2026-11-23", "08:50"),
        at("2026-11-23", "09:50"),
        early,
    )
    pool_bookings.book_pool(
        tech,
        db.session.get(Pool, pool.id),
        person_of(s.quinn),
        2,
        at("2026-11-23", "11:10"),
        at("2026-11-23", "12:10"),
        early,
    )
    pool_bookings.book_pool(
        tech,
        db.session.get(Pool, pool.id),
        person_of(s.nomail),
        1,
        at("2026-11-23", "11:10"),
        at("2026-11-23", "12:10"),
        early,
    )
    db.session.commit()

    result = run(COLLECT, at("2026-11-23", "06:30"))

    assert (result.outcome, result.summary) == (
        "done",
        "1 sent, 1 to tell in person (no email address)",
    )
    assert (
        "Reminded Mrs Zoë O'Brien-Ngô <zoe.obrien@ashbrook.sch.uk>: "
        "KIT-V, 2 from Loan iPads, IT office"
    ) in result.details
    assert (
        "Mr Łukasz Nomail has no email address: tell them in person (1 from Loan iPads, IT office)."
    ) in result.details
    (message,) = smtp_server.messages
    assert "KIT-V" in message.body and "2 from Loan iPads, IT office" in message.body
