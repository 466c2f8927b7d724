"""Booking equipment ahead (services/bookings): the form with the clash and the free
alternatives, one's own bookings (to cancel), and the requests the desk approves."""

import contextlib
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.bookings.forms import (
    BookingActionForm,
    BookingForm,
    CollectForm,
    ExtendBookingForm,
    KitCollectForm,
)
from assets.blueprints.forms import apply_error, commit_or_report
from assets.blueprints.loans.forms import id_list
from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Booking, Person
from assets.models.base import utcnow
from assets.permissions import allows
from assets.security import whole_number
from assets.services.bookings import availability, booking_mail, bookings, collections, extending
from assets.services.bookings.availability import BookingRefused
from assets.services.common import mailer
from assets.services.common.clock import date_text, school_zone
from assets.services.common.errors import DomainError
from assets.services.kits import kits
from assets.services.loans import loan_mail
from assets.services.people import people
from assets.services.register import register
from assets.services.schoolweek import week

bp = Blueprint("bookings", __name__, url_prefix="/bookings")
bp.menu_section = "bookings"


@bp.app_template_global()
def booked_tag(booking: Booking) -> str:
    """What a booking holds, short: the asset's or kit's tag (a pool's words)."""
    return bookings.item_tag(booking)


def _people_choices(form: BookingForm) -> bool:
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


def _period_choices(form: BookingForm) -> None:
    form.period.choices = [("", "Free times (From and Until below)")] + [
        (p.name, f"{p.name} ({p.times_text})") for p in week.periods(bookable_only=True)
    ]


def _range(form: BookingForm) -> tuple[datetime, datetime] | None:
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
    return _moment(day, form.starts.data), _moment(end_day, form.ends.data)


def _repeat_until(form: BookingForm) -> tuple[bool, date | None]:
    """(ok, the last day to repeat to or None to book once); "until the end of this term"
    wins over the date."""
    if not form.to_end_of_term.data:
        return True, form.repeat_until.data
    last = week.end_of_term(form.day.data)
    if last is None:
        form.to_end_of_term.errors = [
            "No term is set after that date. Choose a date to repeat until instead."
        ]
        return False, None
    return True, last


def _repeat_message(asset, person, made: bookings.Repeat, waiting: bool) -> str:
    """ "TROLLEY-A booked for Miss A Guthrie on 14 Tuesdays, 08/09/2026 to 15/12/2026; not
    27/10/2026 (Half term)." """
    zone = school_zone()
    first, last = (b.starts_at.astimezone(zone).date() for b in (made[0], made[-1]))
    weekday = f"{first:%A}" + ("" if len(made) == 1 else "s")
    text = f"{asset.tag} booked for {person.name} on {len(made)} {weekday}, "
    text += f"{date_text(first)} to {date_text(last)}"
    if made.skipped:
        text += f"; not {bookings.skipped_text(made.skipped)}"
    return text + (": waiting for the IT technician's approval." if waiting else ".")


def _moment(day, at) -> datetime:
    """A local date and wall-clock time at the school, as the UTC moment stored."""
    return datetime.combine(day, at, school_zone()).astimezone(UTC)


def _form_page(form: BookingForm, refused: BookingRefused | None = None):
    return render_template(
        "bookings/new.html",
        form=form,
        refused=refused,
        clash_text=lambda clash: availability.clash_text(clash, current_user),
    )


PREFILLED = {
    "day": date.fromisoformat,
    "starts": time.fromisoformat,
    "ends": time.fromisoformat,
    "end_day": date.fromisoformat,
    "repeat_until": date.fromisoformat,
}


def _prefill_choices(form: BookingForm) -> None:
    period = request.args.get("period", "")[:100]
    if any(value == period for value, _label in form.period.choices):
        form.period.data = period
    form.to_end_of_term.data = request.args.get("to_end_of_term") == "1"


def _prefill(form: BookingForm) -> None:
    """A link (an alternative, the asset page's "Book", a calendar's free period) fills the
    form; a bad value in it is just left out."""
    if form.tag is not None:  # a pool's form asks for a number instead
        form.tag.data = request.args.get("tag", "")[:255]
    for name, parse in PREFILLED.items():
        with contextlib.suppress(ValueError):
            getattr(form, name).data = parse(request.args.get(name, "")[:10])
    _prefill_choices(form)
    person = whole_number(request.args.get("person"))
    if allows(current_user, "can_book_for_anyone"):
        form.person_id.data = person or 0
    else:
        form.person_id.data = current_user.person.id


@bp.route("/new", methods=["GET", "POST"])
@signed_in
def new_booking():
    form = BookingForm()
    if not _people_choices(form):
        return render_template("loans/not_linked.html")
    _period_choices(form)
    if request.method == "GET":
        _prefill(form)
        return _form_page(form)
    if not form.validate_on_submit():
        return _form_page(form)
    # Tags are disjoint: the one typed names an asset or a kit (booked whole), or nothing.
    asset = register.asset_by_tag(form.tag.data) or kits.kit_for_tag(form.tag.data)
    if asset is None:
        form.tag.errors = [f"No asset or kit has the tag {form.tag.data.strip()}. Check the label."]
        return _form_page(form)
    own = None if allows(current_user, "can_book_for_anyone") else current_user.person
    person = own or db.session.get(Person, form.person_id.data or 0)
    if person is None:
        form.person_id.errors = ["Choose who it is for."]
        return _form_page(form)
    booked_range = _range(form)
    ok, until = _repeat_until(form)
    if booked_range is None or not ok:
        return _form_page(form)
    start, end = booked_range
    now = utcnow()
    purpose = form.purpose.data or ""
    try:
        if until:
            made = commit_or_rollback(
                lambda: bookings.book_repeating(
                    current_user,
                    asset,
                    person,
                    start,
                    end,
                    until,
                    now,
                    skip=week.why_closed,
                    purpose=purpose,
                )
            )
        else:
            made = [
                commit_or_rollback(
                    lambda: bookings.book(current_user, asset, person, start, end, now, purpose)
                )
            ]
    except BookingRefused as refused:
        form.form_errors.append(refused.message)
        return _form_page(form, refused)
    except DomainError as error:
        apply_error(form, error)
        return _form_page(form)
    waiting = made[0].state == "requested"
    if until:
        message = _repeat_message(asset, person, made, waiting)
    else:
        message = f"{asset.tag} booked for {person.name}" + (
            ": waiting for the IT technician's approval." if waiting else "."
        )
    flash(message, "success")
    _email_confirmation(made)
    return redirect(url_for("bookings.my_bookings"))


def _email_confirmation(made) -> None:
    """After the commit: the person it is for gets the booking, with an .ics to add."""
    try:
        if booking_mail.send_confirmation(list(made)):
            flash(f"The booking was emailed to {made[0].person.email}.", "info")
    except mailer.MailError as error:
        flash(f"The booking is made, but it could not be emailed: {error}.", "warning")


@bp.get("")
@signed_in
def my_bookings():
    return render_template(
        "bookings/mine.html",
        upcoming=availability.upcoming_for(current_user, utcnow()),
        form=BookingActionForm(),
    )


def _booking_from(form: BookingActionForm) -> Booking | None:
    booking_id = whole_number(form.booking_id.data or "")
    booking = db.session.get(Booking, booking_id) if booking_id else None
    if booking is None:
        flash("That booking no longer exists. The list below is up to date.", "warning")
    return booking


@bp.post("/cancel")
@signed_in
def cancel_booking():
    form = BookingActionForm()
    back = redirect(url_for("bookings.my_bookings"))
    if not form.validate_on_submit():
        flash("The page had expired. Please try again.", "warning")
        return back
    booking = _booking_from(form)
    if booking is None:
        return back
    done, _ = commit_or_report(lambda: bookings.cancel(current_user, booking, utcnow()))
    if done:
        flash(f"Booking of {booking.item_text} cancelled.", "success")
    return back


@bp.get("/requests")
@requires("can_approve_bookings")
def list_requests():
    return render_template(
        "bookings/requests.html", requested=availability.requested(), form=BookingActionForm()
    )


@bp.post("/requests")
@requires("can_approve_bookings")
def decide_request():
    form = BookingActionForm()
    back = redirect(url_for("bookings.list_requests"))
    if not form.validate_on_submit():
        flash("The page had expired. Please try again.", "warning")
        return back
    decide = {"approve": bookings.approve, "decline": bookings.decline}.get(form.decision.data)
    if decide is None:
        flash("Choose approve or decline.", "warning")
        return back
    booking = _booking_from(form)
    if booking is None:
        return back
    done, _ = commit_or_report(lambda: decide(current_user, booking, utcnow()))
    if done:
        flash(
            f"Booking of {booking.item_text} for {booking.person.name} {booking.state}.", "success"
        )
        _email_confirmation([booking])
    return back


# ---- the desk's day: hand-overs and returns -----------------------------------------------------


@bp.get("/today")
@requires("can_lend")
def today_at_desk():
    return render_template("bookings/today.html", today=collections.today_at_desk(utcnow()))


@bp.route("/<int:booking_id>/collect", methods=["GET", "POST"])
@requires("can_lend")
def collect_booking(booking_id: int):
    """The booked item handed over: the borrower reads the terms and signs once (the desk's
    check-out, for this booking's item, due back on its last day)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    if booking.pool_id is not None:  # its units are scanned on the pool's own page
        return redirect(url_for("pools.collect_pool_booking", booking_id=booking.id))
    if booking.kit is not None:
        return _collect_kit(booking)
    back = redirect(url_for("bookings.today_at_desk"))
    form = CollectForm()
    now = utcnow()
    if form.validate_on_submit():
        try:
            loan = commit_or_rollback(
                lambda: collections.collect(
                    current_user,
                    booking,
                    form.signature.data,
                    now,
                    terms_ids=id_list(form.terms_ids.data),
                )
            )
        except DomainError as error:
            if error.field != "signature":
                flash(error.message, "warning")
                return back
            form.signature.errors = [error.message]
        else:
            flash(f"{booking.person.name} signed for {booking.item_text}.", "success")
            _email_receipt(loan)
            return redirect(url_for("terms.show_signature", signature_id=loan.signature_id))
    try:
        plan = collections.plan_collect(current_user, booking, now)
    except DomainError as error:
        flash(error.message, "warning")
        return back
    return render_template("bookings/collect.html", form=form, plan=plan, booking=booking)


@bp.route("/<int:booking_id>/extend", methods=["GET", "POST"])
@signed_in
def extend_booking(booking_id: int):
    """A later end for a booking, while nothing later is booked: the booker's own, or any
    for the desk."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not extending.may_extend(current_user, booking):
        abort(404)
    form = ExtendBookingForm()
    if request.method == "GET":
        last = booking.ends_at.astimezone(school_zone())
        form.end_day.data, form.ends.data = last.date(), last.time()
    elif form.validate_on_submit():
        new_end = _moment(form.end_day.data, form.ends.data)
        done, _ = commit_or_report(
            lambda: extending.extend(current_user, booking, new_end, utcnow()), form
        )
        if done:
            flash(
                f"Booking of {booked_tag(booking)} extended: "
                f"{availability.range_text(booking.starts_at, booking.ends_at)}.",
                "success",
            )
            return redirect(url_for("bookings.my_bookings"))
    return render_template("bookings/extend.html", form=form, booking=booking)


def _collect_kit(booking: Booking):
    """A booked kit handed over: the desk scans its parts (or the kit's label) into the box,
    one a scan; once every part is there, the borrower signs once for them all."""
    form = KitCollectForm()
    now = utcnow()
    try:
        collections.check_collectable(booking, now)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("bookings.today_at_desk"))
    scan = collections.scan_kit(booking, f"{form.tags.data or ''}\n{form.scan.data or ''}")
    plan = None
    if form.validate_on_submit():
        form.form_errors.extend(scan.problems)
        if form.signature.data:
            return _sign_for_kit(booking, form, scan, now)
        if scan.complete:
            plan = _kit_plan(booking, form, scan, now)
        elif form.go.data:
            form.form_errors.append(scan.missing_text())
    return _kit_page(booking, form, scan, plan)


def _kit_plan(booking, form, scan, now):
    try:
        return collections.plan_collect(current_user, booking, now, scanned="\n".join(scan.tags))
    except DomainError as error:
        form.form_errors.append(error.message)
        return None


def _sign_for_kit(booking, form, scan, now):
    try:
        lent = commit_or_rollback(
            lambda: collections.collect_kit(
                current_user,
                booking,
                "\n".join(scan.tags),
                form.signature.data,
                now,
                terms_ids=id_list(form.terms_ids.data),
            )
        )
    except DomainError as error:
        form.form_errors.append(error.message)
        plan = _kit_plan(booking, form, scan, now) if scan.complete else None
        return _kit_page(booking, form, scan, plan)
    flash(f"{booking.person.name} signed for {booking.item_text}.", "success")
    _email_receipt(lent[0])
    return redirect(url_for("terms.show_signature", signature_id=lent[0].signature_id))


def _kit_page(booking, form, scan, plan):
    form.tags.data = "\n".join(scan.tags)
    form.scan.data = ""
    return render_template(
        "bookings/collect_kit.html", form=form, scan=scan, plan=plan, booking=booking
    )


def _email_receipt(loan) -> None:
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
