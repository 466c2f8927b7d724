"""Booking equipment ahead (services/bookings): the form with the clash and the free
alternatives, one's own bookings (to cancel), and the requests the desk approves."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.bookings import form_helpers
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
from assets.services.bookings import availability, bookings, collections, extending, repeats
from assets.services.bookings.availability import BookingRefused
from assets.services.common.clock import date_text, school_zone
from assets.services.common.errors import DomainError
from assets.services.kits import kits
from assets.services.register import register
from assets.services.schoolweek import week

bp = Blueprint("bookings", __name__, url_prefix="/bookings")
bp.menu_section = "bookings"


@bp.app_template_global()
def booked_tag(booking: Booking) -> str:
    """What a booking holds, short: the asset's or kit's tag (a pool's words)."""
    return bookings.item_tag(booking)


def _repeat_message(asset, person, made: repeats.Repeat, waiting: bool) -> str:
    """ "TROLLEY-A booked for Miss A Guthrie on 14 Tuesdays, 08/09/2026 to 15/12/2026; not
    27/10/2026 (Half term)." """
    zone = school_zone()
    first, last = (b.starts_at.astimezone(zone).date() for b in (made[0], made[-1]))
    weekday = f"{first:%A}" + ("" if len(made) == 1 else "s")
    text = f"{asset.tag} booked for {person.name} on {len(made)} {weekday}, "
    text += f"{date_text(first)} to {date_text(last)}"
    if made.skipped:
        text += f"; not {repeats.skipped_text(made.skipped)}"
    return text + (": waiting for the IT technician's approval." if waiting else ".")


def _form_page(form: BookingForm, refused: BookingRefused | None = None):
    return render_template(
        "bookings/new.html",
        form=form,
        refused=refused,
        clash_text=lambda clash: availability.clash_text(clash, current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@signed_in
def new_booking():
    form = BookingForm()
    if not form_helpers.people_choices(form):
        return render_template("loans/not_linked.html")
    form_helpers.period_choices(form)
    if request.method == "GET":
        form_helpers.prefill(form)
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
    booked_range = form_helpers.booked_range(form)
    ok, until = form_helpers.repeat_until(form)
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
                    skip=week.closed_days(form.day.data, until).get,
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
    form_helpers.email_confirmation(made)
    return redirect(url_for("bookings.my_bookings"))


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
        form_helpers.email_confirmation([booking])
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
            form_helpers.email_receipt(loan)
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
        new_end = form_helpers.school_moment(form.end_day.data, form.ends.data)
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
    form_helpers.email_receipt(lent[0])
    return redirect(url_for("terms.show_signature", signature_id=lent[0].signature_id))


def _kit_page(booking, form, scan, plan):
    form.tags.data = "\n".join(scan.tags)
    form.scan.data = ""
    return render_template(
        "bookings/collect_kit.html", form=form, scan=scan, plan=plan, booking=booking
    )
