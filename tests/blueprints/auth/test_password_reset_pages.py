"""Forgot your password? as a person would use it: the same answer for every address, an
email with a link that works once, and the admin's "Send a reset email"."""

import re

import pytest

from assets.extensions import db
from assets.models import Event, User
from tests.conftest import login
from tests.support.smtp import send_mail_through

LINK = re.compile(r"https://assets\.school\.test(/password/reset/\S+)")


@pytest.fixture
def mail(app, smtp_server):
    send_mail_through(app, smtp_server.port)
    return smtp_server


def ask(client, email):
    """Ask for a link. The email leaves once the answer has gone, when the server closes the
    response, as every WSGI server does after sending it (the test client only when told)."""
    response = client.post("/password/forgot", data={"email": email})
    response.close()
    return response


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login").text
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_known_and_unknown_addresses_get_the_same_answer(client, make, mail, database):
    user = make.user("staff")
    known = ask(client, user.email)
    unknown = ask(client, "nobody@ashbrook.sch.uk")
    malformed = ask(client, "not an address")
    assert known.status_code == unknown.status_code == malformed.status_code == 302
    assert known.location == unknown.location == malformed.location == "/password/forgot/sent"
    page = client.get(known.location).text
    assert "If that address has a login, we have sent it a link" in page
    [received] = mail.messages
    assert received.rcpt_tos == [user.email]
    assert received.message["Subject"] == "Reset your password"
    assert "within 30 minutes" in received.body
    with client.application.app_context():
        assert db.session.query(Event).filter(Event.action.like("%reset%")).count() == 0


def test_the_email_leaves_only_after_the_answer(client, make, mail):
    """So the time the answer takes does not tell whether the address has a login."""
    user = make.user("staff")
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302 and mail.messages == []
    response.close()
    assert [m.rcpt_tos for m in mail.messages] == [[user.email]]


def test_an_empty_address_is_asked_for_again(client):
    response = ask(client, "")
    assert response.status_code == 200 and "This field is required" in response.text


def test_over_the_limit_the_answer_is_the_same_and_nothing_is_sent(client, make, mail, caplog):
    user = make.user("staff")
    answers = [ask(client, user.email).location for _ in range(4)]
    assert answers == ["/password/forgot/sent"] * 4
    assert len(mail.messages) == 3
    assert "too many requests for this address" in caplog.text


def test_the_link_works_once_and_ends_every_session(app, client, make, mail, clock):
    user = make.user("staff")
    elsewhere = app.test_client()
    login(elsewhere, user)
    ask(client, user.email)
    link = link_in(mail.messages[0])
    opened = client.get(link)
    assert opened.status_code == 302 and opened.location == "/password/reset"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    form = client.get("/password/reset")
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "Choose a new password" in form.text and user.email in form.text
    assert link.rsplit("/", 1)[1] not in form.text, "the token is not on the page"
    weak = client.post("/password/reset", data={"password": "weakpass", "confirm": "weakpass"})
    assert weak.status_code == 200 and "capital letter" in weak.text
    done = client.post("/password/reset", data={"password": "Newpass123", "confirm": "Newpass123"})
    assert done.status_code == 302 and done.location == "/login"
    assert "Your password has been changed" in client.get("/login").text
    assert "/login" in elsewhere.get("/account/password").location, "other sessions ended"
    assert login(app.test_client(), user).status_code == 200, "the old password is refused"
    assert login(app.test_client(), user, password="Newpass123").status_code == 302
    again = client.get(link)
    assert "This link has expired or has already been used" in again.text
    assert 'href="/password/forgot"' in again.text
    replay = client.post("/password/reset", data={"password": "Other1234", "confirm": "Other1234"})
    assert "expired or has already been used" in replay.text
    with app.app_context():
        event = db.session.query(Event).filter_by(action="user.password_reset_by_link").one()
        assert event.actor_id == user.id


def test_an_expired_link_says_so_and_offers_a_new_one(client, make, mail, clock):
    user = make.user("staff")
    ask(client, user.email)
    link = link_in(mail.messages[0])
    clock.advance(minutes=30, seconds=1)
    page = client.get(link)
    assert page.status_code == 200
    assert "This link has expired or has already been used" in page.text
    assert "Ask for a new link" in page.text


def test_a_link_that_expires_while_the_form_is_open_is_refused(client, make, mail, clock):
    user = make.user("staff")
    ask(client, user.email)
    client.get(link_in(mail.messages[0]))
    clock.advance(minutes=31)
    response = client.post(
        "/password/reset", data={"password": "Newpass123", "confirm": "Newpass123"}
    )
    assert "expired or has already been used" in response.text
    assert login(client, user).status_code == 302, "the password did not change"


@pytest.mark.parametrize("token", ["forged", "a" * 300, "eyJ1IjoxfQ.bad", "%C5%81%C3%B3d%C5%BA"])
def test_a_forged_link_is_refused_clearly(client, token):
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 200 and "expired or has already been used" in page.text


def test_the_reset_page_without_a_link_is_refused(client):
    assert "expired or has already been used" in client.get("/password/reset").text


def test_an_admin_sends_a_reset_email_from_the_logins_page(app, client, make, mail, as_role):
    admin = as_role("admin")
    user = make.user("staff")
    page = client.get("/logins").text
    assert f'action="/logins/{user.id}/reset-email"' in page
    response = client.post(f"/logins/{user.id}/reset-email", follow_redirects=True)
    assert f"A reset email has been sent to {user.email}" in response.text
    [received] = mail.messages
    assert received.rcpt_tos == [user.email]
    with app.app_context():
        event = db.session.query(Event).filter_by(action="user.password_reset_sent").one()
        assert event.actor_id == admin.id and event.entity_id == user.id
    # Still limited per address: three in the hour.
    for _ in range(2):
        client.post(f"/logins/{user.id}/reset-email")
    response = client.post(f"/logins/{user.id}/reset-email", follow_redirects=True)
    assert "3 reset emails within the hour" in response.text
    assert len(mail.messages) == 3


def test_a_deactivated_login_has_no_reset_button_and_gets_no_email(
    app, client, make, mail, as_role
):
    as_role("admin")
    user = make.user("staff")
    client.post(f"/logins/{user.id}/deactivate")
    assert f'action="/logins/{user.id}/reset-email"' not in client.get("/logins").text
    response = client.post(f"/logins/{user.id}/reset-email", follow_redirects=True)
    assert "reactivate the login first" in response.text
    ask(app.test_client(), user.email)
    assert mail.messages == []


def test_an_admin_is_told_when_the_mail_server_is_down(client, make, as_role):
    as_role("admin")
    user = make.user("staff")
    response = client.post(f"/logins/{user.id}/reset-email", follow_redirects=True)
    assert f"The reset email to {user.email} was not sent" in response.text


def test_only_logins_managers_send_reset_emails(client, make, as_role):
    as_role("technician")
    user = make.user("staff")
    assert client.post(f"/logins/{user.id}/reset-email").status_code == 403
    with client.application.app_context():
        assert db.session.get(User, user.id).password_changed_at is not None
