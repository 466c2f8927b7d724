"""What the rest of the app asks of the school's week. Bookings call these.

Periods are local wall-clock times, the same every school day; `period_times` turns one into
UTC on a given day through the school's zone, so Period 1 is 07:50 UTC in summer and 08:50 in
winter, right on the days the clocks change. Terms and closures are whole local dates.

While no period is stored, the default grid stands in; a school year with no term stored
uses the default terms (defaults.py). Everything here hands back plain values (`Period`,
`Term`, `Closure`), stored or default alike; `id` is None for a default."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import CLOSURE_KIND_LABELS, LessonPeriod, SchoolTerm
from assets.services.common.clock import date_text, school_zone
from assets.services.schoolweek.defaults import (
    DEFAULT_PERIODS,
    default_terms,
    school_year_bounds,
    school_year_of,
)


@dataclass(frozen=True)
class Period:
    name: str
    starts_at: time
    ends_at: time
    position: int
    bookable: bool
    id: int | None = None

    @property
    def times_text(self) -> str:
        """ "08:50\u201309:50"."""
        return f"{self.starts_at:%H:%M}\u2013{self.ends_at:%H:%M}"


@dataclass(frozen=True)
class Closure:
    kind: str
    name: str
    first_day: date
    last_day: date
    id: int | None = None

    @property
    def kind_label(self) -> str:
        return CLOSURE_KIND_LABELS[self.kind]

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Term:
    name: str
    first_day: date
    last_day: date
    closures: tuple[Closure, ...]
    id: int | None = None

    @property
    def is_default(self) -> bool:
        return self.id is None

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


# ---- periods --------------------------------------------------------------------------------


def periods(*, bookable_only: bool = False) -> list[Period]:
    """The periods of a school day in order of time: the school's, or the default grid
    while none is stored. With `bookable_only`, lessons only (no registration, break, lunch)."""
    stored = db.session.scalars(
        select(LessonPeriod).order_by(LessonPeriod.starts_at, LessonPeriod.id)
    ).all()
    if stored:
        found = [
            Period(p.name, p.starts_at, p.ends_at, p.position, p.bookable, p.id) for p in stored
        ]
    else:
        found = [
            Period(name, starts, ends, position, bookable)
            for position, (name, starts, ends, bookable) in enumerate(DEFAULT_PERIODS, 1)
        ]
    return [p for p in found if p.bookable] if bookable_only else found


def period_named(name: str) -> Period | None:
    """The period called `name` (as periods() gives it), or None."""
    wanted = " ".join(name.split()).casefold()
    return next((p for p in periods() if p.name.casefold() == wanted), None)


def periods_are_default() -> bool:
    """Whether the grid is the default one (nothing stored yet)."""
    return db.session.scalar(select(LessonPeriod.id).limit(1)) is None


def skipped_time(day: date, at: time) -> str | None:
    """Why wall-clock `at` on `day` never happens at the school, or None when it does: the
    hour the clocks go forward is skipped ("01:30 does not exist on 28/03/2027: the clocks
    go forward"). Forms refuse such a time rather than move it."""
    zone = school_zone()
    moment = datetime.combine(day, at, zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment.replace(tzinfo=None):
        return None
    return f"{at:%H:%M} does not exist on {date_text(day)}: the clocks go forward."


def local_times(day: date, starts_at: time, ends_at: time) -> tuple[datetime, datetime]:
    """Wall-clock `starts_at` to `ends_at` at the school on `day`, as UTC. A time the clocks
    skip (01:30 on the spring-forward Sunday, see skipped_time) is read at the offset before
    the change, so as 01:30 GMT (02:30 BST); one they pass twice (01:30 on the autumn Sunday)
    is the first, BST one."""
    zone = school_zone()
    start = datetime.combine(day, starts_at, zone).astimezone(UTC)
    end = datetime.combine(day, ends_at, zone).astimezone(UTC)
    return start, end


def period_times(day: date, period: Period) -> tuple[datetime, datetime]:
    """When `period` starts and ends on `day`, in UTC, through the school's time zone."""
    return local_times(day, period.starts_at, period.ends_at)


# ---- terms and closures ---------------------------------------------------------------------


def _stored_terms(first: date, last: date) -> list[SchoolTerm]:
    return list(
        db.session.scalars(
            select(SchoolTerm)
            .where(SchoolTerm.first_day >= first, SchoolTerm.first_day <= last)
            .options(selectinload(SchoolTerm.closures))
            .order_by(SchoolTerm.first_day)
        )
    )


def _as_term(term: SchoolTerm) -> Term:
    closures = tuple(
        Closure(c.kind, c.name, c.first_day, c.last_day, c.id)
        for c in sorted(term.closures, key=lambda c: (c.first_day, c.id))
    )
    return Term(term.name, term.first_day, term.last_day, closures, term.id)


def _default_terms(year: int) -> list[Term]:
    return [
        Term(name, first, last, tuple(Closure(*closure) for closure in closures))
        for name, first, last, closures in default_terms(year)
    ]


def terms_of_year(year: int) -> list[Term]:
    """The terms of school year `year` (1 August `year` to 31 July), in order: those stored,
    or the default three when none is."""
    first, last = school_year_bounds(year)
    stored = _stored_terms(first, last)
    return [_as_term(t) for t in stored] if stored else _default_terms(year)


def year_uses_default_terms(year: int) -> bool:
    first, last = school_year_bounds(year)
    return not _stored_terms(first, last)


def terms_between(first: date, last: date) -> list[Term]:
    """Every term with a day from `first` to `last`, in order (one query for the stored)."""
    years = range(school_year_of(first), school_year_of(last) + 1)
    stored = _stored_terms(school_year_bounds(years[0])[0], school_year_bounds(years[-1])[1])
    found: list[Term] = []
    for year in years:
        start, end = school_year_bounds(year)
        of_year = [_as_term(t) for t in stored if start <= t.first_day <= end]
        found += of_year or _default_terms(year)
    return [t for t in found if t.last_day >= first and t.first_day <= last]


def term_containing(day: date) -> Term | None:
    """The term `day` is in (its holidays included), or None between terms."""
    return next((t for t in terms_between(day, day) if t.covers(day)), None)


def end_of_term(day: date) -> date | None:
    """The last day of the term `day` is in; between terms, of the next term to start (a
    booking made in the holidays "until the end of term" runs to the end of the coming one).
    None only when no term follows within a year."""
    term = term_containing(day)
    if term is not None:
        return term.last_day
    horizon = day + min(timedelta(days=366), date.max - day)
    following = [t for t in terms_between(day, horizon) if t.first_day > day]
    return following[0].last_day if following else None


def closure_on(day: date) -> str | None:
    """The name of the holiday, INSET day or bank holiday `day` falls in, or None."""
    term = term_containing(day)
    if term is None:
        return None
    return next((c.name for c in term.closures if c.covers(day)), None)


def why_closed(day: date) -> str | None:
    """Why `day` is not a school day, said the way a booker reads it ("Half term", "INSET
    day", "Weekend", "School holidays"), or None on a school day."""
    return closed_days(day, day).get(day)


def closed_days(first: date, last: date) -> dict[date, str]:
    """Every day from `first` to `last` inclusive that is not a school day, with why (as
    why_closed says it). The terms are read once, however long the range, so a repeat passes
    `closed_days(first, until).get` as its `skip`."""
    if last < first:
        return {}
    terms = terms_between(first, last)
    found = {}
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        if day.weekday() >= 5:
            found[day] = "Weekend"
            continue
        term = next((t for t in terms if t.covers(day)), None)
        reason = (
            "School holidays"
            if term is None
            else next((c.name for c in term.closures if c.covers(day)), None)
        )
        if reason:
            found[day] = reason
    return found


def is_school_day(day: date) -> bool:
    """Monday to Friday, inside a term, and not a holiday, INSET day or bank holiday."""
    return day not in closed_days(day, day)


def school_days(first: date, last: date) -> list[date]:
    """Every school day from `first` to `last` inclusive, in order (empty when `last` is
    before `first`). The terms are read once, however long the range."""
    closed = closed_days(first, last)
    days = (first + timedelta(days=n) for n in range(max(0, (last - first).days + 1)))
    return [day for day in days if day not in closed]
