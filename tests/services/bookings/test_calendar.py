"""The week by lesson period for an asset: touching ranges stay in their own period, a
booking over two periods fills both, a free-time booking shows in what it overlaps (and
after school under other times), closed days say why, the clocks' changes keep periods at
their wall-clock times, and a garbage ?week= gives this week with a message. On both
databases. The clock stands at Monday 23/11/2026 09:00 (GMT)."""

from datetime import date

import pytest

from assets.extensions import db
from assets.models import Booking
from assets.services.bookings import bookings, calendar, collections
from tests.support import drawings
from tests.support.bookings import asset, at, person_of, school, user


@pytest.fixture
def s(make, database, clock):
    return school(make)


def book(s, clock, day, start, end, who=None):
    made = bookings.book(
        user(s.technician),
        asset(s.trolley),
        person_of(who or s.borrower),
        at(day, start),
        at(day, end),
        clock.now,
    )
    db.session.commit()
    return made


def grid(s, clock, monday, viewer=None):
    return calendar.week_grid(
        calendar.asset_shown(asset(s.trolley)), monday, viewer or user(s.technician), clock.now
    )


def cells(g, day: date) -> dict[str, str]:
    found = next(d for d in g.days if d.day == day)
    return {c.period.name: c.free_text for c in found.cells}


def test_touching_bookings_stay_in_their_own_periods(s, ctx, clock):
    book(s, clock, "2026-11-24", "08:50", "09:50")
    book(s, clock, "2026-11-24", "09:50", "10:50", who=s.colleague)
    tuesday = cells(grid(s, clock, date(2026, 11, 23)), date(2026, 11, 24))
    assert tuesday["Registration"] == "Free"
    assert tuesday["Period 1"] == "Held" and tuesday["Period 2"] == "Held"
    assert tuesday["Break"] == "Free" and tuesday["Period 3"] == "Free"
    g = grid(s, clock, date(2026, 11, 23))
    period_1 = next(d for d in g.days if d.day == date(2026, 11, 24)).cells[1]
    assert [h.text for h in period_1.holds] == ["Booked for Miss A Guthrie (booked)"]


def test_a_booking_over_two_periods_and_a_free_time_one(s, ctx, clock):
    book(s, clock, "2026-11-25", "09:00", "11:30")  # Period 1 to into Period 3
    book(s, clock, "2026-11-26", "16:30", "17:30")  # after school
    g = grid(s, clock, date(2026, 11, 23))
    wednesday = cells(g, date(2026, 11, 25))
    assert [n for n, t in wednesday.items() if t == "Held"] == [
        "Period 1",
        "Period 2",
        "Break",
        "Period 3",
    ]
    thursday = next(d for d in g.days if d.day == date(2026, 11, 26))
    assert all(c.is_free for c in thursday.cells)
    assert [h.text for h in thursday.other] == ["Booked for Miss A Guthrie (booked)"]


def test_whose_booking_it_is_only_for_those_who_may_see(s, ctx, clock):
    book(s, clock, "2026-11-24", "08:50", "09:50")
    g = grid(s, clock, date(2026, 11, 23), viewer=user(s.colleague))
    held = next(d for d in g.days if d.day == date(2026, 11, 24)).cells[1]
    assert [h.text for h in held.holds] == ["Booked (booked)"]


def test_a_closed_week_says_why_and_the_past_has_no_book_link(s, ctx, clock):
    g = grid(s, clock, date(2026, 12, 21))
    assert [(d.day.day, d.closed) for d in g.days] == [
        (21, "School holidays"),
        (22, "School holidays"),
        (23, "School holidays"),
        (24, "School holidays"),
        (25, "School holidays"),
    ]
    assert all(not d.cells for d in g.days)
    now = grid(s, clock, date(2026, 11, 23))
    monday = now.days[0].cells
    assert [c.past for c in monday[:2]] == [True, False]  # 09:00: Period 1 is not over


@pytest.mark.parametrize(
    ("monday", "utc_period_1"),
    [(date(2027, 4, 12), "07:50"), (date(2026, 11, 2), "08:50")],
)
def test_periods_keep_their_wall_clock_times_in_summer_and_winter(
    s, ctx, clock, monday, utc_period_1
):
    g = grid(s, clock, monday)
    open_days = [d for d in g.days if not d.closed]
    assert open_days
    for day in open_days:
        assert f"{day.cells[1].start:%H:%M}" == utc_period_1


@pytest.mark.parametrize(
    ("monday", "half_term"),
    [(date(2026, 10, 26), "Half term"), (date(2027, 3, 29), "School holidays")],
)
def test_the_weeks_after_the_clocks_change_are_closed_and_say_why(s, ctx, clock, monday, half_term):
    g = grid(s, clock, monday)
    assert [d.closed for d in g.days] == [half_term] * 5


def test_a_booking_in_the_holidays_after_the_clocks_go_forward_shows_its_bst_day(s, ctx, clock):
    clock.move_to(at("2027-03-24", "09:00"))
    book(s, clock, "2027-03-30", "11:10", "12:10")
    g = grid(s, clock, date(2027, 3, 29))
    tuesday = next(d for d in g.days if d.day == date(2027, 3, 30))
    assert tuesday.closed == "School holidays" and not tuesday.cells
    assert [f"{h.start:%H:%M}" for h in tuesday.other] == ["10:10"]  # 11:10 BST


def test_a_bst_booking_sits_in_its_period(s, ctx, clock):
    clock.move_to(at("2027-04-07", "09:00"))
    book(s, clock, "2027-04-13", "11:10", "12:10")
    tuesday = cells(grid(s, clock, date(2027, 4, 12)), date(2027, 4, 13))
    assert tuesday["Period 3"] == "Held"
    assert tuesday["Period 2"] == "Free" and tuesday["Period 4"] == "Free"


def test_a_weekend_booking_adds_its_day(s, ctx, clock):
    book(s, clock, "2026-11-28", "10:00", "12:00")
    g = grid(s, clock, date(2026, 11, 23))
    assert [d.day.day for d in g.days] == [23, 24, 25, 26, 27, 28]
    assert g.days[-1].closed == "Weekend" and len(g.days[-1].other) == 1


@pytest.mark.parametrize("text", ["garbage", "2026-02-30", "0001-01-01", "9999-12-31", "<x>"])
def test_a_week_that_cannot_be_read_gives_this_week_and_says_so(text):
    monday, problem = calendar.week_asked(text, date(2026, 11, 25))
    assert monday == date(2026, 11, 23)
    assert "could not be read" in problem


def test_any_day_names_its_week():
    assert calendar.week_asked("2026-11-26", date(2026, 1, 1)) == (date(2026, 11, 23), None)
    assert calendar.week_asked(None, date(2026, 11, 29)) == (date(2026, 11, 23), None)


def collect(s, made, now):
    loan = collections.collect(
        user(s.technician), db.session.get(Booking, made.id), drawings.drawn_signature(), now
    )
    db.session.commit()
    return loan


def test_an_overdue_booking_loan_holds_the_next_period_as_booking_does(make, s, ctx, clock):
    make.terms()
    made = book(s, clock, "2026-11-23", "09:10", "09:50")
    collect(s, made, clock.now)
    # While the booking runs, its range holds the trolley: the next lesson stays free.
    clock.move_to(at("2026-11-23", "09:30"))
    monday = cells(grid(s, clock, date(2026, 11, 23)), date(2026, 11, 23))
    assert monday["Period 1"] == "Held" and monday["Period 2"] == "Free"
    # Not back after its end: held for the rest of the day, as a clash says; tomorrow free.
    clock.move_to(at("2026-11-23", "10:00"))
    g = grid(s, clock, date(2026, 11, 23))
    monday = cells(g, date(2026, 11, 23))
    assert monday["Period 2"] == "Held" and monday["Period 6"] == "Held"
    assert cells(g, date(2026, 11, 24))["Period 1"] == "Free"
    period_2 = next(d for d in g.days if d.day == date(2026, 11, 23)).cells[2]
    assert [h.text for h in period_2.holds] == ["On loan to Miss A Guthrie, due back 23/11/2026"]


def test_a_booking_loan_due_later_holds_the_days_up_to_its_due_date(make, s, ctx, clock):
    make.terms()
    made = book(s, clock, "2026-11-23", "09:10", "09:50")
    loan = collect(s, made, clock.now)
    loan.due_on = date(2026, 11, 25)  # as loans' extensions.extend moves it
    db.session.commit()
    g = grid(s, clock, date(2026, 11, 23))
    assert cells(g, date(2026, 11, 24))["Period 1"] == "Held"
    assert cells(g, date(2026, 11, 25))["Period 6"] == "Held"
    assert cells(g, date(2026, 11, 26))["Period 1"] == "Free"
