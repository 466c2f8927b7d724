"""Policy 12.3 passwords, lockout counted in the database, and ending sessions."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, User
from assets.models.base import utcnow
from assets.services.common.errors import DomainError, LoginRefused, NotAllowed
from assets.services.people import login_admin, logins, passwords


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Short1A", "at least 8 characters"),
        ("alllowercase1", "capital letter"),
        ("NoNumbersHere", "number"),
        ("", "at least 8 characters"),
    ],
)
def test_password_rule_refuses_with_the_reason(password, problem):
    with pytest.raises(DomainError, match=problem):
        passwords.check_password_rule(password)


def test_password_rule_accepts_the_schools_minimum():
    passwords.check_password_rule("Abcdefg1")
    assert passwords.password_problems("Abcdefg1") == []


def test_create_user_applies_the_rule_and_records_an_event(ctx, make):
    admin = make.user("admin")
    actor = db.session.get(User, admin.id)
    with pytest.raises(DomainError, match="capital letter"):
        login_admin.create_user(
            actor, email="new@ashbrook.sch.uk", name="New", role="staff", password="weakpass1"
        )
    user = login_admin.create_user(
        actor, email=" New@Ashbrook.sch.uk ", name="New", role="staff", password="Strong123"
    )
    db.session.commit()
    assert user.email == "new@ashbrook.sch.uk"
    assert passwords.password_expired(user), "an admin-chosen password must be changed"
    event = db.session.scalar(
        select(Event).where(Event.action == "user.created", Event.entity_id == user.id)
    )
    assert event.actor_id == admin.id


def test_duplicate_email_and_bad_role_are_refused(ctx, make):
    existing = make.user("staff")
    with pytest.raises(DomainError, match="already a login"):
        login_admin.create_user(
            None, email=existing.email.upper(), name="X", role="staff", password="Strong123"
        )
    with pytest.raises(DomainError, match="not a role"):
        login_admin.create_user(
            None, email="x@ashbrook.sch.uk", name="X", role="governor", password="Strong123"
        )


def test_lockout_after_repeated_wrong_passwords(app, ctx, make):
    user = make.user("staff")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        with pytest.raises(LoginRefused, match="do not match"):
            logins.authenticate(user.email, "Wrong1234")
        db.session.commit()
    with pytest.raises(LoginRefused) as locked:
        logins.authenticate(user.email, user.password)
    with pytest.raises(LoginRefused) as unknown:
        logins.authenticate("nobody@ashbrook.sch.uk", user.password)
    # The same words, so trying passwords cannot tell a real account from an unknown email.
    assert locked.value.message == unknown.value.message == logins.REFUSED
    later = utcnow() + timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    assert logins.authenticate(user.email, user.password, now=later).id == user.id


def test_wrong_password_count_is_shared_by_every_server_process(app, database, make):
    """Two app instances (two processes' worth of connections) count into the same row."""
    from assets import create_app

    user = make.user("staff")
    other = create_app(dict(app.config))
    for instance in (app, other, app, other):
        with instance.app_context():
            with pytest.raises(LoginRefused):
                logins.authenticate(user.email, "Wrong1234")
            db.session.commit()
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 4
    with other.app_context():
        db.engine.dispose()


def test_a_good_login_resets_the_count_and_says_when_and_how(ctx, make, clock):
    user = make.user("staff")
    with pytest.raises(LoginRefused):
        logins.authenticate(user.email, "Wrong1234")
    db.session.commit()
    logins.authenticate(user.email, user.password, now=clock.now)
    db.session.commit()
    signed_in = db.session.get(User, user.id)
    assert signed_in.failed_logins == 0
    assert (signed_in.last_login_at, signed_in.last_login_method) == (clock.now, "password")


def test_deactivated_account_cannot_log_in(ctx, make):
    admin = make.user("admin")
    user = make.user("staff")
    login_admin.set_active(db.session.get(User, admin.id), db.session.get(User, user.id), False)
    db.session.commit()
    with pytest.raises(LoginRefused, match="deactivated"):
        logins.authenticate(user.email, user.password)


def test_admin_cannot_deactivate_themselves(ctx, make):
    admin = db.session.get(User, make.user("admin").id)
    with pytest.raises(NotAllowed):
        login_admin.set_active(admin, admin, False)


@pytest.mark.parametrize("actor_role", ["technician", "office", "staff"])
def test_only_admins_change_admins_logins(ctx, make, actor_role):
    """One rule on every path that changes a login: deactivating, reactivating, ending its
    sessions, creating one. Nothing changes when it says no."""
    actor = db.session.get(User, make.user(actor_role).id)
    admin = db.session.get(User, make.user("admin").id)
    token = admin.session_token
    for change in (
        lambda: login_admin.set_active(actor, admin, False),
        lambda: login_admin.set_active(actor, admin, True),
        lambda: logins.end_sessions(admin, actor, "testing"),
        lambda: login_admin.create_user(
            actor, email="new-head@ashbrook.sch.uk", name="N", role="admin", password="Strong123"
        ),
    ):
        with pytest.raises(NotAllowed, match="Only an admin can"):
            change()
    db.session.rollback()
    admin = db.session.get(User, admin.id)
    assert admin.active and admin.session_token == token
    assert logins.user_by_email("new-head@ashbrook.sch.uk") is None
    assert not logins.may_change_login(actor, admin)


def test_admins_and_the_system_change_any_login(ctx, make):
    admin = db.session.get(User, make.user("admin").id)
    other_admin = db.session.get(User, make.user("admin").id)
    technician = db.session.get(User, make.user("technician").id)
    staff = db.session.get(User, make.user("staff").id)
    assert logins.may_change_login(admin, other_admin)
    assert logins.may_change_login(None, other_admin)
    # The rule is about admins' logins only: a technician's own rules cover the rest.
    assert logins.may_change_login(technician, staff)
    login_admin.set_active(admin, other_admin, False)
    logins.end_sessions(technician, technician, "logged out")
    login_admin.create_user(
        None, email="head2@ashbrook.sch.uk", name="H", role="admin", password="Strong123"
    )
    assert not other_admin.active


def test_password_expires_after_a_term(app, ctx, make):
    user = db.session.get(User, make.user("staff").id)
    assert not passwords.password_expired(user)
    term = timedelta(days=app.config["PASSWORD_MAX_AGE_DAYS"])
    assert passwords.password_expired(user, now=user.password_changed_at + term)


def test_changing_password_checks_current_and_rule_and_ends_sessions(ctx, make):
    user = db.session.get(User, make.user("staff").id)
    token = user.session_token
    with pytest.raises(DomainError, match="current password"):
        passwords.change_password(user, "Wrong1234", "Newpass123")
    with pytest.raises(DomainError, match="capital"):
        passwords.change_password(user, "Password1", "newpass123")
    with pytest.raises(DomainError, match="not just used"):
        passwords.change_password(user, "Password1", "Password1")
    passwords.change_password(user, "Password1", "Newpass123")
    db.session.commit()
    assert user.session_token != token
    assert logins.authenticate(user.email, "Newpass123").id == user.id
