"""Logging in and out, and changing one's own password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from assets.blueprints.access import EVERYONE, public, roles
from assets.blueprints.auth.forms import LoginForm, PasswordForm
from assets.blueprints.forms import apply_error
from assets.extensions import db
from assets.security import safe_next
from assets.services.common.errors import DomainError, LoginRefused
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
        try:
            user = logins.authenticate(form.email.data, form.password.data)
        except LoginRefused as error:
            db.session.commit()  # the wrong-password count must be kept
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@roles(*EVERYONE)
def logout():
    logins.end_sessions(current_user, current_user, "logged out")
    db.session.commit()
    logout_user()
    flash("You are logged out everywhere.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(*EVERYONE)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            logins.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            db.session.commit()
            # The change ended every session, this one too; carry on with the new token.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Other devices are logged out.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/password.html", form=form, rule=logins.PASSWORD_RULE)
