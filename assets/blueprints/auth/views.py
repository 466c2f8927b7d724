"""Logging in and out, and changing one's own password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from assets.blueprints.access import public, signed_in
from assets.blueprints.auth.forms import LoginForm, PasswordForm
from assets.blueprints.forms import commit_or_report
from assets.database import commit_or_rollback
from assets.security import safe_next
from assets.services.common.errors import LoginRefused
from assets.services.people import logins

bp = Blueprint("auth", __name__)

# Pages an expired password may still reach.
OPEN_WHEN_EXPIRED = {"auth.change_password", "auth.logout", "static", "main.healthz"}


@bp.before_app_request
def require_fresh_password():
    if (
        current_user.is_authenticated
        and request.endpoint not in OPEN_WHEN_EXPIRED
        and logins.password_expired(current_user)
    ):
        flash(
            "Your password has expired (the school asks for a new one every term). "
            "Please choose a new one.",
            "warning",
        )
        return redirect(url_for("auth.change_password", next=request.full_path))
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data) or url_for("main.index"))
    if form.validate_on_submit():
        outcome = commit_or_rollback(lambda: _authenticate(form.email.data, form.password.data))
        if isinstance(outcome, LoginRefused):
            form.form_errors.append(outcome.message)
        else:
            login_user(outcome, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


def _authenticate(email: str, password: str):
    """The user, or why the login was refused: a refusal is an answer here, not a rule
    broken, so the wrong-password count it wrote is committed too."""
    try:
        return logins.authenticate(email, password)
    except LoginRefused as refused:
        return refused


@bp.post("/logout")
@signed_in
def logout():
    commit_or_rollback(lambda: logins.end_sessions(current_user, current_user, "logged out"))
    logout_user()
    flash("You are logged out everywhere.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = PasswordForm()
    if (
        form.validate_on_submit()
        and commit_or_report(
            lambda: logins.change_password(
                current_user, form.current_password.data, form.password.data
            ),
            form,
        )[0]
    ):
        # The change ended every session, this one too; carry on with the new token.
        login_user(current_user._get_current_object())
        flash("Your password has been changed. Other devices are logged out.", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/password.html", form=form, rule=logins.PASSWORD_RULE)
