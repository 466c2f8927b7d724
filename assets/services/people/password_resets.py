"""Forgotten passwords: a single-use link by email, and the rate limits on asking for one.

A link carries a token signed with itsdangerous (the app's SECRET_KEY, a salt of its own)
holding the login's id, when it was issued, and a fingerprint of the login's current password
hash, password date and email. Setting a new password changes the fingerprint, so using a link
kills it and every other link sent before; so does any other password change, or a new email.
Expiry is judged against the `now` the caller passes, never the machine's clock.

Asking for a link answers the same whether or not the address has a login, and does the same
database work either way: the one difference, the email, is sent by the caller after the
answer has gone (request_reset gives it back as a ResetEmail instead of sending it).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select, update

from assets.extensions import db
from assets.models import PasswordResetRequest, User
from assets.models.base import utcnow
from assets.services.common import events, mailer
from assets.services.common.errors import DomainError
from assets.services.people import logins, passwords

_SALT = "password-reset"
EXPIRED = (
    "This link has expired or has already been used. Links work once, for "
    "{minutes} minutes, and stop working when the password changes. Ask for a new one."
)


@dataclass(frozen=True)
class ResetEmail:
    """A reset email to send: to whom, and the token its link carries."""

    email: str
    name: str
    token: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _keyed(*parts: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else key.encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _fingerprint(user: User) -> str:
    """Changes whenever the password (its salted hash and date) or the email changes."""
    return _keyed(
        "reset", user.password_hash, user.password_changed_at.isoformat(), user.email.lower()
    )[:32]


def address_hash(email: str) -> str:
    """How an address is kept in the rate-limit table: a keyed hash, never the address."""
    return _keyed("address", email.strip().lower())


def link_minutes() -> int:
    return current_app.config["PASSWORD_RESET_LINK_MINUTES"]


def expired_message() -> str:
    return EXPIRED.format(minutes=link_minutes())


def make_token(user: User, now: datetime) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user), "t": int(now.timestamp())})


def user_for_token(token: str, now: datetime | None = None) -> User | None:
    """The active login `token` resets the password of, or None when the token is forged,
    expired (older than PASSWORD_RESET_LINK_MINUTES at `now`), used, or the password or email
    has changed since it was sent."""
    now = now or utcnow()
    if not isinstance(token, str) or len(token) > 1000:
        return None
    try:
        payload = _serializer().loads(token)
        user_id, fingerprint, issued = payload["u"], payload["f"], payload["t"]
    except (BadSignature, TypeError, KeyError):
        return None
    if not (isinstance(user_id, int) and isinstance(issued, int) and isinstance(fingerprint, str)):
        return None
    age = now.timestamp() - issued
    if age < 0 or age > link_minutes() * 60:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(fingerprint, _fingerprint(user)):
        return None
    return user


def prune_requests(now: datetime) -> int:
    """Delete the reset requests no limit counts any more (asked for at least
    PASSWORD_RESET_WINDOW_MINUTES before `now`); gives how many."""
    since = now - timedelta(minutes=current_app.config["PASSWORD_RESET_WINDOW_MINUTES"])
    return db.session.execute(
        delete(PasswordResetRequest).where(PasswordResetRequest.requested_at <= since)
    ).rowcount


def _over_limits(address: str, client: str | None, now: datetime) -> list[str]:
    """The limits ("address", "client") a new request for `address` from `client` would go
    over, after deleting the requests older than the window (every request tidies the table)."""
    config = current_app.config
    prune_requests(now)
    counted = select(func.count()).select_from(PasswordResetRequest)
    over = []
    by_address = db.session.scalar(counted.where(PasswordResetRequest.address_hash == address))
    if by_address >= config["PASSWORD_RESET_PER_ADDRESS"]:
        over.append("address")
    if client is not None:
        by_client = db.session.scalar(counted.where(PasswordResetRequest.client == client))
        if by_client >= config["PASSWORD_RESET_PER_CLIENT"]:
            over.append("client")
    return over


def request_reset(email: str, client: str | None, now: datetime | None = None) -> ResetEmail | None:
    """Someone at network address `client` asks for a reset link for `email`. A `client`
    of None is not known (see assets.proxies): then only the per-address limit applies, as
    one shared count would let anyone switch resets off for everybody.

    Gives back the email to send, or None: the address has no login, the login is
    deactivated or may not use a password (staff, while STAFF_PASSWORDS=off), or a limit is
    reached (then a warning is logged). The caller's answer must
    not depend on which. Every allowed request is counted, whether the address has a login
    or not. Flushes; the caller commits, then sends (send_reset_email)."""
    now = now or utcnow()
    try:
        address = logins.normalise_email(email or "")
    except DomainError:
        address = (email or "").strip().lower()[:254]
    hashed = address_hash(address)
    client = client[:64] if client else None
    over = _over_limits(hashed, client, now)
    user = logins.user_by_email(address)
    if over:
        current_app.logger.warning(
            "Password reset email not sent: too many requests for this %s (client %s)",
            " and ".join(over),
            client or "not known",
        )
        return None
    db.session.add(PasswordResetRequest(address_hash=hashed, client=client, requested_at=now))
    db.session.flush()
    if user is None or not user.active or not passwords.may_use_password(user):
        return None
    return ResetEmail(user.email, user.name, make_token(user, now))


def send_reset_by_admin(admin: User, user: User, now: datetime | None = None) -> ResetEmail:
    """An admin sends `user` a reset link from the logins page: limited per address only.
    Records an event naming the admin. Flushes; the caller commits, then sends."""
    now = now or utcnow()
    logins.check_may_change_login(admin, user)
    if not user.active:
        raise DomainError(f"{user.email} is deactivated: reactivate the login first.")
    passwords.check_may_use_password(user, field=None)
    hashed = address_hash(user.email)
    if _over_limits(hashed, None, now):
        raise DomainError(
            f"{user.email} has been sent {current_app.config['PASSWORD_RESET_PER_ADDRESS']} "
            "reset emails within the hour already. Wait a while, or set a temporary password."
        )
    db.session.add(PasswordResetRequest(address_hash=hashed, client=None, requested_at=now))
    events.record(
        admin,
        "user.password_reset_sent",
        user,
        f"{admin.name} ({admin.email}) sent a password reset email to {user.email}",
    )
    return ResetEmail(user.email, user.name, make_token(user, now))


def send_reset_email(message: ResetEmail) -> None:
    """Send the email with the link (mailer.send_template); raises mailer.MailError."""
    mailer.send_template(
        [message.email],
        "Reset your password",
        "email/password_reset.txt",
        name=message.name,
        token=message.token,
        minutes=link_minutes(),
    )


def reset_password(token: str, new: str, now: datetime | None = None) -> User:
    """Set a new password (policy 12.3) through the link's `token`, once.

    Ends every session of the login, clears a lockout and records an event. Raises
    DomainError (field "token") when the link is no good, or one on the password field when
    the new password breaks the rule. Two uses of one link at once: the database lets one
    through (the update is conditional on the old password hash)."""
    now = now or utcnow()
    user = user_for_token(token, now)
    if user is None:
        raise DomainError(expired_message(), field="token")
    passwords.check_may_use_password(user)
    passwords.check_password_rule(new)
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(
            password_hash=passwords.hash_password(new),
            password_changed_at=now,
        )
    ).rowcount
    if changed != 1:
        raise DomainError(expired_message(), field="token")
    db.session.expire(user)
    logins.clear_lockout(user)
    events.record(
        user,
        "user.password_reset_by_link",
        user,
        f"{user.email} set a new password with a reset link",
    )
    logins.end_sessions(user, user, "password reset by email")
    return user
