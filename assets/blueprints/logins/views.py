"""Logins to this app: admins create them, correct them, reset their passwords, unlock,
deactivate and reactivate them."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.logins.forms import LoginDetailsForm, TemporaryPasswordForm, UserForm
from assets.extensions import db
from assets.login import continue_session
from assets.models import Person, User
from assets.permissions import allows
from assets.services.common.mailer import MailError
from assets.services.people import login_admin, password_resets, passwords, people

bp = Blueprint("logins", __name__, url_prefix="/logins")
bp.menu_section = "logins"


@bp.get("")
@requires("can_manage_logins")
def list_logins():
    return render_template(
        "logins/list.html", rows=login_admin.login_rows(), confirm_form=ConfirmForm()
    )


def _person_choices(user: User | None = None) -> list[tuple]:
    """Members of staff a login may belong to: those without one, and `user`'s own."""
    choices = [
        (p.id, f"{p.name} ({p.email or 'no email'})")
        for p in people.active_people()
        if p.user is None or p.user is user
    ]
    own = user.person if user is not None else None
    if own is not None and own.id not in {choice[0] for choice in choices}:
        choices.insert(0, (own.id, f"{own.name} ({own.email or 'no email'})"))
    return [("", "— none —"), *choices]


def _chosen_person(form) -> Person | None:
    return db.session.get(Person, form.person_id.data) if form.person_id.data else None


@bp.route("/new", methods=["GET", "POST"])
@requires("can_manage_logins")
def new_login():
    form = UserForm()
    form.person_id.choices = _person_choices()
    if form.validate_on_submit():
        saved, user = commit_or_report(
            lambda: login_admin.create_user(
                current_user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                person=_chosen_person(form),
            ),
            form,
        )
        if saved:
            flash(f"Login created for {user.email}.", "success")
            return redirect(url_for("logins.list_logins"))
    return render_template("logins/form.html", form=form)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@requires("can_manage_logins")
def edit_login(user_id: int):
    user = db.get_or_404(User, user_id)
    form = LoginDetailsForm(obj=user)
    form.person_id.choices = _person_choices(user)
    if form.validate_on_submit():
        saved, changes = commit_or_report(
            lambda: login_admin.update_login(
                current_user,
                user,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                person=_chosen_person(form),
            ),
            form,
            retry_on_race=True,
        )
        if saved:
            if not changes:
                flash(f"Nothing to change for {user.email}.", "info")
            elif "role" in changes or "email" in changes:
                if user.id == current_user.id:
                    continue_session(user)
                flash(f"Login {user.email} saved; it is logged out everywhere.", "success")
            else:
                flash(f"Login {user.email} saved.", "success")
            if not allows(current_user, "can_manage_logins"):
                return redirect(url_for("main.index"))
            return redirect(url_for("logins.list_logins"))
    return render_template("logins/edit.html", form=form, user=user)


@bp.route("/<int:user_id>/password", methods=["GET", "POST"])
@requires("can_manage_logins")
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = TemporaryPasswordForm()
    if (
        form.validate_on_submit()
        and commit_or_report(
            lambda: login_admin.set_temporary_password(current_user, user, form.password.data), form
        )[0]
    ):
        flash(
            f"{user.email} has a temporary password and is logged out everywhere. Tell them "
            "it in person: they choose their own when they next log in.",
            "success",
        )
        return redirect(url_for("logins.list_logins"))
    return render_template(
        "logins/password.html", form=form, user=user, rule=passwords.PASSWORD_RULE
    )


@bp.post("/<int:user_id>/unlock")
@requires("can_manage_logins")
def unlock_login(user_id: int):
    user = db.get_or_404(User, user_id)
    if _confirmed() and commit_or_report(lambda: login_admin.unlock(current_user, user))[0]:
        flash(f"{user.email} is unlocked and may log in again.", "success")
    return redirect(url_for("logins.list_logins"))


def _confirmed() -> bool:
    """Whether the list's confirmation form came back valid; says so when it had expired."""
    if ConfirmForm().validate_on_submit():
        return True
    flash("The form had expired. Try again.", "danger")
    return False


@bp.get("/<int:user_id>/deactivate")
@requires("can_manage_logins")
def confirm_deactivate(user_id: int):
    """The step before deactivating: it says what will happen, and its button posts."""
    user = db.get_or_404(User, user_id)
    return render_template("logins/deactivate.html", user=user, confirm_form=ConfirmForm())


@bp.post("/<int:user_id>/<any(activate, deactivate):action>")
@requires("can_manage_logins")
def set_login_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    if (
        _confirmed()
        and commit_or_report(
            lambda: login_admin.set_active(current_user, user, action == "activate")
        )[0]
    ):
        flash(f"{user.email} {action}d.", "success")
    return redirect(url_for("logins.list_logins"))


@bp.post("/<int:user_id>/reset-email")
@requires("can_manage_logins")
def send_reset_email(user_id: int):
    """Email the login a link to choose a new password (password_resets)."""
    user = db.get_or_404(User, user_id)
    if not _confirmed():
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
