"""Logins to this app: the school's password rule (policy 12.3), lockout, sessions, roles,
and what admins do to them (edit, reset a password, unlock, deactivate)."""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash, generate_password_hash

from assets.extensions import db
from assets.models import ROLE_LABELS, ROLES, Person, User, by_surname
from assets.models.base import utcnow
from assets.models.user import SIGN_IN_LABELS
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError, LoginRefused, NotAllowed
from assets.services.common.text import clean_text

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
# A password_changed_at long past: the owner must choose their own password at their next
# sign-in (password_expired), as after an admin chose it for them.
MUST_CHANGE = datetime(2000, 1, 1, tzinfo=UTC)


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
        password_changed_at=MUST_CHANGE if must_change else now,
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
    """Deactivate (ending every session) or reactivate a login; only admins change admins',
    and the last active admin is never deactivated."""
    check_may_change_login(actor, user)
    if user.id == actor.id and not active:
        raise NotAllowed("You cannot deactivate your own account.")
    if user.active == active:
        return
    if active:
        user.active = True
    else:
        _change_admin(user, {"active": False}, "deactivated")
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


# ---- what admins do to a login ---------------------------------------------------------------


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether too many wrong passwords keep `user` out at `now`."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def _change_admin(user: User, values: dict, doing: str) -> None:
    """Set `values` on `user` only while another active admin remains, so that someone can
    always manage logins. Two admins demoting each other at once cannot both succeed: on
    PostgreSQL the active admins' rows are locked first (a second request waits, then counts
    again); on SQLite the one conditional UPDATE below holds the write lock while it counts."""
    if user.role != "admin" or not user.active:
        for name, value in values.items():
            setattr(user, name, value)
        return
    list(
        db.session.scalars(
            select(User.id)
            .where(User.role == "admin", User.active.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )
    other = aliased(User)
    another_admin = exists().where(
        other.role == "admin", other.active.is_(True), other.id != user.id
    )
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, another_admin)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(user, list(values))
    if not changed:
        raise DomainError(
            f"{user.email} is the last active admin and cannot be {doing}: make another login "
            "an admin first, so that someone can still manage logins.",
            field="role" if "role" in values else None,
        )


def update_login(
    actor: User | None,
    user: User,
    *,
    name: str,
    email: str,
    role: str,
    person: Person | None,
    now: datetime | None = None,
) -> dict[str, list]:
    """Correct a login's name, email, role and the member of staff it belongs to; one event
    says what changed ({field: [before, after]}, which is also returned). A new role or email
    ends the login's sessions; a name alone does not. Only admins change admins' logins or
    make a login an admin's, and the last active admin keeps the role."""
    check_may_change_login(actor, user)
    if not _may_change_role(actor, role):
        raise NotAllowed("Only an admin can make a login an admin's.", field="role")
    name = clean_text(
        name, field="name", label="the name", max_length=120, required="Give the person's name."
    )
    email = normalise_email(email)
    if role not in ROLES:
        raise DomainError(
            f"'{role}' is not a role: choose one of {', '.join(ROLES)}.", field="role"
        )
    holder = user_by_email(email)
    if holder is not None and holder.id != user.id:
        raise DomainError(f"There is already a login for {email}.", field="email")
    if person is not None and person.user is not None and person.user.id != user.id:
        raise DomainError(
            f"{person.name} already has a login ({person.user.email}).", field="person_id"
        )
    before, earlier_person = _described(user), user.person
    if role != user.role:
        _change_admin(user, {"role": role}, "given another role")
    user.name, user.email, user.person = name, email, person
    changes = events.diff(before, _described(user))
    if not changes:
        return changes
    events.record(
        actor,
        "user.updated",
        user,
        f"Login {email} changed: {', '.join(field.replace('_', ' ') for field in changes)}",
        changes=changes,
        person=person or earlier_person,
    )
    reasons = [word for word in ("role", "email") if word in changes]
    if reasons:
        end_sessions(user, actor, " and ".join(reasons) + " changed")
    return changes


def _described(user: User) -> dict[str, str | None]:
    """A login's editable values as a person reads them, for an event's changes."""
    return {
        "name": user.name,
        "email": user.email,
        "role": ROLE_LABELS[user.role],
        "member_of_staff": user.person.name if user.person else None,
    }


def reset_password(
    actor: User | None, user: User, password: str, now: datetime | None = None
) -> None:
    """Set a temporary password an admin chose (policy 12.3), which its owner must change at
    their next sign-in: the old one stops working, the lockout is lifted (the owner was
    likely locked out by trying to remember it) and every session of the login ends."""
    now = now or utcnow()
    check_may_change_login(actor, user)
    if actor is not None and actor.id == user.id:
        raise DomainError("Change your own password on your account's Change password page.")
    check_password_rule(password)
    changes: dict[str, list] = {"must_change_password": [password_expired(user, now), True]}
    if is_locked(user, now):
        changes["locked_until"] = [user.locked_until.isoformat(), None]
    user.password_hash = _hash(password)
    user.password_changed_at = MUST_CHANGE
    user.failed_logins = 0
    user.locked_until = None
    events.record(
        actor,
        "user.password_reset",
        user,
        f"Password of {user.email} reset to a temporary one, to be changed at the next sign-in",
        changes=changes,
        person=user.person,
    )
    end_sessions(user, actor, "password reset")


def unlock(actor: User | None, user: User, now: datetime | None = None) -> None:
    """Let a login locked by wrong passwords try again at once."""
    now = now or utcnow()
    check_may_change_login(actor, user)
    if not is_locked(user, now):
        raise DomainError(f"{user.email} is not locked.")
    events.record(
        actor,
        "user.unlocked",
        user,
        f"Login {user.email} unlocked",
        changes={"locked_until": [user.locked_until.isoformat(), None]},
        person=user.person,
    )
    user.locked_until = None
    user.failed_logins = 0


@dataclass(frozen=True)
class LoginRow:
    """A login as the logins page shows it."""

    user: User
    locked_until: datetime | None  # None when it is not locked now
    last_sign_in: str  # when, in the school's time, or "Never"
    sign_in_method: str | None  # "Password", "Microsoft 365", "Google"; None when not known


def login_rows(now: datetime | None = None) -> list[LoginRow]:
    """Every login, active ones first, with its lock and last sign-in as people read them."""
    now = now or utcnow()
    return [
        LoginRow(
            user=user,
            locked_until=user.locked_until if is_locked(user, now) else None,
            last_sign_in=local_time_text(user.last_login_at) if user.last_login_at else "Never",
            sign_in_method=SIGN_IN_LABELS.get(user.last_login_method or "")
            if user.last_login_at
            else None,
        )
        for user in list_users()
    ]
