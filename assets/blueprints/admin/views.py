"""Accounts: admins create, deactivate and reactivate logins."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from assets.blueprints.access import ADMINS, roles
from assets.blueprints.admin.forms import UserForm
from assets.blueprints.forms import commit_or_report
from assets.blueprints.register.forms import ConfirmForm
from assets.extensions import db
from assets.models import Person, User
from assets.services.people import accounts, people

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles(*ADMINS)
def list_users():
    return render_template(
        "admin/users.html", users=accounts.list_users(), confirm_form=ConfirmForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles(*ADMINS)
def new_user():
    form = UserForm()
    form.person_id.choices = [("", "— none —")] + [
        (p.id, f"{p.name} ({p.email or 'no email'})")
        for p in people.active_people()
        if p.user is None
    ]
    if form.validate_on_submit():
        person = db.session.get(Person, form.person_id.data) if form.person_id.data else None
        saved, user = commit_or_report(
            lambda: accounts.create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                person=person,
            ),
            form,
        )
        if saved:
            flash(f"Login created for {user.email}.", "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/user_form.html", form=form)


@bp.post("/users/<int:user_id>/<any(activate, deactivate):action>")
@roles(*ADMINS)
def set_user_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if (
        ConfirmForm().validate_on_submit()
        and commit_or_report(lambda: accounts.set_active(current_user, user, action == "activate"))[
            0
        ]
    ):
        flash(f"{user.email} {action}d.", "success")
    return redirect(url_for("admin.list_users"))
