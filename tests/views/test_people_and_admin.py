from sqlalchemy import select

from assets.extensions import db
from assets.models import User
from tests.conftest import login


def test_technician_adds_and_edits_a_member_of_staff(client, as_role, database):
    as_role("technician")
    response = client.post(
        "/people/new",
        data={
            "name": "Mrs K Mills",
            "email": "mills@ashbrook.sch.uk",
            "staff_number": "S0042",
            "job_title": "Class Teacher",
            "contract_end_date": "2027-07-31",
            "active": "y",
        },
    )
    assert response.status_code == 302
    person_url = response.location
    page = client.get(person_url).text
    assert "Mrs K Mills" in page and "31/07/2027" in page
    client.post(
        person_url + "/edit",
        data={
            "name": "Mrs K Mills",
            "email": "mills@ashbrook.sch.uk",
            "job_title": "SENCo",
            "active": "y",
        },
    )
    page = client.get(person_url).text
    assert "Class Teacher → SENCo" in page
    assert "Mrs K Mills" in client.get("/people/?q=mills").text


def test_people_list_hides_leavers_unless_asked(client, make, as_role):
    as_role("office")
    make.person("Mr Here")
    make.person("Mrs Gone", active=False)
    page = client.get("/people/").text
    assert "Mr Here" in page and "Mrs Gone" not in page
    assert "Mrs Gone" in client.get("/people/?all=1").text


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
