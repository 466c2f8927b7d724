"""The retention page: an admin sets how long personal data is kept, sees who is past it, and
confirms anonymising each one; nobody else may, and a forged POST changes nothing."""

import re
from datetime import date

import pytest

from assets.extensions import db
from assets.models import Person
from tests.conftest import login

NAME = "Łukasz Żółć"


def _past_retention(make, clock):
    """A leaver whose contract ended and who was made inactive over six years ago."""
    gone = make.person(NAME, staff_number="ŁŻ-1", active=False, contract_end_date=date(2019, 8, 31))
    clock.advance(days=6 * 366 + 1)
    return gone


def _person(app, person_id):
    with app.app_context():
        person = db.session.get(Person, person_id)
        return person.name, person.email, person.anonymised_at


def test_admin_confirms_anonymising_a_person_past_retention(app, client, make, clock, database):
    gone = _past_retention(make, clock)
    login(client, make.user("admin", name="Mrs H Teacher"))
    page = client.get("/people/retention")
    assert page.status_code == 200
    assert NAME in page.text and f"/people/{gone.id}/anonymise" in page.text

    confirm = client.get(f"/people/{gone.id}/anonymise")
    assert f"Anonymise {NAME} now" in confirm.text
    assert "Removed, for good" in confirm.text and "Kept" in confirm.text

    done = client.post(f"/people/{gone.id}/anonymise")
    assert done.status_code == 302
    person_page = client.get(done.location, follow_redirects=True).text
    pseudonym = f"Former member of staff #{gone.id}"
    assert pseudonym in person_page and NAME not in person_page
    assert "Personal data removed" in person_page
    assert _person(app, gone.id)[:2] == (pseudonym, None)
    assert NAME not in client.get("/people/retention").text

    again = client.post(f"/people/{gone.id}/anonymise", follow_redirects=True)
    assert "nothing to do" in again.text


def test_a_person_still_on_the_staff_is_refused_with_a_message(app, client, make, clock):
    here = make.person("Zoë O'Brien-Ñúñez")
    login(client, make.user("admin"))
    page = client.get(f"/people/{here.id}/anonymise").text
    assert "has not left" in page and "now</button>" not in page
    refused = client.post(f"/people/{here.id}/anonymise", follow_redirects=True)
    assert "has not left" in refused.text
    assert _person(app, here.id) == ("Zoë O'Brien-Ñúñez", here.email, None)


def test_admin_sets_the_years_and_bad_values_change_nothing(app, client, make):
    login(client, make.user("admin"))
    assert 'value="6"' in client.get("/people/retention").text
    for bad in ("0", "-3", "abc", "101", ""):
        response = client.post("/people/retention", data={"retention_years": bad})
        assert response.status_code == 200 and "is-invalid" in response.text, bad
    saved = client.post("/people/retention", data={"retention_years": "7"})
    assert saved.status_code == 302
    assert 'value="7"' in client.get("/people/retention").text


@pytest.mark.parametrize("role", ["technician", "office", "staff"])
def test_only_an_admin_may(app, client, make, clock, role):
    gone = _past_retention(make, clock)
    login(client, make.user(role))
    assert client.get("/people/retention").status_code == 403
    assert client.post("/people/retention", data={"retention_years": "1"}).status_code == 403
    assert client.get(f"/people/{gone.id}/anonymise").status_code == 403
    assert client.post(f"/people/{gone.id}/anonymise").status_code == 403
    assert _person(app, gone.id)[0] == NAME


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_anonymising_needs_the_forms_csrf_token(app, client, make, clock):
    gone = _past_retention(make, clock)
    admin = make.user("admin")
    token = _token(client.get("/login").text)
    client.post(
        "/login", data={"email": admin.email, "password": admin.password, "csrf_token": token}
    )
    refused = client.post(f"/people/{gone.id}/anonymise")
    assert refused.status_code == 400
    assert _person(app, gone.id)[0] == NAME
    page = client.get(f"/people/{gone.id}/anonymise").text
    accepted = client.post(f"/people/{gone.id}/anonymise", data={"csrf_token": _token(page)})
    assert accepted.status_code == 302 and _person(app, gone.id)[2] is not None


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_an_anonymised_person_is_not_edited_back(app, client, make, clock):
    gone = _past_retention(make, clock)
    login(client, make.user("admin"))
    client.post(f"/people/{gone.id}/anonymise")
    response = client.post(
        f"/people/{gone.id}/edit", data={"name": NAME, "email": "back@ashbrook.sch.uk"}
    )
    assert response.status_code == 200 and "no longer edited" in response.text
    assert _person(app, gone.id)[:2] == (f"Former member of staff #{gone.id}", None)
