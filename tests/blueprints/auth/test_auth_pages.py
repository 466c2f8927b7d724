"""Logging in and out as a person would, and sessions that end everywhere."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from assets.extensions import db
from assets.models import User
from tests.conftest import login


def test_login_lands_on_the_home_page(client, make, database):
    user = make.user("technician")
    response = login(client, user)
    assert response.status_code == 302 and response.location == "/"
    assert user.name in client.get("/").text


def test_wrong_password_says_so_and_keeps_the_email(client, make):
    user = make.user("staff")
    response = login(client, user, password="Nope12345")
    assert response.status_code == 200
    assert "do not match" in response.text
    assert f'value="{user.email}"' in response.text


def alert_of(page: str) -> str:
    return re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>', page).group(1)


def test_lockout_after_repeated_wrong_passwords_blocks_even_the_right_one(app, client, make):
    user = make.user("staff")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, user, password="Nope12345")
    response = login(client, user)
    assert response.status_code == 200
    assert "locked for a while" in response.text
    assert "/login" in client.get("/").location


def test_a_locked_account_and_an_unknown_email_get_the_same_answer(app, client, make):
    """Else trying five passwords would tell which emails have an account here."""
    user = make.user("staff")
    nobody = SimpleNamespace(email="nobody@ashbrook.sch.uk", password="Nope12345")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        real = login(client, user, password="Nope12345")
        unknown = login(client, nobody)
        assert alert_of(real.text) == alert_of(unknown.text)
    assert alert_of(login(client, user).text) == alert_of(unknown.text)


def test_next_goes_only_to_this_site(client, make):
    user = make.user("technician")
    assert login(client, user, next="/assets?q=dell").location == "/assets?q=dell"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        assert login(client, user, next=evil).location == "/", evil
        client.post("/logout")


def test_logged_out_visitor_is_sent_to_login_and_back(client, make):
    user = make.user("technician")
    response = client.get("/assets?q=dell")
    assert response.status_code == 302 and "/login?next=" in response.location
    page = client.get(response.location)
    assert 'name="next"' in page.text
    assert login(client, user, next="/assets?q=dell").location == "/assets?q=dell"


def test_logout_ends_sessions_everywhere_including_remember_me(app, make):
    user = make.user("technician")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user, remember="y")
    remember = phone.get_cookie("remember_token")
    assert remember is not None
    laptop.post("/logout")
    assert laptop.get("/assets").status_code == 302
    assert phone.get("/assets").status_code == 302, "the other device's session ended"
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/assets").status_code == 302, "the remember-me cookie no longer works"


def test_changing_password_ends_other_sessions_but_keeps_this_one(app, make):
    user = make.user("staff")
    here, there = app.test_client(), app.test_client()
    login(here, user)
    login(there, user)
    response = here.post(
        "/account/password",
        data={"current_password": user.password, "password": "Newpass123", "confirm": "Newpass123"},
    )
    assert response.status_code == 302
    assert here.get("/account/password").status_code == 200
    assert "/login" in there.get("/account/password").location
    assert login(app.test_client(), user, password="Newpass123").status_code == 302


def test_password_change_refuses_a_weak_password_with_the_rule(client, make):
    user = make.user("staff")
    login(client, user)
    response = client.post(
        "/account/password",
        data={"current_password": user.password, "password": "weakpass", "confirm": "weakpass"},
    )
    assert response.status_code == 200
    assert "capital letter" in response.text and "number" in response.text


def test_deactivating_a_user_ends_their_sessions(app, make):
    admin, staff = make.user("admin"), make.user("staff")
    admin_client, staff_client = app.test_client(), app.test_client()
    login(admin_client, admin)
    login(staff_client, staff)
    assert staff_client.get("/account/password").status_code == 200
    admin_client.post(f"/logins/{staff.id}/deactivate")
    assert "/login" in staff_client.get("/account/password").location
    assert "deactivated" in login(app.test_client(), staff).text


def test_an_expired_password_must_be_changed_before_anything_else(app, client, make):
    user = make.user("technician")
    with app.app_context():
        record = db.session.get(User, user.id)
        record.password_changed_at -= timedelta(days=app.config["PASSWORD_MAX_AGE_DAYS"] + 1)
        db.session.commit()
    login(client, user)
    response = client.get("/assets")
    assert response.status_code == 302 and "/account/password" in response.location
    assert "expired" in client.get(response.location).text
    client.post(
        "/account/password",
        data={"current_password": user.password, "password": "Newpass123", "confirm": "Newpass123"},
    )
    assert client.get("/assets").status_code == 200


def test_an_admin_chosen_password_must_be_changed_at_first_login(client, make):
    user = make.user("staff", must_change=True)
    login(client, user)
    assert "/account/password" in client.get("/").location


def _remembered(app, client) -> bool:
    """Whether `client`'s remember-me cookie alone signs a new browser session in."""
    cookie = client.get_cookie("remember_token")
    if cookie is None:
        return False
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    return fresh.get("/account/password").status_code == 200


@pytest.mark.parametrize("remember", [True, False])
def test_changing_password_keeps_keep_me_logged_in_as_it_was(app, make, remember):
    user = make.user("staff")
    browser = app.test_client()
    login(browser, user, **({"remember": "y"} if remember else {}))
    browser.post(
        "/account/password",
        data={"current_password": user.password, "password": "Newpass123", "confirm": "Newpass123"},
    )
    assert _remembered(app, browser) is remember


def test_a_password_sign_in_starts_an_empty_session(client, make):
    """A shared PC: what the last person's session held (a reset link being used, a sign-in
    half done) does not carry over to whoever logs in next."""
    user = make.user("staff")
    with client.session_transaction() as before:
        before["password_reset_token"] = "left-by-the-last-person"
        before["sso_next"] = "/somewhere"
    login(client, user)
    with client.session_transaction() as after:
        assert "password_reset_token" not in after and "sso_next" not in after
        assert after["signed_in_with"] == "password"
