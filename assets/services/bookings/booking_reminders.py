"""On a booking's day, the booker is told by email: in the morning to collect what they
booked from the IT desk, and, once they have it, when it is due back. `flask daily` sends
them (operations/daily.py).

One email per person and kind a day, listing every booking of theirs that day; each booking
is reminded once at most of each kind (bookings.collect_reminded_at, return_reminded_at),
whatever runs again. Only bookings that still hold their time are reminded: approved ones
starting today not yet over (to collect), collected ones ending today (to return); never
requested, cancelled, declined or released ones. Days are school dates: a booking at 00:00
school time in summer (23:00 UTC the day before) is that school day's.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Booking, Person
from assets.services.bookings import availability
from assets.services.common import events, mailer
from assets.services.common.clock import local_date, local_moment, start_of_day

# kind: (the column that records it, what the audit calls it, the email's subject, template)
KINDS = {
    "collect": (
        "collect_reminded_at",
        "Reminder to collect",
        "Today: collect your booked equipment from the IT desk",
        "email/booking_collect_reminder.txt",
    ),
    "return": (
        "return_reminded_at",
        "Reminder to return",
        "Today: your booked equipment is due back",
        "email/booking_return_reminder.txt",
    ),
}


@dataclass
class Reminder:
    person: Person
    bookings: list[Booking]


@dataclass
class Sending:
    """One reminder's fate: sent (and marked, flushed), or not sent with the mail error."""

    reminder: Reminder
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


def due(kind: str, now: datetime) -> tuple[list[Reminder], list[Reminder]]:
    """The reminders of `kind` ("collect", "return") to send on `now`'s school day, one per
    person; and those for people with no email address, to tell in person."""
    column = getattr(Booking, KINDS[kind][0])
    day = local_date(now)
    first, last = start_of_day(day), start_of_day(day + timedelta(days=1))
    query = select(Booking).where(column.is_(None))
    if kind == "collect":
        query = query.where(
            Booking.state == "approved",
            Booking.starts_at >= first,
            Booking.starts_at < last,
            Booking.ends_at > now,
        )
        order = Booking.starts_at
    else:
        query = query.where(
            Booking.state == "collected", Booking.ends_at >= first, Booking.ends_at < last
        )
        order = Booking.ends_at
    query = query.options(selectinload(Booking.person), selectinload(Booking.asset)).order_by(
        Booking.person_id, order, Booking.id
    )
    grouped: dict[int, Reminder] = {}
    for booking in db.session.scalars(query):
        grouped.setdefault(booking.person_id, Reminder(booking.person, [])).bookings.append(booking)
    reachable = [r for r in grouped.values() if r.person.email]
    unreachable = [r for r in grouped.values() if not r.person.email]
    return reachable, unreachable


def when_text(booking: Booking, grid: Sequence = ()) -> str:
    """When a booking is, as the school says it: "Period 3, 10:50-11:50" when it is whole
    lesson periods of one day of `grid` (the school week's periods, handed in: anything with
    name, starts_at and ends_at as local times), else its times ("00:00-08:50"), with the
    dates when it spans days."""
    first, last = local_moment(booking.starts_at), local_moment(booking.ends_at)
    times = f"{first:%H:%M}\u2013{last:%H:%M}"
    if first.date() != last.date():
        return availability.range_text(booking.starts_at, booking.ends_at)
    starting = next((p for p in grid if p.starts_at == first.time()), None)
    ending = next((p for p in grid if p.ends_at == last.time()), None)
    if starting is None or ending is None:
        return times
    named = starting.name if starting == ending else f"{starting.name} to {ending.name}"
    return f"{named}, {times}"


def mark_sent(kind: str, reminder: Reminder, now: datetime) -> None:
    """Record that the reminder went out (no login acts: flask daily's)."""
    attribute, label, _subject, _template = KINDS[kind]
    for booking in reminder.bookings:
        setattr(booking, attribute, now)
        events.record(
            None,
            f"booking.{kind}_reminder_sent",
            booking,
            f"{label} emailed to {reminder.person.name} for {booking.item_text}, "
            f"{availability.range_text(booking.starts_at, booking.ends_at)}",
            asset=booking.asset,
            person=reminder.person,
        )


def send(kind: str, reminder: Reminder, grid: Sequence = ()) -> None:
    _attribute, _label, subject, template = KINDS[kind]
    mailer.send_template(
        [reminder.person.email],
        subject,
        template,
        person=reminder.person,
        lines=[
            (booking, when_text(booking, grid), f"{local_moment(booking.ends_at):%H:%M}")
            for booking in reminder.bookings
        ],
    )


def send_due(
    kind: str, now: datetime, grid: Sequence = ()
) -> tuple[Iterator[Sending], list[Reminder]]:
    """Email the reminders `due` one at a time, and those nobody can email; `grid`: the
    school's lesson periods, to name them (when_text). The iterator
    sends one email per step and marks it sent (flushed) when it went; the caller commits
    after each step, so a reminder that went out is never sent again. A mail error is given
    back in the step, not raised."""
    reminders, unreachable = due(kind, now)

    def each() -> Iterator[Sending]:
        for reminder in reminders:
            try:
                send(kind, reminder, grid)
            except mailer.MailError as error:
                yield Sending(reminder, str(error))
                continue
            mark_sent(kind, reminder, now)
            db.session.flush()
            yield Sending(reminder)

    return each(), unreachable
