"""Logins to this app: the school's password rule (policy 12.3), lockout, sessions, roles."""

import re
import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from assets.extensions import db
from assets.models import ROLES, Person, User, by_surname
from assets.models.base import utcnow
from assets.models.user import SIGN_IN_LABELS
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.errors import DomainError, LoginRefused, NotAllowed

# The rule itself, not a password.
PASSWORD_RULE = "at least 8 characters, with at least one capital letter and one number"  # noqa: S105
# Compared against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-1A")
# One answer for an unknown email, a wrong password and a locked account, so that trying
# passwords cannot tell which emails have accounts here (a locked one would say so).
REFUSED = (
    "That email and password do not match an account, or the account is locked for a while "
    "after too many wrong passwords. Check them and try again later, or ask the IT technician."
)


def password_problems(password: str) -> list[str]:
    """What is wrong with `password` under policy 12.3, in words; empty when it is fine."""
    problems = []
    if len(password) < 8:
        problems.append("be at least 8 characters long")
    if not re.search(r"[A-Z]", password):
        problems.append("contain at least one capital letter")
    if not re.search(r"[0-9]", password):
        problems.append("contain at least one number")
    return problems


def check_password_rule(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise DomainError("The password must " + " and ".join(problems) + ".", field="password")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise DomainError(f"'{email}' is not an email address.", field="email") from error


def may_change_login(actor: User | None, user: User) -> bool:
    """Whether `actor` may change `user`'s login (create, deactivate, reactivate, end its
    sessions): only admins change admins' logins, on every path (the admin pages, a leaver's
    checklist, ...). `actor` None is the system itself, such as a command on the server."""
    return _may_change_role(actor, user.role)


def check_may_change_login(actor: User | None, user: User) -> None:
    if not may_change_login(actor, user):
        raise NotAllowed(f"Only an admin can change an admin's login ({user.email}).")


def _may_change_role(actor: User | None, role: str) -> bool:
    return actor is None or role != "admin" or allows(actor, "can_manage_logins")


def _hash(password: str) -> str:
    return generate_password_hash(
        password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )


def hash_password(password: str) -> str:
    """The stored form of `password` (for services that set one, such as a reset link)."""
    return _hash(password)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def user_by_session_token(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == token))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def password_expired(user: User, now: datetime | None = None) -> bool:
    """True when the password is older than a term (PASSWORD_MAX_AGE_DAYS) or was set by an
    admin and not yet changed by its owner."""
    now = now or utcnow()
    max_age = timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return user.password_changed_at + max_age <= now


def authenticate(email: str, password: str, now: datetime | None = None) -> User:
    """The user whose email and password these are, or LoginRefused.

    Wrong passwords are counted in the database with an atomic increment, so every server
    process sees the same count; the count is flushed even when the login is refused, and the
    caller must commit it. An unknown email, a wrong password and a locked account get the
    same message (REFUSED) after the same work; only the right password of a deactivated
    account is told so.
    """
    now = now or utcnow()
    config = current_app.config
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused(REFUSED)
    if user.locked_until and user.locked_until > now:
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
    user.failed_logins = 0
    user.locked_until = None
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
    user.session_token = _new_token()
    events.record(actor, "user.sessions_ended", user, f"Sessions of {user.email} ended: {reason}")


def change_password(user: User, current: str, new: str, now: datetime | None = None) -> None:
    """Change the user's own password; their other sessions end."""
    if not check_password_hash(user.password_hash, current):
        raise DomainError("The current password is not right.", field="current_password")
    check_password_rule(new)
    if check_password_hash(user.password_hash, new):
        raise DomainError("Choose a password you have not just used.", field="password")
    user.password_hash = _hash(new)
    user.password_changed_at = now or utcnow()
    events.record(user, "user.password_changed", user, f"{user.email} changed their password")
    end_sessions(user, user, "password changed")


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    person: Person | None = None,
    must_change: bool = True,
) -> User:
    """A new login. A password an admin chose must be changed by its owner at first login.
    Only an admin (or the system) creates an admin's login."""
    if not _may_change_role(actor, role):
        raise NotAllowed("Only an admin can create an admin's login.", field="role")
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise DomainError("Give the person's name.", field="name")
    if role not in ROLES:
        raise DomainError(
            f"'{role}' is not a role: choose one of {', '.join(ROLES)}.", field="role"
        )
    if user_by_email(email):
        raise DomainError(f"There is already a login for {email}.", field="email")
    if person is not None and person.user is not None:
        raise DomainError(f"{person.name} already has a login.", field="person_id")
    check_password_rule(password)
    now = utcnow()
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=_hash(password),
        # An expired date makes the owner choose their own password at first login.
        password_changed_at=datetime(2000, 1, 1, tzinfo=now.tzinfo) if must_change else now,
        session_token=_new_token(),
        person=person,
    )
    db.session.add(user)
    events.record(
        actor,
        "user.created",
        user,
        f"Login created for {email} ({role})",
        changes={"role": role},
        person=person,
    )
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate a login; only admins change admins'."""
    check_may_change_login(actor, user)
    if user.id == actor.id and not active:
        raise NotAllowed("You cannot deactivate your own account.")
    if user.active == active:
        return
    user.active = active
    word = "reactivated" if active else "deactivated"
    events.record(
        actor,
        f"user.{word}",
        user,
        f"Login {user.email} {word}",
        changes={"active": [not active, active]},
        person=user.person,
    )
    if not active:
        end_sessions(user, actor, "account deactivated")


def list_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User).order_by(User.active.desc(), *by_surname(User.name), User.id)
        )
    )
