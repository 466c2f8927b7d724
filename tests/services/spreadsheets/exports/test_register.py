"""What an auditor opens: the register as the list page filters it and the staff list, safe to
open in Excel and to import back."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Loan
from assets.models.base import utcnow
from assets.services.register import register
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.exports import register as exports
from tests.support.sheets import reopen, table_of


def lend(asset_id: int, person_id: int, due_on: dt.date | None) -> None:
    db.session.add(Loan(asset_id=asset_id, person_id=person_id, out_at=utcnow(), due_on=due_on))
    db.session.get(Asset, asset_id).status = "on_loan"
    db.session.commit()


@pytest.fixture
def register_of_five(make):
    laptop, tablet = make.category("Laptop"), make.category("Tablet")
    hall, store = make.location("Hall"), make.location("Office store")
    person = make.person("Miss A Guthrie")
    make.asset(
        "ASH-1", category=laptop, location=store, name="Dell Latitude", serial_number="X5Z6Q"
    )
    make.asset("ASH-2", category=tablet, location=hall, name="iPad", serial_number="IP-01")
    make.asset("ASH-3", category=laptop, name="Lenovo ThinkPad", serial_number="LN-77")
    make.asset("ASH-4", category=tablet, location=store, name="Galaxy Tab")
    make.asset("ASH-5", category=laptop, location=hall, name="HP ProBook")
    return {"laptop": laptop, "tablet": tablet, "hall": hall, "store": store, "person": person}


FILTERS = [
    {},
    {"q": "x5z"},
    {"q": "guthrie"},
    {"status": "on_loan"},
    {"category_id": "laptop"},
    {"location_id": "hall"},
    {"sort": "category", "descending": True},
    {"sort": "location"},
    {"sort": "name", "descending": True},
]


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("values", FILTERS)
def test_the_export_has_the_list_pages_rows_in_its_order(ctx, register_of_five, database, values):
    with_ids = {k: register_of_five[v].id if k.endswith("_id") else v for k, v in values.items()}
    lend(db.session.scalar(select(Asset.id).where(Asset.tag == "ASH-2")),
         register_of_five["person"].id, dt.date(2026, 12, 1))  # fmt: skip
    filters = register.AssetFilter(**with_ids)
    listed = [a.tag for a in db.session.scalars(register.asset_select(filters))]
    _, rows = table_of(exports.asset_register(filters).content)
    assert [row[0] for row in rows] == listed
    assert listed, "every filter here matches something"


@pytest.mark.usefixtures("clock")
def test_the_register_export_is_a_proper_excel_file(ctx, register_of_five, app):
    tag_2 = db.session.scalar(select(Asset).where(Asset.tag == "ASH-2"))
    tag_2.purchase_date, tag_2.purchase_cost = dt.date(2024, 9, 1), Decimal("1299.50")
    db.session.commit()
    lend(tag_2.id, register_of_five["person"].id, dt.date(2026, 12, 1))
    before = dt.datetime.now(ZoneInfo("Europe/London")).replace(second=0, microsecond=0)
    sheet = reopen(exports.asset_register(register.AssetFilter()).content).active

    caption = sheet["A1"].value
    school = app.config["SCHOOL_NAME"]
    match = re.fullmatch(rf"{school} \u2013 Asset register \u2013 exported (.+)", caption)
    exported = dt.datetime.strptime(match.group(1), "%d/%m/%Y %H:%M")
    assert (
        before.replace(tzinfo=None)
        <= exported
        <= before.replace(tzinfo=None) + dt.timedelta(minutes=2)
    ), "the UK date and the local (London) time"
    header = [cell.value for cell in sheet[2]]
    assert header[:3] == ["Asset tag", "Name", "Category"]
    assert header[15:18] == ["Status", "Holder", "Due back"]
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:T7"
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "ASH-2")
    values = {header[i]: cell for i, cell in enumerate(row)}
    assert values["Holder"].value == "Miss A Guthrie"
    assert values["Due back"].value == dt.datetime(2026, 12, 1)
    assert values["Due back"].number_format == "dd/mm/yyyy"
    assert values["Purchase cost"].value == 1299.5
    assert "£" in values["Purchase cost"].number_format
    assert values["Status"].value == "On loan"


def test_filtered_exports_say_so(ctx, register_of_five):
    caption = (
        reopen(exports.asset_register(register.AssetFilter(q="ipad")).content).active["A1"].value
    )
    assert "Asset register \u2013 filtered \u2013 exported" in caption


def test_text_that_looks_like_a_formula_stays_text_and_control_characters_go(ctx, make):
    laptop = make.category("Laptop")
    risky = {
        "ASH-1": '=HYPERLINK("http://evil.example","Click")',
        "ASH-2": "+44 1234",
        "ASH-3": "-2+3",
        "ASH-4": "@SUM(A1:A9)",
        "ASH-5": "#N/A",
    }
    for tag, name in risky.items():
        make.asset(tag, category=laptop, name=name)
    make.asset("ASH-6", category=laptop, name="Bell\x07 and\x1b escape", serial_number="0012")
    # The services trim text; a tab or return at the start could still come from elsewhere.
    for asset in db.session.scalars(select(Asset)):
        asset.notes = "\tnote"
    db.session.commit()
    data = exports.asset_register(register.AssetFilter()).content

    sheet = reopen(data).active
    for row in sheet.iter_rows(min_row=3):
        tag, name, notes = row[0], row[1], row[14]
        if tag.value in risky:
            assert name.value == risky[tag.value], "shown exactly as typed"
            assert name.data_type == "s", "a string cell, never a formula or an error"
            assert notes.value == "\tnote" and notes.data_type == "s"
    last = [c.value for c in sheet[8]]
    assert last[1] == "Bell and escape", "characters Excel cannot hold are removed"
    assert last[6] == "0012", "leading zeros kept"
    assert b"<f>" not in _sheet_xml(data)

    preview = imports.import_file(None, "assets", "e.xlsx", data, imports.Choices(), write=False)
    assert preview.summary.counts["update"] == 6, "imports trim the notes"
    renamed = {r.label: r.changes for r in preview.summary.shown["update"]}
    assert renamed["ASH-1"] == {"Notes": ("\tnote", "note")}
    assert renamed["ASH-6"] == {
        "Name": ("Bell\x07 and\x1b escape", "Bell and escape"),
        "Notes": ("\tnote", "note"),
    }


def _sheet_xml(data: bytes) -> bytes:
    import io
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_the_staff_list_export(ctx, make, database):
    make.person("Mrs N Quinn", email="quinn@ashbrook.sch.uk", staff_number="0005")
    leaver = make.person("Mr L Left", active=False)
    holder = make.person("Miss A Guthrie", job_title="Teacher")
    laptop = make.category("Laptop")
    for tag in ("ASH-1", "ASH-2"):
        lend(make.asset(tag, category=laptop).id, holder.id, None)

    header, rows = table_of(exports.staff_list().content)
    assert header == [column.header for column in exports.PEOPLE_COLUMNS]
    assert [row[0] for row in rows] == ["Miss A Guthrie", "Mrs N Quinn"]
    assert rows[0][3] == "Teacher" and rows[0][7] == 2
    assert rows[1][2] == "0005" and rows[1][7] == 0
    _, everyone = table_of(exports.staff_list(include_inactive=True).content)
    assert leaver.name in [row[0] for row in everyone]
    _, found = table_of(exports.staff_list("quinn").content)
    assert [row[0] for row in found] == ["Mrs N Quinn"]
