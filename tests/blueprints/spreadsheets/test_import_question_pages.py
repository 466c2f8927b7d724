"""The preview's questions as office staff answer them: which row holds the headings, and
whether dates are day first or month first; and text files Excel saves, uploaded."""

import datetime as dt
import io
import re

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, PendingImport
from tests.support.sheets import csv_bytes


def upload(client, data: bytes, filename: str = "register.csv"):
    return client.post(
        "/imports",
        data={"kind": "assets", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def fingerprint(page: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_excel_unicode_text_is_uploaded_previewed_and_applied(app, client, make, as_role):
    as_role("office")
    make.category("Laptop")
    rows = "Asset tag\tName\tCategory\r\nASH-1\tCafé laptop\tLaptop\r\n"
    response = upload(client, rows.encode("utf-16"), "Register.txt")
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "1 to add" in page and "Café laptop" in page
    assert "Column headings read from row 1." in text(page)
    assert 'name="header_row"' not in page, "a sure header asks nothing"


def test_a_mac_roman_csv_is_read_right_and_an_ambiguous_one_refused(client, make, as_role):
    as_role("office")
    make.category("Laptop")
    mac = "Asset tag,Name,Category\rASH-1,Café laptop,Laptop\r".encode("mac_roman")
    page = client.get(upload(client, mac).location).text
    assert "Café laptop" in page and "CafŽ" not in page

    ambiguous = "Name,Email\r\nAnna Śliwa,a@ashbrook.sch.uk\r\n".encode("cp1250")
    refused = upload(client, ambiguous, "staff.csv")
    assert refused.status_code == 200
    assert "cannot be told for sure" in refused.text
    assert "CSV UTF-8 (Comma delimited)" in refused.text


def test_the_header_row_question_changes_the_columns(app, client, make, as_role):
    as_role("office")
    make.asset("ASH-1", category=make.category("Laptop"), name="Old name")
    data = csv_bytes(
        [["Name", "Location"], ["Mrs Roebuck", "Office"], ["Asset tag", "Name"], ["ASH-1", "New"]]
    )
    location = upload(client, data).location
    page = client.get(location).text
    words = text(page)
    assert "Which row holds the column headings?" in words
    assert "More than one row looks like the headings, so row 1 was used." in words
    assert "Row 3: Asset tag · Name" in words
    assert re.search(r'name="header_row" id="header-row-1" value="1"\s+checked', page)

    # The column choices posted were made for row 1; row 3 gets its own.
    chosen = client.post(
        location, data={"header_row": "3", "columns_row": "1", "column-0": "", "column-1": "name"}
    ).text
    assert "1 to update" in chosen
    assert re.search(r'id="header-row-3" value="3"\s+checked', chosen)
    applied = client.post(
        location + "/apply",
        data={"header_row": "3", "columns_row": "3", "column-0": "tag", "column-1": "name"}
        | {"fingerprint": fingerprint(chosen)},
    )
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Asset.name)) == "New"


def test_the_dates_question_is_asked_answered_and_carried_to_the_download(
    app, client, make, as_role
):
    as_role("office")
    make.category("Laptop")
    data = csv_bytes(
        [["Asset tag", "Name", "Category", "Purchase date"],
         ["ASH-1", "One", "Laptop", "3/1/23"], ["ASH-2", "Two", "Laptop", "12/31/2023"]]
    )  # fmt: skip
    location = upload(client, data).location
    page = client.get(location).text
    words = text(page)
    assert "How are the dates written in Purchase date?" in words
    assert "Some dates can only be month first, the US way (such as 12/31/2023)" in words
    assert "Month first, the US way (mm/dd/yyyy): 3/1/23 is 1 March 2023" in words
    assert re.search(r'id="date-order-month-first" value="month-first"\s+checked', page)
    assert "2 to add" in page

    day_first = client.post(location, data={"date_order": "day-first"}).text
    assert "1 with problems" in day_first
    link = re.search(r'href="(/imports/\d+/errors\.xlsx[^"]*)"', day_first).group(1)
    assert "date_order=day-first" in link

    applied = client.post(
        location + "/apply", data={"date_order": "month-first", "fingerprint": fingerprint(page)}
    )
    assert applied.status_code == 302
    with app.app_context():
        days = dict(db.session.execute(select(Asset.tag, Asset.purchase_date)).all())
    assert days == {"ASH-1": dt.date(2023, 3, 1), "ASH-2": dt.date(2023, 12, 31)}


def test_a_forged_or_stale_answer_shows_the_automatic_preview_with_why(client, make, as_role):
    as_role("office")
    make.category("Laptop")
    data = csv_bytes([["Asset tag", "Name", "Category"], ["ASH-1", "One", "Laptop"]])
    location = upload(client, data).location

    for answer, message in (
        ({"header_row": "9", "columns_row": "9"}, "Row 9 is empty or is not among the first 20"),
        ({"date_order": "sideways"}, "Choose whether the dates are written day first"),
    ):
        page = client.post(location, data=answer)
        assert page.status_code == 200, "the upload is kept, not sent back to the upload page"
        words = text(page.text)
        assert message in words
        assert "1 to add" in words


def test_an_expired_upload_goes_back_to_the_upload_page(app, client, make, as_role):
    as_role("office")
    make.category("Laptop")
    location = upload(client, csv_bytes([["Asset tag", "Name"], ["ASH-1", "One"]])).location
    with app.app_context():
        pending = db.session.scalar(select(PendingImport))
        pending.expires_at = pending.created_at - dt.timedelta(hours=1)
        db.session.commit()
    response = client.post(location, data={"header_row": "1"})
    assert response.status_code == 302 and response.location.endswith("/imports")
    assert "This upload has expired" in client.get("/imports").text
