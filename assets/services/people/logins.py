"""Logins to this app: finding them, checking a password against one with lockout after
too many wrong ones, recording sign-ins and ending sessions. The password rule and changing
a password are in passwords; what admins do to logins is in login_admin."""

import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select, update
from werkzeug.security import check_password_hash

from assets.extensions import db
from assets.models import User
from assets.models.base import utcnow
from assets.models.user import SIGN_IN_LABELS
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.errors import DomainError, LoginRefused, NotAllowed

# Compared against when the email is unknown, so a wrong email takes as long as a wrong password.
# werkzeug's scrypt hash of "not-a-real-password-1A", made once and written here: making it at
# import cost every process (each worker, each `flask` command) a fifth of a second of CPU.
DUMMY_HASH = (
    "scrypt:32768:8:1$dAwpilFPETeoVisg$c559491b723d5b2cb1c3251ad8b6453b1e9856f5da397d01c54edb617"
    "e52b9c54934e979b3151c5c225d7ea336cfb1b60e2ba3e692a6e84eb8c1495259590ce4"
)
# One answer for an unknown email, a wrong password and a locked account, so that trying
# passwords cannot tell which emails have accounts here (a locked one would say so).
REFUSED = (
    "That email and password do not match an account, or the account is locked for a while "
    "after too many wrong passwords. Check them and try again later, or ask the IT technician."
)


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise DomainError(f"'{email}' is not an email address.", field="email") from error


def may_change_login(actor: User | None, user: User) -> bool:
    """Whether `actor` may change `user`'s login (create, deactivate, reactivate, end its
    sessions): only admins change admins' logins, on every path (the admin pages, a leaver's
    checklist, ...). `actor` None is the system itself, such as a command on the server."""
    return may_change_role(actor, user.role)


def check_may_change_login(actor: User | None, user: User) -> None:
    if not may_change_login(actor, user):
        raise NotAllowed(f"Only an admin can change an admin's login ({user.email}).")


def may_change_role(actor: User | None, role: str) -> bool:
    return actor is None or role != "admin" or allows(actor, "can_manage_logins")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def session_user_statement(*also: ColumnElement) -> Select:
    """The statement that finds the user of a session token (`user_by_session_token`), reading
    the columns `also` in the same statement. Build it once (see register.asset_by_tag):
    every signed-in request runs it."""
    return select(User, *also).where(User.session_token == bindparam("token"))


def user_by_session_token(token: str, statement: Select) -> Row | None:
    """(the user, then the statement's other columns) for the session token; None for a
    token no login holds."""
    return db.session.execute(statement, {"token": token}).one_or_none()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether too many wrong passwords keep `user` out at `now`."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def clear_lockout(user: User) -> None:
    """Forget the wrong passwords counted against `user`, and lift a lockout."""
    user.failed_logins = 0
    user.locked_until = None


def authenticate(email: str, password: str, now: datetime | None = None) -> User:
    """The user whose email and password these are, or LoginRefused.

    Wrong passwords are counted in the database with an atomic increment, so every server
    process sees the same count; the count is flushed even when the login is refused, and the
    caller must commit it. An unknown email, a wrong password and a locked account get the
    same message (REFUSED) after the same work; only the right password of a deactivated
    account is told so. Whether the login may use a password at all is
    passwords.sign_in_with_password's question.
    """
    now = now or utcnow()
    config = current_app.config
    user = user_by_email(email)
    if user is None:
        check_password_hash(DUMMY_HASH, password)
        raise LoginRefused(REFUSED)
    if is_locked(user, now):
        check_password_hash(user.password_hash, password)
        raise LoginRefused(REFUSED)
    if not check_password_hash(user.password_hash, password):
        failures = db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
        ).scalar_one()
        if failures >= config["LOGIN_MAX_FAILURES"]:
            locked_until = now + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
            db.session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=0, locked_until=locked_until)
            )
            events.record(
                None,
                "user.locked",
                user,
                f"{user.email} locked after {failures} wrong passwords",
                changes={"until": locked_until},
            )
        db.session.expire(user)
        raise LoginRefused(REFUSED)
    if not user.active:
        raise LoginRefused("This account has been deactivated. Ask the IT technician.")
    clear_lockout(user)
    record_sign_in(user, "password", now)
    return user


def record_sign_in(user: User, method: str, now: datetime) -> None:
    """Note that `user` signed in by `method` (one of SIGN_IN_METHODS) at `now`."""
    user.last_login_at = now
    user.last_login_method = method
    how = "" if method == "password" else f" with {SIGN_IN_LABELS[method]}"
    events.record(user, "user.login", user, f"{user.email} logged in{how}")


def end_sessions(user: User, actor: User | None, reason: str) -> None:
    """Sign the user out everywhere: every session and remember-me cookie stops working."""
    check_may_change_login(actor, user)
    user.session_token = new_session_token()
    events.record(actor, "user.sessions_ended", user, f"Sessions of {user.email} ended: {reason}")
