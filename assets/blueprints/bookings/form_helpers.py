"""What the booking pages share (the asset or kit form, and a pool's): the people and period
choices, reading the booked range and the repeat from the form, filling the form from a
link, and the emails sent after the commit."""

import contextlib
from datetime import UTC, date, datetime, time, timedelta

from flask import flash, request
from flask_login import current_user

from assets.blueprints.bookings.forms import BookingForm
from assets.models.base import utcnow
from assets.permissions import allows
from assets.security import whole_number
from assets.services.bookings import booking_mail, repeats
from assets.services.common import mailer
from assets.services.common.clock import date_text, school_zone
from assets.services.common.errors import DomainError
from assets.services.loans import loan_mail
from assets.services.people import people
from assets.services.schoolweek import week


def people_choices(form: BookingForm) -> bool:
    """Anyone active for the desk; only oneself otherwise. False when the login is not linked
    to a member of staff."""
    if allows(current_user, "can_book_for_anyone"):
        form.person_id.choices = [(0, "— choose who it is for —")] + [
            (p.id, p.name) for p in people.active_people()
        ]
        return True
    if current_user.person is None:
        return False
    form.person_id.choices = [(current_user.person.id, current_user.person.name)]
    return True


def period_choices(form: BookingForm) -> None:
    form.period.choices = [("", "Free times (From and Until below)")] + [
        (p.name, f"{p.name} ({p.times_text})") for p in week.periods(bookable_only=True)
    ]


def booked_range(form: BookingForm) -> tuple[datetime, datetime] | None:
    """The booked range in UTC: the chosen period's times on the day (a period wins over the
    From and Until fields), or those fields. None, with the reason on the form, when there
    is none."""
    day = form.day.data
    if form.period.data:
        period = week.period_named(form.period.data)
        if period is None:  # removed since the page was shown
            form.period.errors = ["That period no longer exists. Choose another."]
            return None
        if form.end_day.data:
            form.end_day.errors = ["A period is within one day: leave this date empty."]
            return None
        closed = week.why_closed(day)
        if closed:
            form.day.errors = [
                f"{date_text(day)} is not a school day ({closed}), so it has no "
                f"{period.name}. Choose a school day, or Free times to book it anyway."
            ]
            return None
        return week.period_times(day, period)
    if form.starts.data is None:
        form.starts.errors = ["Choose the start time, or a lesson period."]
    if form.ends.data is None:
        form.ends.errors = ["Choose the end time, or a lesson period."]
    if form.starts.data is None or form.ends.data is None:
        return None
    end_day = form.end_day.data or day
    if form.end_day.data is None and form.ends.data == time(0):
        end_day = day + timedelta(days=1)  # "until 00:00": the end of that day
    for field, on in ((form.starts, day), (form.ends, end_day)):
        skipped = week.skipped_time(on, field.data)
        if skipped:
            field.errors = [f"{skipped} Choose another time."]
            return None
    return school_moment(day, form.starts.data), school_moment(end_day, form.ends.data)


def repeat_until(form: BookingForm) -> tuple[bool, date | None]:
    """(ok, the last day to repeat to or None to book once); "until the end of this term"
    wins over the date. A repeat's limits (repeats.check_until) are checked here, before a
    view reads the school week over the span."""
    if not form.to_end_of_term.data:
        field, last = form.repeat_until, form.repeat_until.data
    else:
        field, last = form.to_end_of_term, week.end_of_term(form.day.data)
        if last is None:
            field.errors = [
                "No term is set after that date. Choose a date to repeat until instead."
            ]
            return False, None
    if last is not None and form.day.data is not None:
        try:
            repeats.check_until(form.day.data, last, utcnow())
        except DomainError as error:
            field.errors = [*field.errors, error.message]
            return False, None
    return True, last


def school_moment(day, at) -> datetime:
    """A local date and wall-clock time at the school, as the UTC moment stored."""
    return datetime.combine(day, at, school_zone()).astimezone(UTC)


PREFILLED = {
    "day": date.fromisoformat,
    "starts": time.fromisoformat,
    "ends": time.fromisoformat,
    "end_day": date.fromisoformat,
    "repeat_until": date.fromisoformat,
}


def prefill_choices(form: BookingForm) -> None:
    period = request.args.get("period", "")[:100]
    if any(value == period for value, _label in form.period.choices):
        form.period.data = period
    form.to_end_of_term.data = request.args.get("to_end_of_term") == "1"


def prefill(form: BookingForm) -> None:
    """A link (an alternative, the asset page's "Book", a calendar's free period) fills the
    form; a bad value in it is just left out."""
    if form.tag is not None:  # a pool's form asks for a number instead
        form.tag.data = request.args.get("tag", "")[:255]
    for name, parse in PREFILLED.items():
        with contextlib.suppress(ValueError):
            getattr(form, name).data = parse(request.args.get(name, "")[:10])
    prefill_choices(form)
    person = whole_number(request.args.get("person"))
    if allows(current_user, "can_book_for_anyone"):
        form.person_id.data = person or 0
    else:
        form.person_id.data = current_user.person.id


def email_confirmation(made) -> None:
    """After the commit: the person it is for gets the booking, with an .ics to add."""
    try:
        if booking_mail.send_confirmation(list(made)):
            flash(f"The booking was emailed to {made[0].person.email}.", "info")
    except mailer.MailError as error:
        flash(f"The booking is made, but it could not be emailed: {error}.", "warning")


def email_receipt(loan) -> None:
    """After the commit, as the desk's check-out does: the receipt to the borrower."""
    try:
        if loan_mail.send_receipt(loan.signature):
            flash(f"The receipt was emailed to {loan.person.email}.", "info")
    except mailer.MailError as error:
        flash(
            f"The signature is saved, but the receipt could not be emailed: {error}. "
            "Download it below and pass it on.",
            "warning",
        )
