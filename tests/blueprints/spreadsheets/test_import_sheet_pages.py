"""The preview of a workbook of several sheets: which sheet was read, choosing another, and
warnings that let the import go ahead."""

import io
import re

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset
from tests.support.sheets import workbook_bytes

README = [["How to keep this register"], ["One row per device."]]
REGISTER = [["Asset tag", "Name", "Category"], [4711, "Laptop", "Laptop"]]
OLD = [["Tag", "Description"], ["OLD-1", "Old laptop"]]


def padded(book):
    book["Register"]["A2"].number_format = "000000"


WORKBOOK = workbook_bytes({"Read me": README, "Register": REGISTER, "Old": OLD}, setup=padded)


def upload(client) -> str:
    response = client.post(
        "/imports",
        data={"kind": "assets", "file": (io.BytesIO(WORKBOOK), "register.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return response.location


def fingerprint(page: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)


def test_the_preview_names_the_sheets_and_reads_the_one_with_the_register(
    app, client, make, as_role
):
    as_role("office")
    make.category("Laptop")
    page = client.get(upload(client)).text

    assert "read from the sheet “Register”" in page
    assert "Which sheet holds the assets?" in page
    sheets = re.findall(r'<input class="form-check-input" type="radio" name="sheet" [^>]*>', page)
    assert [re.search(r'value="([^"]*)"', tag).group(1) for tag in sheets] == [
        "Read me",
        "Register",
        "Old",
    ]
    assert ["checked" in tag for tag in sheets] == [False, True, False]
    assert "004711" in page and "1 to add" in page


def test_choosing_another_sheet_reads_it_with_its_own_columns_and_applies_it(
    app, client, make, as_role
):
    as_role("office")
    make.category("Laptop")
    location = upload(client)
    import_id = int(location.rsplit("/", 1)[1])
    # The Register's three column choices are posted with the new sheet: they are dropped.
    chosen = {"sheet": "Old", "sheet_read": "Register", "column-0": "tag", "column-1": "name"}
    chosen["column-2"] = "category"
    page = client.post(location, data=chosen).text

    assert "read from the sheet “Old”" in page
    assert "</span> Tag</label>" in page and "</span> Description</label>" in page
    assert "a new asset needs a category" in page
    assert "sheet=Old" in page, "the rows-with-problems download reads the same sheet"

    choices = {"sheet": "Old", "sheet_read": "Old", "column-0": "tag", "column-1": "name"}
    page = client.post(location, data=choices).text
    assert "a new asset needs a category" in page  # the Old sheet has no category column
    choices = {"sheet": "Register", "sheet_read": "Register", "column-0": "tag"}
    choices |= {"column-1": "name", "column-2": "category"}
    page = client.post(location, data=choices).text
    applied = client.post(
        f"/imports/{import_id}/apply", data=choices | {"fingerprint": fingerprint(page)}
    )
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Asset.tag)).all() == ["004711"]


def test_a_sheet_that_does_not_exist_keeps_the_automatic_preview_with_the_reason(
    app, client, make, as_role
):
    as_role("office")
    location = upload(client)
    page = client.post(location, data={"sheet": "Nope", "sheet_read": "Register"}).text
    assert "no visible sheet named" in page
    assert "read from the sheet “Register”" in page


def test_a_near_duplicate_tag_is_listed_to_check_and_can_still_be_applied(
    app, client, make, as_role
):
    as_role("office")
    laptop = make.category("Laptop")
    make.asset("4711", category=laptop, name="Old laptop")
    page = client.get(upload(client)).text

    assert "Check before applying (1)" in page
    warnings = re.search(r'<ul class="import-warnings">(.*?)</ul>', page, re.S).group(1)
    assert "Row 2" in warnings and "(004711)" in warnings and "&#39;4711&#39; is in" in warnings
    assert "Apply: add 1, update 0" in page
