"""Logins to this app: admins create, deactivate and reactivate them."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.logins.forms import UserForm
from assets.extensions import db
from assets.models import Person, User
from assets.services.common.mailer import MailError
from assets.services.people import logins, password_resets, people

bp = Blueprint("logins", __name__, url_prefix="/logins")
bp.menu_section = "logins"


@bp.get("")
@requires("can_manage_logins")
def list_logins():
    return render_template(
        "logins/list.html", users=logins.list_users(), confirm_form=ConfirmForm()
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("can_manage_logins")
def new_login():
    form = UserForm()
    form.person_id.choices = [("", "— none —")] + [
        (p.id, f"{p.name} ({p.email or 'no email'})")
        for p in people.active_people()
        if p.user is None
    ]
    if form.validate_on_submit():
        person = db.session.get(Person, form.person_id.data) if form.person_id.data else None
        saved, user = commit_or_report(
            lambda: logins.create_user(
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
            return redirect(url_for("logins.list_logins"))
    return render_template("logins/form.html", form=form)


@bp.post("/<int:user_id>/<any(activate, deactivate):action>")
@requires("can_manage_logins")
def set_login_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if (
        ConfirmForm().validate_on_submit()
        and commit_or_report(lambda: logins.set_active(current_user, user, action == "activate"))[0]
    ):
        flash(f"{user.email} {action}d.", "success")
    return redirect(url_for("logins.list_logins"))


@bp.post("/<int:user_id>/reset-email")
@requires("can_manage_logins")
def send_reset_email(user_id: int):
    """Email the login a link to choose a new password (password_resets)."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form had expired. Try again.", "danger")
        return redirect(url_for("logins.list_logins"))
    saved, message = commit_or_report(
        lambda: password_resets.send_reset_by_admin(current_user, user)
    )
    if saved:
        try:
            password_resets.send_reset_email(message)
        except MailError as error:
            flash(f"The reset email to {user.email} was not sent: {error}.", "danger")
        else:
            minutes = password_resets.link_minutes()
            flash(
                f"A reset email has been sent to {user.email}. Its link works once, "
                f"for {minutes} minutes.",
                "success",
            )
    return redirect(url_for("logins.list_logins"))
