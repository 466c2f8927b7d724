"""STAFF_PASSWORDS=off with a provider configured: staff sign in only with it, and nothing
lets them set a password they could not use (policy 12; README "Sign in with ...")."""

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import User
from assets.services.common.errors import DomainError, LoginRefused
from assets.services.people import login_admin, logins, password_resets, passwords

MICROSOFT = {
    "MICROSOFT_TENANT_ID": "00000000-0000-0000-0000-000000000001",
    "MICROSOFT_CLIENT_ID": "client",
    "MICROSOFT_CLIENT_SECRET": "secret",
}
OFF = {"STAFF_PASSWORDS": "off", **MICROSOFT}
staff_passwords_off = pytest.mark.parametrize("app", [OFF], indirect=True)


def _get(user) -> User:
    return db.session.get(User, user.id)


def _refusal(email: str, password: str, clock) -> str:
    with pytest.raises(LoginRefused) as refused:
        passwords.sign_in_with_password(email, password, now=clock.now)
    db.session.commit()
    return refused.value.message


@staff_passwords_off
def test_a_staff_login_is_refused_the_same_whether_the_password_is_right_or_not(ctx, make, clock):
    teacher = make.user("staff")
    right = _refusal(teacher.email, teacher.password, clock)
    wrong = _refusal(teacher.email, "Wrong1234", clock)
    unknown = _refusal("nobody@ashbrook.sch.uk", teacher.password, clock)
    assert right == wrong == unknown
    assert "Staff sign in here with Microsoft 365" in right
    assert _get(teacher).failed_logins == 0 and _get(teacher).last_login_at is None


@staff_passwords_off
def test_admins_and_technicians_keep_their_passwords(ctx, make, clock):
    for role in ("admin", "technician"):
        user = make.user(role)
        assert passwords.sign_in_with_password(user.email, user.password, now=clock.now).id == (
            user.id
        )


@pytest.mark.parametrize("app", [{"STAFF_PASSWORDS": "off"}], indirect=True)
def test_with_no_provider_configured_staff_keep_their_passwords(ctx, make, clock):
    teacher = make.user("staff")
    assert passwords.sign_in_with_password(teacher.email, teacher.password, now=clock.now).id == (
        teacher.id
    )


@staff_passwords_off
def test_staff_cannot_change_or_be_given_a_password(ctx, make, clock):
    admin, teacher = _get(make.user("admin")), make.user("staff")
    with pytest.raises(DomainError, match="staff sign in with Microsoft 365"):
        passwords.change_password(_get(teacher), teacher.password, "Another123", now=clock.now)
    with pytest.raises(DomainError, match="no password to set"):
        login_admin.set_temporary_password(admin, _get(teacher), "Temporary1", now=clock.now)
    with pytest.raises(DomainError, match="no password to set"):
        password_resets.send_reset_by_admin(admin, _get(teacher), now=clock.now)
    db.session.rollback()
    assert logins.authenticate(teacher.email, teacher.password, now=clock.now)


@staff_passwords_off
def test_no_reset_link_for_staff_and_an_old_link_sets_nothing(ctx, make, clock):
    teacher = make.user("staff")
    assert password_resets.request_reset(teacher.email, "192.0.2.1", now=clock.now) is None
    token = password_resets.make_token(_get(teacher), clock.now)
    with pytest.raises(DomainError, match="no password to set"):
        password_resets.reset_password(token, "Another123", now=clock.now)
    db.session.rollback()
    hashes = db.session.scalars(select(User.password_hash).where(User.id == teacher.id)).all()
    assert len(hashes) == 1 and logins.authenticate(teacher.email, teacher.password, clock.now)


@staff_passwords_off
def test_the_login_page_gives_the_same_answer_for_a_right_and_a_wrong_staff_password(client, make):
    teacher = make.user("staff")
    right = client.post("/login", data={"email": teacher.email, "password": teacher.password})
    wrong = client.post("/login", data={"email": teacher.email, "password": "Wrong1234"})
    assert right.status_code == wrong.status_code == 200
    assert "Staff sign in here with Microsoft 365" in right.text
    assert right.text.count("do not match") == wrong.text.count("do not match") == 1
    assert client.get("/account/password").status_code == 302
