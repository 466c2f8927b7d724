"""Office staff at a desktop: upload a spreadsheet, check the preview, apply it, take the audit;
and the same pages on a phone."""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset
from tests.browser.test_accessibility import audit
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.menu import open_menu
from tests.support.sheets import csv_bytes

pytestmark = pytest.mark.browser

REGISTER = csv_bytes(
    [
        ["Asset Tag", "Name", "Category", "Colour"],
        ["ASH-0001", "Renamed laptop", "Laptop", "grey"],
        ["ASH-0002", "Epson projector", "Laptop", "white"],
    ]
)


def test_office_uploads_previews_and_applies_a_register(live_server, live_app, desktop):
    make = Factory(live_app)
    office = make.user("office", name="Mrs J Office")
    laptop = make.category("Laptop")
    make.asset("ASH-0001", category=laptop, name="Old laptop")
    page = desktop
    log_in(page, live_server.url, office)

    page.get_by_role("button", name="Register", exact=True).click()
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import from Excel")).to_be_visible()
    page.get_by_label("The asset register").check()
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": REGISTER}
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Check register.csv before importing")).to_be_visible()
    expect(page.get_by_text("1 to add")).to_be_visible()
    expect(page.get_by_text("1 to update")).to_be_visible()
    updates = page.locator("table.import-updates")
    expect(updates).to_contain_text("ASH-0001")
    expect(updates.locator("del")).to_have_text("Old laptop")
    expect(updates.locator("ins")).to_have_text("Renamed laptop")
    expect(page.locator("table.import-creates")).to_contain_text("Epson projector")
    expect(page.get_by_label("D Colour")).to_have_value("")

    page.get_by_role("button", name="Apply: add 1, update 1").first.click()
    expect(page.get_by_text("Imported: 1 added, 1 updated, 0 unchanged.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the audit of this import (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-audit.xlsx")
    audit = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    changes = [[c.value for c in row] for row in audit["Changes"].iter_rows(min_row=3)]
    assert [row[1:3] for row in changes] == [["ASH-0002", "Added"], ["ASH-0001", "Updated"]]

    page.get_by_role("link", name="Open the assets").click()
    expect(page.get_by_role("cell", name="Renamed laptop")).to_be_visible()
    with page.expect_download() as exported:
        page.get_by_role("link", name="Export to Excel").click()
    assert exported.value.suggested_filename.startswith("asset-register-")


def test_a_wrong_file_is_refused_on_a_phone(live_server, live_app, phone):
    office = Factory(live_app).user("office")
    page = phone
    log_in(page, live_server.url, office)
    open_menu(page)
    page.get_by_role("button", name="Register", exact=True).click()
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Spreadsheet").set_input_files(
        {
            "name": "register.xlsx",
            "mimeType": "image/png",
            "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64,
        }
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("This file is a PNG picture, not a spreadsheet")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the import page fits a phone screen"


SNIPEIT_REPORT = (
    Path(__file__).parents[1] / "fixtures" / "snipeit" / "custom-assets-report.csv"
).read_bytes()


def test_a_snipe_it_report_moves_over_with_its_statuses_and_holders(live_server, live_app, desktop):
    make = Factory(live_app)
    office = make.user("office")
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    page = desktop
    log_in(page, live_server.url, office, then="/imports")
    page.get_by_label("The asset register").check()
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "custom-assets-report.csv", "mimeType": "text/csv", "buffer": SNIPEIT_REPORT}
    )
    page.get_by_role("button", name="Upload and preview").click()

    statuses = page.get_by_role("group", name="Statuses")
    expect(statuses.get_by_label("Archived (archived)")).to_have_value("retired")
    statuses.get_by_label("Lost/Stolen (undeployable)").select_option("stolen")
    page.get_by_label("Add new categories").check()
    page.get_by_label("Add new locations").check()
    page.get_by_role("button", name="Check again with these choices").click()

    expect(page.get_by_text("Every row is ready")).to_be_visible()
    expect(page.get_by_role("group", name="Statuses").get_by_label("Lost/Stolen")).to_have_value(
        "stolen"
    )
    expect(page.locator(".import-holders")).to_contain_text("Tom Baker (1 item)")
    expect(page.locator("table.import-creates")).to_contain_text(
        "lent to Jane Smith, awaiting signature"
    )
    _, failing = audit(page, live_server.url, "Snipe-IT preview")
    assert failing == []

    page.get_by_role("button", name="Apply: add 11, update 0").first.click()
    expect(page.get_by_text("Imported: 11 added, 0 updated, 0 unchanged.")).to_be_visible()


def test_office_answers_the_header_row_and_dates_questions(live_server, live_app, desktop):
    make = Factory(live_app)
    office = make.user("office")
    make.asset("ASH-0101", category=make.category("Laptop"), name="Chromebook")
    # A US tool's export with a "prepared by" block as long as its header: two rows look
    # like headings, and the date reads both ways.
    data = csv_bytes(
        [
            ["Name", "Location"],
            ["Mrs Roebuck", "Head office"],
            [],
            ["Asset tag", "Purchase date"],
            ["ASH-0101", "3/1/23"],
        ]
    )
    page = desktop
    log_in(page, live_server.url, office)
    page.goto(live_server.url + "/imports")
    page.get_by_label("Spreadsheet").set_input_files(
        {"name": "us-register.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Upload and preview").click()

    headings = page.get_by_role("group", name="Which row holds the column headings?")
    expect(headings).to_contain_text("so row 1 was used")
    headings.get_by_label("Row 4: Asset tag · Purchase date").check()
    headings.get_by_role("button", name="Check again with this row").click()

    dates = page.get_by_role("group", name="How are the dates written in Purchase date?")
    uk = "Day first, the UK way (dd/mm/yyyy): 3/1/23 is 3 January 2023"
    expect(dates.get_by_label(uk)).to_be_checked()
    page.add_script_tag(url=live_server.url + "/static/vendor/axe-core/axe.min.js")
    violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => v.id))")
    assert violations == [], "the preview with both questions passes axe-core"

    dates.get_by_label("Month first, the US way (mm/dd/yyyy): 3/1/23 is 1 March 2023").check()
    dates.get_by_role("button", name="Check again with these dates").click()
    expect(page.locator("table.import-updates")).to_contain_text("01/03/2023")
    page.get_by_role("button", name="Apply: add 0, update 1").first.click()
    expect(page.get_by_text("Imported: 0 added, 1 updated, 0 unchanged.")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(select(Asset.purchase_date)) == dt.date(2023, 3, 1)
