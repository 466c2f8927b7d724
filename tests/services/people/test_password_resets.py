"""Reset links: signed, 30 minutes by the service's clock, once, dead when the password or
email changes or the login is deactivated; requests limited per address and per client."""

import logging
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Event, PasswordResetRequest, User
from assets.services.common.errors import DomainError, LoginRefused
from assets.services.people import login_admin, logins, password_resets, passwords
from tests.support.factories import PASSWORD

NEW = "Brandnew42"


def _user(make, role="staff", **values) -> User:
    return db.session.get(User, make.user(role, **values).id)


def _link(ctx, make, clock, **values):
    user = _user(make, **values)
    message = password_resets.request_reset(user.email, "192.0.2.1", clock.now)
    db.session.commit()
    return user, message.token


def test_a_good_link_names_its_login_until_30_minutes_have_passed(ctx, make, clock):
    user, token = _link(ctx, make, clock)
    assert password_resets.user_for_token(token, clock.now) == user
    assert password_resets.user_for_token(token, clock.now + timedelta(minutes=30)) == user
    late = clock.now + timedelta(minutes=30, seconds=1)
    assert password_resets.user_for_token(token, late) is None
    with pytest.raises(DomainError, match="expired or has already been used"):
        password_resets.reset_password(token, NEW, late)


def test_expiry_is_judged_by_now_given_not_the_machine_clock(ctx, make, clock):
    user, token = _link(ctx, make, clock)
    clock.advance(hours=5)
    # The service is told it is still the moment the link was made.
    assert password_resets.user_for_token(token, clock.now - timedelta(hours=5)) == user
    assert password_resets.user_for_token(token) is None


def test_a_link_sets_the_password_once(ctx, make, clock):
    user, token = _link(ctx, make, clock)
    old_session = user.session_token
    password_resets.reset_password(token, NEW, clock.now)
    db.session.commit()
    assert logins.authenticate(user.email, NEW, clock.now) == user
    assert user.session_token != old_session, "every session ended"
    assert user.password_changed_at == clock.now
    with pytest.raises(DomainError, match="already been used"):
        password_resets.reset_password(token, "Another42", clock.now)
    assert password_resets.user_for_token(token, clock.now) is None
    actions = db.session.scalars(select(Event.action).where(Event.entity_id == user.id)).all()
    assert "user.password_reset_by_link" in actions and "user.sessions_ended" in actions


def test_using_one_link_kills_every_other_link(ctx, make, clock):
    user, first = _link(ctx, make, clock)
    second = password_resets.request_reset(user.email, "192.0.2.1", clock.now).token
    password_resets.reset_password(second, NEW, clock.now)
    assert password_resets.user_for_token(first, clock.now) is None


def test_a_password_change_kills_the_link(ctx, make, clock):
    user, token = _link(ctx, make, clock)
    passwords.change_password(user, PASSWORD, "Changed42", clock.now)
    assert password_resets.user_for_token(token, clock.now) is None


def test_a_new_email_kills_the_link(ctx, make, clock):
    user, token = _link(ctx, make, clock)
    user.email = "renamed@ashbrook.sch.uk"
    assert password_resets.user_for_token(token, clock.now) is None


def test_a_forged_or_tampered_link_is_refused(ctx, make, clock, app):
    _, token = _link(ctx, make, clock)
    payload = URLSafeSerializer(app.config["SECRET_KEY"], salt="password-reset").loads(token)
    other = _user(make)
    forged_payload = dict(payload, u=other.id)
    forgeries = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        URLSafeSerializer("not-the-key", salt="password-reset").dumps(forged_payload),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="another-use").dumps(payload),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="password-reset").dumps(
            dict(payload, t=str(payload["t"]))
        ),
        "",
        "x" * 5000,
        "ŁÓDŹ.ünïcode",
    ]
    for forged in forgeries:
        assert password_resets.user_for_token(forged, clock.now) is None, forged
    # A link for one login cannot set another's password even with a good signature and
    # someone else's id: the fingerprint is of the first login's password.
    signed = URLSafeSerializer(app.config["SECRET_KEY"], salt="password-reset")
    assert password_resets.user_for_token(signed.dumps(forged_payload), clock.now) is None


def test_a_deactivated_login_gets_no_link_and_its_old_link_dies(ctx, make, clock):
    admin = _user(make, "admin")
    user, token = _link(ctx, make, clock)
    login_admin.set_active(admin, user, False)
    assert password_resets.user_for_token(token, clock.now) is None
    assert password_resets.request_reset(user.email, "192.0.2.1", clock.now) is None
    with pytest.raises(DomainError, match="deactivated"):
        password_resets.send_reset_by_admin(admin, user, clock.now)


def test_the_new_password_follows_the_rule(ctx, make, clock):
    user, token = _link(ctx, make, clock)
    with pytest.raises(DomainError, match="capital letter") as refused:
        password_resets.reset_password(token, "weakpass1", clock.now)
    assert refused.value.field == "password"
    assert password_resets.user_for_token(token, clock.now) == user, "the link still works"


def test_a_reset_clears_a_lockout(ctx, make, clock, app):
    user, token = _link(ctx, make, clock)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        with pytest.raises(LoginRefused):
            logins.authenticate(user.email, "Wrong1234", clock.now)
    db.session.refresh(user)
    assert user.locked_until is not None
    password_resets.reset_password(token, NEW, clock.now)
    assert logins.authenticate(user.email, NEW, clock.now) == user


def test_unknown_address_is_counted_but_gets_nothing(ctx, clock):
    assert password_resets.request_reset("nobody@ashbrook.sch.uk", "192.0.2.1", clock.now) is None
    assert password_resets.request_reset("not an address", "192.0.2.1", clock.now) is None
    assert db.session.scalar(select(func.count()).select_from(PasswordResetRequest)) == 2
    stored = db.session.scalars(select(PasswordResetRequest.address_hash)).all()
    assert all("nobody" not in value for value in stored), "addresses are kept hashed"


def _requests(address, client, now, times):
    return [password_resets.request_reset(address, client, now) for _ in range(times)]


def test_three_per_address_an_hour_whatever_the_client(ctx, make, clock, caplog):
    user = _user(make)
    sent = [
        password_resets.request_reset(user.email.upper(), f"192.0.2.{n}", clock.now)
        for n in range(4)
    ]
    assert [m is not None for m in sent] == [True, True, True, False]
    assert "too many requests for this address" in caplog.text
    # Not only the address with a login: the unknown one is limited the same way.
    assert _requests("nobody@ashbrook.sch.uk", "198.51.100.1", clock.now, 4).count(None) == 4
    later = clock.now + timedelta(minutes=60, seconds=1)
    assert password_resets.request_reset(user.email, "192.0.2.9", later) is not None
    remaining = db.session.scalar(select(func.count()).select_from(PasswordResetRequest))
    assert remaining == 1, "requests older than the hour were cleaned up"


def test_ten_per_client_an_hour(ctx, make, clock, caplog):
    users = [_user(make) for _ in range(11)]
    with caplog.at_level(logging.WARNING):
        sent = [password_resets.request_reset(u.email, "203.0.113.5", clock.now) for u in users]
    assert [m is not None for m in sent] == [True] * 10 + [False]
    assert "too many requests for this client" in caplog.text
    assert password_resets.request_reset(users[10].email, "203.0.113.6", clock.now) is not None
    later = clock.now + timedelta(hours=1, seconds=1)
    assert password_resets.request_reset(users[10].email, "203.0.113.5", later) is not None
    assert all(m.token not in caplog.text for m in sent if m), "tokens are never logged"


def test_admin_sends_are_limited_per_address_only_and_name_the_admin(ctx, make, clock):
    admin = _user(make, "admin")
    users = [_user(make) for _ in range(12)]
    for user in users:
        assert password_resets.send_reset_by_admin(admin, user, clock.now).email == user.email
    for _ in range(2):
        password_resets.send_reset_by_admin(admin, users[0], clock.now)
    with pytest.raises(DomainError, match="3 reset emails within the hour"):
        password_resets.send_reset_by_admin(admin, users[0], clock.now)
    event = db.session.scalar(
        select(Event).where(Event.action == "user.password_reset_sent").limit(1)
    )
    assert event.actor_id == admin.id and admin.email in event.summary


def test_only_an_admin_sends_an_admin_a_reset(ctx, make, clock):
    admin = _user(make, "admin")
    technician = _user(make, "technician")
    with pytest.raises(DomainError, match="Only an admin"):
        password_resets.send_reset_by_admin(technician, admin, clock.now)


def test_an_unknown_client_is_held_only_to_the_per_address_limit(ctx, make, clock):
    users = [_user(make) for _ in range(11)]
    sent = [password_resets.request_reset(u.email, None, clock.now) for u in users]
    assert None not in sent
    stored = db.session.scalars(select(PasswordResetRequest.client)).all()
    assert stored == [None] * 11, "no shared 'unknown' client is counted"
