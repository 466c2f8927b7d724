"""Running a stocktake through its pages: start, scan (JSON and plain form), move, finish,
the report and its export; who may do what."""

import io

import openpyxl
import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Stocktake

JSON = {"Accept": "application/json"}


@pytest.fixture
def rooms(make):
    ict, store = make.location("ICT suite"), make.location("Office store")
    for tag in ("ICT-1", "ICT-2", "ICT-3"):
        make.asset(tag, location=ict, serial_number=f"S-{tag}")
    make.asset("OFF-1", location=store, name="Canon camera")
    return {"ict": ict, "store": store}


def start(client, location) -> str:
    response = client.post("/stocktakes", data={"location_id": location.id if location else ""})
    assert response.status_code == 302
    return response.location


def test_a_technician_runs_a_stocktake_from_start_to_report(app, client, as_role, rooms):
    as_role("technician")
    url = start(client, rooms["ict"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Stocktake of ICT suite" in page.text
    assert "data-scanner" in page.text
    assert 'data-mode="stocktake"' in page.text
    for tag in ("ICT-1", "ICT-2", "ICT-3"):
        assert f'data-tag="{tag}"' in page.text

    found = client.post(f"{url}/scans", json={"code": "https://assets.school.test/a/ICT-1"})
    assert found.status_code == 200
    assert found.json["ok"] is True
    assert found.json["result"] == "found"
    assert found.json["item"]["tag"] == "ICT-1"
    assert found.json["item"]["outcome"] == "found"
    assert found.json["counts"] == {"expected": 3, "found": 1, "unexpected": 0, "not_found": 2}

    elsewhere = client.post(f"{url}/scans", json={"code": "OFF-1"}).json
    assert elsewhere["result"] == "unexpected"
    assert elsewhere["message"] == (
        "OFF-1 was not expected here: the register has it in Office store."
    )
    assert elsewhere["item"]["why"] == "the register has it in Office store"
    assert elsewhere["item"]["move_url"] == f"{url}/moves"

    moved = client.post(f"{url}/moves", json={"tag": "OFF-1"}).json
    assert moved["ok"] is True
    assert moved["message"] == "OFF-1 is now recorded in ICT suite."
    assert moved["item"]["moved"] is True
    assert moved["item"]["move_url"] == ""

    # The tab is closed and opened again: the page rebuilds from what the server kept.
    page = client.get(url).text
    assert "Moved to ICT suite." in page
    assert '<strong data-count="found">1</strong>' in page

    finish = client.post(f"{url}/finish", follow_redirects=True)
    assert "Stocktake finished: 1 found, 2 missing, 1 unexpected." in finish.text
    assert "Missing" in finish.text
    assert "data-scanner" not in finish.text
    with app.app_context():
        asset = db.session.scalar(select(Asset).where(Asset.tag == "ICT-1"))
        assert asset.last_seen_location.name == "ICT suite"
        assert asset.last_seen_at is not None
    assert "Last seen" in client.get("/a/ICT-1").text


def test_a_scan_that_is_not_ours_says_so_and_keeps_the_page(client, as_role, rooms):
    as_role("technician")
    url = start(client, rooms["ict"])
    for code, message in (
        ("https://example.com/whatever", "That code is not one of our labels"),
        ("NOPE-1", "No asset has the tag NOPE-1"),
        ("", "Scan a label, or type an asset tag."),
    ):
        reply = client.post(f"{url}/scans", json={"code": code})
        assert reply.status_code == 200
        assert reply.json["ok"] is False
        assert reply.json["message"].startswith(message)
        assert reply.json["counts"]["found"] == 0


def test_a_plain_form_scan_works_without_the_script(client, as_role, rooms):
    as_role("technician")
    url = start(client, rooms["ict"])
    response = client.post(f"{url}/scans", data={"code": "ICT-2"}, follow_redirects=True)
    assert "ICT-2 found." in response.text
    response = client.post(f"{url}/moves", data={"tag": "ICT-2"}, follow_redirects=True)
    assert "ICT-2 was not scanned here as unexpected" in response.text


def test_a_second_technician_joins_the_stocktake_under_way(client, as_role, rooms):
    as_role("technician")
    first = start(client, rooms["ict"])
    as_role("technician")
    assert start(client, rooms["ict"]) == first
    page = client.get(first, follow_redirects=True)
    assert "already under way" in page.text


def test_a_whole_school_stocktake_and_cancelling_it(app, client, as_role, rooms):
    as_role("admin")
    url = start(client, None)
    page = client.get(url).text
    assert "Stocktake of the whole school" in page
    assert '<strong data-count="expected">4</strong>' in page
    response = client.post(f"{url}/cancel", follow_redirects=True)
    assert "The stocktake of the whole school is cancelled." in response.text
    with app.app_context():
        assert db.session.scalar(select(Stocktake.status)) == "cancelled"
    assert client.post(f"{url}/scans", json={"code": "ICT-1"}).json["message"] == (
        "This stocktake of the whole school is cancelled already."
    )


def test_the_report_exports_as_xlsx(client, as_role, rooms):
    as_role("technician")
    url = start(client, rooms["ict"])
    client.post(f"{url}/scans", json={"code": "ICT-1"})
    client.post(f"{url}/scans", json={"code": "OFF-1"})
    client.post(f"{url}/finish")
    as_role("office")
    response = client.get(f"{url}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "stocktake-" in response.headers["Content-Disposition"]
    assert "-ict-suite-" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "stocktake of ICT suite" in rows[0][0]
    assert "3 expected, 1 found, 2 missing, 1 unexpected" in rows[0][0]
    assert rows[1][:3] == ("Result", "Tag", "Name")
    assert [(row[0], row[1]) for row in rows[2:]] == [
        ("Missing", "ICT-2"),
        ("Missing", "ICT-3"),
        ("Unexpected", "OFF-1"),
        ("Found", "ICT-1"),
    ]
    unexpected = rows[4]
    assert unexpected[5] == "Office store"
    assert unexpected[9] is False
    assert unexpected[10] == "The register has it in Office store."


def test_office_reads_stocktakes_but_cannot_run_them(client, as_role, make, rooms):
    stocktake = make.stocktake(rooms["ict"])
    url = f"/stocktakes/{stocktake.id}"
    as_role("office")
    assert client.get("/stocktakes").status_code == 200
    assert "Start a stocktake" not in client.get("/stocktakes").text
    report = client.get(url)
    assert report.status_code == 200
    assert "data-scanner" not in report.text  # the report, even while it is under way
    assert "Move to" not in report.text
    assert client.get(f"{url}/export.xlsx").status_code == 200
    for path, body in (
        ("/stocktakes", {"location_id": rooms["store"].id}),
        (f"{url}/scans", {"code": "ICT-1"}),
        (f"{url}/moves", {"tag": "OFF-1"}),
        (f"{url}/finish", {}),
        (f"{url}/cancel", {}),
    ):
        assert client.post(path, data=body, headers=JSON).status_code == 403, path


def test_staff_cannot_see_or_run_stocktakes(client, as_role, make, rooms):
    stocktake = make.stocktake(rooms["ict"])
    url = f"/stocktakes/{stocktake.id}"
    as_role("staff")
    for path in ("/stocktakes", url, f"{url}/export.xlsx"):
        assert client.get(path).status_code == 403, path
    for path in ("/stocktakes", f"{url}/scans", f"{url}/moves", f"{url}/finish", f"{url}/cancel"):
        assert client.post(path, data={"code": "ICT-1", "tag": "ICT-1"}).status_code == 403


def test_a_missing_stocktake_is_not_found(client, as_role):
    as_role("technician")
    assert client.get("/stocktakes/999").status_code == 404
    assert client.post("/stocktakes/999/scans", json={"code": "X"}).status_code == 404
