"""What admins (and the system) do to logins: create, correct, deactivate and reactivate
them, set a temporary password, unlock them, and list them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from assets.extensions import db
from assets.models import ROLE_LABELS, ROLES, Person, User, by_surname
from assets.models.base import utcnow
from assets.models.user import SIGN_IN_LABELS
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.people import logins, passwords


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
    if not logins.may_change_role(actor, role):
        raise NotAllowed("Only an admin can create an admin's login.", field="role")
    email = logins.normalise_email(email)
    name = name.strip()
    if not name:
        raise DomainError("Give the person's name.", field="name")
    if role not in ROLES:
        raise DomainError(
            f"'{role}' is not a role: choose one of {', '.join(ROLES)}.", field="role"
        )
    if logins.user_by_email(email):
        raise DomainError(f"There is already a login for {email}.", field="email")
    if person is not None and person.user is not None:
        raise DomainError(f"{person.name} already has a login.", field="person_id")
    passwords.check_password_rule(password)
    now = utcnow()
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=passwords.hash_password(password),
        password_changed_at=passwords.MUST_CHANGE if must_change else now,
        session_token=logins.new_session_token(),
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
    logins.check_may_change_login(actor, user)
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
        logins.end_sessions(user, actor, "account deactivated")


def list_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User).order_by(User.active.desc(), *by_surname(User.name), User.id)
        )
    )


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
    logins.check_may_change_login(actor, user)
    if not logins.may_change_role(actor, role):
        raise NotAllowed("Only an admin can make a login an admin's.", field="role")
    name = clean_text(
        name, field="name", label="the name", max_length=120, required="Give the person's name."
    )
    email = logins.normalise_email(email)
    if role not in ROLES:
        raise DomainError(
            f"'{role}' is not a role: choose one of {', '.join(ROLES)}.", field="role"
        )
    holder = logins.user_by_email(email)
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
        logins.end_sessions(user, actor, " and ".join(reasons) + " changed")
    return changes


def _described(user: User) -> dict[str, str | None]:
    """A login's editable values as a person reads them, for an event's changes."""
    return {
        "name": user.name,
        "email": user.email,
        "role": ROLE_LABELS[user.role],
        "member_of_staff": user.person.name if user.person else None,
    }


def set_temporary_password(
    actor: User | None, user: User, password: str, now: datetime | None = None
) -> None:
    """Set a temporary password an admin chose (policy 12.3), which its owner must change at
    their next sign-in: the old one stops working, the lockout is lifted (the owner was
    likely locked out by trying to remember it) and every session of the login ends."""
    now = now or utcnow()
    logins.check_may_change_login(actor, user)
    if actor is not None and actor.id == user.id:
        raise DomainError("Change your own password on your account's Change password page.")
    passwords.check_may_use_password(user)
    passwords.check_password_rule(password)
    # The password itself is never recorded; whether it had expired before, and that it
    # has now (a temporary one must be changed at the next sign-in), is.
    changes: dict[str, list] = {"password_expired": [passwords.password_expired(user, now), True]}
    if logins.is_locked(user, now):
        changes["locked_until"] = [user.locked_until.isoformat(), None]
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = passwords.MUST_CHANGE
    logins.clear_lockout(user)
    events.record(
        actor,
        "user.password_set_by_admin",
        user,
        f"Password of {user.email} reset to a temporary one, to be changed at the next sign-in",
        changes=changes,
        person=user.person,
    )
    logins.end_sessions(user, actor, "password reset")


def unlock(actor: User | None, user: User, now: datetime | None = None) -> None:
    """Let a login locked by wrong passwords try again at once."""
    now = now or utcnow()
    logins.check_may_change_login(actor, user)
    if not logins.is_locked(user, now):
        raise DomainError(f"{user.email} is not locked.")
    events.record(
        actor,
        "user.unlocked",
        user,
        f"Login {user.email} unlocked",
        changes={"locked_until": [user.locked_until.isoformat(), None]},
        person=user.person,
    )
    logins.clear_lockout(user)


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
            locked_until=user.locked_until if logins.is_locked(user, now) else None,
            last_sign_in=local_time_text(user.last_login_at) if user.last_login_at else "Never",
            sign_in_method=SIGN_IN_LABELS.get(user.last_login_method or "")
            if user.last_login_at
            else None,
        )
        for user in list_users()
    ]
