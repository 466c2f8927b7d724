"""The leavers pages as the IT technician, office staff and the leaver use them."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Incident, LeaverCase, LeaverStep, Loan, User
from tests.conftest import login
from tests.support.drawings import drawn_signature
from tests.support.leavers import school_today
from tests.support.pdf import pdf_text


@pytest.fixture
def desk(client, leaver_with_kit):
    """The client, logged in as the technician Mr M Savage."""
    assert login(client, leaver_with_kit.technician).status_code == 302
    return client


def open_checklist(client, leaver_with_kit) -> int:
    response = client.post(f"/leavers/people/{leaver_with_kit.leaver.id}")
    assert response.status_code == 302
    return int(re.search(r"/leavers/(\d+)$", response.location).group(1))


def record_item(client, case_id, loan, outcome, note=""):
    prefix = f"item-{loan.id}"
    return client.post(
        f"/leavers/{case_id}/items/{loan.id}",
        data={f"{prefix}-outcome": outcome, f"{prefix}-note": note},
    )


def work_through(client, leaver_with_kit, case_id) -> None:
    """Every step but closing, through the pages."""
    record_item(client, case_id, leaver_with_kit.laptop_loan, "full_working")
    record_item(client, case_id, leaver_with_kit.camera_loan, "damaged", "Lens cracked.")
    client.post(
        f"/leavers/{case_id}/wipes/ASH-0003",
        data={f"wipe-{leaver_with_kit.laptop.id}-method": "reimaged"},
    )
    client.post(f"/leavers/{case_id}/network", data={"note": "jsmullen"})
    client.post(f"/leavers/{case_id}/login")


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def step_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LeaverStep.id)))


def test_the_dashboard_lists_who_is_leaving_with_what_they_hold(app, desk, leaver_with_kit):
    page = text_of(desk.get("/leavers").text)
    assert "Mrs J Smullen · Class" not in page  # no job title was given
    assert "Mrs J Smullen Leaves in 10 days" in page
    assert f"contract ends {(school_today(app) + timedelta(days=10)):%d/%m/%Y}" in page
    assert "Holds 2 items: ASH-0025, ASH-0003 · Checklist not started" in page  # due first
    assert "Start the checklist" in page
    assert 'value="30"' in desk.get("/leavers").text

    narrow = text_of(desk.get("/leavers?days=5").text)
    assert "Mrs J Smullen" not in narrow
    assert "Nobody is leaving within 5 days holding equipment" in narrow
    assert 'value="30"' in desk.get("/leavers?days=nonsense").text


def test_office_staff_read_the_dashboard_and_checklists_but_change_nothing(
    app, client, make, leaver_with_kit
):
    case = make.leaver_case(leaver_with_kit.leaver, by=leaver_with_kit.technician)
    login(client, make.user("office"))
    page = text_of(client.get("/leavers").text)
    assert "Mrs J Smullen" in page and "Open the checklist" in page
    checklist = client.get(f"/leavers/{case.id}").text
    assert "ASH-0003" in checklist
    assert "Record ASH-0003" not in checklist
    assert "Add to the checklist" not in checklist
    assert client.post(f"/leavers/{case.id}/network").status_code == 403
    assert client.post(f"/leavers/people/{leaver_with_kit.leaver.id}").status_code == 403
    assert step_count(app) == 0


def test_staff_cannot_see_the_leavers_pages(client, make, leaver_with_kit):
    case = make.leaver_case(leaver_with_kit.leaver, by=leaver_with_kit.technician)
    login(client, leaver_with_kit.staff)
    assert client.get("/leavers").status_code == 403
    assert client.get(f"/leavers/{case.id}").status_code == 403


def test_opening_the_checklist_shows_everything_and_opening_again_resumes_it(desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    page = text_of(desk.get(f"/leavers/{case_id}").text)
    for expected in (
        "Leaver's checklist: Mrs J Smullen",
        "Under way",
        "0 of 4 steps done",
        "ASH-0003 HP ProBook 440 Serial HP-3",
        "ASH-0025 Canon PowerShot",
        "Returned in full working condition",
        "Returned damaged or not working",
        "Not returned",
        "A wipe step appears here for each laptop or computer once it is back.",
        "There is no licence register yet",
        "User account on the school network disabled",
        "Deactivate their login",
        "The checklist can close when every step is done. Still outstanding: 4.",
    ):
        assert expected in page, expected
    assert "Leaver's checklist opened for Mrs J Smullen" in page  # the history

    assert open_checklist(desk, leaver_with_kit) == case_id
    assert (
        "checklist is under way: carry on where it was left" in desk.get(f"/leavers/{case_id}").text
    )


def test_an_item_returned_in_full_through_the_checklist(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    response = record_item(desk, case_id, leaver_with_kit.laptop_loan, "full_working")
    assert response.status_code == 302
    assert response.location.endswith(f"/leavers/{case_id}#item-{leaver_with_kit.laptop_loan.id}")

    page = text_of(desk.get(f"/leavers/{case_id}").text)
    assert "ASH-0003 HP ProBook 440: returned in full working condition." in page
    assert "Returned in full working condition Mr M Savage ·" in page
    assert "Record the wipe of ASH-0003" in page
    assert "1 of 5 steps done" in page
    with app.app_context():
        loan = db.session.get(Loan, leaver_with_kit.laptop_loan.id)
        assert loan.return_condition == "full_working"
        assert loan.asset.status == "available"


def test_an_item_returned_damaged_files_a_damage_report(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    record_item(desk, case_id, leaver_with_kit.camera_loan, "damaged", "Lens cracked.")

    page = text_of(desk.get(f"/leavers/{case_id}").text)
    assert "Returned damaged or not working (damage incident #1)" in page
    assert "Open incident #1" in page
    assert "Lens cracked." in page
    # Tests have no mail server: the report is saved and the page says the email failed.
    assert "Incident #1 is saved, but the email to the head teacher" in page
    with app.app_context():
        incident = db.session.scalar(select(Incident))
        assert (incident.kind, incident.person_id) == ("damage", leaver_with_kit.leaver.id)


def test_an_item_not_returned_files_a_loss_report(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    record_item(desk, case_id, leaver_with_kit.laptop_loan, "not_returned", "Left in her loft.")
    page = text_of(desk.get(f"/leavers/{case_id}").text)
    assert "Not returned (loss incident #1)" in page
    with app.app_context():
        assert db.session.get(Loan, leaver_with_kit.laptop_loan.id).asset.status == "lost"


def test_bad_input_says_why_keeps_what_was_typed_and_changes_nothing(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    response = record_item(
        desk, case_id, leaver_with_kit.camera_loan, "", "Screen fine, bag missing"
    )
    assert response.status_code == 200
    assert "Choose how the item came back, or that it did not." in response.text
    assert "Screen fine, bag missing</textarea>" in response.text

    response = record_item(desk, case_id, leaver_with_kit.camera_loan, "damaged", "  ")
    assert "Say what is damaged or missing, for the damage report." in response.text

    record_item(desk, case_id, leaver_with_kit.laptop_loan, "full_working")
    prefix = f"wipe-{leaver_with_kit.laptop.id}"
    response = desk.post(
        f"/leavers/{case_id}/wipes/ASH-0003",
        data={f"{prefix}-method": "", f"{prefix}-note": "WX-1"},
    )
    assert response.status_code == 200
    assert "Choose how the device was wiped." in response.text
    assert 'value="WX-1"' in response.text

    response = desk.post(f"/leavers/{case_id}/licences", data={"licence": " "})
    assert "Type the software or licence." in response.text
    assert step_count(app) == 1
    with app.app_context():
        assert db.session.get(Loan, leaver_with_kit.camera_loan.id).returned_at is None


def test_two_technicians_marking_the_same_step_at_once(app, make, leaver_with_kit):
    """Both have the checklist open; the second to press the button is told who did it."""
    first, second = app.test_client(), app.test_client()
    login(first, leaver_with_kit.technician)
    login(second, make.user("technician", name="Mrs T Jones"))
    case_id = open_checklist(first, leaver_with_kit)
    assert "Record ASH-0025" in first.get(f"/leavers/{case_id}").text
    assert "Record ASH-0025" in second.get(f"/leavers/{case_id}").text

    assert (
        record_item(first, case_id, leaver_with_kit.camera_loan, "full_working").status_code == 302
    )
    response = record_item(second, case_id, leaver_with_kit.camera_loan, "damaged", "Scratched.")

    assert response.status_code == 200
    assert "ASH-0025 Canon PowerShot: already recorded by Mr M Savage at" in response.text
    assert "The checklist shows what they recorded." in response.text
    assert "Returned in full working condition" in text_of(response.text)
    assert step_count(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Incident.id))) == 0

    # The same for a step with no item: the network account.
    assert first.post(f"/leavers/{case_id}/network", data={"note": "a"}).status_code == 302
    response = second.post(f"/leavers/{case_id}/network", data={"note": "b"})
    assert "User account on the school network: already recorded by Mr M Savage" in response.text


def test_licences_are_added_ticked_and_taken_off(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    desk.post(f"/leavers/{case_id}/licences", data={"licence": "Adobe Creative Cloud"})
    desk.post(f"/leavers/{case_id}/licences", data={"licence": "Microsfot 365"})
    response = desk.post(f"/leavers/{case_id}/licences", data={"licence": "adobe creative cloud"})
    assert "Adobe Creative Cloud is already on the checklist." in text_of(response.text)
    with app.app_context():
        adobe, typo = db.session.scalars(select(LeaverStep).order_by(LeaverStep.id)).all()
        adobe_id, typo_id = adobe.id, typo.id

    desk.post(f"/leavers/{case_id}/licences/{typo_id}/remove")
    desk.post(
        f"/leavers/{case_id}/licences/{adobe_id}", data={f"licence-{adobe_id}-note": "Seat freed"}
    )

    page = desk.get(f"/leavers/{case_id}").text
    assert "Microsfot 365 taken off the list." in text_of(page)
    assert "Adobe Creative Cloud: returned." in text_of(page)
    section = text_of(page[page.index('id="licences"') : page.index('id="accounts"')])
    assert "Adobe Creative Cloud Done Returned Seat freed Mr M Savage" in section
    assert "Microsfot" not in section
    assert desk.post(f"/leavers/{case_id}/licences/{typo_id}").status_code == 404


def test_deactivating_the_login_ends_the_leavers_sessions(app, desk, leaver_with_kit):
    leaver = app.test_client()
    login(leaver, leaver_with_kit.staff)
    assert leaver.get("/my").status_code == 200
    case_id = open_checklist(desk, leaver_with_kit)

    desk.post(f"/leavers/{case_id}/network", data={"note": "jsmullen"})
    desk.post(f"/leavers/{case_id}/login")

    page = text_of(desk.get(f"/leavers/{case_id}").text)
    assert "The login " in page and "is deactivated and all its sessions ended." in page
    assert "Disabled jsmullen Mr M Savage" in page
    response = leaver.get("/my")
    assert response.status_code == 302
    assert "/login" in response.location
    with app.app_context():
        assert not db.session.get(User, leaver_with_kit.staff.id).active


def test_a_technician_cannot_deactivate_an_admins_login_from_a_checklist(app, client, make):
    """As from outside: open a checklist for the admin's person, then post its login step.
    The page offers no button, and the post changes nothing, as on /logins."""
    head = make.user("admin", person=True)
    technician = make.user("technician")
    login(client, technician)
    response = client.post(f"/leavers/people/{head.person_id}")
    case_id = int(re.search(r"/leavers/(\d+)$", response.location).group(1))
    page = text_of(client.get(f"/leavers/{case_id}").text)
    assert "only an admin can deactivate it" in page
    assert "Deactivate their login" not in page

    page = text_of(client.post(f"/leavers/{case_id}/login", follow_redirects=True).text)
    assert f"Only an admin can change an admin's login ({head.email})." in page
    assert client.post(f"/logins/{head.id}/deactivate").status_code == 403
    with app.app_context():
        assert db.session.get(User, head.id).active
    admin = app.test_client()
    login(admin, make.user("admin"))
    assert "Deactivate their login" in admin.get(f"/leavers/{case_id}").text
    admin.post(f"/leavers/{case_id}/login")
    with app.app_context():
        assert not db.session.get(User, head.id).active


def test_closing_is_refused_while_anything_is_outstanding(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    record_item(desk, case_id, leaver_with_kit.laptop_loan, "full_working")

    page = text_of(desk.get(f"/leavers/{case_id}/close").text)
    assert (
        "The checklist cannot close while 4 steps are outstanding: ASH-0025 Canon PowerShot; "
        "Wipe ASH-0003 HP ProBook 440;" in page
    )
    assert "Close and file the record" not in page

    response = desk.post(
        f"/leavers/{case_id}/close",
        data={"technician_signature": drawn_signature(), "leaver_signature": drawn_signature()},
    )
    assert response.status_code == 200
    assert "The checklist cannot close while 4 steps are outstanding" in response.text
    with app.app_context():
        assert db.session.get(LeaverCase, case_id).status == "open"
    assert desk.get(f"/leavers/{case_id}/record.pdf").status_code == 404


def test_closing_with_both_signatures_files_a_record_to_download(
    app, client, desk, make, leaver_with_kit
):
    case_id = open_checklist(desk, leaver_with_kit)
    work_through(desk, leaver_with_kit, case_id)
    page = text_of(desk.get(f"/leavers/{case_id}/close").text)
    assert "I, Mr M Savage, confirm that the equipment, software and licences listed" in page
    assert "I, Mrs J Smullen, confirm that I have returned to the school" in page

    response = desk.post(
        f"/leavers/{case_id}/close", data={"technician_signature": drawn_signature()}
    )
    assert "Mrs J Smullen signs in the second box, or tick" in response.text

    response = desk.post(
        f"/leavers/{case_id}/close",
        data={"technician_signature": drawn_signature(), "leaver_signature": drawn_signature()},
    )
    assert response.status_code == 302
    page = text_of(desk.get(f"/leavers/{case_id}").text)
    assert "Mrs J Smullen's checklist is closed and its signed record filed." in page
    assert "Signed off by Mr M Savage and signed by Mrs J Smullen at the desk." in page
    assert "Sign off and close" not in page and "Record ASH" not in page
    assert "Leaver's checklist for Mrs J Smullen closed and filed (signed by them)" in page
    assert desk.get(f"/leavers/{case_id}/close").status_code == 302

    pdf = desk.get(f"/leavers/{case_id}/record.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        code = db.session.get(LeaverCase, case_id).record_code
    assert f"leaver-record-{case_id}-{code}.pdf" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data, "-raw")
    for expected in (
        "Mrs J Smullen",
        "ASH-0003 HP ProBook 440, serial HP-3",
        "ASH-0025 Canon PowerShot",
        "Lens cracked.",
        "re-imaged with the school's",
        "Signed off by the IT technician",
        "Signed by the leaver at the IT desk",
        f"Verification code: {code}",
    ):
        assert expected in " ".join(text.split()), expected

    login(client, make.user("office"))
    assert client.get(f"/leavers/{case_id}/record.pdf").data == pdf.data


def test_a_leaver_who_left_without_signing(app, desk, leaver_with_kit):
    case_id = open_checklist(desk, leaver_with_kit)
    work_through(desk, leaver_with_kit, case_id)
    response = desk.post(
        f"/leavers/{case_id}/close",
        data={"technician_signature": drawn_signature(), "left_without_signing": "y"},
    )
    assert "Say why the leaver could not sign." in response.text

    desk.post(
        f"/leavers/{case_id}/close",
        data={
            "technician_signature": drawn_signature(),
            "left_without_signing": "y",
            "unsigned_reason": "Left on her last day before the desk opened.",
        },
    )
    page = text_of(desk.get(f"/leavers/{case_id}").text)
    assert (
        "Mrs J Smullen left without signing: Left on her last day before the desk opened." in page
    )


def test_the_leaver_sees_their_checklist_status_on_their_page(app, client, desk, leaver_with_kit):
    leaver = app.test_client()
    login(leaver, leaver_with_kit.staff)
    ends = f"{school_today(app) + timedelta(days=10):%d/%m/%Y}"
    page = text_of(leaver.get("/my").text)
    assert (
        f"Your contract ends on {ends}. Please bring all school computer equipment and software "
        "back to the IT technician" in page
    )

    case_id = open_checklist(desk, leaver_with_kit)
    record_item(desk, case_id, leaver_with_kit.laptop_loan, "full_working")
    page = text_of(leaver.get("/my").text)
    assert "The IT technician is working through your return checklist: 1 of 5 steps done." in page
    assert "Still to bring back: ASH-0025 Canon PowerShot." in page


def test_the_staff_record_links_to_the_checklist(app, client, desk, make, leaver_with_kit):
    page = desk.get(f"/people/{leaver_with_kit.leaver.id}").text
    assert "Start the leaver's return checklist" in text_of(page)
    case_id = open_checklist(desk, leaver_with_kit)
    page = desk.get(f"/people/{leaver_with_kit.leaver.id}").text
    assert f'href="/leavers/{case_id}"' in page
    assert "Leaver's checklist (under way)" in text_of(page)
