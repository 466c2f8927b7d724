"""Signing later at the IT desk: the Sign at the desk buttons, who may use the page, and what
the borrower and the technician see when it works and when it cannot."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Loan, Signature, User
from assets.services.loans import returns
from assets.services.terms import terms
from assets.services.terms.policy_texts import EQUIPMENT_TERMS, LAPTOP_TERMS
from tests.support import drawings
from tests.support.pages import confirm_signing, count, text_of

BUTTON = "Sign at the desk"


@pytest.fixture
def kit(make):
    """Miss A Guthrie, who has no login, holds a laptop and a camera awaiting signature;
    Mrs N Quinn holds a signed loan."""
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    borrower = make.person("Miss A Guthrie")
    signed_for = make.person("Mrs N Quinn")
    return SimpleNamespace(
        borrower=borrower,
        signed_for=signed_for,
        laptop=make.loan(
            make.asset("ASH-0001", category=laptops, name="Dell Latitude 3440"),
            borrower,
            signed=False,
        ),
        camera=make.loan(
            make.asset("ASH-0025", category=cameras, name="Canon PowerShot"),
            borrower,
            signed=False,
        ),
        other=make.loan(make.asset("ASH-0040", category=cameras), signed_for),
    )


def url(person) -> str:
    return f"/people/{person.id}/sign"


def confirm(client, person, page=None, signature=None):
    """Post the signing page as the tablet would, with what `page` showed."""
    page = page or client.get(url(person))
    assert page.status_code == 200, page.text
    return confirm_signing(client, url(person), page, signature)


# ---- where the button is -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["technician", "admin"])
def test_the_awaiting_signature_list_offers_the_desk_beside_each_borrower(
    client, as_role, kit, role
):
    as_role(role)

    page = client.get("/loans?show=unsigned")

    assert page.text.count(f'href="{url(kit.borrower)}"') == 2  # one per loan row
    assert url(kit.signed_for) not in page.text
    assert BUTTON in text_of(page)


def test_the_button_is_only_in_the_awaiting_signature_view(client, as_role, kit):
    as_role("technician")

    for view in ("open", "overdue", "history"):
        assert BUTTON not in text_of(client.get(f"/loans?show={view}")), view


def test_office_staff_read_the_list_without_the_button(client, as_role, kit):
    as_role("office")

    page = client.get("/loans?show=unsigned")

    assert "ASH-0001" in text_of(page)
    assert BUTTON not in text_of(page)
    assert url(kit.borrower) not in page.text


def test_the_person_page_offers_the_desk_when_something_awaits_signature(client, as_role, kit):
    as_role("technician")

    waiting = client.get(f"/people/{kit.borrower.id}")
    nothing = client.get(f"/people/{kit.signed_for.id}")

    assert f"{BUTTON} (2 awaiting signature)" in text_of(waiting)
    assert f'href="{url(kit.borrower)}"' in waiting.text
    assert text_of(waiting).count("Awaiting signature") == 2  # beside each item
    assert BUTTON not in text_of(nothing)
    assert url(kit.signed_for) not in nothing.text


def test_office_staff_see_the_person_page_without_the_button(client, as_role, kit):
    as_role("office")

    page = client.get(f"/people/{kit.borrower.id}")

    assert "Awaiting signature" in text_of(page)
    assert BUTTON not in text_of(page)


# ---- who may use it ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["office", "staff"])
def test_office_and_staff_may_not_take_a_signature_at_the_desk(app, client, as_role, kit, role):
    as_role(role, person=True)

    assert client.get(url(kit.borrower)).status_code == 403
    posted = client.post(
        url(kit.borrower), data={"signature": drawings.drawn_signature(), "loan_ids": "1,2"}
    )
    assert posted.status_code == 403
    assert count(app, Signature) == 1  # Mrs N Quinn's, from before


def test_signing_for_nobody_is_not_found(client, as_role, kit):
    as_role("technician")

    assert client.get("/people/999999/sign").status_code == 404


# ---- signing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["technician", "admin"])
def test_the_borrower_signs_at_the_desk_for_everything_pending(app, client, as_role, kit, role):
    desk = as_role(role, name="Mr M Savage")

    page = client.get(url(kit.borrower))
    shown = text_of(page)
    assert "Miss A Guthrie" in shown
    assert "At the IT desk with Mr M Savage" in shown
    assert "Items (2)" in shown
    assert "ASH-0001" in shown and "ASH-0025" in shown
    assert " ".join(LAPTOP_TERMS.split()) in shown
    assert " ".join(EQUIPMENT_TERMS.split()) in shown
    assert "data-signature-pad" in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script

    done = confirm(client, kit.borrower, page)

    assert done.status_code == 302
    receipt = client.get(done.location)
    said = text_of(receipt)
    assert "Miss A Guthrie signed for ASH-0001, ASH-0025." in said
    assert "at the IT desk" in said
    assert "Technician Mr M Savage" in said
    assert "Download the PDF receipt" in said
    with app.app_context():
        signature = db.session.scalar(
            select(Signature).where(Signature.person_id == kit.borrower.id)
        )
        assert signature.capture == "desk"
        assert signature.technician_id == desk.id
        assert done.location.endswith(f"/signatures/{signature.id}")
        for loan in (kit.laptop, kit.camera):
            assert db.session.get(Loan, loan.id).signature_id == signature.id
        pdf = signature.receipt_pdf
    downloaded = client.get(f"/signatures/{signature.id}/receipt.pdf")
    assert downloaded.status_code == 200
    assert downloaded.data == pdf
    assert BUTTON not in text_of(client.get("/loans?show=unsigned"))
    assert BUTTON not in text_of(client.get(f"/people/{kit.borrower.id}"))


def test_with_nothing_pending_the_desk_is_sent_back_to_the_person(client, as_role, kit):
    as_role("technician")

    response = client.get(url(kit.signed_for), follow_redirects=True)

    assert response.request.path == f"/people/{kit.signed_for.id}"
    assert "Mrs N Quinn has nothing awaiting signature." in text_of(response)


def test_a_missing_signature_keeps_the_page_and_saves_nothing(app, client, as_role, kit):
    as_role("technician")

    refused = confirm(client, kit.borrower, signature="")

    assert refused.status_code == 200
    assert "Please sign in the box" in text_of(refused)
    assert "Items (2)" in text_of(refused)
    assert count(app, Signature) == 1  # Mrs N Quinn's only


def test_a_forged_signature_is_refused(app, client, as_role, kit):
    as_role("technician")

    refused = confirm(client, kit.borrower, signature=drawings.svg_signature())

    assert refused.status_code == 200
    assert "not an SVG" in text_of(refused)
    assert count(app, Signature) == 1


def test_terms_changed_while_the_page_was_open_show_the_new_terms(app, client, as_role, kit):
    as_role("technician")
    page = client.get(url(kit.borrower))
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "technician"))
        terms.revise(admin, "equipment", title="Equipment loans", body="The new equipment words.")
        db.session.commit()

    refused = confirm(client, kit.borrower, page)

    assert refused.status_code == 200
    assert "The terms changed while this page was open" in text_of(refused)
    assert "The new equipment words." in text_of(refused)
    assert count(app, Signature) == 1
    assert confirm(client, kit.borrower, refused).status_code == 302


def test_an_item_checked_in_meanwhile_is_named_and_the_rest_can_be_signed(
    app, client, as_role, kit
):
    desk = as_role("technician")
    page = client.get(url(kit.borrower))
    with app.app_context():
        returns.check_in(
            db.session.get(User, desk.id),
            db.session.get(Asset, kit.camera.asset_id),
            "full_working",
        )
        db.session.commit()

    refused = confirm(client, kit.borrower, page)

    assert refused.status_code == 200
    said = text_of(refused)
    assert "ASH-0025 was checked in while this page was open" in said
    assert "Item (1)" in said
    assert count(app, Signature) == 1
    done = confirm(client, kit.borrower, refused)
    assert "Miss A Guthrie signed for ASH-0001." in text_of(client.get(done.location))


def test_everything_checked_in_meanwhile_goes_back_to_the_person_saying_so(
    app, client, as_role, kit
):
    desk = as_role("technician")
    page = client.get(url(kit.borrower))
    with app.app_context():
        technician = db.session.get(User, desk.id)
        for loan in (kit.laptop, kit.camera):
            returns.check_in(technician, db.session.get(Asset, loan.asset_id), "full_working")
        db.session.commit()

    response = confirm_signing(client, url(kit.borrower), page, follow_redirects=True)

    said = text_of(response)
    assert response.request.path == f"/people/{kit.borrower.id}"
    assert "ASH-0001, ASH-0025 were checked in while this page was open" in said
    assert "Miss A Guthrie has nothing awaiting signature." in said


def test_a_double_submit_lands_on_the_same_receipt_with_a_friendly_message(
    app, client, as_role, kit
):
    as_role("technician")
    page = client.get(url(kit.borrower))

    first = confirm(client, kit.borrower, page)
    second = confirm(client, kit.borrower, page)

    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    said = text_of(client.get(second.location))
    assert "Miss A Guthrie has already signed for these items" in said
    assert "nothing more to sign" in said
    assert count(app, Signature) == 2  # Mrs N Quinn's and this one, once
