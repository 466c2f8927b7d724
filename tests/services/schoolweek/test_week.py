"""The school's week as bookings read it: the default day and terms, a period's UTC times on
the days the clocks change, and which days are school days."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.easter import easter

from assets.services.schoolweek import week
from assets.services.schoolweek.defaults import default_terms, school_year_bounds, school_year_of

pytestmark = pytest.mark.usefixtures("database")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_default_day_is_registration_six_periods_a_break_and_lunch(ctx):
    grid = week.periods()
    assert [(p.name, p.times_text, p.bookable) for p in grid] == [
        ("Registration", "08:40\u201308:50", False),
        ("Period 1", "08:50\u201309:50", True),
        ("Period 2", "09:50\u201310:50", True),
        ("Break", "10:50\u201311:10", False),
        ("Period 3", "11:10\u201312:10", True),
        ("Period 4", "12:10\u201313:10", True),
        ("Lunch", "13:10\u201313:50", False),
        ("Period 5", "13:50\u201314:50", True),
        ("Period 6", "14:50\u201315:50", True),
    ]
    assert [p.position for p in grid] == list(range(1, 10))
    assert all(p.id is None for p in grid) and week.periods_are_default()
    assert [p.name for p in week.periods(bookable_only=True)] == [
        f"Period {n}" for n in range(1, 7)
    ]
    assert week.period_named("  period   3 ").name == "Period 3"
    assert week.period_named("Period 9") is None


def test_the_default_terms_follow_the_calendar_of_the_school_year(ctx):
    terms = week.terms_of_year(2026)
    assert [(t.name, t.first_day, t.last_day) for t in terms] == [
        ("Autumn term 2026", date(2026, 9, 2), date(2026, 12, 18)),
        # Easter Sunday 28 March: an early Easter, so the holiday is Easter week and the next.
        ("Spring term 2027", date(2027, 1, 4), date(2027, 3, 25)),
        ("Summer term 2027", date(2027, 4, 12), date(2027, 7, 23)),
    ]
    assert [(c.kind, c.first_day, c.last_day) for c in terms[0].closures] == [
        ("inset", date(2026, 9, 2), date(2026, 9, 2)),
        ("holiday", date(2026, 10, 26), date(2026, 10, 30)),
    ]
    assert all(t.is_default for t in terms)


@pytest.mark.parametrize(
    ("year", "spring_last", "summer_first"),
    [
        # Easter Sunday 5 April 2026: the week before it and the week after.
        (2025, date(2026, 3, 27), date(2026, 4, 13)),
        # 28 March 2027: ends the Thursday before Good Friday, back two weeks after Easter Monday.
        (2026, date(2027, 3, 25), date(2027, 4, 12)),
        # 16 April 2028, a late Easter.
        (2027, date(2028, 4, 7), date(2028, 4, 24)),
        # 1 April 2029, the last early one (as 1 April 2018 was: 29/03 to 16/04).
        (2028, date(2029, 3, 29), date(2029, 4, 16)),
        # 4 April 2021, just after the cut: 26/03 to 12/04, as published.
        (2020, date(2021, 3, 26), date(2021, 4, 12)),
        # 20 April 2025: 11/04 to 28/04, as published.
        (2024, date(2025, 4, 11), date(2025, 4, 28)),
    ],
)
def test_the_easter_holiday_holds_good_friday_and_easter_monday(year, spring_last, summer_first):
    spring, summer = default_terms(year)[1:]
    assert (spring[2], summer[1]) == (spring_last, summer_first)
    sunday = easter(year + 1)
    good_friday, easter_monday = sunday - timedelta(days=2), sunday + timedelta(days=1)
    assert spring_last < good_friday and easter_monday < summer_first
    assert 17 <= (summer_first - spring_last).days <= 18  # two school weeks off


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 7, 31), 2025), (date(2026, 8, 1), 2026), (date(2027, 1, 1), 2026)],
)
def test_a_school_year_runs_from_august_to_july(day, year):
    assert school_year_of(day) == year


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # Friday before the spring change: GMT.
        (date(2027, 3, 26), utc(2027, 3, 26, 8, 50), utc(2027, 3, 26, 9, 50)),
        # Sunday 28 March 2027, clocks forward at 01:00 GMT: 08:50 is BST already.
        (date(2027, 3, 28), utc(2027, 3, 28, 7, 50), utc(2027, 3, 28, 8, 50)),
        (date(2027, 3, 29), utc(2027, 3, 29, 7, 50), utc(2027, 3, 29, 8, 50)),
        (date(2027, 10, 29), utc(2027, 10, 29, 7, 50), utc(2027, 10, 29, 8, 50)),
        # Sunday 31 October 2027, clocks back at 02:00 BST: 08:50 is GMT again.
        (date(2027, 10, 31), utc(2027, 10, 31, 8, 50), utc(2027, 10, 31, 9, 50)),
        (date(2027, 11, 1), utc(2027, 11, 1, 8, 50), utc(2027, 11, 1, 9, 50)),
    ],
)
def test_period_times_are_the_schools_wall_clock_in_utc(ctx, day, start, end):
    assert week.period_times(day, week.period_named("Period 1")) == (start, end)


def test_times_across_a_change_of_the_clocks_keep_their_wall_clock(ctx):
    # 00:30 to 03:30 on the spring-forward Sunday is two hours long, on the autumn one four.
    start, end = week.local_times(date(2027, 3, 28), time(0, 30), time(3, 30))
    assert (start, end) == (utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 30))
    start, end = week.local_times(date(2027, 10, 31), time(0, 30), time(3, 30))
    assert (start, end) == (utc(2027, 10, 30, 23, 30), utc(2027, 10, 31, 3, 30))


@pytest.mark.parametrize(
    ("day", "school_day", "closure"),
    [
        (date(2026, 9, 1), False, None),  # before the autumn term
        (date(2026, 9, 2), False, "INSET day"),  # its first day, an INSET day
        (date(2026, 9, 3), True, None),
        (date(2026, 9, 5), False, None),  # a Saturday
        (date(2026, 9, 6), False, None),  # a Sunday
        (date(2026, 10, 23), True, None),  # the Friday before half term
        (date(2026, 10, 26), False, "Half term"),
        (date(2026, 10, 30), False, "Half term"),
        (date(2026, 11, 2), True, None),
        (date(2026, 12, 18), True, None),  # the last day of term
        (date(2026, 12, 21), False, None),  # the Christmas holiday, between terms
        (date(2027, 1, 4), False, "INSET day"),
        (date(2027, 1, 5), True, None),
        (date(2027, 5, 3), False, "Early May bank holiday"),
        (date(2027, 7, 23), True, None),
        (date(2027, 7, 26), False, None),
    ],
)
def test_school_days(ctx, day, school_day, closure):
    assert week.is_school_day(day) is school_day
    assert week.closure_on(day) == closure


def test_school_days_in_a_range_skip_weekends_and_holidays(ctx):
    days = week.school_days(date(2026, 10, 22), date(2026, 11, 3))
    assert days == [date(2026, 10, 22), date(2026, 10, 23), date(2026, 11, 2), date(2026, 11, 3)]
    assert week.school_days(date(2026, 11, 3), date(2026, 11, 2)) == []
    assert week.school_days(date(2026, 11, 3), date(2026, 11, 3)) == [date(2026, 11, 3)]
    # Across two school years, each with its own terms.
    days = week.school_days(date(2027, 7, 20), date(2027, 9, 3))
    assert days == [
        *(date(2027, 7, n) for n in (20, 21, 22, 23)),
        # 1 September 2027, the autumn term's first day, is an INSET day.
        *(date(2027, 9, n) for n in (2, 3)),
    ]


def test_the_term_a_day_is_in_and_its_end(ctx):
    assert week.term_containing(date(2026, 10, 27)).name == "Autumn term 2026"
    assert week.term_containing(date(2026, 12, 25)) is None
    assert week.end_of_term(date(2026, 9, 8)) == date(2026, 12, 18)
    assert week.end_of_term(date(2026, 12, 18)) == date(2026, 12, 18)
    # In the holidays, "until the end of term" means the coming term.
    assert week.end_of_term(date(2026, 12, 25)) == date(2027, 3, 25)
    assert week.end_of_term(date(2027, 8, 10)) == date(2027, 12, 17)


@pytest.mark.parametrize(
    "day", [date.min, date(1, 3, 1), date(1, 7, 31), date(9999, 8, 1), date.max]
)
def test_the_ends_of_the_calendar_have_no_school_and_no_error(ctx, day):
    assert week.why_closed(day) in ("Weekend", "School holidays")
    assert week.is_school_day(day) is False
    assert week.closure_on(day) is None and week.term_containing(day) is None
    assert week.end_of_term(day) is None or day.year < 2
    assert week.school_days(date.max - timedelta(days=3), date.max) == []


def test_the_first_and_last_school_years_of_the_calendar_are_safe(ctx):
    assert week.terms_of_year(0) == [] and week.terms_of_year(9999) == []
    assert len(week.terms_of_year(9998)) == 3
    assert school_year_bounds(0) == (date.min, date(1, 7, 31))
    assert school_year_bounds(9999) == (date(9999, 8, 1), date.max)


@pytest.mark.parametrize(
    ("day", "at", "skipped"),
    [
        (date(2027, 3, 28), time(1, 0), True),
        (date(2027, 3, 28), time(1, 30), True),
        (date(2027, 3, 28), time(1, 59), True),
        (date(2027, 3, 28), time(0, 59), False),
        (date(2027, 3, 28), time(2, 0), False),
        (date(2027, 3, 27), time(1, 30), False),
        (date(2027, 10, 31), time(1, 30), False),  # happens twice, but happens
    ],
)
def test_the_hour_the_clocks_skip_does_not_exist(ctx, day, at, skipped):
    message = week.skipped_time(day, at)
    if skipped:
        assert message == f"{at:%H:%M} does not exist on 28/03/2027: the clocks go forward."
    else:
        assert message is None
    # local_times reads a skipped time at the offset before the change: 01:30 GMT.
    assert week.local_times(date(2027, 3, 28), time(1, 30), time(2, 0)) == (
        utc(2027, 3, 28, 1, 30),
        utc(2027, 3, 28, 1, 0),
    )
