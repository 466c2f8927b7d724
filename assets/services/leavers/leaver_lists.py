"""Who is leaving: the dashboard of leavers who still hold equipment, the leaver's own status
on their page, and the reminder emailed to the technicians by a daily command."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import LeaverCase, Loan, Person, User
from assets.services.common import mailer
from assets.services.common.clock import local_date
from assets.services.leavers import leavers
from assets.services.loans import loans

DEFAULT_DAYS = 30
MAX_DAYS = 365
REMINDER_DAYS = 14


@dataclass
class LeaverRow:
    """A leaver on the dashboard: when they leave, what they hold, and their checklist."""

    person: Person
    leaving_on: date | None
    days_left: int | None
    held: list[Loan]
    case: LeaverCase | None
    checklist: leavers.Checklist | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def when(self) -> str:
        days = self.days_left
        if days is None:
            return "No contract end date recorded"
        if days < -1:
            return f"Left {-days} days ago"
        if days == -1:
            return "Left yesterday"
        if days == 0:
            return "Leaves today"
        if days == 1:
            return "Leaves tomorrow"
        return f"Leaves in {days} days"

    @property
    def progress(self) -> str:
        if self.checklist is None:
            return "Checklist not started"
        done, total = self.checklist.done_count, len(self.checklist.lines)
        return f"{done} of {total} steps done"


def clamp_days(days: int | None) -> int:
    """The dashboard's window: DEFAULT_DAYS unless a sensible number of days is asked for."""
    if days is None or not 1 <= days <= MAX_DAYS:
        return DEFAULT_DAYS
    return days


def dashboard(days: int = DEFAULT_DAYS, today: date | None = None) -> list[LeaverRow]:
    """Staff whose contract ends within `days` (or has ended) and who still hold equipment,
    unless their checklist for that end date is closed, and everyone whose checklist is under
    way; the most urgent first (the longest overdue at the top)."""
    today = today or local_date()
    holding = select(Loan.person_id).where(Loan.returned_at.is_(None))
    under_way = select(LeaverCase.person_id).where(LeaverCase.status == "open")
    closed_for_this_end = (
        select(LeaverCase.id)
        .where(
            LeaverCase.person_id == Person.id,
            LeaverCase.status == "closed",
            LeaverCase.leaving_on == Person.contract_end_date,
        )
        .exists()
    )
    query = (
        select(Person)
        .where(
            or_(
                Person.id.in_(under_way),
                and_(
                    Person.contract_end_date <= today + timedelta(days=days),
                    Person.id.in_(holding),
                    ~closed_for_this_end,
                ),
            )
        )
        .order_by(
            Person.contract_end_date.is_(None),
            Person.contract_end_date,
            Person.sort_key,
            Person.id,
        )
    )
    rows = []
    for person in db.session.scalars(query):
        case = leavers.open_case_for(person)
        ends = person.contract_end_date
        rows.append(
            LeaverRow(
                person=person,
                leaving_on=ends,
                days_left=(ends - today).days if ends else None,
                held=loans.held_by(person),
                case=case,
                checklist=leavers.checklist(case) if case else None,
            )
        )
    return rows


def recently_closed(limit: int = 10) -> list[LeaverCase]:
    """The checklists closed last, newest first (the export has every one)."""
    query = (
        select(LeaverCase)
        .where(LeaverCase.status == "closed")
        .options(selectinload(LeaverCase.person), selectinload(LeaverCase.closed_by))
        .order_by(LeaverCase.closed_at.desc(), LeaverCase.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass
class LeaverStatus:
    """What the leaver sees on their own page."""

    leaving_on: date | None
    held: list[Loan]
    case: LeaverCase | None
    checklist: leavers.Checklist | None

    @property
    def closed(self) -> bool:
        return self.case is not None and not self.case.is_open


def status_for(person: Person | None, today: date | None = None) -> LeaverStatus | None:
    """The person's checklist status: under way, closed for their current end date, or a
    reminder to bring everything back when they leave within DEFAULT_DAYS holding equipment.
    None when there is nothing to say."""
    if person is None:
        return None
    today = today or local_date()
    ends = person.contract_end_date
    case = leavers.latest_case_for(person)
    held = loans.held_by(person)
    if case is not None and case.is_open:
        return LeaverStatus(ends, held, case, leavers.checklist(case))
    if case is not None and ends is not None and case.leaving_on == ends:
        return LeaverStatus(ends, held, case, None)
    if ends is not None and held and ends <= today + timedelta(days=DEFAULT_DAYS):
        return LeaverStatus(ends, held, None, None)
    return None


# ---- the reminder ---------------------------------------------------------------------------


def reminder_rows(days: int = REMINDER_DAYS, today: date | None = None) -> list[LeaverRow]:
    """Dashboard rows of people leaving within `days`, or already gone, with something still
    outstanding."""
    today = today or local_date()
    horizon = today + timedelta(days=days)
    return [
        row
        for row in dashboard(days, today)
        if row.leaving_on is not None and row.leaving_on <= horizon
    ]


def technician_emails() -> list[str]:
    query = select(User.email).where(User.active.is_(True), User.role == "technician")
    return list(db.session.scalars(query.order_by(User.email)))


def send_reminder(rows: list[LeaverRow], days: int = REMINDER_DAYS) -> list[str]:
    """Email every active technician one list of the leavers in `rows`
    (templates/email/leavers_reminder.txt); gives the addresses. Raises mailer.MailError when
    it cannot be sent (or there is no technician to send to)."""
    overdue = [row for row in rows if row.overdue]
    soon = [row for row in rows if not row.overdue]
    subject = f"Leavers: {len(overdue)} overdue, {len(soon)} leaving in the next {days} days"
    recipients = technician_emails()
    if not recipients:
        raise mailer.MailError("there is no active technician login to send it to")
    mailer.send_template(
        recipients,
        subject,
        "email/leavers_reminder.txt",
        overdue=overdue,
        soon=soon,
        days=days,
    )
    return recipients
