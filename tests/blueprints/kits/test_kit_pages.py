"""The kit pages as the desk uses them: make a kit, add parts by tag, open it from its
label, lend it through the desk's check-out (one signature), take it back with the checklist
and go straight to the loss report for a missing charger."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from assets.extensions import db
from assets.models import Asset, Event, Kit, KitPart, Loan
from tests.conftest import login
from tests.support.drawings import drawn_signature
from tests.support.pages import count, hidden, sign_out, text_of


@pytest.fixture
def trolley(make):
    make.terms()
    tablets = make.category("Tablet", terms_kind="equipment", loan_kind="short")
    return SimpleNamespace(
        tablets=tablets,
        ipads=[make.asset(f"IPAD-{n}", category=tablets, name=f"iPad {n}") for n in (1, 2)],
        charger=make.asset("CHG-7", category=tablets, name="Charging cable"),
        borrower=make.person("Miss A Guthrie"),
    )


def made_kit(make, trolley, tag="TROLLEY-A", name="Wózek iPadów A"):
    return make.kit(tag, name, parts=[*trolley.ipads, trolley.charger])


def test_the_desk_makes_a_kit_and_adds_parts_by_tag(client, as_role, trolley, database):
    as_role("technician")
    made = client.post("/kits/new", data={"tag": "TROLLEY-A", "name": "Wózek iPadów A"})
    assert made.status_code == 302
    with client.application.app_context():
        kit = db.session.scalar(select(Kit))
        kit_id = kit.id
    page = client.post(f"/kits/{kit_id}/parts", data={"tag": "ipad-1"}, follow_redirects=True)
    assert "IPAD-1 added to TROLLEY-A" in text_of(page)
    again = client.post(f"/kits/{kit_id}/parts", data={"tag": "IPAD-1"})
    assert again.status_code == 422
    assert "IPAD-1 is already in this kit" in text_of(again)
    unknown = client.post(f"/kits/{kit_id}/parts", data={"tag": "NOPE-9"})
    assert "No asset has the tag NOPE-9" in text_of(unknown)
    shown = text_of(client.get(f"/kits/{kit_id}"))
    assert "Kit TROLLEY-A" in shown
    assert "Wózek iPadów A" in shown
    assert "IPAD-1 iPad 1" in shown
    assert "Lend this kit" in shown


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tag": "IPAD-1", "name": "Kit"}, "is the asset iPad 1's"),
        ({"tag": "", "name": "Kit"}, "Give the"),
        ({"tag": "K-1", "name": ""}, "Give the kit a name"),
        ({"tag": "K-1", "name": "x" * 300}, "under 255"),
        ({}, "Give the"),
    ],
)
def test_bad_kit_input_is_a_message_not_an_error(client, as_role, trolley, data, message):
    as_role("technician")
    page = client.post("/kits/new", data=data)
    assert page.status_code == 200
    assert message in text_of(page)
    assert count(client.application, Kit) == 0


def test_a_kits_label_opens_its_page_for_any_letter_case(client, as_role, make, trolley):
    kit = made_kit(make, trolley)
    as_role("staff")
    assert client.get("/k/trolley-a").headers["Location"] == "/k/TROLLEY-A"
    page = client.get("/k/TROLLEY-A")
    assert page.status_code == 200
    assert "Wózek iPadów A" in text_of(page)
    assert "Remove" not in text_of(page)
    assert client.get("/k/NOPE").status_code == 404
    scanned = client.get("/scan", query_string={"code": "https://assets.school.test/k/TROLLEY-A"})
    assert scanned.headers["Location"] == "/k/TROLLEY-A"
    assert client.get(f"/kits/{kit.id}").status_code == 403


def test_lending_goes_into_the_check_out_with_every_part(client, as_role, make, trolley, database):
    kit = made_kit(make, trolley)
    as_role("technician")
    lend = client.get(f"/kits/{kit.id}/lend")
    assert lend.headers["Location"] == f"/loans/new?tag=IPAD-1&tag=IPAD-2&tag=CHG-7&kit={kit.id}"
    form = client.get(lend.headers["Location"])
    assert "IPAD-1\nIPAD-2\nCHG-7</textarea>" in form.text
    assert "Lending a kit" in text_of(form)
    signed = sign_out(client, trolley.borrower.id, "IPAD-1\nIPAD-2\nCHG-7", kit_id=kit.id)
    assert signed.status_code == 302
    with client.application.app_context():
        loans = db.session.scalars(select(Loan)).all()
        assert len(loans) == 3
        assert len({loan.signature_id for loan in loans}) == 1
        lent = db.session.scalars(select(Event).where(Event.action == "kit.lent")).all()
        assert len(lent) == 1
        assert lent[0].entity_id == kit.id
        assert sorted(lent[0].changes["loan_ids"]) == sorted(loan.id for loan in loans)


def test_a_kits_check_out_with_only_some_parts_lends_nothing(client, as_role, make, trolley):
    kit = made_kit(make, trolley)
    as_role("technician")
    chosen = client.post(
        "/loans/new",
        data={"person_id": trolley.borrower.id, "tags": "IPAD-1", "kit_id": kit.id},
    )
    assert "TROLLEY-A goes out whole" in text_of(chosen)
    assert "leaves out IPAD-2, CHG-7" in text_of(chosen)
    # Straight to the signing step, as a forged form would: still nothing.
    forged = client.post(
        "/loans/new",
        data={
            "stage": "sign",
            "person_id": trolley.borrower.id,
            "tags": "IPAD-1",
            "kit_id": kit.id,
            "signature": drawn_signature(),
        },
    )
    assert forged.status_code == 200
    assert "goes out whole" in text_of(forged)
    assert count(client.application, Loan) == 0


def test_a_part_lent_elsewhere_before_the_signature_lends_nothing_and_says_why(
    client, as_role, make, trolley
):
    kit = made_kit(make, trolley)
    as_role("technician")
    chosen = client.post(
        "/loans/new",
        data={"person_id": trolley.borrower.id, "tags": "IPAD-1 IPAD-2 CHG-7", "kit_id": kit.id},
    )
    assert "every part goes out together" in text_of(chosen)
    assert 'name="kit_id"' in chosen.text
    make.loan(trolley.charger, make.person("Mr B Other"))
    signed = client.post(
        "/loans/new",
        data={
            "stage": "sign",
            "person_id": trolley.borrower.id,
            "tags": hidden(chosen.text, "tags"),
            "terms_ids": hidden(chosen.text, "terms_ids"),
            "kit_id": hidden(chosen.text, "kit_id"),
            "signature": drawn_signature(),
        },
    )
    assert signed.status_code == 200
    assert "CHG-7 is already on loan to Mr B Other" in text_of(signed)
    with client.application.app_context():
        assert [loan.asset.tag for loan in db.session.scalars(select(Loan))] == ["CHG-7"]
        assert db.session.scalar(select(Event).where(Event.action == "kit.lent")) is None


def test_an_unknown_kit_in_the_check_out_is_a_message(client, as_role, trolley):
    as_role("technician")
    chosen = client.post(
        "/loans/new", data={"person_id": trolley.borrower.id, "tags": "IPAD-1", "kit_id": "999"}
    )
    assert chosen.status_code == 200
    assert "That kit no longer exists" in text_of(chosen)
    assert count(client.application, Loan) == 0


def test_a_part_that_cannot_go_out_is_named_with_why(client, as_role, make, trolley):
    kit = made_kit(make, trolley)
    make.loan(trolley.charger, make.person("Mr B Other"))
    as_role("technician")
    page = client.get(f"/kits/{kit.id}/lend")
    assert page.status_code == 200
    assert "CHG-7 is already on loan to Mr B Other" in text_of(page)


def test_the_return_checklist_keeps_a_missing_charger_out_and_leads_to_its_loss_report(
    client, as_role, make, trolley, database
):
    kit = made_kit(make, trolley)
    as_role("technician")
    sign_out(client, trolley.borrower.id, "IPAD-1 IPAD-2 CHG-7")
    page = client.get(f"/kits/{kit.id}/return")
    assert page.status_code == 200
    ids = {a.tag: a.id for a in (*trolley.ipads, trolley.charger)}
    unanswered = client.post(f"/kits/{kit.id}/return", data={f"check-{ids['IPAD-1']}": "fine"})
    assert "Say for every part" in text_of(unanswered)
    assert 'value="fine" checked' in unanswered.text
    done = client.post(
        f"/kits/{kit.id}/return",
        data={
            f"check-{ids['IPAD-1']}": "fine",
            f"check-{ids['IPAD-2']}": "fine",
            f"check-{ids['CHG-7']}": "missing",
        },
    )
    with client.application.app_context():
        loan = db.session.get(Asset, ids["CHG-7"]).open_loan
        assert loan is not None
        assert db.session.get(Asset, ids["IPAD-1"]).status == "available"
        assert db.session.scalar(select(KitPart).where(KitPart.asset_id == ids["CHG-7"])).missing
    assert done.headers["Location"] == f"/incidents/new?tag=CHG-7&kind=loss&loan={loan.id}"
    shown = text_of(client.get(f"/kits/{kit.id}"))
    assert "Missing since" in shown
    assert "Report the loss of CHG-7" in shown


def test_office_staff_see_kits_but_do_not_change_them(client, as_role, make, trolley):
    kit = made_kit(make, trolley)
    as_role("office")
    assert client.get("/kits").status_code == 200
    assert client.get(f"/kits/{kit.id}").status_code == 200
    assert client.post("/kits/new", data={"tag": "K-2", "name": "Kit"}).status_code == 403
    assert client.post(f"/kits/{kit.id}/parts", data={"tag": "IPAD-1"}).status_code == 403
    assert client.get(f"/kits/{kit.id}/lend").status_code == 403
    assert client.get(f"/kits/{kit.id}/return").status_code == 403
    assert count(client.application, Kit) == 1


def test_a_part_is_removed_and_an_empty_kit_deleted(client, as_role, make, trolley):
    kit = make.kit("SOLO", parts=[trolley.charger])
    as_role("technician")
    client.post(f"/kits/{kit.id}/delete")
    assert count(client.application, Kit) == 1
    client.post(f"/kits/{kit.id}/parts/{trolley.charger.id}/remove")
    assert count(client.application, KitPart) == 0
    gone = client.post(f"/kits/{kit.id}/delete")
    assert gone.headers["Location"] == "/kits"
    assert count(client.application, Kit) == 0


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_kit_forms_without_a_csrf_token_change_nothing(app, client, make, trolley):
    kit = made_kit(make, trolley)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text)
    assert login(client, make.user("technician"), csrf_token=token.group(1)).status_code == 302
    for url, data in (
        ("/kits/new", {"tag": "K-2", "name": "Kit"}),
        (f"/kits/{kit.id}/parts", {"tag": "IPAD-1"}),
        (f"/kits/{kit.id}/parts/{trolley.charger.id}/remove", {}),
        (f"/kits/{kit.id}/delete", {}),
        (f"/kits/{kit.id}/edit", {"tag": "K-3", "name": "Renamed"}),
    ):
        assert client.post(url, data=data).status_code == 400, url
    assert count(app, Kit) == 1
    assert count(app, KitPart) == 3


def test_a_thirty_part_kit_page_and_return_take_a_few_queries_not_one_per_part(
    client, as_role, make, trolley, database
):
    ipads = [make.asset(f"TR-{n:02d}", category=trolley.tablets) for n in range(30)]
    kit = make.kit("TROLLEY-B", parts=ipads)
    as_role("technician")
    sign_out(client, trolley.borrower.id, " ".join(a.tag for a in ipads), kit_id=kit.id)
    with client.application.app_context():
        engine = db.engine
    queries = []

    def counted(*_args, **_kwargs):
        queries.append(1)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        pages = {}
        for url in (f"/kits/{kit.id}", f"/kits/{kit.id}/return", "/kits"):
            queries.clear()
            assert client.get(url).status_code == 200
            pages[url] = len(queries)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert all(n <= 12 for n in pages.values()), pages


def test_the_return_page_leaves_alone_a_part_since_lent_to_someone_else(
    client, as_role, make, trolley, database
):
    kit = made_kit(make, trolley)
    as_role("technician")
    sign_out(client, trolley.borrower.id, "IPAD-1 IPAD-2 CHG-7", kit_id=kit.id)
    client.post("/assets/CHG-7/return", data={"condition": "full_working"})
    carol = make.person("Carol Ó Briain")
    sign_out(client, carol.id, "CHG-7")
    with client.application.app_context():
        assert db.session.get(Asset, trolley.charger.id).open_loan.person.name == "Carol Ó Briain"
    page = client.get(f"/kits/{kit.id}/return")
    assert page.headers["Location"] == f"/kits/{kit.id}"
    ids = {a.tag: a.id for a in (*trolley.ipads, trolley.charger)}
    forced = client.post(
        f"/kits/{kit.id}/return",
        data={
            f"check-{ids['IPAD-1']}": "fine",
            f"check-{ids['IPAD-2']}": "fine",
            f"check-{ids['CHG-7']}": "missing",
        },
        follow_redirects=True,
    )
    assert "CHG-7 to Carol Ó Briain" in text_of(forced)
    assert "Check them in one by one at the desk" in text_of(forced)
    with client.application.app_context():
        charger = db.session.get(Asset, ids["CHG-7"])
        assert charger.open_loan.person.name == "Carol Ó Briain"
        assert (
            db.session.scalar(select(KitPart).where(KitPart.asset_id == ids["CHG-7"])).missing_since
            is None
        )
        assert db.session.get(Asset, ids["IPAD-1"]).status == "on_loan"


def test_a_return_with_a_part_missing_and_one_damaged_names_both_reports(
    client, as_role, make, trolley
):
    kit = made_kit(make, trolley)
    as_role("technician")
    sign_out(client, trolley.borrower.id, "IPAD-1 IPAD-2 CHG-7", kit_id=kit.id)
    ids = {a.tag: a.id for a in (*trolley.ipads, trolley.charger)}
    done = client.post(
        f"/kits/{kit.id}/return",
        data={
            f"check-{ids['IPAD-1']}": "fine",
            f"check-{ids['IPAD-2']}": "damaged",
            f"note-{ids['IPAD-2']}": "Screen cracked",
            f"check-{ids['CHG-7']}": "missing",
        },
        follow_redirects=True,
    )
    shown = text_of(done)
    assert "marked missing: CHG-7" in shown
    assert "Came back damaged: IPAD-2: report the damage too" in shown


def test_a_part_on_loan_is_not_removed_from_its_kit(client, as_role, make, trolley):
    kit = made_kit(make, trolley)
    as_role("technician")
    sign_out(client, trolley.borrower.id, "IPAD-1 IPAD-2 CHG-7", kit_id=kit.id)
    page = client.post(f"/kits/{kit.id}/parts/{trolley.charger.id}/remove", follow_redirects=True)
    assert "CHG-7 is on loan to Miss A Guthrie" in text_of(page)
    assert count(client.application, KitPart) == 3
