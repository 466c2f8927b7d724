"""An admin sets the school's week: the defaults are kept on the first change, nothing
overlaps, nothing ends before it starts, closures lie inside terms, and every change is
audited. The database refuses overlapping periods too."""

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Event, LessonPeriod, SchoolClosure, SchoolTerm, User
from assets.services.common.errors import DomainError
from assets.services.schoolweek import editing, week

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def admin(make, ctx):
    return db.session.get(User, make.user("admin").id)


def actions() -> list[str]:
    return list(
        db.session.scalars(
            select(Event.action).where(Event.action.like("school_week.%")).order_by(Event.id)
        )
    )


def refused(call, field: str | None = None) -> str:
    with pytest.raises(DomainError) as error:
        call()
    db.session.rollback()
    if field:
        assert error.value.field == field
    return error.value.message


def test_the_first_change_keeps_the_default_day_then_makes_it(admin):
    editing.add_period(
        admin, name="Period 7", starts_at=time(15, 50), ends_at=time(16, 50), bookable=True
    )
    grid = week.periods()
    assert [p.name for p in grid][-2:] == ["Period 6", "Period 7"]
    assert len(grid) == 10 and all(p.id for p in grid) and not week.periods_are_default()
    assert [p.position for p in grid] == list(range(1, 11))
    assert actions() == ["school_week.period_added"] * 10


def test_periods_may_touch_but_not_overlap(admin):
    editing.keep_default_periods(admin)
    db.session.commit()
    message = refused(
        lambda: editing.add_period(
            admin, name="Assembly", starts_at=time(9, 30), ends_at=time(10, 0), bookable=False
        ),
        "starts_at",
    )
    assert message.startswith("09:30\u201310:00 overlaps Period 1 (08:50\u201309:50)")
    # Touching Period 6's end exactly is fine.
    editing.add_period(
        admin, name="Twilight", starts_at=time(15, 50), ends_at=time(16, 30), bookable=True
    )
    period_1 = db.session.scalar(select(LessonPeriod).where(LessonPeriod.name == "Period 1"))
    message = refused(
        lambda: editing.edit_period(
            admin,
            period_1,
            name="Period 1",
            starts_at=time(8, 30),
            ends_at=time(9, 50),
            bookable=True,
        ),
    )
    assert "overlaps Registration" in message


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"name": "  "}, "name", "Give the period a name"),
        ({"ends_at": time(9, 0)}, "ends_at", "must end after it starts"),
        ({"ends_at": time(10, 0)}, "ends_at", "must end after it starts"),  # zero length
        ({"starts_at": None}, "starts_at", "starts"),
        ({"name": "period 2"}, "name", "already a period called Period 2"),
        ({"name": "x" * 61}, "name", "under 60 characters"),
    ],
)
def test_a_period_is_refused_with_a_reason(admin, values, field, words):
    editing.keep_default_periods(admin)
    db.session.commit()
    before = actions()
    fields = {"name": "Club", "starts_at": time(10, 0), "ends_at": time(18, 0), "bookable": True}
    fields["starts_at"], fields["ends_at"] = time(16, 0), time(17, 0)
    fields |= {"starts_at": time(10, 0)} if "ends_at" in values else {}
    message = refused(lambda: editing.add_period(admin, **(fields | values)), field)
    assert words in message
    assert actions() == before and len(week.periods()) == 9


def test_editing_and_removing_a_period(admin):
    editing.keep_default_periods(admin)
    db.session.commit()
    lunch = db.session.scalar(select(LessonPeriod).where(LessonPeriod.name == "Lunch"))
    changes = editing.edit_period(
        admin, lunch, name="Lunch", starts_at=time(13, 10), ends_at=time(13, 40), bookable=False
    )
    assert changes == {"ends_at": ["13:50:00", "13:40:00"]}
    assert (
        editing.edit_period(
            admin, lunch, name="Lunch", starts_at=time(13, 10), ends_at=time(13, 40), bookable=False
        )
        == {}
    )
    editing.remove_period(admin, lunch)
    assert "Lunch" not in [p.name for p in week.periods()]
    assert actions()[-2:] == ["school_week.period_updated", "school_week.period_removed"]
    for period in db.session.scalars(select(LessonPeriod)).all()[:-1]:
        editing.remove_period(admin, period)
    last = db.session.scalar(select(LessonPeriod))
    assert "at least one period" in refused(lambda: editing.remove_period(admin, last))


def test_the_database_refuses_overlapping_periods_whatever_writes_them(admin):
    editing.keep_default_periods(admin)
    db.session.commit()
    db.session.add(
        LessonPeriod(
            name="Sneaky", starts_at=time(9, 0), ends_at=time(9, 30), position=99, bookable=True
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    period_2 = db.session.scalar(select(LessonPeriod).where(LessonPeriod.name == "Period 2"))
    period_2.starts_at = time(9, 45)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(
        LessonPeriod(
            name="Backwards",
            starts_at=time(17, 0),
            ends_at=time(16, 0),
            position=99,
            bookable=True,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_terms_do_not_overlap_nor_end_before_they_start(admin):
    editing.add_term(
        admin, name="Autumn term 2027", first_day=date(2027, 9, 6), last_day=date(2027, 12, 17)
    )
    db.session.commit()
    # The year 2027-28 now has only what is stored: the default spring term is gone.
    assert [t.name for t in week.terms_of_year(2027)] == ["Autumn term 2027"]
    assert week.term_containing(date(2028, 1, 10)) is None
    message = refused(
        lambda: editing.add_term(
            admin, name="Overlap", first_day=date(2027, 12, 17), last_day=date(2028, 3, 1)
        ),
        "first_day",
    )
    assert message == "Those dates overlap Autumn term 2027 (06/09/2027 to 17/12/2027)."
    assert "before the first" in refused(
        lambda: editing.add_term(
            admin, name="Spring", first_day=date(2028, 3, 1), last_day=date(2028, 1, 5)
        ),
        "last_day",
    )
    assert "Give the term a name" in refused(
        lambda: editing.add_term(
            admin, name="", first_day=date(2028, 1, 5), last_day=date(2028, 3, 1)
        ),
        "name",
    )
    assert "31/07/2028" in refused(
        lambda: editing.add_term(
            admin, name="Long", first_day=date(2028, 4, 20), last_day=date(2028, 8, 20)
        ),
        "last_day",
    )
    # A term may start the day after another ends.
    editing.add_term(
        admin, name="Spring term 2028", first_day=date(2027, 12, 18), last_day=date(2028, 3, 1)
    )


def test_closures_lie_inside_a_term_and_keep_a_default_year_first(admin):
    message = refused(
        lambda: editing.add_closure(
            admin,
            kind="inset",
            name="Training",
            first_day=date(2026, 12, 21),
            last_day=date(2026, 12, 21),
        ),
        "first_day",
    )
    assert message.startswith("21/12/2026 is not inside one term.")
    assert "not inside one term" in refused(
        lambda: editing.add_closure(
            admin,
            kind="holiday",
            name="Long",
            first_day=date(2026, 12, 17),
            last_day=date(2027, 1, 5),
        )
    )
    assert db.session.scalar(select(func.count(SchoolTerm.id))) == 0
    editing.add_closure(
        admin,
        kind="inset",
        name="Training day",
        first_day=date(2026, 11, 27),
        last_day=date(2026, 11, 27),
    )
    # The year's default terms were kept, then the INSET day added to the autumn term.
    assert db.session.scalar(select(func.count(SchoolTerm.id))) == 3
    assert week.closure_on(date(2026, 11, 27)) == "Training day"
    assert not week.is_school_day(date(2026, 11, 27))
    assert week.is_school_day(date(2026, 11, 26))
    assert actions() == ["school_week.term_added"] * 3 + ["school_week.closure_added"]
    assert "overlap Half term" in refused(
        lambda: editing.add_closure(
            admin,
            kind="holiday",
            name="Extra",
            first_day=date(2026, 10, 30),
            last_day=date(2026, 11, 2),
        )
    )
    assert "Choose a holiday" in refused(
        lambda: editing.add_closure(
            admin,
            kind="picnic",
            name="Picnic",
            first_day=date(2026, 11, 3),
            last_day=date(2026, 11, 3),
        ),
        "kind",
    )


def test_a_terms_closures_stay_inside_it(admin):
    autumn = editing.keep_default_terms(admin, 2026)[0]
    db.session.commit()
    message = refused(
        lambda: editing.edit_term(
            admin,
            autumn,
            name=autumn.name,
            first_day=date(2026, 9, 3),
            last_day=date(2026, 12, 18),
        ),
        "first_day",
    )
    assert message == "INSET day (02/09/2026) would fall outside the term: move or remove it first."
    inset = autumn.closures[0]
    editing.edit_closure(
        admin,
        inset,
        kind="inset",
        name="INSET day",
        first_day=date(2026, 9, 3),
        last_day=date(2026, 9, 3),
    )
    changes = editing.edit_term(
        admin, autumn, name="Autumn", first_day=date(2026, 9, 3), last_day=date(2026, 12, 18)
    )
    assert changes == {
        "name": ["Autumn term 2026", "Autumn"],
        "first_day": ["2026-09-02", "2026-09-03"],
    }
    assert week.is_school_day(date(2026, 9, 2)) is False  # before the term now
    editing.remove_closure(admin, inset)
    assert week.is_school_day(date(2026, 9, 3))
    editing.remove_term(admin, autumn)
    assert db.session.scalar(select(func.count(SchoolClosure.id))) == 4  # spring, summer
    assert actions()[-4:] == [
        "school_week.closure_updated",
        "school_week.term_updated",
        "school_week.closure_removed",
        "school_week.term_removed",
    ]
    # All removed: the year uses the default terms again.
    for term in db.session.scalars(select(SchoolTerm)).all():
        editing.remove_term(admin, term)
    assert week.year_uses_default_terms(2026)
    assert week.is_school_day(date(2026, 9, 3))
