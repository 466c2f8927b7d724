"""Booking equipment ahead (services/bookings): the form with the clash and the free
alternatives, one's own bookings (to cancel), and the requests the desk approves."""

import contextlib
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.bookings.forms import BookingActionForm, BookingForm
from assets.blueprints.forms import apply_error, commit_or_report
from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Booking, Person
from assets.models.base import utcnow
from assets.permissions import allows
from assets.security import whole_number
from assets.services.bookings import availability, bookings
from assets.services.bookings.availability import BookingRefused
from assets.services.common.clock import school_zone
from assets.services.common.errors import DomainError
from assets.services.people import people
from assets.services.register import register

bp = Blueprint("bookings", __name__, url_prefix="/bookings")
bp.menu_section = "bookings"


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


def _prefill(form: BookingForm) -> None:
    """A link (an alternative, the asset page's "Book") fills the form; a bad value in it is
    just left out."""
    form.tag.data = request.args.get("tag", "")[:255]
    for name, parse in PREFILLED.items():
        with contextlib.suppress(ValueError):
            getattr(form, name).data = parse(request.args.get(name, "")[:10])
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
    if request.method == "GET":
        _prefill(form)
        return _form_page(form)
    if not form.validate_on_submit():
        return _form_page(form)
    asset = register.asset_by_tag(form.tag.data)
    if asset is None:
        form.tag.errors = [f"No asset has the tag {form.tag.data.strip()}. Check the label."]
        return _form_page(form)
    own = None if allows(current_user, "can_book_for_anyone") else current_user.person
    person = own or db.session.get(Person, form.person_id.data or 0)
    if person is None:
        form.person_id.errors = ["Choose who it is for."]
        return _form_page(form)
    start = _moment(form.day.data, form.starts.data)
    end_day = form.end_day.data or form.day.data
    if form.end_day.data is None and form.ends.data == time(0):
        end_day = form.day.data + timedelta(days=1)  # "until 00:00": the end of that day
    end = _moment(end_day, form.ends.data)
    now = utcnow()
    purpose = form.purpose.data or ""
    try:
        if form.repeat_until.data:
            made = commit_or_rollback(
                lambda: bookings.book_repeating(
                    current_user,
                    asset,
                    person,
                    start,
                    end,
                    form.repeat_until.data,
                    now,
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
    times = "" if len(made) == 1 else f" {len(made)} times"
    flash(
        f"{asset.tag} booked{times} for {person.name}"
        + (": waiting for the IT technician's approval." if waiting else "."),
        "success",
    )
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
        flash(f"Booking of {booking.asset.tag} cancelled.", "success")
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
            f"Booking of {booking.asset.tag} for {booking.person.name} {booking.state}.", "success"
        )
    return back
