"""Signing in with the school's Microsoft 365 or Google Workspace account.

This service takes the claims of an ID token that Authlib has already checked (signature,
issuer, audience, expiry, nonce: assets/sso.py) and decides who signs in. A login is found by
the provider's stable subject (Microsoft: tenant id and object id; Google: sub), never by an
email, which can be given to someone else later. The first sign-in of a subject links it:

- to the login with the account's email, unless that login is an admin's or a technician's
  (whoever can change an address at the provider must not become them by it: refused, see the
  IT desk), or is already linked to another account of the same provider (an address reused);
- else, when the school chose SSO_UNKNOWN_PEOPLE=link, to a new staff login for the active
  member of staff with that email;
- else it is refused with a message to see the IT desk.

Roles never come from the provider. Linking by email needs an address the provider vouches
for: Google's email_verified; for Microsoft an account of the tenant itself (a guest from
another organisation carries an `idp` claim naming its own) whose `email` claim the tenant
has verified (`xms_edov`). Microsoft's `preferred_username` is never used: Microsoft says it
must not be used to decide who someone is.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Person, SignInIdentity, UsedSignInState, User
from assets.models.sign_in import PROVIDERS
from assets.models.user import SIGN_IN_LABELS
from assets.services.common import events
from assets.services.common.errors import DomainError, LoginRefused
from assets.services.people import login_admin, logins
from assets.services.people.passwords import passwords_allowed  # noqa: F401 (used by callers)

UNKNOWN_PEOPLE_CHOICES = ("refuse", "link")
SEE_IT_DESK = "Please see the IT desk."
# Roles whose logins are never linked by email (they sign in with their password).
NEVER_LINKED_BY_EMAIL = ("admin", "technician")
# A used state is kept long enough to outlive any sign-in still in progress.
KEEP_USED_STATES = timedelta(days=1)


@dataclass(frozen=True)
class SchoolAccountRules:
    """What makes an account the school's: the provider, the issuer it must come from, and
    Microsoft's tenant id or Google Workspace's domain; and the school's choice for people
    without a login (SSO_UNKNOWN_PEOPLE)."""

    provider: str
    issuer: str
    tenant_id: str = ""
    domain: str = ""
    unknown_people: str = "refuse"

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown provider {self.provider!r}")
        if self.unknown_people not in UNKNOWN_PEOPLE_CHOICES:
            raise ValueError(f"SSO_UNKNOWN_PEOPLE must be one of {UNKNOWN_PEOPLE_CHOICES}")

    @property
    def label(self) -> str:
        return SIGN_IN_LABELS[self.provider]


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def prune_used_states(now: datetime) -> int:
    """Delete the used sign-in states older than KEEP_USED_STATES at `now`: no sign-in
    started that long ago can still come back from the provider. Gives how many."""
    return db.session.execute(
        delete(UsedSignInState).where(UsedSignInState.used_at < now - KEEP_USED_STATES)
    ).rowcount


def use_attempt(state: str, now: datetime) -> UsedSignInState:
    """Mark the sign-in attempt `state` used, or refuse it when it was used before (an answer
    from the provider replayed, even with a copy of the browser's old session cookie)."""
    prune_used_states(now)
    state_hash = _hash(state)
    used = db.session.scalar(
        select(UsedSignInState).where(UsedSignInState.state_hash == state_hash)
    )
    if used is None:
        attempt = UsedSignInState(state_hash=state_hash, used_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(attempt)
        except IntegrityError:
            used = db.session.scalar(
                select(UsedSignInState).where(UsedSignInState.state_hash == state_hash)
            )
        else:
            return attempt
    events.record(None, "user.sso_refused", used, "Single sign-on refused: an answer used twice")
    raise LoginRefused("That sign-in link has been used already. Please sign in again.")


def refuse(attempt: UsedSignInState, rules: SchoolAccountRules, why: str, message: str):
    """Record why the sign-in attempt was refused, and refuse it with `message`."""
    events.record(
        None, "user.sso_refused", attempt, f"Sign-in with {rules.label} refused: {why}"[:300]
    )
    raise LoginRefused(message)


def subject_of(rules: SchoolAccountRules, claims: dict[str, Any]) -> str:
    """The account's stable identifier at the provider. Microsoft's `sub` differs per app, its
    `oid` is the person in the tenant: the pair tenant/oid names them for good."""
    if rules.provider == "microsoft":
        tid, oid = str(claims.get("tid") or ""), str(claims.get("oid") or "")
        return f"{tid}/{oid}" if tid and oid else ""
    return str(claims.get("sub") or "")


def _school_email(rules: SchoolAccountRules, claims: dict[str, Any]) -> str | None:
    """The account's email when the provider vouches for it, else None."""
    if rules.provider == "google":
        email = claims.get("email") if claims.get("email_verified") is True else None
    else:
        idp = claims.get("idp")
        if idp and idp != claims.get("iss"):
            return None  # a guest from another organisation: its address is not the tenant's
        # The email claim only when the tenant verified its domain: a tenant's helpdesk can
        # otherwise set any address on an account.
        email = claims.get("email") if claims.get("xms_edov") in (True, "true", "1") else None
    if not isinstance(email, str) or "@" not in email:
        return None
    try:
        return logins.normalise_email(email)
    except DomainError:  # an address we cannot read is one we do not link by
        return None


def sign_in(
    rules: SchoolAccountRules, claims: dict[str, Any], attempt: UsedSignInState, now: datetime
) -> User:
    """The login the school account in `claims` signs in as, linking it on first use; or
    LoginRefused (with an audit event, which the caller commits like a wrong password's)."""
    label = rules.label
    if claims.get("iss") != rules.issuer:
        refuse(
            attempt,
            rules,
            f"issuer {claims.get('iss')!r}",
            f"That is not the school's {label} account. {SEE_IT_DESK}",
        )
    if rules.provider == "microsoft" and claims.get("tid") != rules.tenant_id:
        refuse(
            attempt,
            rules,
            f"another tenant ({claims.get('tid')})",
            f"That Microsoft account does not belong to the school. Sign in with your school "
            f"account, or {SEE_IT_DESK.lower()}",
        )
    if rules.provider == "google" and str(claims.get("hd") or "").lower() != rules.domain:
        refuse(
            attempt,
            rules,
            f"not the school's Google Workspace ({claims.get('hd') or 'no domain'})",
            f"That Google account does not belong to the school. Sign in with your school "
            f"account, or {SEE_IT_DESK.lower()}",
        )
    subject = subject_of(rules, claims)
    if not subject:
        refuse(
            attempt,
            rules,
            "no subject in the ID token",
            f"{label} did not say who you are. {SEE_IT_DESK}",
        )
    identity = db.session.scalar(
        select(SignInIdentity).where(
            SignInIdentity.provider == rules.provider, SignInIdentity.subject == subject
        )
    )
    if identity is not None:
        user = identity.user
    else:
        try:
            user = _link(rules, claims, subject, attempt, now)
        except LoginRefused:
            raise
        except DomainError as error:  # a login the rules of logins would not create
            refuse(attempt, rules, error.message, f"{label} sign-in did not work. {SEE_IT_DESK}")
    _refuse_if_deactivated(rules, user)
    # The password's lockout is the password's business: a school account neither clears
    # nor counts it.
    logins.record_sign_in(user, rules.provider, now)
    return user


def _refuse_if_deactivated(rules: SchoolAccountRules, user: User) -> None:
    if not user.active:
        events.record(
            None,
            "user.sso_refused",
            user,
            f"Sign-in of {user.email} with {rules.label} refused: deactivated",
        )
        raise LoginRefused("This account has been deactivated. Ask the IT technician.")


def _link(
    rules: SchoolAccountRules,
    claims: dict[str, Any],
    subject: str,
    attempt: UsedSignInState,
    now: datetime,
) -> User:
    label = rules.label
    email = _school_email(rules, claims)
    unknown = f"There is no login here for your {label} account. {SEE_IT_DESK}"
    if email is None:
        refuse(attempt, rules, "no email the provider vouches for", unknown)
    user = logins.user_by_email(email)
    person = None
    if user is None:
        person = db.session.scalar(
            select(Person).where(func.lower(Person.email) == email, Person.active.is_(True))
        )
        if person is not None and person.user is not None and person.user.email == email:
            # Made a moment ago by the same first sign-in in another tab: each statement
            # sees what was committed before it, so the login can appear between two reads.
            user = person.user
    if user is None:
        if rules.unknown_people != "link" or person is None or person.user is not None:
            refuse(attempt, rules, f"no login for {email}", unknown)
        try:
            user = login_admin.create_user(
                None,
                email=email,
                name=person.name,
                role="staff",
                # Never told to anyone: this login signs in with the school account.
                password=secrets.token_urlsafe(24) + "Aa1",
                person=person,
            )
        except DomainError:
            # The same first sign-in in another tab made the login after our read above and
            # before create_user's own: take it, as a retry would.
            user = logins.user_by_email(email)
            if user is None or user.person_id != person.id:
                raise
    else:
        _refuse_if_deactivated(rules, user)
    if user.role in NEVER_LINKED_BY_EMAIL:
        refuse(
            attempt,
            rules,
            f"{email} has the {user.role} role, never linked by email",
            f"This login cannot be linked to a {label} account. {SEE_IT_DESK}",
        )
    linked = db.session.scalar(
        select(SignInIdentity.subject).where(
            SignInIdentity.user_id == user.id, SignInIdentity.provider == rules.provider
        )
    )
    if linked == subject:
        return user  # linked a moment ago by the same first sign-in in another tab
    if linked is not None:
        # The address was given to a new account: the login stays with the account it knows.
        refuse(attempt, rules, f"{email} is linked to another {label} account", unknown)
    identity = SignInIdentity(provider=rules.provider, subject=subject, user=user, created_at=now)
    db.session.add(identity)
    # Two first sign-ins at once: the unique indexes say no here, and the caller's retry
    # (commit_or_rollback(retry_on_race=True)) then finds the link the other one made.
    db.session.flush()
    events.record(
        None,
        "user.sso_linked",
        user,
        f"{user.email} linked to a {label} account",
        changes={"provider": rules.provider, "subject": subject},
        person=user.person,
    )
    return user


def unlink(actor: User | None, email: str, provider: str | None = None) -> int:
    """Remove the links of the login `email` to its Microsoft 365 or Google accounts (one
    provider, or both): its next sign-in with the school account links afresh by email. How
    many links were removed."""
    user = logins.user_by_email(email)
    if user is None:
        raise DomainError(f"There is no login for {email}.", field="email")
    logins.check_may_change_login(actor, user)
    query = select(SignInIdentity).where(SignInIdentity.user_id == user.id)
    if provider is not None:
        query = query.where(SignInIdentity.provider == provider)
    identities = list(db.session.scalars(query))
    for identity in identities:
        events.record(
            actor,
            "user.sso_unlinked",
            user,
            f"{user.email} unlinked from a {SIGN_IN_LABELS[identity.provider]} account",
            changes={"provider": identity.provider, "subject": identity.subject},
            person=user.person,
        )
        db.session.delete(identity)
    return len(identities)
