"""The page a label opens, the scan page's lookups, and moving a device from the scan page."""

from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event
from tests.conftest import login


@pytest.fixture
def laptop(make):
    ict = make.location("ICT suite")
    make.location("Office store")
    return make.asset("LAP-0001", name="Dell Latitude 3440", location=ict, serial_number="SN-77")


def events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Event.id)))


def test_a_logged_out_phone_logs_in_and_comes_back_to_the_device(client, make, laptop):
    response = client.get("/a/LAP-0001")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert "next=" + quote("/a/LAP-0001", safe="") in response.location
    technician = make.user("technician")
    response = login(client, technician, next="/a/LAP-0001")
    assert response.location == "/a/LAP-0001"


def test_opening_a_label_shows_the_device_and_changes_nothing(app, client, as_role, laptop):
    as_role("technician")
    before = events(app)
    page = client.get("/a/LAP-0001")
    assert page.status_code == 200
    text = page.text
    for words in ("LAP-0001", "Dell Latitude 3440", "ICT suite", "SN-77", "Not in a stocktake yet"):
        assert words in text
    assert "Move location" in text
    assert "/labels?tag=LAP-0001" in text
    assert "/labels/LAP-0001/qr.svg" in text
    assert "/incidents/new?tag=LAP-0001" in text
    assert "/loans/new?tag=LAP-0001" in text
    assert "Check in" not in text  # it is not on loan
    assert events(app) == before


def test_staff_see_the_device_without_the_register_details(client, as_role, laptop):
    as_role("staff")
    text = client.get("/a/LAP-0001").text
    assert "LAP-0001" in text
    assert "Dell Latitude 3440" in text
    for words in ("ICT suite", "SN-77", "Move location", "Print label", "qr.svg"):
        assert words not in text


def test_office_reads_but_cannot_move(client, as_role, laptop, make):
    as_role("office")
    text = client.get("/a/LAP-0001").text
    assert "ICT suite" in text
    assert "Move location" not in text
    assert "Print label" in text
    assert client.post("/a/LAP-0001/move", data={"location_id": 2}).status_code == 403


def test_staff_cannot_move(client, as_role, laptop):
    as_role("staff")
    assert client.post("/a/LAP-0001/move", data={"location_id": 2}).status_code == 403


def test_a_technician_moves_the_device(app, client, as_role, laptop):
    as_role("technician")
    with app.app_context():
        store = db.session.scalar(select(Asset).where(Asset.tag == "LAP-0001")).location_id + 1
    response = client.post("/a/LAP-0001/move", data={"location_id": store}, follow_redirects=True)
    assert "LAP-0001 moved to Office store." in response.text
    with app.app_context():
        assert db.session.scalar(select(Asset.location_id)) == store
    again = client.post("/a/LAP-0001/move", data={"location_id": store}, follow_redirects=True)
    assert "is in Office store already" in again.text
    bad = client.post("/a/LAP-0001/move", data={"location_id": 999}, follow_redirects=True)
    assert "Choose the location" in bad.text


def test_an_unknown_tag_says_so(client, as_role):
    as_role("technician")
    response = client.get("/a/NOPE-1")
    assert response.status_code == 404
    assert "No asset has the tag NOPE-1" in response.text


def test_a_tag_in_the_wrong_case_goes_to_the_real_one(client, as_role, laptop, make):
    as_role("office")
    assert client.get("/a/lap-0001").location == "/a/LAP-0001"
    # Unicode case folding, as every other lookup of a typed tag: "ß" is "ss".
    make.asset("STRASSE-1")
    assert client.get("/a/Straße-1").location == "/a/STRASSE-1"


def test_the_scan_page_opens_what_is_typed_or_scanned(client, as_role, laptop):
    as_role("technician")
    page = client.get("/scan")
    assert page.status_code == 200
    assert "data-scanner" in page.text
    assert "vendor/zxing-wasm/reader/zxing_reader.wasm" in page.text
    for code in ("LAP-0001", "lap-0001", "https://assets.school.test/a/LAP-0001"):
        assert client.get("/scan", query_string={"code": code}).location == "/a/LAP-0001"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("https://example.com/a/LAP-0001", "That code is not one of our labels"),
        ("Hello there, world", "That is not one of our labels or an asset tag"),
        ("LAP-9999", "No asset has the tag LAP-9999"),
    ],
)
def test_a_code_not_ours_or_unknown_says_so_plainly(client, as_role, laptop, code, message):
    as_role("staff")
    page = client.get("/scan", query_string={"code": code})
    assert page.status_code == 200
    assert message in page.text
    reply = client.get("/scan/resolve", query_string={"code": code}).json
    assert reply["found"] is False
    assert reply["message"].startswith(message)


def test_resolve_gives_the_scanner_the_asset_page(client, as_role, laptop):
    as_role("staff")
    reply = client.get(
        "/scan/resolve", query_string={"code": "https://assets.school.test/a/LAP-0001"}
    )
    assert reply.json == {"found": True, "tag": "LAP-0001", "url": "/a/LAP-0001"}


def test_the_scanner_loads_nothing_from_elsewhere(client, as_role):
    as_role("technician")
    page = client.get("/scan")
    assert "script-src 'self' 'wasm-unsafe-eval'" in page.headers["Content-Security-Policy"]
    assert "http://" not in page.text.replace("http://localhost", "")
    assert "https://" not in page.text
    assert "<script>" not in page.text
    assert " style=" not in page.text
