"""Passwords: the school's rule (policy 12.3), how they are stored, when one has expired,
whether a login may use one (STAFF_PASSWORDS), signing in and changing one's own.

Imports run one way: passwords -> logins (lookups, lockout, sessions); login_admin and
password_resets build on both."""

import re
from datetime import UTC, datetime, timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from assets.models import User
from assets.models.base import utcnow
from assets.models.user import SIGN_IN_LABELS
from assets.services.common import events
from assets.services.common.errors import DomainError, LoginRefused
from assets.services.people import logins

# The rule itself, not a password.
PASSWORD_RULE = "at least 8 characters, with at least one capital letter and one number"  # noqa: S105
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


def hash_password(password: str) -> str:
    """The stored form of `password`."""
    return generate_password_hash(
        password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    )


def password_expired(user: User, now: datetime | None = None) -> bool:
    """True when the password is older than a term (PASSWORD_MAX_AGE_DAYS) or was set by an
    admin and not yet changed by its owner."""
    now = now or utcnow()
    max_age = timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return user.password_changed_at + max_age <= now


def passwords_allowed(user: User, staff_passwords: str, providers_configured: bool) -> bool:
    """Whether `user` may sign in with a password: always, unless the school switched staff
    passwords off (STAFF_PASSWORDS=off) while a provider is configured, for role staff. Admins,
    technicians and office staff keep their passwords, so someone can always sign in when the
    provider is down."""
    return not (providers_configured and staff_passwords == "off" and user.role == "staff")


def _providers() -> list[str]:
    """The sign-in providers this app has configured (set up by assets/sso at start-up)."""
    return list(current_app.extensions.get("sso", {}).get("providers", {}))


def _staff_passwords_off() -> bool:
    return current_app.config.get("STAFF_PASSWORDS", "on") == "off" and bool(_providers())


def may_use_password(user: User) -> bool:
    """Whether `user` may sign in with a password under this app's settings."""
    return passwords_allowed(
        user, current_app.config.get("STAFF_PASSWORDS", "on"), bool(_providers())
    )


def _providers_text() -> str:
    return " or ".join(SIGN_IN_LABELS[name] for name in _providers())


def check_may_use_password(user: User, field: str | None = "password") -> None:
    """Refuse to set a password `user` could not sign in with (STAFF_PASSWORDS=off)."""
    if not may_use_password(user):
        raise DomainError(
            f"{user.email} is a member of staff, and staff sign in with {_providers_text()}, "
            "not a password: there is no password to set.",
            field=field,
        )


def sign_in_with_password(email: str, password: str, now: datetime | None = None) -> User:
    """The user whose email and password these are, or LoginRefused (see logins.authenticate).

    While staff passwords are off, a staff login is refused without looking at the password
    (its wrong passwords are not counted either), with the same answer as a wrong password
    or an unknown email, which then names the way staff sign in: the answer tells neither
    whether the email has a login nor whether the password was right."""
    now = now or utcnow()
    if _staff_passwords_off():
        refused = (
            f"{logins.REFUSED} Staff sign in here with {_providers_text()}: use the button below."
        )
        user = logins.user_by_email(email)
        if user is not None and not may_use_password(user):
            check_password_hash(logins.DUMMY_HASH, password)
            raise LoginRefused(refused)
        try:
            return logins.authenticate(email, password, now)
        except LoginRefused as error:
            if error.message == logins.REFUSED:
                raise LoginRefused(refused) from error
            raise
    return logins.authenticate(email, password, now)


def change_password(user: User, current: str, new: str, now: datetime | None = None) -> None:
    """Change the user's own password; their other sessions end."""
    check_may_use_password(user, field="current_password")
    if not check_password_hash(user.password_hash, current):
        raise DomainError("The current password is not right.", field="current_password")
    check_password_rule(new)
    if check_password_hash(user.password_hash, new):
        raise DomainError("Choose a password you have not just used.", field="password")
    user.password_hash = hash_password(new)
    user.password_changed_at = now or utcnow()
    events.record(user, "user.password_changed", user, f"{user.email} changed their password")
    logins.end_sessions(user, user, "password changed")
