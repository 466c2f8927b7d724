"""Pools: "any N of these" (services/pools). The list and a pool's page with its units; making,
changing and deleting one (the register's keepers); booking a number of its units (the
booking form's days, periods and repeats); and handing a pool booking over by scanning units."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.bookings import form_helpers
from assets.blueprints.forms import ConfirmForm, apply_error, commit_or_report
from assets.blueprints.loans.forms import id_list
from assets.blueprints.pools.forms import PoolBookingForm, PoolCollectForm, PoolForm
from assets.database import commit_or_rollback
from assets.extensions import db
from assets.models import Booking, Person, Pool
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.bookings import pool_bookings
from assets.services.bookings.availability import BookingRefused
from assets.services.common.errors import DomainError
from assets.services.pools import pools
from assets.services.register import choice_lists
from assets.services.schoolweek import week

bp = Blueprint("pools", __name__)
bp.menu_section = "pools"


def _pool_or_404(pool_id: int) -> Pool:
    pool = pools.get_pool(pool_id)
    if pool is None:
        abort(404)
    return pool


@bp.get("/pools")
@signed_in
def list_pools():
    return render_template("pools/list.html", pools=pools.all_pools())


def _choices(form: PoolForm) -> None:
    form.category_id.choices = [(0, "— choose —"), *choice_lists.categories()]
    form.location_id.choices = [(0, "— choose —"), *choice_lists.locations()]


@bp.route("/pools/new", methods=["GET", "POST"])
@requires("can_manage_register")
def new_pool():
    form = PoolForm()
    _choices(form)
    if form.validate_on_submit():
        saved, pool = commit_or_report(
            lambda: pools.create_pool(
                current_user,
                form.name.data or "",
                form.category_id.data,
                form.location_id.data,
                form.notes.data or "",
            ),
            form,
        )
        if saved:
            flash(f"Pool {pool.name} made.", "success")
            return redirect(url_for("pools.show_pool", pool_id=pool.id))
    return render_template("pools/form.html", form=form, pool=None)


@bp.route("/pools/<int:pool_id>/edit", methods=["GET", "POST"])
@requires("can_manage_register")
def edit_pool(pool_id: int):
    pool = _pool_or_404(pool_id)
    form = PoolForm(obj=pool)
    _choices(form)
    if form.validate_on_submit():
        saved, _changes = commit_or_report(
            lambda: pools.update_pool(
                current_user,
                pool,
                form.name.data or "",
                form.category_id.data,
                form.location_id.data,
                form.notes.data or "",
            ),
            form,
        )
        if saved:
            flash("Pool saved.", "success")
            return redirect(url_for("pools.show_pool", pool_id=pool.id))
    return render_template("pools/form.html", form=form, pool=pool)


@bp.get("/pools/<int:pool_id>")
@signed_in
def show_pool(pool_id: int):
    pool = _pool_or_404(pool_id)
    units = pools.units(pool) if allows(current_user, "can_see_register") else []
    return render_template("pools/show.html", pool=pool, units=units, confirm_form=ConfirmForm())


@bp.post("/pools/<int:pool_id>/delete")
@requires("can_manage_register")
def delete_pool(pool_id: int):
    pool = _pool_or_404(pool_id)
    name = pool.name
    if not ConfirmForm().validate_on_submit():
        flash("The page had expired. Please try again.", "warning")
        return redirect(url_for("pools.show_pool", pool_id=pool.id))
    done, _ = commit_or_report(lambda: pools.delete_pool(current_user, pool))
    if not done:
        return redirect(url_for("pools.show_pool", pool_id=pool_id))
    flash(f"Pool {name} deleted; its units stay in the register.", "success")
    return redirect(url_for("pools.list_pools"))


# ---- booking a number of units -------------------------------------------------------------------


def _booking_page(form, pool):
    return render_template("pools/book.html", form=form, pool=pool)


@bp.route("/pools/<int:pool_id>/book", methods=["GET", "POST"])
@signed_in
def book_pool(pool_id: int):
    pool = _pool_or_404(pool_id)
    form = PoolBookingForm()
    if not form_helpers.people_choices(form):
        return render_template("loans/not_linked.html")
    form_helpers.period_choices(form)
    if request.method == "GET":
        # A calendar's free period (or any link) fills the day, the period or times, who for.
        form_helpers.prefill(form)
        form.quantity.data = request.args.get("quantity", "")[:6]
        return _booking_page(form, pool)
    valid = form.validate_on_submit()
    quantity = form.quantity_value()
    if not valid or quantity is None:
        return _booking_page(form, pool)
    own = None if allows(current_user, "can_book_for_anyone") else current_user.person
    person = own or db.session.get(Person, form.person_id.data or 0)
    if person is None:
        form.person_id.errors = ["Choose who it is for."]
        return _booking_page(form, pool)
    booked_range = form_helpers.booked_range(form)
    ok, until = form_helpers.repeat_until(form)
    if booked_range is None or not ok:
        return _booking_page(form, pool)
    start, end = booked_range
    now, purpose = utcnow(), form.purpose.data or ""
    try:
        if until:
            made = commit_or_rollback(
                lambda: pool_bookings.book_pool_repeating(
                    current_user,
                    pool,
                    person,
                    quantity,
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
                    lambda: pool_bookings.book_pool(
                        current_user, pool, person, quantity, start, end, now, purpose
                    )
                )
            ]
    except BookingRefused as refused:
        form.form_errors.append(refused.message)
        return _booking_page(form, pool)
    except DomainError as error:
        apply_error(form, error)
        return _booking_page(form, pool)
    waiting = made[0].state == "requested"
    message = f"{quantity} from {pool.name} booked for {person.name}"
    if until:
        message += f" on {len(made)} weeks"
        if getattr(made, "skipped", None):
            from_text = ", ".join(day.strftime("%d/%m/%Y") for day, _r in made.skipped)
            message += f" (not {from_text})"
    flash(message + (": waiting for the IT technician's approval." if waiting else "."), "success")
    form_helpers.email_confirmation(made)
    return redirect(url_for("bookings.my_bookings"))


# ---- handing a pool booking over -----------------------------------------------------------------


@bp.route("/pools/bookings/<int:booking_id>/collect", methods=["GET", "POST"])
@requires("can_lend")
def collect_pool_booking(booking_id: int):
    """Scan the units handed over, then the borrower signs once for them."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.pool_id is None:
        abort(404)
    back = redirect(url_for("bookings.today_at_desk"))
    form = PoolCollectForm()
    now = utcnow()
    try:
        pool_bookings.check_collectable(booking, now)
    except DomainError as error:
        flash(error.message, "warning")
        return back
    if not form.validate_on_submit():
        return render_template("pools/collect_scan.html", form=form, booking=booking)
    fewer_ok = bool(form.fewer_ok.data)
    if form.signature.data:
        try:
            made = commit_or_rollback(
                lambda: pool_bookings.collect_pool(
                    current_user,
                    booking,
                    form.tags.data or "",
                    form.signature.data,
                    now,
                    fewer_ok=fewer_ok,
                    terms_ids=id_list(form.terms_ids.data),
                )
            )
        except DomainError as error:
            if error.field != "signature":
                apply_error(form, error)
                return render_template("pools/collect_scan.html", form=form, booking=booking)
            form.signature.errors = [error.message]
        else:
            flash(
                f"{booking.person.name} signed for {len(made)} from {booking.pool.name}.", "success"
            )
            form_helpers.email_receipt(made[0])
            return redirect(url_for("terms.show_signature", signature_id=made[0].signature_id))
    try:
        units = pool_bookings.scanned_units(booking, form.tags.data or "", fewer_ok=fewer_ok)
        plan = pool_bookings.plan_pool_collect(current_user, booking, units, now)
    except DomainError as error:
        apply_error(form, error)
        return render_template("pools/collect_scan.html", form=form, booking=booking)
    return render_template("pools/collect_sign.html", form=form, plan=plan, booking=booking)
