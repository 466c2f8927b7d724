"""The school's week, set by an admin: the periods of the school day and the term dates
with their holidays, INSET days and bank holidays. Bookings are made inside it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.schoolweek.forms import ClosureForm, KeepTermsForm, PeriodForm, TermForm
from assets.extensions import db
from assets.models import LessonPeriod, SchoolClosure, SchoolTerm
from assets.security import whole_number
from assets.services.common.clock import local_date
from assets.services.schoolweek import editing, week
from assets.services.schoolweek.defaults import FIRST_YEAR, LAST_YEAR, school_year_of

bp = Blueprint("schoolweek", __name__, url_prefix="/school-week")
bp.menu_section = "school_week"


def _to_week():
    return redirect(url_for("schoolweek.show_week"))


@bp.get("")
@requires("can_set_school_week")
def show_week():
    this_year = school_year_of(local_date())
    years = [
        (year, week.terms_of_year(year), week.year_uses_default_terms(year))
        for year in (this_year, this_year + 1)
    ]
    return render_template(
        "schoolweek/week.html",
        periods=week.periods(),
        periods_default=week.periods_are_default(),
        years=years,
        confirm=ConfirmForm(),
        keep_terms=KeepTermsForm(),
    )


# ---- periods --------------------------------------------------------------------------------


@bp.post("/periods/keep")
@requires("can_set_school_week")
def keep_default_periods():
    if ConfirmForm().validate_on_submit():
        saved, _ = commit_or_report(lambda: editing.keep_default_periods(current_user))
        if saved:
            flash("The default school day is now the school's own, to change.", "success")
    return _to_week()


@bp.route("/periods/new", methods=["GET", "POST"], defaults={"period_id": None})
@bp.route("/periods/<int:period_id>/edit", methods=["GET", "POST"])
@requires("can_set_school_week")
def edit_period(period_id: int | None):
    period = db.get_or_404(LessonPeriod, period_id) if period_id else None
    form = PeriodForm(obj=period)
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "starts_at": form.starts_at.data,
            "ends_at": form.ends_at.data,
            "bookable": form.bookable.data,
        }
        saved, _ = commit_or_report(
            lambda: (
                editing.edit_period(current_user, period, **values)
                if period
                else editing.add_period(current_user, **values)
            ),
            form,
        )
        if saved:
            flash(f"{' '.join(form.name.data.split())} saved.", "success")
            return _to_week()
    return render_template(
        "schoolweek/period_form.html",
        form=form,
        period=period,
        periods_default=week.periods_are_default(),
        confirm=ConfirmForm(),
    )


@bp.post("/periods/<int:period_id>/remove")
@requires("can_set_school_week")
def remove_period(period_id: int):
    period = db.get_or_404(LessonPeriod, period_id)
    name = period.name
    if ConfirmForm().validate_on_submit():
        saved, _ = commit_or_report(lambda: editing.remove_period(current_user, period))
        if saved:
            flash(f"{name} removed from the school day.", "success")
    return _to_week()


# ---- terms ----------------------------------------------------------------------------------


@bp.post("/terms/keep")
@requires("can_set_school_week")
def keep_default_terms():
    form = KeepTermsForm()
    year = whole_number(form.year.data)
    if not form.validate_on_submit():
        return _to_week()
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        flash("Choose a school year from this page.", "danger")
        return _to_week()
    saved, _ = commit_or_report(lambda: editing.keep_default_terms(current_user, year))
    if saved:
        flash(f"The default dates of {year}\u2013{year + 1} are now the school's own.", "success")
    return _to_week()


@bp.route("/terms/new", methods=["GET", "POST"], defaults={"term_id": None})
@bp.route("/terms/<int:term_id>/edit", methods=["GET", "POST"])
@requires("can_set_school_week")
def edit_term(term_id: int | None):
    term = db.get_or_404(SchoolTerm, term_id) if term_id else None
    form = TermForm(obj=term)
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "first_day": form.first_day.data,
            "last_day": form.last_day.data,
        }
        saved, _ = commit_or_report(
            lambda: (
                editing.edit_term(current_user, term, **values)
                if term
                else editing.add_term(current_user, **values)
            ),
            form,
        )
        if saved:
            flash(f"{' '.join(form.name.data.split())} saved.", "success")
            return _to_week()
    return render_template("schoolweek/term_form.html", form=form, term=term, confirm=ConfirmForm())


@bp.post("/terms/<int:term_id>/remove")
@requires("can_set_school_week")
def remove_term(term_id: int):
    term = db.get_or_404(SchoolTerm, term_id)
    name = term.name
    if ConfirmForm().validate_on_submit():
        saved, _ = commit_or_report(lambda: editing.remove_term(current_user, term))
        if saved:
            flash(f"{name} removed.", "success")
    return _to_week()


# ---- closures -------------------------------------------------------------------------------


@bp.route("/closures/new", methods=["GET", "POST"], defaults={"closure_id": None})
@bp.route("/closures/<int:closure_id>/edit", methods=["GET", "POST"])
@requires("can_set_school_week")
def edit_closure(closure_id: int | None):
    closure = db.get_or_404(SchoolClosure, closure_id) if closure_id else None
    form = ClosureForm(obj=closure)
    if form.validate_on_submit():
        values = {
            "kind": form.kind.data,
            "name": form.name.data,
            "first_day": form.first_day.data,
            "last_day": form.last_day.data,
        }
        saved, _ = commit_or_report(
            lambda: (
                editing.edit_closure(current_user, closure, **values)
                if closure
                else editing.add_closure(current_user, **values)
            ),
            form,
        )
        if saved:
            flash(f"{' '.join(form.name.data.split())} saved.", "success")
            return _to_week()
    return render_template(
        "schoolweek/closure_form.html", form=form, closure=closure, confirm=ConfirmForm()
    )


@bp.post("/closures/<int:closure_id>/remove")
@requires("can_set_school_week")
def remove_closure(closure_id: int):
    closure = db.get_or_404(SchoolClosure, closure_id)
    name = closure.name
    if ConfirmForm().validate_on_submit():
        saved, _ = commit_or_report(lambda: editing.remove_closure(current_user, closure))
        if saved:
            flash(f"{name} removed: the school is open on those days.", "success")
    return _to_week()
