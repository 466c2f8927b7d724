"""The pages from a damaged return to the report and the charge, and the pages that stop a
damaged or reported item being lent: asset, scan, check-out and stocktake."""

import html
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Incident, IncidentCharge, Loan
from assets.services.common.clock import local_date
from tests.conftest import login
from tests.support.pages import count, text_of

JSON = {"Accept": "application/json"}


def checked_loan(page: str) -> str | None:
    """The value of the chosen 'whose loan' radio button on the report form."""
    for tag in re.findall(r"<input[^>]*name=\"loan_id\"[^>]*>", page):
        if "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def description(page: str) -> str:
    match = re.search(r"<textarea[^>]*name=\"description\"[^>]*>(.*?)</textarea>", page, re.S)
    return html.unescape(match.group(1)).strip()


def report_form(app, **values) -> dict:
    with app.app_context():
        today = local_date().isoformat()
    return {
        "tag": "ASH-0001",
        "kind": "damage",
        "occurred_on": today,
        "occurred_time": "",
        "place": "",
        "unsecured": "no",
        "description": "Cracked screen",
        "police_reference": "",
    } | values


@pytest.fixture
def desk(make, client):
    """Miss A Guthrie holds ASH-0001; logged in as the IT technician."""
    make.terms()
    technician = make.user("technician", name="Mr M Savage")
    borrower = make.person("Miss A Guthrie")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    loan = make.loan(laptop, borrower, by=technician)
    login(client, technician)
    return SimpleNamespace(technician=technician, borrower=borrower, laptop=laptop, loan=loan)


def return_damaged(client, note="Cracked screen"):
    response = client.post("/assets/ASH-0001/return", data={"condition": "damaged", "note": note})
    assert response.status_code == 302, response.text
    return response.location


def test_return_report_and_charge_name_the_borrower(app, client, make, desk, database):
    to_report = return_damaged(client, "Cracked screen, hinge loose")
    query = parse_qs(urlsplit(to_report).query)
    assert query == {"tag": ["ASH-0001"], "kind": ["damage"], "loan": [str(desk.loan.id)]}

    form = client.get(to_report)
    assert checked_loan(form.text) == str(desk.loan.id)
    assert description(form.text) == "Cracked screen, hinge loose"
    assert "Miss A Guthrie, who returned it on" in text_of(form)
    assert "Nobody: it was not on loan at the time" in text_of(form)

    filed = client.post(
        "/incidents/new",
        data=report_form(app, description="Cracked screen, hinge loose", loan_id=desk.loan.id),
    )
    assert filed.status_code == 302, text_of(filed)
    page = text_of(client.get(filed.location))
    assert "Borrower Miss A Guthrie" in page
    assert "Not on loan" not in page

    client.post("/logout")
    login(client, make.user("admin", name="Mrs H Roebuck"))
    url = filed.location
    decided = client.post(
        f"{url}/charge",
        data={"applies": "yes", "amount": "45.00", "reason": "Carried without its case"},
    )
    assert decided.status_code == 302, text_of(decided)
    client.post(f"{url}/charge/settle", data={"settlement": "paid", "settlement_note": "Cash"})
    page = text_of(client.get(url))
    assert "A charge of £45.00 to be paid by Miss A Guthrie was decided by Mrs H Roebuck" in page
    assert "Paid on" in page
    with app.app_context():
        charge = db.session.scalar(select(IncidentCharge))
        assert charge.person_id == desk.borrower.id and charge.settlement == "paid"


def test_a_loan_of_another_item_is_ignored_in_the_address_and_refused_in_the_form(
    app, client, make, desk
):
    other = make.loan(make.asset("ASH-0002"), make.person("Mr B Other"), by=desk.technician)
    return_damaged(client)

    forged = client.get(f"/incidents/new?tag=ASH-0001&kind=damage&loan={other.id}")
    assert checked_loan(forged.text) is None
    assert description(forged.text) == ""
    assert "Mr B Other" not in forged.text

    refused = client.post("/incidents/new", data=report_form(app, loan_id=other.id))
    assert refused.status_code == 200
    assert "That loan is not one a report about ASH-0001 can name" in text_of(refused)
    refused = client.post("/incidents/new", data=report_form(app, loan_id="²"))
    assert "choose from the list" in text_of(refused)
    assert count(app, Incident) == 0


def test_the_desk_typing_a_tag_is_asked_about_the_recent_return(app, client, desk):
    client.post("/assets/ASH-0001/return", data={"condition": "incomplete", "note": "No bag"})
    blank = client.get("/incidents/new")
    assert 'name="loan_id"' not in blank.text

    asked = client.post("/incidents/new", data=report_form(app, description="Keys sticking"))
    assert asked.status_code == 200
    page = text_of(asked)
    assert "ASH-0001 came back from Miss A Guthrie on" in page
    assert "Say whether this report concerns that loan." in page
    assert "Keys sticking" in asked.text
    assert checked_loan(asked.text) is None
    assert count(app, Incident) == 0

    filed = client.post(
        "/incidents/new", data=report_form(app, description="Keys sticking", loan_id="0")
    )
    assert filed.status_code == 302
    assert "Borrower Not on loan" in text_of(client.get(filed.location))


def test_a_report_on_an_item_out_on_loan_names_the_holder_by_default(app, client, desk):
    page = client.get("/incidents/new?tag=ash-0001")
    assert checked_loan(page.text) == str(desk.loan.id)
    assert "Miss A Guthrie, who has it on loan (since" in text_of(page)
    filed = client.post("/incidents/new", data=report_form(app, kind="fault"))
    assert "Borrower Miss A Guthrie" in text_of(client.get(filed.location))


def test_no_charge_is_decided_on_a_report_without_a_borrower(app, client, make, as_role):
    incident = make.incident(make.asset("ASH-0009"), kind="fault")
    as_role("admin")
    url = f"/incidents/{incident.id}"
    page = text_of(client.get(url))
    assert "No charge can be decided: this report names no borrower" in page
    assert "Decide on a charge" not in page
    refused = client.post(f"{url}/charge", data={"applies": "yes", "amount": "45", "reason": "x"})
    assert refused.status_code == 200
    assert "names no borrower, so there is nobody to charge" in text_of(refused)
    assert count(app, IncidentCharge) == 0


def test_a_damaged_item_is_not_offered_or_lent_until_the_report_is_resolved(
    app, client, make, desk
):
    return_damaged(client)
    next_borrower = make.person("Mr B Next")

    page = text_of(client.get("/assets/ASH-0001"))
    assert "Not to be lent: it came back damaged from Miss A Guthrie" in page
    assert "Condition Broken" in page
    assert "Sign out" not in page
    refused = client.post("/loans/new", data={"person_id": next_borrower.id, "tags": "ASH-0001"})
    assert "ASH-0001 cannot be lent: it came back damaged from Miss A Guthrie" in text_of(refused)

    filed = client.post("/incidents/new", data=report_form(app, loan_id=desk.loan.id))
    report_id = int(filed.location.rsplit("/", 1)[1])
    asset_page = client.get("/assets/ASH-0001")
    assert f'href="/incidents/{report_id}"' in asset_page.text
    page = text_of(asset_page)
    assert f"Not to be lent: Damage incident #{report_id} is open" in page
    assert page.index("Not to be lent") < page.index("Category")
    scan = client.get("/a/ASH-0001")
    assert "Check out" not in text_of(scan)
    assert f"Damage incident #{report_id} is open" in text_of(scan)
    refused = client.post("/loans/new", data={"person_id": next_borrower.id, "tags": "ASH-0001"})
    assert f"ASH-0001 cannot be lent: damage incident #{report_id} (reported) is still open" in (
        text_of(refused)
    )
    assert count(app, Loan) == 1

    client.post(f"/incidents/{report_id}/status", data={"status": "repaired"})
    page = text_of(client.get("/assets/ASH-0001"))
    assert "Not to be lent" not in page and "Sign out" in page
    assert "Condition Good" in page
    assert "Check out" in text_of(client.get("/a/ASH-0001"))
    chosen = client.post("/loans/new", data={"person_id": next_borrower.id, "tags": "ASH-0001"})
    assert "cannot be lent" not in text_of(chosen)


def test_staff_see_no_report_on_the_scan_page(app, client, make, desk):
    return_damaged(client)
    client.post("/incidents/new", data=report_form(app, loan_id=desk.loan.id))
    client.post("/logout")
    login(client, make.user("staff", person=True))
    page = text_of(client.get("/a/ASH-0001"))
    assert "ASH-0001" in page and "Not to be lent" not in page


def test_a_stocktake_offers_check_in_for_an_item_on_loan_found_in_the_store(
    app, client, make, desk
):
    store = make.location("Office store")
    started = client.post("/stocktakes", data={"location_id": store.id})
    url = started.location
    scanned = client.post(f"{url}/scans", json={"code": "ASH-0001"}, headers=JSON).json
    assert scanned["result"] == "unexpected"
    check_in_url = scanned["item"]["check_in_url"]
    assert urlsplit(check_in_url).path == "/assets/ASH-0001/return"
    assert parse_qs(urlsplit(check_in_url).query) == {"next": [url]}
    assert scanned["item"]["holder"] == "Miss A Guthrie"
    assert scanned["item"]["move_url"]

    page = client.get(url)
    assert "Check in from Miss A Guthrie" in text_of(page)
    assert "Move to Office store" in text_of(page)
    assert html.escape(check_in_url) in page.text

    form = client.get(check_in_url)
    assert f'href="{url}">Cancel' in form.text
    back = client.post(check_in_url, data={"condition": "full_working", "note": ""})
    assert back.status_code == 302 and back.location == url
    page = client.get(url)
    assert "Check in from" not in text_of(page)
    assert "Move to Office store" in text_of(page)


def test_the_return_page_goes_back_only_to_this_site(client, desk):
    back = client.post(
        "/assets/ASH-0001/return?next=https://evil.example/",
        data={"condition": "full_working", "note": ""},
    )
    assert back.location == "/assets/ASH-0001"
    with client.application.app_context():
        assert db.session.get(Asset, desk.laptop.id).status == "available"
