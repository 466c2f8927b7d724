"""The logins pages an admin uses to correct a login, reset its password, unlock it and
deactivate it, and what each does to the login's sessions."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, User
from assets.services.people import logins
from tests.conftest import login
from tests.support.pages import text_of


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Event.action).where(Event.entity_id == user_id).order_by(Event.id)
            )
        )


def _details(user, **values) -> dict:
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "person_id": user.person_id or "",
    } | values


def _signed_in(app, user) -> object:
    other = app.test_client()
    assert login(other, user).status_code == 302
    assert other.get("/my").status_code == 200
    return other


def _lock(app, user, clock_now, minutes=15) -> None:
    with app.app_context():
        db.session.get(User, user.id).locked_until = clock_now + timedelta(minutes=minutes)
        db.session.commit()


def test_the_list_shows_role_staff_member_lock_and_last_sign_in(app, client, make, as_role, clock):
    as_role("admin", name="Mrs A Head")
    teacher = make.user("staff", name="Mrs J Smullen", person=True)
    sso = make.user("technician", name="Mr M Savage")
    gone = make.user("office", name="Mr O Gone")
    _lock(app, teacher, clock.now)
    with app.app_context():
        logins.record_sign_in(db.session.get(User, sso.id), "google", clock.now)
        db.session.get(User, gone.id).active = False
        db.session.commit()

    page = text_of(client.get("/logins"))

    assert (
        "Mrs J Smullen " + teacher.email + " Role Staff Member of staff Mrs J Smullen "
        "Status Active Locked until 23/11/2026 09:15 Last signed in Never"
    ) in page
    assert (
        "Mr M Savage " + sso.email + " Role IT technician Member of staff None linked "
        "Status Active Last signed in 23/11/2026 09:00 with Google"
    ) in page
    assert "Mr O Gone " + gone.email + " Role Office staff" in page
    assert "Status Deactivated" in page
    assert "Unlock Mrs J Smullen" in page and "Unlock Mr M Savage" not in page
    assert "Reactivate Mr O Gone" in page and "Deactivate Mr O Gone" not in page


def test_an_admin_corrects_a_wrong_role_and_the_login_is_logged_out(app, client, make, as_role):
    as_role("admin")
    teacher = make.user("staff", name="Mrs J Smullen")
    teacher_client = _signed_in(app, teacher)
    form = client.get(f"/logins/{teacher.id}/edit")
    assert 'value="Mrs J Smullen"' in form.text and "Edit the login of Mrs J Smullen" in form.text

    response = client.post(f"/logins/{teacher.id}/edit", data=_details(teacher, role="technician"))

    assert response.status_code == 302 and response.location.endswith("/logins")
    assert "logged out everywhere" in text_of(client.get("/logins"))
    assert _user(app, teacher.id).role == "technician"
    assert "/login" in teacher_client.get("/my").location, "their old session has ended"
    assert _actions(app, teacher.id)[-2:] == ["user.updated", "user.sessions_ended"]


def test_a_new_name_keeps_the_sessions_and_nothing_new_records_nothing(app, client, make, as_role):
    as_role("admin")
    teacher = make.user("staff", name="Mrs J Smulen")
    teacher_client = _signed_in(app, teacher)
    client.post(f"/logins/{teacher.id}/edit", data=_details(teacher, name="Mrs J Smullen"))
    assert teacher_client.get("/my").status_code == 200
    assert _user(app, teacher.id).name == "Mrs J Smullen"
    before = _actions(app, teacher.id)
    client.post(f"/logins/{teacher.id}/edit", data=_details(_user(app, teacher.id)))
    assert "Nothing to change" in text_of(client.get("/logins"))
    assert _actions(app, teacher.id) == before


def test_a_duplicate_email_is_refused_on_the_page_keeping_what_was_typed(
    app, client, make, as_role
):
    as_role("admin")
    teacher, other = make.user("staff"), make.user("staff")
    response = client.post(
        f"/logins/{teacher.id}/edit",
        data=_details(teacher, name="Kept Name", email=other.email.upper()),
    )
    assert response.status_code == 200
    assert f"There is already a login for {other.email}." in text_of(response)
    assert 'value="Kept Name"' in response.text
    assert _user(app, teacher.id).email == teacher.email
    assert _user(app, teacher.id).name == teacher.name


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"role": "governor"}, "Not a valid choice"),
        ({"role": ""}, "Not a valid choice"),
        ({"person_id": "999999"}, "Not a valid choice"),
        ({"person_id": "1 OR 1=1"}, "Invalid Choice"),
        ({"email": "not an email"}, "is not an email address"),
        ({"name": "   "}, "This field is required"),
    ],
)
def test_forged_or_bad_details_change_nothing(app, client, make, as_role, values, message):
    as_role("admin")
    teacher = make.user("staff")
    before = _actions(app, teacher.id)
    response = client.post(f"/logins/{teacher.id}/edit", data=_details(teacher, **values))
    assert response.status_code == 200
    assert message in text_of(response)
    assert _user(app, teacher.id).role == "staff"
    assert _actions(app, teacher.id) == before


def test_a_member_of_staff_already_linked_cannot_be_given_a_second_login(
    app, client, make, as_role
):
    as_role("admin")
    linked = make.user("staff", person=True)
    teacher = make.user("staff")
    form = client.get(f"/logins/{teacher.id}/edit").text
    assert f'value="{linked.person_id}"' not in form, "not offered"
    response = client.post(
        f"/logins/{teacher.id}/edit", data=_details(teacher, person_id=linked.person_id)
    )
    assert "Not a valid choice" in text_of(response)
    assert _user(app, teacher.id).person_id is None
    # Its own member of staff is offered and kept.
    own = client.get(f"/logins/{linked.id}/edit").text
    assert f'<option selected value="{linked.person_id}">' in own
    person = make.person("Mrs J Smullen")
    client.post(f"/logins/{teacher.id}/edit", data=_details(teacher, person_id=person.id))
    assert _user(app, teacher.id).person_id == person.id


def test_the_last_admin_cannot_step_down_but_one_of_two_can(app, client, make, as_role):
    head = as_role("admin")
    response = client.post(f"/logins/{head.id}/edit", data=_details(head, role="staff"))
    assert "is the last active admin" in text_of(response)
    assert _user(app, head.id).role == "admin"
    deputy = make.user("admin")

    response = client.post(f"/logins/{head.id}/edit", data=_details(head, role="technician"))

    assert response.status_code == 302 and response.location.endswith("/")
    assert _user(app, head.id).role == "technician"
    assert client.get("/assets").status_code == 200, "still logged in, now as a technician"
    assert client.get("/logins").status_code == 403
    assert _user(app, deputy.id).role == "admin"


def test_an_admin_changing_their_own_email_stays_logged_in(app, client, as_role):
    head = as_role("admin")
    client.post(f"/logins/{head.id}/edit", data=_details(head, email="head@ashbrook.sch.uk"))
    assert _user(app, head.id).email == "head@ashbrook.sch.uk"
    assert client.get("/logins").status_code == 200


def test_a_reset_password_works_once_changed_and_the_old_one_stops(app, client, make, as_role):
    as_role("admin")
    teacher = make.user("staff", name="Mrs J Smullen")
    teacher_client = _signed_in(app, teacher)
    url = f"/logins/{teacher.id}/password"
    assert "Reset the password of Mrs J Smullen" in text_of(client.get(url))
    weak = client.post(url, data={"password": "temporary", "confirm": "temporary"})
    assert "capital letter" in text_of(weak) and "number" in text_of(weak)
    differ = client.post(url, data={"password": "Temporary1", "confirm": "Temporary2"})
    assert "The two passwords differ." in text_of(differ)
    assert _actions(app, teacher.id).count("user.password_set_by_admin") == 0

    response = client.post(url, data={"password": "Temporary1", "confirm": "Temporary1"})

    assert response.status_code == 302
    assert "has a temporary password" in text_of(client.get("/logins"))
    assert "/login" in teacher_client.get("/my").location
    assert "do not match" in text_of(login(app.test_client(), teacher))
    fresh = app.test_client()
    assert login(fresh, teacher, password="Temporary1").status_code == 302
    assert "/account/password" in fresh.get("/my").location, "must choose their own first"


def test_an_admin_resets_their_own_password_on_their_account_page(app, client, as_role):
    head = as_role("admin")
    assert "change your password" in text_of(client.get(f"/logins/{head.id}/password"))
    response = client.post(
        f"/logins/{head.id}/password", data={"password": "Temporary1", "confirm": "Temporary1"}
    )
    assert "Change your own password" in text_of(response)
    assert client.get("/logins").status_code == 200


def test_an_admin_unlocks_a_locked_login(app, client, make, as_role, clock):
    as_role("admin")
    teacher = make.user("staff", name="Mrs J Smullen")
    _lock(app, teacher, clock.now)
    assert "do not match" in text_of(login(app.test_client(), teacher))

    client.post(f"/logins/{teacher.id}/unlock")

    assert "is unlocked" in text_of(client.get("/logins"))
    assert login(app.test_client(), teacher).status_code == 302
    assert "user.unlocked" in _actions(app, teacher.id)
    client.post(f"/logins/{teacher.id}/unlock")
    assert f"{teacher.email} is not locked." in text_of(client.get("/logins"))


def test_deactivating_asks_first_and_the_button_deactivates(app, client, make, as_role):
    head = as_role("admin")
    teacher = make.user("staff", name="Mrs J Smullen")
    teacher_client = _signed_in(app, teacher)
    list_page = client.get("/logins").text
    assert f'href="/logins/{teacher.id}/deactivate"' in list_page
    confirm = client.get(f"/logins/{teacher.id}/deactivate")
    assert "Deactivate the login of Mrs J Smullen?" in text_of(confirm)
    assert _user(app, teacher.id).active, "showing the question changes nothing"

    client.post(f"/logins/{teacher.id}/deactivate")

    assert not _user(app, teacher.id).active
    assert "/login" in teacher_client.get("/my").location
    assert "already deactivated" in text_of(client.get(f"/logins/{teacher.id}/deactivate"))
    own = client.get(f"/logins/{head.id}/deactivate")
    assert "You cannot deactivate your own account." in text_of(own)
    assert "<button" not in own.text.split("<main", 1)[-1]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/logins/{}/edit"),
        ("post", "/logins/{}/edit"),
        ("get", "/logins/{}/password"),
        ("post", "/logins/{}/password"),
        ("post", "/logins/{}/unlock"),
        ("get", "/logins/{}/deactivate"),
        ("post", "/logins/{}/deactivate"),
    ],
)
def test_a_missing_login_is_not_found(client, as_role, method, path):
    as_role("admin")
    response = getattr(client, method)(path.format(999999), data={"password": "Temporary1"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["technician", "office", "staff"])
def test_only_admins_reach_these_pages(app, client, make, as_role, role, clock):
    as_role(role)
    teacher = make.user("staff")
    _lock(app, teacher, clock.now)
    for method, path, data in [
        ("get", "edit", None),
        ("post", "edit", _details(teacher, role="admin")),
        ("get", "password", None),
        ("post", "password", {"password": "Temporary1", "confirm": "Temporary1"}),
        ("post", "unlock", None),
        ("get", "deactivate", None),
    ]:
        response = getattr(client, method)(f"/logins/{teacher.id}/{path}", data=data)
        assert response.status_code == 403, (method, path)
    assert _user(app, teacher.id).role == "staff"
    assert _user(app, teacher.id).locked_until is not None
    assert login(app.test_client(), teacher).status_code == 200, "still locked, password kept"


@pytest.mark.parametrize("action", ["unlock", "deactivate", "activate", "reset-email"])
def test_an_expired_confirmation_says_so_and_changes_nothing(
    app, client, make, clock, monkeypatch, action
):
    """As when the CSRF token of the list's buttons has expired."""
    login(client, make.user("admin"))
    teacher = make.user("staff")
    _lock(app, teacher, clock.now)
    before = _actions(app, teacher.id)
    monkeypatch.setattr(
        "assets.blueprints.forms.ConfirmForm.validate_on_submit", lambda _form: False
    )
    response = client.post(f"/logins/{teacher.id}/{action}", follow_redirects=True)
    assert "The form had expired. Try again." in text_of(response)
    assert _actions(app, teacher.id) == before


def test_an_admin_changing_their_own_email_stays_remembered_on_this_device(app, make):
    admin = make.user("admin")
    browser = app.test_client()
    login(browser, admin, remember="y")
    response = browser.post(
        f"/logins/{admin.id}/edit", data=_details(admin, email="head@ashbrook.sch.uk")
    )
    assert response.status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert fresh.get("/logins").status_code == 200
