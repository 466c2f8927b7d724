"""Admins create logins, deactivate and reactivate them."""

from sqlalchemy import select

from assets.extensions import db
from assets.models import User
from tests.conftest import login


def test_admin_creates_a_login_who_must_then_choose_a_password(app, client, make, as_role):
    as_role("admin")
    person = make.person("Miss R Pettit", email="pettit@ashbrook.sch.uk")
    response = client.post(
        "/logins/new",
        data={
            "name": "Miss R Pettit",
            "email": "pettit@ashbrook.sch.uk",
            "role": "staff",
            "person_id": person.id,
            "password": "weak",
        },
    )
    assert "capital letter" in response.text
    response = client.post(
        "/logins/new",
        data={
            "name": "Miss R Pettit",
            "email": "pettit@ashbrook.sch.uk",
            "role": "staff",
            "person_id": person.id,
            "password": "Welcome123",
        },
    )
    assert response.status_code == 302
    assert "pettit@ashbrook.sch.uk" in client.get("/logins").text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "pettit@ashbrook.sch.uk"))
        assert user.person_id == person.id
    newcomer = app.test_client()
    login(newcomer, user, password="Welcome123")
    assert "/account/password" in newcomer.get("/").location


def test_admin_reactivates_a_login(app, client, make, as_role):
    as_role("admin")
    staff = make.user("staff")
    client.post(f"/logins/{staff.id}/deactivate")
    client.post(f"/logins/{staff.id}/activate")
    assert login(app.test_client(), staff).status_code == 302


def test_admin_cannot_deactivate_themselves(client, as_role):
    admin = as_role("admin")
    client.post(f"/logins/{admin.id}/deactivate")
    assert "cannot deactivate your own" in client.get("/logins").text
    assert client.get("/").status_code == 200
