"""The loan pages as people use them: sign out, sign later, check in, My equipment, receipts."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Loan, Signature
from assets.models.base import utcnow
from assets.services.loans import loan_lists
from assets.services.terms.policy_texts import EQUIPMENT_TERMS, LAPTOP_TERMS
from tests.conftest import login
from tests.support import drawings
from tests.support.pages import confirm_signing, count, hidden, sign_out, text_of


@pytest.fixture(autouse=True)
def seeded_terms(make):
    make.terms()


@pytest.fixture
def kit(make):
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    return SimpleNamespace(
        laptop=make.asset("ASH-0001", category=laptops, name="Dell Latitude 3440"),
        camera=make.asset("ASH-0025", category=cameras, name="Canon PowerShot"),
        borrower=make.person("Miss A Guthrie"),
        cameras=cameras,
    )


# ---- signing out at the desk -------------------------------------------------------------------


def test_the_form_is_prefilled_from_a_scanned_tag_and_a_person(client, as_role, kit):
    as_role("technician")

    page = client.get(f"/loans/new?tag=ASH-0001&person={kit.borrower.id}")

    assert page.status_code == 200
    assert "ASH-0001</textarea>" in page.text
    assert f'<option selected value="{kit.borrower.id}">Miss A Guthrie</option>' in page.text


def test_the_signing_page_shows_the_items_and_the_exact_terms(client, as_role, kit):
    as_role("technician")

    page = client.post(
        "/loans/new", data={"person_id": kit.borrower.id, "tags": "ASH-0001 ash-0025"}
    )

    shown = text_of(page)
    assert "Sign for equipment" in shown
    assert "ASH-0001 Dell Latitude 3440" in shown
    assert "Long-term allocation, no due date" in shown
    assert "ASH-0025 Canon PowerShot" in shown
    assert " ".join(LAPTOP_TERMS.split()) in shown
    assert " ".join(EQUIPMENT_TERMS.split()) in shown
    assert "data-signature-pad" in page.text
    assert count(client.application, Loan) == 0


def test_a_laptop_and_a_camera_signed_at_the_desk(client, as_role, kit):
    technician = as_role("technician")

    done = sign_out(client, kit.borrower.id, "ASH-0001 ASH-0025")

    assert done.status_code == 302
    receipt_page = client.get(done.location)
    shown = text_of(receipt_page)
    assert "Loan receipt Miss A Guthrie" in shown
    assert "Checked: the text, the signature and the receipt are exactly as they were" in shown
    assert "Verification code" in shown and "fingerprint" not in shown.lower()
    assert f"Technician {technician.name}" in shown
    assert "ASH-0001" in shown
    assert "ASH-0025" in shown
    with client.application.app_context():
        signature = db.session.scalar(select(Signature))
        loans = db.session.scalars(select(Loan)).all()
        assert {loan.signature_id for loan in loans} == {signature.id}
        assert signature.receipt_code in shown
        assert all(a.status == "on_loan" for a in db.session.scalars(select(Asset)))
    pdf = client.get(f"/signatures/{signature.id}/receipt.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    image = client.get(f"/signatures/{signature.id}/image.png")
    assert image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (drawings.blank_canvas(), "Please sign in the box before confirming."),
        (drawings.svg_signature(), "not an SVG drawing"),
        ("data:image/png;base64,@@@@", "could not be read"),
    ],
)
def test_a_refused_signature_keeps_the_signing_page_and_creates_nothing(
    client, as_role, kit, signature, message
):
    as_role("technician")

    page = sign_out(client, kit.borrower.id, "ASH-0001", signature=signature)

    assert page.status_code == 200
    shown = text_of(page)
    assert message in shown
    assert "Sign for equipment" in shown
    assert "ASH-0001 Dell Latitude 3440" in shown
    assert count(client.application, Loan) == 0
    assert count(client.application, Signature) == 0


def test_a_missing_borrower_is_asked_for(client, as_role, kit):
    as_role("technician")

    form = client.get("/loans/new")
    refused = client.post("/loans/new", data={"person_id": "0", "tags": "ASH-0001"})

    assert '<option selected value="0">— choose the borrower —</option>' in form.text
    assert "Choose the borrower." in text_of(refused)
    assert "ASH-0001</textarea>" in refused.text


def test_a_mistyped_tag_or_a_device_on_loan_is_said_on_the_form(client, as_role, make, kit):
    as_role("technician")
    make.loan(kit.camera, make.person("Mrs N Quinn"))

    unknown = client.post("/loans/new", data={"person_id": kit.borrower.id, "tags": "ASH-9999"})
    taken = client.post("/loans/new", data={"person_id": kit.borrower.id, "tags": "ASH-0025"})

    assert "No asset has the tag ASH-9999" in text_of(unknown)
    assert "ASH-9999</textarea>" in unknown.text
    assert "ASH-0025 is already on loan to Mrs N Quinn" in text_of(taken)


def test_terms_changed_while_signing_asks_to_read_and_sign_again(client, as_role, make, kit):
    as_role("technician")
    chosen = client.post("/loans/new", data={"person_id": kit.borrower.id, "tags": "ASH-0001"})
    with client.application.app_context():
        from assets.services.terms import terms

        admin = make.user("admin")
        terms.revise(
            db.session.get(terms.User, admin.id), "laptop", title="Laptops", body="Newer words."
        )
        db.session.commit()

    page = client.post(
        "/loans/new",
        data={
            "stage": "sign",
            "person_id": kit.borrower.id,
            "tags": "ASH-0001",
            "terms_ids": hidden(chosen.text, "terms_ids"),
            "signature": drawings.drawn_signature(),
        },
    )

    shown = text_of(page)
    assert "The terms changed while this page was open" in shown
    assert "Newer words." in shown
    assert count(client.application, Loan) == 0


def test_an_oversized_request_is_refused_with_a_message(app, client, as_role, kit):
    as_role("technician")
    app.config["MAX_CONTENT_LENGTH"] = 64_000

    response = client.post(
        "/loans/new",
        data={
            "stage": "sign",
            "person_id": kit.borrower.id,
            "tags": "ASH-0001",
            "signature": "data:image/png;base64," + "A" * 100_000,
        },
    )

    assert response.status_code == 413
    assert "That upload is too large." in text_of(response)
    assert count(app, Loan) == 0


def test_the_signing_page_has_no_inline_script(client, as_role, kit):
    as_role("technician")

    page = client.post("/loans/new", data={"person_id": kit.borrower.id, "tags": "ASH-0001"})

    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts
    assert all("src=" in tag for tag in scripts)
    assert "/static/vendor/signature_pad/signature_pad.umd.min.js" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


# ---- signing later -----------------------------------------------------------------------------


def test_handed_over_now_signed_later_from_the_borrowers_own_login(client, as_role, make, kit):
    borrower = make.user("staff", person=True, name="Mrs J Smullen")
    as_role("technician")

    handed = client.post(
        "/loans/new",
        data={"person_id": borrower.person_id, "tags": "ASH-0025", "awaiting_signature": "y"},
    )
    assert handed.status_code == 302
    pending = text_of(client.get(handed.location))
    assert "ASH-0025" in pending
    assert "Awaiting signature" in pending

    client.post("/logout")
    login(client, borrower)
    mine = text_of(client.get("/my"))
    assert "1 item still needs your signature" in mine
    page = client.get("/my/sign")
    assert " ".join(EQUIPMENT_TERMS.split()) in text_of(page)
    signed = confirm_signing(client, "/my/sign", page)
    assert signed.status_code == 302
    receipt = text_of(client.get(signed.location))
    assert "Signed" in receipt
    assert "remotely, on the borrower's own login" in receipt
    assert "needs your signature" not in text_of(client.get("/my"))


def test_with_nothing_to_sign_the_signing_page_sends_you_back(client, make):
    staff = make.user("staff", person=True)
    login(client, staff)

    response = client.get("/my/sign", follow_redirects=True)

    assert "There is nothing waiting for your signature." in text_of(response)


# ---- staff on their own login ------------------------------------------------------------------


def test_staff_sign_out_for_themselves_only(client, make, kit):
    staff = make.user("staff", person=True, name="Mrs H Floyd")
    login(client, staff)

    form = client.get("/loans/new")
    assert "Borrower: Mrs H Floyd" in text_of(form)
    assert "Miss A Guthrie" not in form.text
    assert "awaiting_signature" not in form.text
    other = client.post("/loans/new", data={"person_id": kit.borrower.id, "tags": "ASH-0025"})
    assert "Not a valid choice" in text_of(other)

    done = sign_out(client, staff.person_id, "ASH-0025")
    assert done.status_code == 302
    assert "remotely, on the borrower's own login" in text_of(client.get(done.location))


def test_staff_home_is_my_equipment(client, make, kit):
    staff = make.user("staff", person=True)
    make.loan(kit.camera, SimpleNamespace(id=staff.person_id))
    login(client, staff)

    home = client.get("/")
    assert home.status_code == 302
    assert home.location.endswith("/my")
    mine = text_of(client.get("/my"))
    assert "ASH-0025 Canon PowerShot" in mine
    assert "Due " in mine
    assert "Report a problem" in mine
    assert "Loan receipt" in mine


def test_a_login_without_a_staff_record_is_told_so(client, as_role):
    as_role("office")

    assert "not linked to a member of staff" in text_of(client.get("/my"))
    assert "not linked to a member of staff" in text_of(client.get("/loans/new"))


@pytest.mark.parametrize(
    ("viewer", "can_see"),
    [
        ("borrower", True),
        ("technician", True),
        ("admin", True),
        ("office", False),
        ("staff", False),
    ],
)
def test_only_the_borrower_technicians_and_admins_see_a_signature(client, make, viewer, can_see):
    borrower = make.user("staff", person=True)
    loan = make.loan(person=SimpleNamespace(id=borrower.person_id))
    user = borrower if viewer == "borrower" else make.user(viewer, person=True)
    login(client, user)

    for url in (
        f"/signatures/{loan.signature_id}",
        f"/signatures/{loan.signature_id}/image.png",
        f"/signatures/{loan.signature_id}/receipt.pdf",
    ):
        assert client.get(url).status_code == (200 if can_see else 404), url
    assert (loan.tag in client.get("/my").text) == (viewer == "borrower")


# ---- checking in -------------------------------------------------------------------------------


def test_checking_in_in_full_working_condition(client, as_role, make, kit):
    make.loan(kit.laptop, kit.borrower)
    technician = as_role("technician")

    page = client.get("/assets/ASH-0001/return")
    assert "On loan to Miss A Guthrie" in text_of(page)
    assert "data-signature-optional" in page.text
    done = client.post("/assets/ASH-0001/return", data={"condition": "full_working"})

    assert done.status_code == 302
    asset_page = text_of(client.get(done.location))
    assert "ASH-0001 checked in from Miss A Guthrie" in asset_page
    assert "Available" in asset_page
    assert "returned by Miss A Guthrie: full working condition" in asset_page
    with client.application.app_context():
        loan = db.session.scalar(select(Loan))
        assert loan.returned_to_id == technician.id


def test_a_return_not_in_full_working_condition_needs_a_note_and_leads_to_a_report(
    client, as_role, make, kit
):
    make.loan(kit.laptop, kit.borrower)
    as_role("technician")

    refused = client.post("/assets/ASH-0001/return", data={"condition": "damaged"})
    assert "Say what is damaged or missing" in text_of(refused)
    done = client.post(
        "/assets/ASH-0001/return",
        data={"condition": "damaged", "note": "Cracked screen"},
        follow_redirects=True,
    )
    page = text_of(done)
    assert "did not come back in full working condition: report it now" in page
    assert 'selected value="damage"' in done.text
    assert 'value="ASH-0001"' in done.text


def test_the_desk_offers_only_the_conditions_an_item_comes_back_in(client, as_role, make, kit):
    make.loan(kit.laptop, kit.borrower)
    as_role("technician")

    page = client.get("/assets/ASH-0001/return").text
    offered = re.findall(r'name="condition"[^>]*value="([^"]+)"', page)
    assert sorted(offered) == ["damaged", "full_working", "incomplete"]
    refused = client.post(
        "/assets/ASH-0001/return", data={"condition": "not_returned", "note": "Lost"}
    )
    assert refused.status_code == 200
    assert "Not a valid choice" in text_of(refused)
    with client.application.app_context():
        assert db.session.scalar(select(Loan)).is_open


def test_the_borrower_signs_for_the_return(client, as_role, make, kit):
    make.loan(kit.laptop, kit.borrower)
    as_role("technician")

    done = client.post(
        "/assets/ASH-0001/return",
        data={
            "condition": "full_working",
            "note": "Back with its charger",
            "signature": drawings.drawn_signature(),
        },
    )

    receipt = text_of(client.get(done.location))
    assert "Return receipt" in receipt
    assert "Back with its charger" in receipt


def test_checking_in_what_is_not_on_loan_says_so(client, as_role, kit):
    as_role("technician")

    response = client.get("/assets/ASH-0001/return", follow_redirects=True)

    assert "ASH-0001 is not on loan, so there is nothing to check in." in text_of(response)


# ---- lists -------------------------------------------------------------------------------------


def test_the_overdue_and_awaiting_signature_lists(client, as_role, make, kit):
    make.loan(kit.camera, kit.borrower, now=utcnow() - timedelta(days=10))
    make.loan(kit.laptop, make.person("Mrs N Quinn"), signed=False)
    as_role("office")

    overdue = text_of(client.get("/loans?show=overdue"))
    unsigned = text_of(client.get("/loans?show=unsigned"))

    assert "ASH-0025" in overdue
    assert "Overdue since" in overdue
    assert "ASH-0001" not in overdue
    assert "ASH-0001" in unsigned
    assert "ASH-0025" not in unsigned
    assert "Check in" not in overdue  # office staff read the lists; the desk checks in


def test_history_lists_returned_loans_and_the_search_and_dates_narrow_it(
    client, as_role, make, kit
):
    make.lend(kit.camera, kit.borrower, returned=True)
    make.loan(kit.laptop, make.person("Mrs N Quinn"))
    as_role("office")

    history = text_of(client.get("/loans?show=history"))
    assert "ASH-0025" in history and "ASH-0001" in history
    assert "Full working condition" in history
    assert "ASH-0025" not in text_of(client.get("/loans"))  # back, so not open
    searched = text_of(client.get("/loans?show=history&q=quinn"))
    assert "ASH-0001" in searched and "ASH-0025" not in searched
    assert "1 loan" in searched
    none_yet = text_of(client.get("/loans?show=history&to=2000-01-01"))
    assert "ASH-0001" not in none_yet and "None." in none_yet


def test_a_bad_date_or_view_in_the_address_is_ignored(client, as_role, make, kit):
    make.loan(kit.camera, kit.borrower)
    as_role("technician")
    for query in ("show=everything", "from=31/02/2026", "to=yesterday&page=1", "q=%25"):
        response = client.get(f"/loans?{query}")
        assert response.status_code == 200, query
    assert "ASH-0025" in text_of(client.get("/loans?from=not-a-date"))


def test_the_open_loans_list_is_paged(client, as_role, make, kit):
    person = make.person("Mrs N Quinn")
    desk = make.user("technician")
    for number in range(52):
        # Awaiting signature: paging is the point here, not 52 receipt PDFs.
        make.loan(make.asset(f"BULK-{number:03}"), person, by=desk, signed=False)
    as_role("office")

    first = text_of(client.get("/loans"))
    assert "52 loans" in first and "Page 1 of 2" in first
    assert "BULK-051" in first and "BULK-000" not in first  # newest first
    assert "BULK-000" in text_of(client.get("/loans?page=2"))


def test_a_search_past_the_count_cap_says_so_and_pages_on(client, as_role, make, monkeypatch):
    monkeypatch.setattr(loan_lists, "COUNT_CAP", 50)
    person = make.person("Mrs N Quinn")
    desk = make.user("technician")
    for number in range(52):
        make.loan(make.asset(f"BULK-{number:03}"), person, by=desk, signed=False)
    as_role("office")

    first = text_of(client.get("/loans?q=bulk"))
    assert "50+ loans" in first and "Page 1" in first and "Page 1 of" not in first
    assert "BULK-051" in first and "BULK-000" not in first  # newest first
    second = text_of(client.get("/loans?q=bulk&page=2"))
    assert "BULK-000" in second and "BULK-001" in second and "BULK-051" not in second
    assert "52 loans" in second, "the last page counts to the end"
    assert "52 loans" in text_of(client.get("/loans")), "no search: every loan counted"
    assert client.get("/loans?q=bulk&page=3").status_code == 404


@pytest.mark.parametrize(
    ("borrower", "q"),
    [("Zoë O'Brien-Ngô", "o'brien"), ("Łukasz Nowak", "ŁUKASZ"), ("Ann 100% Smith", "100%")],
)
def test_a_search_finds_the_borrower_whatever_the_letters(client, as_role, make, borrower, q):
    make.loan(make.asset("ASH-0100"), make.person(borrower))
    make.loan(make.asset("ASH-0200", name="Canon camera 100 percent"), make.person("Mr B Ray"))
    as_role("office")

    page = text_of(client.get("/loans", query_string={"q": q}))
    assert "1 loan" in page and "ASH-0100" in page and "ASH-0200" not in page
    assert borrower in page
