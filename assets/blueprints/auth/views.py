"""Logging in and out, changing one's own password, and resetting a forgotten one."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from assets import sso
from assets.blueprints.access import public, signed_in
from assets.blueprints.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    SsoForm,
)
from assets.blueprints.forms import commit_or_report
from assets.database import commit_or_rollback
from assets.login import continue_session
from assets.models.base import utcnow
from assets.models.sign_in import PROVIDERS
from assets.models.user import SIGN_IN_LABELS
from assets.proxies import client_address
from assets.security import absolute_url, csp_with_forms_to, safe_next
from assets.services.common.errors import LoginRefused
from assets.services.common.mailer import MailError
from assets.services.people import logins, password_resets, passwords

bp = Blueprint("auth", __name__)

# Pages an expired password may still reach. The reset pages are public and act on the
# login of the emailed link, not on whoever is signed in: on a shared computer left signed in
# with an expired password, the link's owner must still be able to use their link, rather
# than be sent to change a password that is not theirs.
OPEN_WHEN_EXPIRED = {
    "auth.change_password",
    "auth.logout",
    "auth.forgot_password",
    "auth.reset_requested",
    "auth.open_reset_link",
    "auth.reset_password",
    "static",
    "main.healthz",
}
# Where the reset page keeps the link's token once opened, so that the token leaves the
# address bar (and any Referer or log line of the pages after it).
RESET_TOKEN = "password_reset_token"  # noqa: S105 (a session key)
# Where this browser's session came from: a password, or a provider (no password to renew).
SIGNED_IN_WITH = "signed_in_with"
PROVIDER = "<any(microsoft, google):provider>"


@bp.before_app_request
def require_fresh_password():
    if (
        current_user.is_authenticated
        and request.endpoint not in OPEN_WHEN_EXPIRED
        and _signed_in_with() == "password"
        and passwords.password_expired(current_user)
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
            _start_session(outcome, form.remember.data, "password")
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    response = make_response(render_template("auth/login.html", form=form, **_providers()))
    response.headers["Content-Security-Policy"] = csp_with_forms_to(sso.sign_in_origins())
    return response


def _providers() -> dict:
    return {
        "providers": [(name, SIGN_IN_LABELS[name]) for name in sso.configured_providers()],
        "sso_form": SsoForm(),
    }


def _authenticate(email: str, password: str):
    """The user, or why the login was refused: a refusal is an answer here, not a rule
    broken, so the wrong-password count it wrote is committed too."""
    try:
        return passwords.sign_in_with_password(email, password, now=utcnow())
    except LoginRefused as refused:
        return refused


def _start_session(user, remember: bool, method: str) -> None:
    """Sign `user` in on a fresh session: nothing the browser's session held before (a reset
    link's token, a sign-in in progress, where to go next) carries over to them."""
    session.clear()
    login_user(user, remember=remember)
    session[SIGNED_IN_WITH] = method


def _signed_in_with() -> str:
    """How this session signed in. A session that does not say (one from before the record
    was kept, or restored from a remember-me cookie, which only a password gives) is taken as
    a password's, so the password's expiry is still checked."""
    method = session.get(SIGNED_IN_WITH)
    return method if method in PROVIDERS else "password"


@bp.post(f"/login/{PROVIDER}")
@public
def sso_start(provider: str):
    form = SsoForm()
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    if not form.validate_on_submit():
        flash("The sign-in form had expired. Please try again.", "danger")
        return redirect(url_for("auth.login"))
    session["sso_next"] = safe_next(form.next.data) or ""
    try:
        # From BASE_URL, never from the request's Host header.
        return sso.start(provider, absolute_url("auth.sso_callback", provider=provider))
    except LoginRefused as refused:
        flash(refused.message, "danger")
        return redirect(url_for("auth.login"))


@bp.get(f"/login/{PROVIDER}/callback")
@public
def sso_callback(provider: str):
    """The provider sends the browser back here with a code (or an error)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    state = request.args.get("state")
    if not sso.pending_state(provider, state):
        flash("That sign-in has expired or was used already. Please sign in again.", "danger")
        return redirect(url_for("auth.login"))
    # Two first sign-ins of one person at once (two tabs): the second finds the first's link.
    outcome = commit_or_rollback(lambda: _sign_in_with(provider, state), retry_on_race=True)
    if isinstance(outcome, LoginRefused):
        flash(outcome.message, "danger")
        return redirect(url_for("auth.login"))
    next_page = safe_next(session.get("sso_next"))
    _start_session(outcome, remember=False, method=provider)
    return redirect(next_page or url_for("main.index"))


def _sign_in_with(provider: str, state: str):
    """The user, or why the sign-in was refused: a refusal is an answer here, so its audit
    event is committed too."""
    try:
        return sso.sign_in_from_callback(provider, state, utcnow())
    except LoginRefused as refused:
        return refused


@bp.post("/logout")
@signed_in
def logout():
    commit_or_rollback(lambda: logins.end_sessions(current_user, current_user, "logged out"))
    # Nothing of this session stays for the next person at this browser (a reset link's token,
    # a sign-in in progress). Cleared first: logout_user then asks to delete the remember-me
    # cookie in the fresh session.
    session.clear()
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
            lambda: passwords.change_password(
                current_user, form.current_password.data, form.password.data
            ),
            form,
        )[0]
    ):
        continue_session(current_user._get_current_object())
        flash("Your password has been changed. Other devices are logged out.", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/password.html", form=form, rule=passwords.PASSWORD_RULE)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the address has a login,
    and the email (when there is one to send) leaves after the answer: see password_resets."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        message = commit_or_rollback(
            lambda: password_resets.request_reset(form.email.data, client_address())
        )
        response = redirect(url_for("auth.reset_requested"))
        if message is not None:
            app = current_app._get_current_object()
            response.call_on_close(lambda: _send_after_answer(app, message))
        return response
    return render_template("auth/forgot.html", form=form)


def _send_after_answer(app, message: password_resets.ResetEmail) -> None:
    with app.app_context():
        try:
            password_resets.send_reset_email(message)
        except MailError as error:
            app.logger.warning("Password reset email not sent: %s", error)


@bp.get("/password/forgot/sent")
@public
def reset_requested():
    return render_template("auth/forgot_sent.html", minutes=password_resets.link_minutes())


def _private(response):
    """A page that held or holds a reset token: never cached, never sends a Referer."""
    response = make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _expired():
    return _private(
        render_template("auth/reset_expired.html", message=password_resets.expired_message())
    )


@bp.get("/password/reset/<token>")
@public
def open_reset_link(token: str):
    """The link in the email: keep its token in the session and move to a page whose address
    holds no token."""
    if password_resets.user_for_token(token) is None:
        return _expired()
    session[RESET_TOKEN] = token
    return _private(redirect(url_for("auth.reset_password")))


@bp.route("/password/reset", methods=["GET", "POST"])
@public
def reset_password():
    token = session.get(RESET_TOKEN, "")
    user = password_resets.user_for_token(token)
    if user is None:
        session.pop(RESET_TOKEN, None)
        return _expired()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: password_resets.reset_password(token, form.password.data), form
        )
        if saved:
            session.pop(RESET_TOKEN, None)
            flash("Your password has been changed. Log in with it.", "success")
            return redirect(url_for("auth.login"))
        if password_resets.user_for_token(token) is None:
            session.pop(RESET_TOKEN, None)
            return _expired()
    return _private(
        render_template("auth/reset.html", form=form, user=user, rule=passwords.PASSWORD_RULE)
    )
