"""The import pages (upload, preview, apply) and the export links, as office staff, technicians
and staff use them."""

import datetime as dt
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Event, PendingImport, Person
from tests.conftest import login
from tests.support.leavers import set_contract_end
from tests.support.pages import count
from tests.support.sheets import csv_bytes, table_of, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the preview's form posts for REGISTER: a choice for every column of the file.
CHOICES = {"column-0": "tag", "column-1": "name", "column-2": "category"}
CHOICES |= {"column-3": "location", "column-4": ""}
REGISTER = csv_bytes(
    [
        ["Asset Tag", "Name", "Category", "Room", "Colour"],
        ["ASH-1", "Renamed laptop", "Laptop", "", "grey"],
        ["ASH-2", "New iPad", "Laptop", "", "blue"],
    ]
)


def upload(client, data: bytes, filename: str = "register.csv", kind: str = "assets"):
    return client.post(
        "/imports",
        data={"kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def fingerprint(page: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)


def test_office_uploads_previews_and_applies(app, client, make, as_role, database):
    as_role("office", name="Mrs Office")
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, name="Old laptop")

    before = count(app, Event)
    response = upload(client, REGISTER)
    assert response.status_code == 302
    page = client.get(response.location).text
    for text in ("1 to add", "1 to update", "0 with problems", "Old laptop", "Renamed laptop",
                 "New iPad", "Nothing has been saved yet", "Apply: add 1, update 1"):  # fmt: skip
        assert text in page, text
    assert count(app, Event) == before, "uploading and previewing wrote nothing to the register"

    import_id = int(response.location.rsplit("/", 1)[1])
    choices = CHOICES | {"fingerprint": fingerprint(page)}
    applied = client.post(f"/imports/{import_id}/apply", data=choices)
    assert applied.status_code == 302
    result = client.get(applied.location, follow_redirects=True).text
    assert "Imported: 1 added, 1 updated, 0 unchanged." in result
    assert "Download the audit of this import" in result
    with app.app_context():
        names = dict(db.session.execute(select(Asset.tag, Asset.name)).all())
        assert names == {"ASH-1": "Renamed laptop", "ASH-2": "New iPad"}
        event = db.session.scalar(select(Event).where(Event.action == "import.applied"))
        assert event.actor.name == "Mrs Office" and event.entity_id == import_id

    audit = client.get(f"/imports/{import_id}/audit.xlsx")
    assert audit.status_code == 200 and audit.mimetype == XLSX
    assert client.post(f"/imports/{import_id}/apply", data=choices).status_code == 302
    assert count(app, Asset) == 2, "an applied upload cannot be applied again"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "This file is a PNG picture"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, "old Excel 97-2003"),
        ("macro.xlsm", b"PK\x03\x04", "contains macros"),
        ("empty.csv", b"", "The file is empty"),
        ("cut.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x01" * 40, "damaged"),
        ("notes.docx", b"hello", "Files of type .docx cannot be imported"),
        ("blank.csv", b"\n,,\n\n", "there is no header row"),
        ("bomb.xlsx", "zip_bomb", "unpacks to far more data than a register holds"),
        ("entities.xlsx", "entity_bomb", "DOCTYPE or entity declaration"),
        ("utf16.xlsx", "utf16_entity", "DOCTYPE or entity declaration"),
        ("huge.xlsx", "million_rows", "cells reach row 1,048,576 and column"),
    ],
)
def test_a_bad_file_gives_its_message_and_nothing_is_written(app, client, as_role, filename,
                                                              data, message):  # fmt: skip
    as_role("office")
    if isinstance(data, str):
        data = HOSTILE[data]()
    response = upload(client, data, filename)
    assert response.status_code == 200
    assert message in response.text
    assert count(app, PendingImport) == 0 and count(app, Asset) == 0


def _rewritten(edit, part_name: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A real workbook with one XML part (its sheet unless named) changed by `edit`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Asset tag", "Name"], ["A1", "One"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == part_name:
                part = edit(part)
            target.writestr(info.filename, part)
    return out.getvalue()


HOSTILE = {
    # 50 MB of one byte deflates a thousand times over: refused from the zip's own sizes.
    "zip_bomb": lambda: _rewritten(lambda xml: xml + b" " * 50_000_000),
    "entity_bomb": lambda: _rewritten(
        lambda xml: xml.replace(
            b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><worksheet'
        )
    ),
    # UTF-16 without a byte-order mark: the parser reads it by how its "<" is written.
    "utf16_entity": lambda: _rewritten(
        lambda xml: ('<!DOCTYPE w [<!ENTITY a "aaaa">]>' + xml.decode().split("?>", 1)[-1]).encode(
            "utf-16-le"
        ),
        "xl/workbook.xml",
    ),
    # A stray cell in the sheet's last row: calamine would allocate every row above it.
    "million_rows": lambda: _rewritten(
        lambda xml: xml.replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="B1048576"><v>1</v></c></row></sheetData>',
        )
    ),
}


def test_a_staff_list_goes_through_the_same_pages(app, client, make, as_role):
    as_role("admin")
    make.person("Mrs N Quinn", email="quinn@ashbrook.sch.uk")
    data = csv_bytes(
        [["Email", "Name", "Job title"], ["quinn@ashbrook.sch.uk", "Mrs N Quinn", "Head"],
         ["new@ashbrook.sch.uk", "Mr New", "Teacher"]]
    )  # fmt: skip
    location = upload(client, data, "staff.csv", kind="people").location
    page = client.get(location).text
    assert "Staff list" in page and "1 to add" in page and "1 to update" in page
    choices = {"column-0": "email", "column-1": "name", "column-2": "job_title"}
    applied = client.post(location + "/apply", data=choices | {"fingerprint": fingerprint(page)})
    assert applied.status_code == 302
    assert "Open the staff list" in client.get(location).text
    with app.app_context():
        titles = dict(db.session.execute(select(Person.name, Person.job_title)).all())
    assert titles == {"Mrs N Quinn": "Head", "Mr New": "Teacher"}


def test_an_upload_without_a_file_asks_for_one(client, as_role):
    as_role("admin")
    response = client.post("/imports", data={"kind": "assets"})
    assert "Choose the file to import." in response.text


def test_unknown_columns_can_be_mapped_by_hand(app, client, make, as_role):
    as_role("office")
    make.category("Laptop")
    data = csv_bytes([["Code", "Name", "Category"], ["X1", "Visualiser", "Laptop"]])
    location = upload(client, data).location
    page = client.get(location).text
    assert "No column is set to Asset tag" in page and "Apply:" not in page
    choices = {"column-0": "tag", "column-1": "name", "column-2": "category"}
    page = client.post(location, data=choices).text
    assert "1 to add" in page and "Apply: add 1, update 0" in page
    twice = client.post(location, data=choices | {"column-2": "tag"}).text
    assert "Two columns are set to Asset tag" in twice


def test_problems_are_listed_and_downloadable(client, make, as_role):
    as_role("office")
    make.category("Laptop")
    data = csv_bytes(
        [["Asset tag", "Name", "Category", "Bought"], ["ASH-1", "A", "Laptop", "31/02/2024"],
         ["ASH-2", "B", "Tablets", ""]]
    )  # fmt: skip
    location = upload(client, data).location
    page = client.get(location).text
    # Each problem names the row and the tag, so it can be found in either.
    problems = re.search(r'<ul class="import-errors">(.*?)</ul>', page, re.S).group(1)
    lines = [" ".join(re.sub(r"<[^>]+>", "", li).split()) for li in problems.split("</li>")]
    assert "Row 2 (ASH-1), Bought: &#39;31/02/2024&#39; is not a date" in lines
    assert lines[1].startswith("Row 3 (ASH-2), Category: &#39;Tablets&#39; is not a category")
    assert "Not in the register: Tablets (1 row)" in page
    assert page.count(">Upload a different file</a>") == 2, "at the top and at the bottom"
    assert "Apply:" not in page
    link = re.search(r'href="(/imports/\d+/errors\.xlsx[^"]*)"', page).group(1)
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and download.mimetype == XLSX
    _, rows = table_of(download.data)
    assert [row[0] for row in rows] == ["ASH-1", "ASH-2"]
    ticked = client.post(
        location,
        data={f"column-{i}": f for i, f in enumerate(["tag", "name", "category", "purchase_date"])}
        | {"create_categories": "1"},
    ).text
    assert "To be added: Tablets" in ticked


def test_an_apply_that_does_not_match_the_preview_changes_nothing(app, client, make, as_role):
    as_role("office")
    make.asset("ASH-1", category=make.category("Laptop"), name="Old laptop")
    location = upload(client, REGISTER).location
    page = client.get(location).text
    response = client.post(
        location + "/apply", data=CHOICES | {"fingerprint": fingerprint(page)[::-1]}
    )
    assert response.status_code == 200
    assert "changed since the preview, so nothing was imported" in response.text
    assert count(app, Asset) == 1
    with app.app_context():
        assert db.session.scalar(select(Asset.name)) == "Old laptop"


def test_someone_elses_upload_is_not_found(client, make, as_role):
    office = make.user("office")
    as_role("office")
    other_client = client.application.test_client()
    login(other_client, office)
    location = upload(other_client, REGISTER).location
    assert client.get(location).status_code == 404
    assert client.post(location + "/apply", data={}).status_code == 404
    assert client.get(location + "/errors.xlsx").status_code == 404


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_apply_needs_the_forms_csrf_token(app, client, make):
    office = make.user("office")
    make.category("Laptop")
    token = _token(client.get("/login").text)
    client.post("/login", data={"email": office.email, "password": office.password,
                                "csrf_token": token})  # fmt: skip
    page = client.get("/imports").text
    response = client.post(
        "/imports",
        data={"kind": "assets", "file": (io.BytesIO(REGISTER), "r.csv"),
              "csrf_token": _token(page)},
        content_type="multipart/form-data",
    )  # fmt: skip
    preview = client.get(response.location).text
    choices = CHOICES | {"fingerprint": fingerprint(preview)}
    refused = client.post(response.location + "/apply", data=choices)
    assert refused.status_code == 400
    assert count(app, Asset) == 0
    accepted = client.post(
        response.location + "/apply", data=choices | {"csrf_token": _token(preview)}
    )
    assert accepted.status_code == 302 and count(app, Asset) == 2


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# ---- export and who may do what -------------------------------------------------------------


def test_the_export_link_carries_the_list_filters(app, client, make, as_role):
    as_role("technician")
    laptop, tablet = make.category("Laptop"), make.category("Tablet")
    for n in range(3):
        make.asset(f"L-{n}", category=laptop)
    make.asset("T-1", category=tablet)
    page = client.get(f"/assets?category={tablet.id}&sort=name&dir=desc").text
    link = re.search(r'href="(/export/assets\.xlsx\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"category={tablet.id}" in link and "dir=desc" in link
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    assert re.search(
        r"asset-register-\d{4}-\d\d-\d\d\.xlsx", response.headers["Content-Disposition"]
    )
    _, rows = table_of(response.data)
    assert [row[0] for row in rows] == ["T-1"]
    staff = client.get("/export/people.xlsx?q=nobody")
    assert staff.status_code == 200 and table_of(staff.data)[1] == []


@pytest.mark.parametrize(
    ("role", "imports", "exports"),
    [("admin", 200, 200), ("office", 200, 200), ("technician", 403, 200), ("staff", 403, 403)],
)
def test_only_admins_and_office_import_and_staff_never_export(client, as_role, role, imports,
                                                               exports):  # fmt: skip
    as_role(role)
    assert client.get("/imports").status_code == imports
    assert client.get("/imports/template/assets.xlsx").status_code == imports
    assert client.post("/imports", data={"kind": "assets"}).status_code in (imports, 200)
    assert client.get("/export/assets.xlsx").status_code == exports
    assert client.get("/export/people.xlsx").status_code == exports
    home = client.get("/", follow_redirects=True).text
    assert ('href="/imports"' in home) == (imports == 200)


def test_templates_download(client, as_role):
    as_role("office")
    for kind, name in (("assets", "asset-register"), ("people", "staff-list")):
        response = client.get(f"/imports/template/{kind}.xlsx")
        assert response.status_code == 200 and response.mimetype == XLSX
        assert f"{name}-template.xlsx" in response.headers["Content-Disposition"]
    assert client.get("/imports/template/loans.xlsx").status_code == 404


def export_link(page: str, path: str) -> str:
    """The page's "Export to Excel" link to `path`, as the browser would follow it."""
    found = re.search(rf'href="({re.escape(path)}[^"]*)"[^>]*>Export to Excel<', page)
    assert found, f"no export link to {path}"
    return found.group(1).replace("&amp;", "&")


def test_the_loans_reports_leavers_and_declarations_pages_export_what_they_show(
    app, client, make, as_role
):
    make.terms()
    guthrie, quinn = make.person("Miss A Guthrie"), make.person("Mrs N Quinn")
    make.lend(make.asset("ASH-1"), guthrie, returned=True)
    make.loan(make.asset("ASH-2"), quinn)
    set_contract_end(app, quinn.id, dt.date.today() + dt.timedelta(days=60))
    make.incident(make.asset("ASH-3"), kind="theft")
    make.incident(make.asset("ASH-4"), kind="damage")
    make.declaration(guthrie)
    as_role("technician")

    link = export_link(client.get("/loans?show=history&q=guthrie").text, "/export/loans.xlsx")
    assert "show=history" in link and "q=guthrie" in link
    response = client.get(link)
    assert re.search(r"loan-history-\d{4}-\d\d-\d\d\.xlsx", response.headers["Content-Disposition"])
    assert [row[0] for row in table_of(response.data)[1]] == ["ASH-1"]

    link = export_link(client.get("/incidents?state=all&kind=theft").text, "/export/incidents.xlsx")
    assert [row[4] for row in table_of(client.get(link).data)[1]] == ["ASH-3"]

    link = export_link(client.get("/leavers?days=90").text, "/export/leavers.xlsx")
    assert "days=90" in link
    assert [row[0] for row in table_of(client.get(link).data)[1]] == ["Mrs N Quinn"]
    # Leaving in 60 days is outside the page's default 30, and so outside its export.
    default = export_link(client.get("/leavers").text, "/export/leavers.xlsx")
    assert table_of(client.get(default).data)[1] == []

    page = client.get("/declarations?show=unsigned").text
    assert "Mrs N Quinn" in page and "Miss A Guthrie" not in page
    link = export_link(page, "/export/declarations.xlsx")
    assert [row[0] for row in table_of(client.get(link).data)[1]] == ["Mrs N Quinn"]


@pytest.mark.parametrize(
    ("role", "records", "declarations"),
    [("admin", 200, 200), ("office", 200, 403), ("technician", 200, 200), ("staff", 403, 403)],
)
def test_who_may_export_the_records(client, as_role, role, records, declarations):
    as_role(role)
    for path in ("/export/loans.xlsx", "/export/incidents.xlsx", "/export/leavers.xlsx"):
        assert client.get(path).status_code == records, path
    assert client.get("/export/declarations.xlsx").status_code == declarations
    reports = client.get("/incidents").text
    assert ("Export to Excel" in reports) == (records == 200)
