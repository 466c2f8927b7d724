"""An admin's changes to the school's week: the periods of the day, the terms and their
closures. Each is checked first (nothing overlaps, nothing ends before it starts, a closure
lies inside a term), with a message saying what to change, and writes an audit event.

While the default grid or a school year's default terms are in use, the first change to
them keeps them as the school's own first (audited as such), then makes the change: an admin
edits what they see. Adding a term to a school year that uses the default terms replaces
them for that year: the year then has the terms the admin adds."""

from datetime import date, time

from sqlalchemy import select

from assets.extensions import db
from assets.models import (
    CLOSURE_KIND_LABELS,
    CLOSURE_KINDS,
    LessonPeriod,
    SchoolClosure,
    SchoolTerm,
    User,
)
from assets.services.common import events
from assets.services.common.clock import date_text
from assets.services.common.errors import DomainError
from assets.services.common.text import clean_text
from assets.services.schoolweek import week
from assets.services.schoolweek.defaults import (
    DEFAULT_PERIODS,
    default_terms,
    school_year_bounds,
    school_year_of,
)

NAME_LENGTH = 60
PERIOD_FIELDS = ("name", "starts_at", "ends_at", "bookable")
TERM_FIELDS = ("name", "first_day", "last_day")
CLOSURE_FIELDS = ("kind", "name", "first_day", "last_day")


def _span(first: date, last: date) -> str:
    return date_text(first) if first == last else f"{date_text(first)} to {date_text(last)}"


# ---- periods --------------------------------------------------------------------------------


def _stored_periods() -> list[LessonPeriod]:
    return list(
        db.session.scalars(select(LessonPeriod).order_by(LessonPeriod.starts_at, LessonPeriod.id))
    )


def keep_default_periods(actor: User | None) -> list[LessonPeriod]:
    """Store the default grid as the school's own, when no period is stored; the periods
    stored either way, in order."""
    stored = _stored_periods()
    if stored:
        return stored
    for position, (name, starts, ends, bookable) in enumerate(DEFAULT_PERIODS, 1):
        period = LessonPeriod(
            name=name, starts_at=starts, ends_at=ends, position=position, bookable=bookable
        )
        db.session.add(period)
        events.record(
            actor,
            "school_week.period_added",
            period,
            f"{name} ({starts:%H:%M}\u2013{ends:%H:%M}) kept from the default school day",
            changes=events.snapshot(period, PERIOD_FIELDS),
        )
        stored.append(period)
    db.session.flush()
    return stored


def _checked_period(
    name: str | None,
    starts_at: time | None,
    ends_at: time | None,
    others: list[LessonPeriod],
) -> str:
    name = clean_text(
        name,
        field="name",
        label="the name",
        max_length=NAME_LENGTH,
        required="Give the period a name, such as Period 1 or Lunch.",
    )
    if starts_at is None:
        raise DomainError("Give the time the period starts, such as 08:50.", field="starts_at")
    if ends_at is None:
        raise DomainError("Give the time the period ends, such as 09:50.", field="ends_at")
    if ends_at <= starts_at:
        raise DomainError(
            f"The period must end after it starts ({starts_at:%H:%M}).", field="ends_at"
        )
    for other in others:
        if other.name.casefold() == name.casefold():
            raise DomainError(f"There is already a period called {other.name}.", field="name")
    for other in others:
        if other.starts_at < ends_at and starts_at < other.ends_at:
            raise DomainError(
                f"{starts_at:%H:%M}\u2013{ends_at:%H:%M} overlaps {other.name} "
                f"({other.starts_at:%H:%M}\u2013{other.ends_at:%H:%M}). Periods may touch, as "
                "09:50\u201309:50, but not overlap.",
                field="starts_at",
            )
    return name


def _renumber(stored: list[LessonPeriod]) -> None:
    for position, period in enumerate(sorted(stored, key=lambda p: p.starts_at), 1):
        if period.position != position:
            period.position = position


def add_period(
    actor: User, *, name: str | None, starts_at: time | None, ends_at: time | None, bookable: bool
) -> LessonPeriod:
    """Add a period to the day (keeping the default grid first, if it is in use)."""
    stored = keep_default_periods(actor)
    name = _checked_period(name, starts_at, ends_at, stored)
    period = LessonPeriod(
        name=name, starts_at=starts_at, ends_at=ends_at, position=0, bookable=bookable
    )
    db.session.add(period)
    _renumber([*stored, period])
    events.record(
        actor,
        "school_week.period_added",
        period,
        f"{name} ({starts_at:%H:%M}\u2013{ends_at:%H:%M}) added to the school day",
        changes=events.snapshot(period, PERIOD_FIELDS),
    )
    db.session.flush()
    return period


def edit_period(
    actor: User,
    period: LessonPeriod,
    *,
    name: str | None,
    starts_at: time | None,
    ends_at: time | None,
    bookable: bool,
) -> dict:
    """Change a stored period; the changes made ({} when nothing changed). Bookings already
    made keep their times."""
    stored = _stored_periods()
    others = [p for p in stored if p.id != period.id]
    name = _checked_period(name, starts_at, ends_at, others)
    changes = events.apply_changes(
        period, {"name": name, "starts_at": starts_at, "ends_at": ends_at, "bookable": bookable}
    )
    if changes:
        _renumber(stored)
        events.record(
            actor, "school_week.period_updated", period, f"{name} changed", changes=changes
        )
        db.session.flush()
    return changes


def remove_period(actor: User, period: LessonPeriod) -> None:
    """Take a stored period out of the day. The day keeps at least one period."""
    stored = _stored_periods()
    if len(stored) <= 1:
        raise DomainError("The school day needs at least one period: add another first.")
    events.record(
        actor,
        "school_week.period_removed",
        period,
        f"{period.name} ({period.starts_at:%H:%M}\u2013{period.ends_at:%H:%M}) removed from the "
        "school day",
        changes=events.snapshot(period, PERIOD_FIELDS),
    )
    db.session.delete(period)
    db.session.flush()
    _renumber([p for p in stored if p.id != period.id])
    db.session.flush()


# ---- terms ----------------------------------------------------------------------------------


def _terms_of_year(year: int) -> list[SchoolTerm]:
    first, last = school_year_bounds(year)
    return list(
        db.session.scalars(
            select(SchoolTerm)
            .where(SchoolTerm.first_day >= first, SchoolTerm.first_day <= last)
            .order_by(SchoolTerm.first_day)
        )
    )


def keep_default_terms(actor: User | None, year: int) -> list[SchoolTerm]:
    """Store school year `year`'s default terms and closures as the school's own, when it
    has no term stored; its stored terms either way."""
    stored = _terms_of_year(year)
    if stored:
        return stored
    for name, first, last, closures in default_terms(year):
        term = SchoolTerm(name=name, first_day=first, last_day=last)
        for kind, closure_name, closure_first, closure_last in closures:
            term.closures.append(
                SchoolClosure(
                    kind=kind, name=closure_name, first_day=closure_first, last_day=closure_last
                )
            )
        db.session.add(term)
        events.record(
            actor,
            "school_week.term_added",
            term,
            f"{name} ({_span(first, last)}) kept from the default dates, with "
            + ", ".join(c.name for c in term.closures),
            changes=events.snapshot(term, TERM_FIELDS)
            | {"closures": [events.snapshot(c, CLOSURE_FIELDS) for c in term.closures]},
        )
        stored.append(term)
    db.session.flush()
    return stored


def _checked_term(
    name: str | None, first_day: date | None, last_day: date | None, term: SchoolTerm | None
) -> str:
    name = clean_text(
        name,
        field="name",
        label="the name",
        max_length=NAME_LENGTH,
        required="Give the term a name, such as Autumn term 2026.",
    )
    if first_day is None:
        raise DomainError("Give the term's first day.", field="first_day")
    if last_day is None:
        raise DomainError("Give the term's last day.", field="last_day")
    if last_day < first_day:
        raise DomainError("The last day cannot be before the first.", field="last_day")
    year_end = school_year_bounds(school_year_of(first_day))[1]
    if last_day > year_end:
        raise DomainError(
            f"A term ends by {date_text(year_end)}, in the school year it starts in "
            "(1 August to 31 July).",
            field="last_day",
        )
    overlapping = (
        select(SchoolTerm)
        .where(SchoolTerm.first_day <= last_day, SchoolTerm.last_day >= first_day)
        .order_by(SchoolTerm.first_day)
        .limit(1)
    )
    if term is not None:
        overlapping = overlapping.where(SchoolTerm.id != term.id)
    clash = db.session.scalar(overlapping)
    if clash is not None:
        raise DomainError(
            f"Those dates overlap {clash.name} ({_span(clash.first_day, clash.last_day)}).",
            field="first_day",
        )
    if term is not None:
        for closure in term.closures:
            if closure.first_day < first_day or closure.last_day > last_day:
                raise DomainError(
                    f"{closure.name} ({_span(closure.first_day, closure.last_day)}) would fall "
                    "outside the term: move or remove it first.",
                    field="first_day" if closure.first_day < first_day else "last_day",
                )
    return name


def add_term(
    actor: User, *, name: str | None, first_day: date | None, last_day: date | None
) -> SchoolTerm:
    """Add a term. In a school year that used the default terms, the year now has only the
    terms stored for it."""
    name = _checked_term(name, first_day, last_day, None)
    term = SchoolTerm(name=name, first_day=first_day, last_day=last_day)
    db.session.add(term)
    events.record(
        actor,
        "school_week.term_added",
        term,
        f"{name} ({_span(first_day, last_day)}) added",
        changes=events.snapshot(term, TERM_FIELDS),
    )
    db.session.flush()
    return term


def edit_term(
    actor: User,
    term: SchoolTerm,
    *,
    name: str | None,
    first_day: date | None,
    last_day: date | None,
) -> dict:
    """Change a stored term's name or dates; its closures must stay inside it."""
    name = _checked_term(name, first_day, last_day, term)
    changes = events.apply_changes(
        term, {"name": name, "first_day": first_day, "last_day": last_day}
    )
    if changes:
        events.record(actor, "school_week.term_updated", term, f"{name} changed", changes=changes)
        db.session.flush()
    return changes


def remove_term(actor: User, term: SchoolTerm) -> None:
    """Remove a stored term and its closures. A school year left with none uses the
    default terms again."""
    events.record(
        actor,
        "school_week.term_removed",
        term,
        f"{term.name} ({_span(term.first_day, term.last_day)}) removed"
        + (f", with {', '.join(c.name for c in term.closures)}" if term.closures else ""),
        changes=events.snapshot(term, TERM_FIELDS)
        | {"closures": [events.snapshot(c, CLOSURE_FIELDS) for c in term.closures]},
    )
    db.session.delete(term)
    db.session.flush()


# ---- closures -------------------------------------------------------------------------------


def _checked_closure(
    actor: User,
    kind: str | None,
    name: str | None,
    first_day: date | None,
    last_day: date | None,
    closure: SchoolClosure | None,
) -> tuple[str, SchoolTerm]:
    """The cleaned name and the stored term the closure lies in (keeping a school year's
    default terms first when the dates fall in one of them)."""
    if kind not in CLOSURE_KINDS:
        raise DomainError("Choose a holiday, an INSET day or a bank holiday.", field="kind")
    name = clean_text(
        name,
        field="name",
        label="the name",
        max_length=NAME_LENGTH,
        required=f"Give the {CLOSURE_KIND_LABELS[kind].lower()} a name, such as Half term.",
    )
    if first_day is None:
        raise DomainError("Give the first day the school is closed.", field="first_day")
    if last_day is None:
        raise DomainError("Give the last day the school is closed.", field="last_day")
    if last_day < first_day:
        raise DomainError("The last day cannot be before the first.", field="last_day")
    found = next((t for t in week.terms_between(first_day, last_day) if t.covers(first_day)), None)
    if found is None or not found.covers(last_day):
        raise DomainError(
            f"{_span(first_day, last_day)} is not inside one term. A holiday, INSET day or "
            "bank holiday lies within a term's dates; the days between terms are holidays "
            "already.",
            field="first_day",
        )
    if found.is_default:
        keep_default_terms(actor, school_year_of(found.first_day))
    term = db.session.scalar(select(SchoolTerm).where(SchoolTerm.first_day == found.first_day))
    for other in term.closures:
        if other is closure:
            continue
        if other.first_day <= last_day and first_day <= other.last_day:
            raise DomainError(
                f"Those dates overlap {other.name} ({_span(other.first_day, other.last_day)}).",
                field="first_day",
            )
    return name, term


def add_closure(
    actor: User,
    *,
    kind: str | None,
    name: str | None,
    first_day: date | None,
    last_day: date | None,
) -> SchoolClosure:
    """Close the school from `first_day` to `last_day` inside the term holding them."""
    name, term = _checked_closure(actor, kind, name, first_day, last_day, None)
    closure = SchoolClosure(kind=kind, name=name, first_day=first_day, last_day=last_day)
    term.closures.append(closure)
    events.record(
        actor,
        "school_week.closure_added",
        closure,
        f"{CLOSURE_KIND_LABELS[kind]} added to {term.name}: {name}, {_span(first_day, last_day)}",
        changes=events.snapshot(closure, CLOSURE_FIELDS),
    )
    db.session.flush()
    return closure


def edit_closure(
    actor: User,
    closure: SchoolClosure,
    *,
    kind: str | None,
    name: str | None,
    first_day: date | None,
    last_day: date | None,
) -> dict:
    """Change a closure; it stays inside a term (it may move to another stored one)."""
    name, term = _checked_closure(actor, kind, name, first_day, last_day, closure)
    changes = events.apply_changes(
        closure, {"kind": kind, "name": name, "first_day": first_day, "last_day": last_day}
    )
    if closure.term is not term:
        changes["term"] = [closure.term.name, term.name]
        closure.term = term
    if changes:
        events.record(
            actor, "school_week.closure_updated", closure, f"{name} changed", changes=changes
        )
        db.session.flush()
    return changes


def remove_closure(actor: User, closure: SchoolClosure) -> None:
    """Open the school again on a closure's days."""
    events.record(
        actor,
        "school_week.closure_removed",
        closure,
        f"{closure.name} ({_span(closure.first_day, closure.last_day)}) removed from "
        f"{closure.term.name}",
        changes=events.snapshot(closure, CLOSURE_FIELDS),
    )
    closure.term.closures.remove(closure)
    db.session.delete(closure)
    db.session.flush()
