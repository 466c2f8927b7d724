"""Staff who may borrow: list, details with history, add, edit."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.downloads import send_private
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.listing import link_args, paginate
from assets.blueprints.people.forms import PersonForm, RetentionForm
from assets.extensions import db
from assets.models import Person
from assets.models.base import utcnow
from assets.services.common import events
from assets.services.people import people, retention, subject_access

bp = Blueprint("people", __name__, url_prefix="/people")
bp.menu_section = "staff"


def _details(form: PersonForm) -> people.PersonDetails:
    return people.PersonDetails(**{name: getattr(form, name).data for name in people.FIELDS})


@bp.get("/")
@requires("can_see_people")
def list_people():
    q = request.args.get("q", "")[:100]
    include_inactive = request.args.get("all") == "1"
    page = paginate(people.people_select(q, include_inactive), per_page=50)
    return render_template(
        "people/list.html",
        page=page,
        q=q,
        include_inactive=include_inactive,
        query=link_args(request.args, ("q", "all")),
    )


@bp.get("/<int:person_id>")
@requires("can_see_people")
def show_person(person_id: int):
    person = db.get_or_404(Person, person_id)
    return render_template(
        "people/show.html", person=person, history=events.history_for_person(person)
    )


@bp.route("/new", methods=["GET", "POST"], defaults={"person_id": None})
@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@requires("can_manage_people")
def edit_person(person_id: int | None):
    person = db.get_or_404(Person, person_id) if person_id else None
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        saved, person = commit_or_report(
            lambda: people.save_person(current_user, person, _details(form)), form
        )
        if saved:
            flash(f"{person.name} saved.", "success")
            return redirect(url_for("people.show_person", person_id=person.id))
    return render_template("people/form.html", form=form, person=person)


@bp.post("/<int:person_id>/everything-we-hold")
@requires("can_answer_access_requests")
def export_everything(person_id: int):
    """The subject access zip: a POST, since producing it is recorded in the audit trail."""
    person = db.get_or_404(Person, person_id)
    if not ConfirmForm().validate_on_submit():
        flash("The page had expired. Try again.", "danger")
        return redirect(url_for("people.show_person", person_id=person.id))
    made, export = commit_or_report(lambda: subject_access.export_person(current_user, person))
    if not made:
        return redirect(url_for("people.show_person", person_id=person.id))
    return send_private(export.file, "application/zip", export.filename, size=export.size)


# ---- retention (UK GDPR: personal data kept only as long as it should be) ---------------------


@bp.route("/retention", methods=["GET", "POST"])
@requires("can_anonymise_people")
def retention_list():
    form = RetentionForm(retention_years=retention.years())
    if form.validate_on_submit():
        saved, changed = commit_or_report(
            lambda: retention.set_years(current_user, form.retention_years.data), form
        )
        if saved:
            if changed:
                flash(f"Personal data is now kept {form.retention_years.data} years.", "success")
            return redirect(url_for("people.retention_list"))
    return render_template(
        "people/retention.html", form=form, rows=retention.past_retention(utcnow())
    )


@bp.route("/<int:person_id>/anonymise", methods=["GET", "POST"])
@requires("can_anonymise_people")
def anonymise_person(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        saved, message = commit_or_report(
            lambda: retention.anonymise(current_user, person, utcnow())
        )
        if saved:
            flash(message, "success")
            return redirect(url_for("people.show_person", person_id=person.id))
        return redirect(url_for("people.anonymise_person", person_id=person.id))
    return render_template(
        "people/anonymise.html",
        person=person,
        form=form,
        row=retention.row_for(person, utcnow()),
    )
