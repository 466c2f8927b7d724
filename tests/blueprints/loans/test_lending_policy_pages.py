"""The sign-out pages keep to the policy: staff see and take only self-service items within
the longest loan; the desk is asked why when it lends longer, an admin when a device is not
encrypted, and the reason goes through the signing step onto the loan. Categories carry the
rules, and only an admin makes one self-service."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Category, Loan
from assets.services.common.clock import local_date
from tests.conftest import login
from tests.support import drawings
from tests.support.pages import hidden, text_of


@pytest.fixture
def kit(make):
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    projectors = make.category("Projector", default_loan_days=14, max_loan_days=28)
    make.category("Visualiser", default_loan_days=14, self_service=False)
    return SimpleNamespace(
        laptop=make.asset("ASH-0001", category=laptops, name="Dell Latitude 3440"),
        bare_laptop=make.asset(
            "ASH-0007", category=laptops, name="HP ProBook 440", encrypted=False
        ),
        projector=make.asset("ASH-0100", category=projectors, name="Epson EB-E20"),
        borrower=make.person("Miss A Guthrie"),
    )


def choose(client, person_id, tags, **extra):
    return client.post("/loans/new", data={"person_id": person_id, "tags": tags, **extra})


def sign(client, chosen):
    """The signing step, sending back what the signing page holds."""
    assert "Sign for equipment" in text_of(chosen), text_of(chosen)
    names = ("person_id", "tags", "due_on", "terms_ids", "long_loan_reason", "unencrypted_reason")
    data = {name: hidden(chosen.text, name) for name in names}
    return client.post(
        "/loans/new", data={"stage": "sign", "signature": drawings.drawn_signature(), **data}
    )


def loans_made(app) -> list[Loan]:
    with app.app_context():
        return db.session.scalars(select(Loan)).all()


@pytest.fixture
def days_ahead(app):
    """The date `days` from today in the school's time zone, as a date box sends it."""
    with app.app_context():
        today = local_date()
    return lambda days: (today + timedelta(days=days)).isoformat()


# ---- staff on their own login ------------------------------------------------------------------


def test_staff_see_what_they_may_sign_out_and_are_refused_400_days(client, make, kit, days_ahead):
    staff = make.user("staff", person=True)
    login(client, staff)

    shown = text_of(client.get("/loans/new"))
    assert "You can sign out for yourself: Projector (up to 28 days)." in shown
    assert "Visualiser" not in shown

    refused = choose(client, staff.person_id, "ASH-0100", due_on=days_ahead(400))
    shown = text_of(refused)
    assert "Projector can be borrowed for at most 28 days" in shown
    assert "long_loan_reason" not in refused.text, "staff are not offered a reason box"
    assert f'value="{days_ahead(400)}"' in refused.text, "what they typed is kept"

    laptop = choose(client, staff.person_id, "ASH-0001")
    assert "ASH-0001 is a laptop" in text_of(laptop)

    done = sign(client, choose(client, staff.person_id, "ASH-0100", due_on=days_ahead(28)))
    assert done.status_code == 302
    (loan,) = loans_made(client.application)
    assert loan.due_on.isoformat() == days_ahead(28)


def test_with_no_self_service_category_staff_are_told_so(client, make):
    make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    login(client, make.user("staff", person=True))

    shown = text_of(client.get("/loans/new"))

    assert "Nothing can be signed out for yourself at the moment." in shown


# ---- the desk ----------------------------------------------------------------------------------


def test_the_desk_says_why_it_lends_longer_and_the_loan_keeps_it(client, as_role, kit, days_ahead):
    as_role("technician")
    assert "long_loan_reason" not in client.get("/loans/new").text

    asked = choose(client, kit.borrower.id, "ASH-0100", due_on=days_ahead(60))
    assert "ASH-0100 would be out for 60 days" in text_of(asked)
    assert "Why is it needed for longer than the longest loan?" in text_of(asked)
    assert loans_made(client.application) == []

    reason = "Drama production — rehearsals until the summer show"
    chosen = choose(
        client, kit.borrower.id, "ASH-0100", due_on=days_ahead(60), long_loan_reason=reason
    )
    done = sign(client, chosen)

    assert done.status_code == 302
    (loan,) = loans_made(client.application)
    assert loan.long_loan_reason == reason
    asset_page = text_of(client.get("/assets/ASH-0100"))
    assert f"Lent for longer than the longest loan because: {reason}" in asset_page


def test_a_technician_cannot_lend_an_unencrypted_laptop(client, as_role, kit):
    as_role("technician")

    refused = choose(
        client, kit.borrower.id, "ASH-0007", unencrypted_reason="Please", awaiting_signature="y"
    )

    shown = text_of(refused)
    assert "ASH-0007 is a mobile device not marked as encrypted" in shown
    assert "ask an admin" in shown
    assert "unencrypted_reason" not in refused.text
    assert loans_made(client.application) == []


def test_an_admin_lends_an_unencrypted_laptop_with_a_reason(client, as_role, kit):
    as_role("admin")

    asked = choose(client, kit.borrower.id, "ASH-0007 ASH-0001")
    assert "Why lend it although it is not marked encrypted?" in text_of(asked)
    assert loans_made(client.application) == []

    reason = "Annual reviews this week; BitLocker booked for Friday"
    done = sign(
        client, choose(client, kit.borrower.id, "ASH-0007 ASH-0001", unencrypted_reason=reason)
    )

    assert done.status_code == 302
    kept = {loan.asset_id: loan.unencrypted_reason for loan in loans_made(client.application)}
    assert kept == {kit.bare_laptop.id: reason, kit.laptop.id: None}
    assert f"Lent unencrypted because: {reason}" in text_of(client.get("/compliance"))


# ---- categories --------------------------------------------------------------------------------


def _category_form(**values):
    return {"name": "Tablet", "terms_kind": "equipment", "loan_kind": "short"} | values


def test_an_admin_makes_a_category_self_service_with_a_longest_loan(client, as_role, app):
    as_role("admin")

    saved = client.post(
        "/categories/new",
        data=_category_form(
            default_loan_days="7", max_loan_days="14", self_service="y", mobile_device="y"
        ),
    )

    assert saved.status_code == 302
    listed = text_of(client.get("/categories"))
    assert "Tablet Equipment (section 10) Short loan: usually 7 days, at most 14 Yes Yes" in listed
    refused = client.post(
        "/categories/new",
        data=_category_form(name="Laptop", terms_kind="laptop", self_service="y"),
    )
    assert "allocated by the school (policy 8.1)" in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count(Category.id))) == 1


def test_a_technician_edits_a_category_but_not_its_self_service(client, as_role, make, app):
    tablets = make.category("Tablet", default_loan_days=7, mobile_device=True)
    as_role("technician")

    form = client.get(f"/categories/{tablets.id}/edit")
    assert 'name="self_service"' not in form.text
    assert "Self-service: yes" in text_of(form)
    saved = client.post(
        f"/categories/{tablets.id}/edit",
        data=_category_form(default_loan_days="7", max_loan_days="21", mobile_device="y"),
    )

    assert saved.status_code == 302
    with app.app_context():
        category = db.session.get(Category, tablets.id)
        assert (category.self_service, category.max_loan_days) == (True, 21)
