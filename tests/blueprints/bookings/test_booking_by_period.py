"""The booking form by lesson period: a period books its exact times and wins over the From and
Until fields, "every week until the end of this term" leaves out the days the school is
closed and says which, a period on a day with no school is refused with a message. Works
without JS (a plain select and checkbox). The clock stands at Monday 23/11/2026 09:00 (GMT)
unless a test moves it."""

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Booking
from tests.conftest import login
from tests.support.bookings import LONDON, at, school
from tests.support.pages import count, text_of


@pytest.fixture
def s(make, clock):
    return school(make)


def form(**extra) -> dict:
    return {"tag": "TROLLEY-A", "day": "2026-11-24", "starts": "", "ends": "", **extra}


def local_ranges(app) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(Booking).order_by(Booking.starts_at)).all()
        return [
            f"{b.starts_at.astimezone(LONDON):%d/%m %H:%M}-{b.ends_at.astimezone(LONDON):%H:%M}"
            for b in rows
        ]


def test_the_form_offers_the_bookable_periods_and_free_times(client, s):
    login(client, s.staff)
    page = client.get("/bookings/new?tag=TROLLEY-A&period=Period%203")
    text = text_of(page)
    assert "Free times (From and Until below)" in text
    assert "Period 3 (11:10\u201312:10)" in text and "Period 6 (14:50\u201315:50)" in text
    assert "Lunch" not in text and "Registration" not in text
    assert '<option selected value="Period 3">' in page.text
    assert "A period sets the times itself" in text
    assert "Every week until the end of this term" in text


def test_a_period_books_its_exact_times_over_the_time_fields(app, client, s, database):
    login(client, s.staff)
    done = client.post("/bookings/new", data=form(period="Period 3", starts="08:00", ends="17:00"))
    assert done.status_code == 302
    assert local_ranges(app) == ["24/11 11:10-12:10"]


def test_free_times_still_need_both_times(app, client, s, database):
    login(client, s.staff)
    page = client.post("/bookings/new", data=form())
    assert "Choose the start time, or a lesson period." in text_of(page)
    assert count(app, Booking) == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (form(day="2026-11-28", period="Period 3"), "28/11/2026 is not a school day (Weekend)"),
        (form(day="2026-12-22", period="Period 1"), "22/12/2026 is not a school day (School ho"),
        (form(period="Period 3", end_day="2026-11-25"), "A period is within one day"),
        # Removed, or renamed, since the page was shown.
        (form(period="Period 99"), "That period no longer exists. Choose another."),
    ],
)
def test_a_period_on_a_day_without_school_is_refused_with_a_message(
    app, client, s, database, values, message
):
    login(client, s.staff)
    page = client.post("/bookings/new", data=values)
    assert page.status_code == 200
    assert message in text_of(page)
    assert count(app, Booking) == 0


FAR = "Give a date from 01/01/2000 to 31/12/2200"


@pytest.mark.parametrize(
    "values",
    [
        form(day="9999-12-31", period="Period 3"),
        form(day="0001-03-01", period="Period 3"),
        form(day="9999-12-31", starts="23:00", ends="00:00"),
        form(day="0001-01-01", starts="00:00", ends="01:00"),
        form(day="9999-12-31", period="Period 3", to_end_of_term="y"),
        form(period="Period 3", repeat_until="9999-12-31"),
        form(starts="09:00", ends="10:00", end_day="9999-12-31"),
        form(day="1999-12-31", starts="09:00", ends="10:00"),
        form(day="2201-01-01", starts="09:00", ends="10:00"),
    ],
)
def test_a_date_outside_2000_to_2200_gets_a_message(app, client, s, database, values):
    login(client, s.staff)
    page = client.post("/bookings/new", data=values)
    assert page.status_code == 200
    assert FAR in text_of(page)
    assert count(app, Booking) == 0


@pytest.mark.parametrize(
    ("starts", "ends", "end_day"),
    [("01:30", "03:00", ""), ("00:30", "01:59", ""), ("09:00", "01:00", "2027-03-28")],
)
def test_a_time_the_clocks_skip_is_refused(app, client, s, database, starts, ends, end_day):
    # Sunday 28/03/2027: the clocks go from 01:00 GMT to 02:00 BST; 01:00 to 01:59 never happen.
    login(client, s.staff)
    day = "2027-03-27" if end_day else "2027-03-28"
    values = form(day=day, starts=starts, ends=ends, end_day=end_day)
    page = client.post("/bookings/new", data=values)
    assert page.status_code == 200
    wrong = starts if starts.startswith("01") else ends
    assert f"{wrong} does not exist on 28/03/2027: the clocks go forward." in text_of(page)
    assert count(app, Booking) == 0
    # Either side of the gap is booked, as the wall clock says.
    values = form(day="2027-03-28", starts="00:30", ends="02:00")
    assert client.post("/bookings/new", data=values).status_code == 302
    assert local_ranges(app) == ["28/03 00:30-02:00"]


def test_period_3_every_week_until_the_end_of_term_skips_half_term(
    app, client, make, clock, database
):
    clock.move_to(at("2026-09-01", "08:00"))
    s = school(make)
    login(client, s.staff)
    done = client.post(
        "/bookings/new",
        data=form(day="2026-09-08", period="Period 3", to_end_of_term="y"),
        follow_redirects=True,
    )
    assert (
        "TROLLEY-A booked for Mr B Okafor on 14 Tuesdays, 08/09/2026 to 15/12/2026; "
        "not 27/10/2026 (Half term)." in text_of(done)
    )
    ranges = local_ranges(app)
    assert len(ranges) == 14 and "27/10 11:10-12:10" not in ranges
    assert {r[6:] for r in ranges} == {"11:10-12:10"}  # BST ends on 25/10: still 11:10
