"""Admin > School week: an admin sees the default day and terms, and changes them through
forms that answer bad input with a message and change nothing. No one else opens them."""

from datetime import date, time

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Event, LessonPeriod, SchoolClosure, SchoolTerm
from tests.support.pages import text_of

pytestmark = pytest.mark.usefixtures("database", "clock")


def count(column) -> int:
    return db.session.scalar(select(func.count(column)))


def saved(app, column) -> int:
    with app.app_context():
        return count(column)


def test_an_admin_sees_the_default_day_and_this_and_next_years_terms(client, as_role):
    as_role("admin")
    page = text_of(client.get("/school-week"))
    assert "This is the default day of a typical secondary school" in page
    assert "Period 1 08:50\u201309:50 Yes" in page
    assert "Lunch 13:10\u201313:50 No" in page
    # Frozen on 23/11/2026: this school year and the next.
    assert "2026\u20132027" in page and "2027\u20132028" in page
    assert "Autumn term 2026 02/09/2026 to 18/12/2026" in page
    assert "Holiday: Half term, 26/10/2026 to 30/10/2026" in page
    assert "INSET day: INSET day, 02/09/2026" in page


@pytest.mark.parametrize("role", ["technician", "office", "staff"])
def test_only_admins_set_the_school_week(client, as_role, make, app, role):
    ids = make.school_week()
    as_role(role)
    assert client.get("/school-week").status_code == 403
    assert client.get("/school-week/periods/new").status_code == 403
    assert client.post(f"/school-week/periods/{ids.period_id}/remove").status_code == 403
    assert client.post(f"/school-week/terms/{ids.term_id}/remove").status_code == 403
    assert (
        client.post(
            "/school-week/closures/new",
            data={
                "kind": "inset",
                "name": "X",
                "first_day": "2026-11-24",
                "last_day": "2026-11-24",
            },
        ).status_code
        == 403
    )
    assert saved(app, LessonPeriod.id) == 9 and saved(app, SchoolClosure.id) == 6


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/school-week")
    assert response.status_code == 302 and "/login" in response.location


def test_an_admin_adds_a_period_keeping_the_default_day(client, as_role, app):
    as_role("admin")
    response = client.post(
        "/school-week/periods/new",
        data={"name": "Period 7", "starts_at": "15:50", "ends_at": "16:50", "bookable": "y"},
    )
    assert response.status_code == 302 and response.location.endswith("/school-week")
    page = text_of(client.get("/school-week"))
    assert "Period 7 saved." in page
    assert "Period 7 15:50\u201316:50 Yes" in page
    assert "This is the default day" not in page
    assert saved(app, LessonPeriod.id) == 10


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ends_at": "08:00"}, "The period must end after it starts (16:00)."),
        ({"ends_at": "25:00"}, "Write the time on the 24-hour clock, such as 08:50."),
        ({"starts_at": "ten to four"}, "Write the time on the 24-hour clock, such as 08:50."),
        ({"name": "   "}, "Give the period a name, such as Period 1 or Lunch."),
        ({"name": "Period 1"}, "There is already a period called Period 1."),
        (
            {"starts_at": "15:30"},
            "15:30\u201317:00 overlaps Period 6 (14:50\u201315:50).",
        ),
    ],
)
def test_a_bad_period_gets_a_message_and_nothing_changes(client, as_role, app, values, message):
    as_role("admin")
    data = {"name": "Club", "starts_at": "16:00", "ends_at": "17:00"} | values
    response = client.post("/school-week/periods/new", data=data)
    assert response.status_code == 200
    assert message in text_of(response)
    # What was typed stays in the form.
    assert f'value="{data["starts_at"]}"' in response.text
    assert saved(app, LessonPeriod.id) == 0
    with app.app_context():
        changes = select(func.count()).where(Event.action.like("school_week.%"))
        assert db.session.scalar(changes) == 0


def test_an_admin_edits_and_removes_a_period(client, as_role, make, app):
    ids = make.school_week()
    as_role("admin")
    page = client.get(f"/school-week/periods/{ids.period_id}/edit").text
    assert 'value="08:50"' in page and "Remove Period 1" in page
    response = client.post(
        f"/school-week/periods/{ids.period_id}/edit",
        data={"name": "Period 1", "starts_at": "08:50", "ends_at": "09:45", "bookable": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(LessonPeriod, ids.period_id).ends_at == time(9, 45)
    client.post(f"/school-week/periods/{ids.period_id}/remove")
    assert "Period 1 removed from the school day." in text_of(client.get("/school-week"))
    assert client.get(f"/school-week/periods/{ids.period_id}/edit").status_code == 404


def test_an_admin_keeps_the_default_terms_then_edits_one(client, as_role, app):
    as_role("admin")
    client.post("/school-week/terms/keep", data={"year": "2026"})
    assert saved(app, SchoolTerm.id) == 3 and saved(app, SchoolClosure.id) == 6
    with app.app_context():
        autumn = db.session.scalar(select(SchoolTerm).order_by(SchoolTerm.first_day)).id
    response = client.post(
        f"/school-week/terms/{autumn}/edit",
        data={"name": "Autumn term", "first_day": "2026-09-02", "last_day": "2026-09-01"},
    )
    assert "The last day cannot be before the first." in text_of(response)
    response = client.post(
        f"/school-week/terms/{autumn}/edit",
        data={"name": "Autumn term", "first_day": "2026-09-02", "last_day": "2026-12-17"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SchoolTerm, autumn).last_day == date(2026, 12, 17)


@pytest.mark.parametrize("year", ["", "abc", "1999", "999999999999"])
def test_a_forged_year_to_keep_changes_nothing(client, as_role, app, year):
    as_role("admin")
    response = client.post("/school-week/terms/keep", data={"year": year})
    assert response.status_code == 302
    assert "Choose a school year from this page." in text_of(client.get("/school-week"))
    assert saved(app, SchoolTerm.id) == 0


def test_a_closure_outside_the_terms_gets_a_message(client, as_role, app):
    as_role("admin")
    response = client.post(
        "/school-week/closures/new",
        data={
            "kind": "inset",
            "name": "Training",
            "first_day": "2026-12-24",
            "last_day": "2026-12-24",
        },
    )
    assert response.status_code == 200
    assert "24/12/2026 is not inside one term." in text_of(response)
    assert saved(app, SchoolTerm.id) == 0
    response = client.post(
        "/school-week/closures/new",
        data={"kind": "inset", "name": "Training", "first_day": "2026-11-27", "last_day": "x"},
    )
    assert "Give a date, such as 02/09/2026." in text_of(response)
    response = client.post(
        "/school-week/closures/new",
        data={"kind": "party", "name": "Party", "first_day": "2026-11-27", "last_day": ""},
    )
    assert response.status_code == 200 and saved(app, SchoolClosure.id) == 0


def test_an_admin_adds_an_inset_day(client, as_role, app):
    as_role("admin")
    response = client.post(
        "/school-week/closures/new",
        data={
            "kind": "inset",
            "name": "Training day",
            "first_day": "2026-11-27",
            "last_day": "2026-11-27",
        },
    )
    assert response.status_code == 302
    page = text_of(client.get("/school-week"))
    assert "INSET day: Training day, 27/11/2026" in page
    assert saved(app, SchoolTerm.id) == 3


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/school-week/terms/new", {"name": "Far term"}),
        ("/school-week/closures/new", {"kind": "inset", "name": "Far day"}),
    ],
)
@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("9999-09-01", "9999-12-31"),
        ("0001-01-01", "0001-03-01"),
        ("2026-09-02", "9999-12-31"),
        ("1999-12-31", "2026-09-02"),
    ],
)
def test_a_date_outside_2000_to_2200_gets_a_message(client, as_role, app, url, extra, first, last):
    as_role("admin")
    response = client.post(url, data={**extra, "first_day": first, "last_day": last})
    assert response.status_code == 200
    assert "Give a date from 01/01/2000 to 31/12/2200" in text_of(response)
    assert saved(app, SchoolTerm.id) == 0 and saved(app, SchoolClosure.id) == 0


def test_the_last_years_allowed_have_their_terms(client, as_role, app):
    as_role("admin")
    response = client.post(
        "/school-week/closures/new",
        data={
            "kind": "inset",
            "name": "Training day",
            "first_day": "2200-11-27",
            "last_day": "2200-11-27",
        },
    )
    assert response.status_code == 302
    assert saved(app, SchoolTerm.id) == 3
