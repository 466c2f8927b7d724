"""The school's calendar at its edges: the nights the clocks change, a leap day, midnight."""

from datetime import UTC, date, datetime, timedelta

import pytest

from assets.services.common.clock import local_date, local_time_text, start_of_day
from tests.support.clock import Clock


@pytest.mark.parametrize(
    ("day", "starts_at_utc", "hours"),
    [
        (date(2027, 3, 28), datetime(2027, 3, 28, 0, 0, tzinfo=UTC), 23),  # clocks go forward
        (date(2027, 10, 31), datetime(2027, 10, 30, 23, 0, tzinfo=UTC), 25),  # and back
        (date(2028, 2, 29), datetime(2028, 2, 29, 0, 0, tzinfo=UTC), 24),
        (date(2027, 7, 1), datetime(2027, 6, 30, 23, 0, tzinfo=UTC), 24),
    ],
)
def test_a_local_day_starts_at_local_midnight_and_lasts_as_long_as_it_does(
    app, day, starts_at_utc, hours
):
    with app.app_context():
        assert start_of_day(day) == starts_at_utc
        assert start_of_day(day + timedelta(days=1)) - start_of_day(day) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("moment", "day", "shown"),
    [
        (datetime(2027, 3, 28, 0, 59, tzinfo=UTC), date(2027, 3, 28), "28/03/2027 00:59"),
        (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), date(2027, 3, 28), "28/03/2027 02:00"),
        (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31), "31/10/2027 00:30"),
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), date(2027, 10, 31), "31/10/2027 01:30"),
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), date(2027, 10, 31), "31/10/2027 01:30"),
        (datetime(2028, 2, 28, 23, 59, tzinfo=UTC), date(2028, 2, 28), "28/02/2028 23:59"),
        (datetime(2028, 2, 29, 0, 0, tzinfo=UTC), date(2028, 2, 29), "29/02/2028 00:00"),
    ],
)
def test_a_moment_falls_on_the_schools_local_day(app, moment, day, shown):
    with app.app_context():
        assert local_date(moment) == day
        assert local_time_text(moment) == shown


def test_the_frozen_clock_is_what_every_part_of_the_app_reads(app, clock: Clock):
    with app.app_context():
        assert local_date() == date(2026, 11, 23)
        clock.move_to(datetime(2027, 3, 27, 23, 30, tzinfo=UTC))
        assert local_date() == date(2027, 3, 27)
        clock.advance(hours=2)
        assert local_date() == date(2027, 3, 28)
        assert local_time_text(clock.now) == "28/03/2027 02:30"
