"""Terms and their versions, the staff declaration and its register, as people use them."""

import re

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Signature
from assets.services.terms.policy_texts import DECLARATION, DECLARATION_TITLE, LAPTOP_TERMS
from tests.conftest import login
from tests.support import drawings
from tests.support.pages import hidden, text_of


@pytest.fixture(autouse=True)
def seeded_terms(make):
    make.terms()


def test_everyone_reads_the_terms_and_only_admins_edit_them(client, make):
    login(client, make.user("staff"))
    page = text_of(client.get("/terms/laptop"))
    assert "Laptops issued to staff (policy section 8) (version 1)" in page
    assert " ".join(LAPTOP_TERMS.split()) in page
    assert client.get("/terms/laptop/edit").status_code == 403


def test_an_edit_makes_a_new_version_and_signed_records_keep_their_words(client, make):
    signed = make.loan(make.asset(category=make.category(terms_kind="laptop")))
    login(client, make.user("admin"))

    form = client.get("/terms/laptop/edit")
    assert "Saving makes version 2" in text_of(form)
    saved = client.post(
        "/terms/laptop/edit",
        data={"title": "Laptop terms 2027", "body": "8.1 The laptop stays the school's."},
        follow_redirects=True,
    )

    page = text_of(saved)
    assert "Version 2 saved" in page
    assert "Laptop terms 2027 (version 2)" in page
    assert "Earlier versions" in page
    record = text_of(client.get(f"/signatures/{signed.signature_id}"))
    assert " ".join(LAPTOP_TERMS.split()) in record
    assert "The laptop stays the school's" not in record
    assert "Checked: the text, the signature" in record


def test_saving_the_same_text_again_is_refused_on_the_form(client, make):
    login(client, make.user("admin"))

    again = client.post(
        "/terms/declaration/edit", data={"title": DECLARATION_TITLE, "body": DECLARATION}
    )

    assert "Nothing was changed, so no new version was made." in text_of(again)


def test_staff_sign_the_declaration_and_the_register_shows_it(client, make):
    staff = make.user("staff", person=True, name="Mrs S Judd")
    make.person("Mr Not Yet")
    login(client, staff)

    page = client.get("/declaration")
    assert DECLARATION in text_of(page)
    done = client.post(
        "/declaration",
        data={"terms_id": hidden(page.text, "terms_id"), "signature": drawings.drawn_signature()},
        follow_redirects=True,
    )
    assert "Mrs S Judd signed the staff acceptable use declaration." in text_of(done)
    assert "You signed Acceptable Use Agreement - Staff" in text_of(client.get("/my"))

    client.post("/logout")
    login(client, make.user("technician"))
    register = text_of(client.get("/declarations"))
    assert "1 of 2 members of staff have signed it" in register
    assert "Mrs S Judd Signed" in register
    assert "Mr Not Yet Not signed" in register


def test_a_blank_declaration_is_refused_on_the_page(client, make):
    staff = make.user("staff", person=True)
    login(client, staff)
    page = client.get("/declaration")

    refused = client.post(
        "/declaration",
        data={"terms_id": hidden(page.text, "terms_id"), "signature": drawings.blank_canvas()},
    )

    assert "Please sign in the box before confirming." in text_of(refused)
    with client.application.app_context():
        assert db.session.scalars(select(Signature)).all() == []


def test_the_desk_takes_a_declaration_for_a_person_without_a_login(client, make):
    person = make.person("Mrs K Mills")
    login(client, make.user("technician"))

    page = client.get(f"/declaration?person={person.id}")
    assert "Mrs K Mills, signing at the IT desk" in text_of(page)
    client.post(
        f"/declaration?person={person.id}",
        data={"terms_id": hidden(page.text, "terms_id"), "signature": drawings.drawn_signature()},
    )

    with client.application.app_context():
        signature = db.session.scalar(select(Signature))
        assert signature.person_id == person.id
        assert signature.capture == "desk"


def test_staff_cannot_open_someone_elses_declaration(client, make):
    other = make.person()
    login(client, make.user("staff", person=True))

    assert client.get(f"/declaration?person={other.id}").status_code == 404


def test_an_admin_requires_the_declaration_before_a_first_loan(client, make):
    newcomer = make.person("Mr New Starter")
    make.asset("ASH-0100")
    login(client, make.user("admin"))

    client.post("/declarations/rule", data={"required": "y"})
    refused = client.post("/loans/new", data={"person_id": newcomer.id, "tags": "ASH-0100"})

    assert (
        "Mr New Starter must sign the staff acceptable use declaration before their first loan"
        in text_of(refused)
    )
    register = client.get("/declarations")
    assert re.search(r'<input checked[^>]*name="required"', register.text)


def test_technicians_see_the_register_but_do_not_change_the_rule(client, make):
    login(client, make.user("technician"))

    assert client.get("/declarations").status_code == 200
    assert client.post("/declarations/rule", data={"required": "y"}).status_code == 403
