"""Office staff upload a workbook whose first sheet is a "Read me": the preview says which
sheet it read, and another can be chosen with the keyboard."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import audit
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.sheets import workbook_bytes

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_register_sheet_is_read_and_another_can_be_chosen(live_server, live_app, desktop):
    make = Factory(live_app)
    office = make.user("office")
    make.asset("4711", category=make.category("Laptop"), name="Old laptop")
    data = workbook_bytes(
        {
            "Read me": [["Fill in one row per device."]],
            "Register": [["Asset tag", "Name", "Category"], [4711, "Laptop", "Laptop"]],
            "Spares": [["Asset tag", "Name", "Category"], ["SP-1", "Spare", "Laptop"]],
        },
        setup=lambda book: setattr(book["Register"]["A2"], "number_format", "000000"),
    )
    page = desktop
    log_in(page, live_server.url, office, then="/imports")
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "register.xlsx", "mimeType": XLSX, "buffer": data}
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_text("read from the sheet “Register”")).to_be_visible()
    sheets = page.get_by_role("group", name="Which sheet holds the assets?")
    expect(sheets.get_by_label("Register")).to_be_checked()
    expect(page.get_by_role("heading", name="Check before applying (1)")).to_be_visible()
    expect(page.locator("ul.import-warnings")).to_contain_text("'4711' is in the register")
    _, failing = audit(page, live_server.url, "import preview with sheets")
    assert failing == []

    sheets.get_by_label("Spares").check()
    page.get_by_role("button", name="Check again with these choices").click()
    expect(page.get_by_text("read from the sheet “Spares”")).to_be_visible()
    expect(page.locator("table.import-creates")).to_contain_text("SP-1")
    page.get_by_role("button", name="Apply: add 1, update 0").first.click()
    expect(page.get_by_text("Imported: 1 added, 0 updated, 0 unchanged.")).to_be_visible()
