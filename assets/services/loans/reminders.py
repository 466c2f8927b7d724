"""Who to remind, by email, of items awaiting their signature or overdue for return.

A reminder is not repeated for the same loan within `again_after` days, counted in school
dates: one sent on Monday (at any time) is due again from Thursday with `again_after=3`, so a
daily run that starts a few minutes earlier than the last one, or a clock change, does not push
it to Friday. The commands (and `flask daily`) can run every day from cron without nagging.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Loan, Person
from assets.models.base import utcnow
from assets.services.common import events, mailer
from assets.services.common.clock import local_date, start_of_day
from assets.services.loans import loan_mail

KINDS = {
    "signature": ("signature_reminded_at", "Reminder to sign"),
    "overdue": ("overdue_reminded_at", "Overdue reminder"),
}


@dataclass
class Reminder:
    person: Person
    loans: list[Loan]


@dataclass
class Sending:
    """One reminder's fate: sent (and marked, flushed), or not sent with the mail error."""

    reminder: Reminder
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


def due(
    kind: str, *, again_after: int = 3, now: datetime | None = None, today: date | None = None
) -> tuple[list[Reminder], list[Person]]:
    """The reminders to send now, one per person, and the people who cannot be reminded
    because they have no email address."""
    now = now or utcnow()
    today = today or local_date(now)
    column = getattr(Loan, KINDS[kind][0])
    query = (
        select(Loan)
        .where(Loan.returned_at.is_(None))
        # Reminded on a school date no later than today - again_after.
        .where(or_(column.is_(None), column < start_of_day(today - timedelta(again_after - 1))))
        .options(selectinload(Loan.person), selectinload(Loan.asset))
        .order_by(Loan.person_id, Loan.id)
    )
    if kind == "signature":
        query = query.where(Loan.signature_id.is_(None))
    else:
        query = query.where(Loan.due_on < today)
    grouped: dict[int, Reminder] = {}
    for loan in db.session.scalars(query):
        grouped.setdefault(loan.person_id, Reminder(loan.person, [])).loans.append(loan)
    reminders = [r for r in grouped.values() if r.person.email]
    unreachable = [r.person for r in grouped.values() if not r.person.email]
    return reminders, unreachable


def mark_sent(kind: str, reminder: Reminder, now: datetime | None = None) -> None:
    """Record that the reminder went out (the command acts with no login)."""
    now = now or utcnow()
    attribute, label = KINDS[kind]
    for loan in reminder.loans:
        setattr(loan, attribute, now)
        events.record(
            None,
            f"loan.{kind}_reminder_sent",
            loan,
            f"{label} emailed to {reminder.person.name} for {loan.asset.tag}",
            asset=loan.asset,
            person=reminder.person,
        )


def send_due(
    kind: str, *, again_after: int = 3, now: datetime | None = None
) -> tuple[Iterator[Sending], list[Person]]:
    """Email the reminders due (`due`) one at a time, and the people with no email address.

    The iterator sends one email per step and marks it sent (flushed) when it went; the caller
    commits after each step, so a reminder that went out is never sent again by a later run
    even when a later one fails. A mail error is given back in the step, not raised."""
    now = now or utcnow()
    reminders, unreachable = due(kind, again_after=again_after, now=now)
    send = (
        loan_mail.send_signature_reminder
        if kind == "signature"
        else loan_mail.send_overdue_reminder
    )

    def each() -> Iterator[Sending]:
        for reminder in reminders:
            try:
                send(reminder.person, reminder.loans)
            except mailer.MailError as error:
                yield Sending(reminder, str(error))
                continue
            mark_sent(kind, reminder, now)
            db.session.flush()
            yield Sending(reminder)

    return each(), unreachable
