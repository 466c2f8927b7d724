"""Bookings in the school's week: Tuesday period 3 every week until the end of term leaves out
half term and an INSET Tuesday, says so, and stays 11:10 local across the change of clocks.
On both databases. The clock stands at Tuesday 01/09/2026 08:00 (BST), before the autumn
term of the default school year 2026-27 (half term 26/10-30/10/2026, the clocks go back on
Sunday 25/10/2026, the term ends on 18/12/2026)."""

from datetime import date

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Booking, Event
from assets.services.bookings import bookings, repeats
from assets.services.common.errors import DomainError
from assets.services.schoolweek import editing, week
from tests.support.bookings import LONDON, asset, at, person_of, school, user


@pytest.fixture
def s(make, database, clock):
    clock.move_to(at("2026-09-01", "08:00"))
    return school(make)


def book_period_3_until_end_of_term(s, first: date):
    period = week.period_named("Period 3")
    start, end = week.period_times(first, period)
    return bookings.book_repeating(
        user(s.technician),
        asset(s.trolley),
        person_of(s.borrower),
        start,
        end,
        week.end_of_term(first),
        at("2026-09-01", "08:00"),
        skip=week.why_closed,
    )


def test_tuesday_period_3_until_the_end_of_term_skips_half_term_and_inset(s, ctx, make):
    admin = make.user("admin")
    editing.add_closure(
        user(admin),
        kind="inset",
        name="Staff training",
        first_day=date(2026, 11, 10),
        last_day=date(2026, 11, 10),
    )
    db.session.commit()

    made = book_period_3_until_end_of_term(s, date(2026, 9, 8))
    db.session.commit()

    local = [b.starts_at.astimezone(LONDON) for b in made]
    assert [d.strftime("%d/%m") for d in local] == [
        "08/09", "15/09", "22/09", "29/09", "06/10", "13/10", "20/10",
        "03/11", "17/11", "24/11", "01/12", "08/12", "15/12",
    ]  # fmt: skip
    assert {(d.strftime("%H:%M"), b.ends_at.astimezone(LONDON).strftime("%H:%M"))
            for d, b in zip(local, made, strict=True)} == {("11:10", "12:10")}  # fmt: skip
    # The same wall clock, a different UTC hour either side of 25/10/2026.
    assert made[6].starts_at.hour == 10 and made[7].starts_at.hour == 11
    assert made.skipped == [
        (date(2026, 10, 27), "Half term"),
        (date(2026, 11, 10), "Staff training"),
    ]
    assert repeats.skipped_text(made.skipped) == (
        "27/10/2026 (Half term), 10/11/2026 (Staff training)"
    )
    summaries = db.session.scalars(
        select(Event.summary).where(Event.action == "booking.created")
    ).all()
    assert len(summaries) == 13
    assert "not 27/10/2026 (Half term), 10/11/2026 (Staff training)" in summaries[0]


def test_the_reasons_a_day_is_not_a_school_day(s, ctx):
    assert week.why_closed(date(2026, 9, 8)) is None
    assert week.why_closed(date(2026, 9, 2)) == "INSET day"
    assert week.why_closed(date(2026, 9, 5)) == "Weekend"
    assert week.why_closed(date(2026, 10, 27)) == "Half term"
    assert week.why_closed(date(2026, 12, 22)) == "School holidays"


def test_a_repeat_with_only_closed_days_books_nothing_and_says_why(s, ctx):
    start, end = at("2026-10-27", "11:10"), at("2026-10-27", "12:10")
    with pytest.raises(DomainError, match=r"skipped \(27/10/2026 \(Half term\)\)"):
        bookings.book_repeating(
            user(s.technician),
            asset(s.trolley),
            person_of(s.borrower),
            start,
            end,
            date(2026, 10, 30),
            at("2026-09-01", "08:00"),
            skip=week.why_closed,
        )
    db.session.rollback()
    assert db.session.scalars(select(Booking)).all() == []
