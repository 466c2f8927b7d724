"""The school's week: the lesson-period grid of a school day and the term dates with their
closures (holidays, INSET days, bank holidays). Bookings are made by period or by free
times inside it (assets/services/schoolweek/)."""

from datetime import date, time

from sqlalchemy import DDL, CheckConstraint, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import sql_list

CLOSURE_KINDS = ("holiday", "inset", "bank_holiday")
CLOSURE_KIND_LABELS = {
    "holiday": "Holiday",
    "inset": "INSET day",
    "bank_holiday": "Bank holiday",
}


class LessonPeriod(db.Model):
    """A slot of the school day ("Period 1", "Registration", "Lunch") in local wall-clock
    time: the same every school day, whatever the clocks do between them."""

    __tablename__ = "lesson_periods"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    position: Mapped[int]
    # Lessons are booked; registration, break and lunch are not.
    bookable: Mapped[bool] = mapped_column(default=True)


# No two periods overlap, whatever writes them (the service says so first, in words): an
# exclusion constraint on PostgreSQL, triggers on SQLite. Times touching (09:50-09:50) do not
# overlap. Migration 0018 writes the same statements.
PERIODS_OVERLAP_POSTGRES = (
    "ALTER TABLE lesson_periods ADD CONSTRAINT ex_lesson_periods_overlap EXCLUDE USING gist "
    "(tsrange(DATE '2000-01-01' + starts_at, DATE '2000-01-01' + ends_at) WITH &&)"
)
PERIODS_OVERLAP_SQLITE = [
    """CREATE TRIGGER lesson_periods_no_overlap_insert
BEFORE INSERT ON lesson_periods
WHEN EXISTS (
    SELECT 1 FROM lesson_periods AS other
    WHERE other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
)
BEGIN
    SELECT RAISE(ABORT, 'lesson periods overlap');
END""",
    """CREATE TRIGGER lesson_periods_no_overlap_update
BEFORE UPDATE ON lesson_periods
WHEN EXISTS (
    SELECT 1 FROM lesson_periods AS other
    WHERE other.id <> NEW.id
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
)
BEGIN
    SELECT RAISE(ABORT, 'lesson periods overlap');
END""",
]

event.listen(
    LessonPeriod.__table__,
    "after_create",
    DDL(PERIODS_OVERLAP_POSTGRES).execute_if(dialect="postgresql"),
)
for _statement in PERIODS_OVERLAP_SQLITE:
    event.listen(
        LessonPeriod.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite")
    )


class SchoolTerm(db.Model):
    """A term, first to last day inclusive. Half terms are closures inside it."""

    __tablename__ = "school_terms"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="last_not_before_first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    first_day: Mapped[date] = mapped_column(unique=True)
    last_day: Mapped[date]

    closures: Mapped[list["SchoolClosure"]] = relationship(
        back_populates="term",
        cascade="all, delete-orphan",
        order_by="SchoolClosure.first_day",
    )


class SchoolClosure(db.Model):
    """Days inside a term when the school is closed: a holiday (half term), an INSET day or
    a bank holiday, first to last day inclusive."""

    __tablename__ = "school_closures"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="last_not_before_first"),
        CheckConstraint(f"kind IN {sql_list(CLOSURE_KINDS)}", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(
        ForeignKey("school_terms.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    first_day: Mapped[date]
    last_day: Mapped[date]

    term: Mapped[SchoolTerm] = relationship(back_populates="closures")
