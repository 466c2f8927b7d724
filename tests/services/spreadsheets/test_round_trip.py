"""Export, edit in Excel, import back: an unchanged export previews no change at all, and 20
edited cells preview exactly those 20 changes, whatever awkward values the register holds."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Person
from assets.services.register.register import AssetFilter
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.exports import register as exports
from tests.support.sheets import edited

EXCEL_ESCAPE_RE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")

# The longest note the asset form and the import accept (Excel's cell holds 32,767: the writer's
# own tests go to that limit).
LONGEST_NOTE = 4000
AWKWARD_ASSETS = [
    {"tag": "ASH-1", "notes": "line one\r\nline two"},
    {"tag": "ASH-2", "notes": "old Mac\rline", "serial_number": "SN_x0041_"},
    {"tag": "ASH-3", "notes": "unix\nline", "serial_number": "_x000D_"},
    {"tag": "004711", "serial_number": "0012", "software_image": "007"},
    {"tag": "T_x0041_", "name": "Café laptop 😀 👩🏽‍💻", "supplier": "Siân Llŷr & Sons"},
    {"tag": "ASH-6", "notes": "n" * (LONGEST_NOTE - 1) + "😀"},
    {"tag": "ASH-7", "purchase_date": dt.date(1850, 6, 1), "warranty_end": dt.date(1899, 12, 31)},
    {"tag": "ASH-8", "purchase_date": dt.date(1900, 1, 1), "warranty_end": dt.date(1900, 2, 28)},
    {"tag": "ASH-9", "purchase_date": dt.date(1900, 3, 1), "purchase_cost": Decimal("0.01")},
    {"tag": "ASH-10", "purchase_cost": Decimal("99999999.99")},
    {"tag": "ASH-11", "purchase_cost": Decimal("1299.50"), "encrypted": True},
    {"tag": "ASH-12", "name": "=SUM(A1:A2)", "model": "+44 1234", "manufacturer": "-5"},
    {"tag": "ASH-13", "name": "@SUM(1)", "supplier": "#N/A", "software_image": "=1+1"},
]


@pytest.fixture
def awkward_register(make):
    laptop = make.category("Laptop")
    rooms = [make.location("ICT suite"), make.location("Office store")]
    for number, values in enumerate(AWKWARD_ASSETS):
        make.asset(category=laptop, location=rooms[number % 2], **values)
    for number in range(14, 31):
        make.asset(f"ASH-{number}", category=laptop, name=f"Laptop {number}")
    return {"rooms": rooms}


def preview(data: bytes, kind: str = "assets"):
    return imports.import_file(None, kind, "export.xlsx", data, imports.Choices(), write=False)


def every_change(shown) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (r.label, column): change for r in shown["update"] for column, change in r.changes.items()
    }


def test_the_register_exports_and_imports_back_unchanged(ctx, awkward_register):
    stored = {a.tag: a.notes for a in db.session.scalars(select(Asset))}
    assert stored["ASH-1"] == "line one\r\nline two", "the form keeps a note's line breaks"

    data = exports.asset_register(AssetFilter()).content
    result = preview(data)

    assert result.summary.errors == []
    assert dict(result.summary.counts) == {"unchanged": 30}


def test_twenty_edited_cells_are_twenty_changes(ctx, awkward_register):
    data = exports.asset_register(AssetFilter()).content
    header = {}
    edits = {}

    def edit(sheet):
        header.update({cell.value: cell.column for cell in sheet[2]})
        rows = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=3)}

        def put(tag, column, value):
            # Saved as Excel saves typed text: a literal _xHHHH_ escaped (openpyxl does not).
            stored = EXCEL_ESCAPE_RE.sub(r"_x005F\1", value) if isinstance(value, str) else value
            cell = sheet.cell(rows[tag], header[column])
            cell.value = stored
            if cell.quotePrefix:
                cell.data_type = "s"  # Excel's apostrophe: what is typed stays text
            edits[(tag, column)] = value

        for number in range(14, 19):
            put(f"ASH-{number}", "Name", f"Renamed {number} 😀")
        put("ASH-1", "Notes", "line one\r\nline two\r\nline three")
        put("ASH-2", "Serial number", "SN_x0042_")
        put("ASH-3", "Notes", "")
        put("004711", "Serial number", "0013")
        # Excel holds no date before 1900: typed there, it stays text.
        put("ASH-7", "Purchase date", "01/06/1851")
        put("ASH-8", "Purchase date", dt.datetime(2024, 2, 29))
        put("ASH-9", "Purchase cost", 0.02)
        put("ASH-10", "Purchase cost", 1000)
        put("ASH-11", "Encrypted", False)
        put("ASH-12", "Model", "=SUM(B1:B2)")
        put("ASH-13", "Location", "Office store")
        put("ASH-19", "Condition", "fair")
        put("ASH-20", "Supplier", "Acme")
        put("ASH-21", "Manufacturer", "Dell")
        put("ASH-22", "Warranty ends", dt.datetime(2029, 8, 31))

    result = preview(edited(data, edit))

    assert result.summary.errors == []
    changes = every_change(result.summary.shown)
    assert changes.keys() == edits.keys()
    assert len(changes) == 20
    # openpyxl, like some tools, saves a line break as LF alone.
    assert changes[("ASH-1", "Notes")][1] == "line one\nline two\nline three"
    assert changes[("ASH-2", "Serial number")] == ("SN_x0041_", "SN_x0042_")
    assert changes[("ASH-3", "Notes")] == ("unix\nline", "")
    assert changes[("004711", "Serial number")] == ("0012", "0013")
    assert changes[("ASH-7", "Purchase date")] == ("01/06/1850", "01/06/1851")
    assert changes[("ASH-9", "Purchase cost")] == ("£0.01", "£0.02")
    assert changes[("ASH-12", "Model")] == ("+44 1234", "=SUM(B1:B2)")
    assert result.summary.counts["update"] == 20
    assert result.summary.counts["unchanged"] == 10


@pytest.mark.parametrize(
    ("stored", "in_the_file"),
    [
        ("one\r\ntwo", "one\ntwo"),
        ("one\ntwo", "one\r\ntwo"),
        ("one\rtwo", "one\ntwo"),
        ("one\r\ntwo\rthree\nfour", "one\ntwo\r\nthree\rfour"),
    ],
)
def test_line_endings_alone_are_no_change(ctx, make, stored, in_the_file):
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, notes=stored)
    person = make.person("Mrs N Quinn", email="quinn@ashbrook.sch.uk")
    db.session.get(Person, person.id).notes = stored
    db.session.commit()
    assets = edited(
        exports.asset_register(AssetFilter()).content,
        lambda sheet: setattr(sheet["O3"], "value", in_the_file),
    )
    staff = edited(
        exports.staff_list().content, lambda sheet: setattr(sheet["G3"], "value", in_the_file)
    )

    assert dict(preview(assets).summary.counts) == {"unchanged": 1}
    assert dict(preview(staff, "people").summary.counts) == {"unchanged": 1}


def test_a_line_ending_beside_a_real_change_keeps_the_stored_text(ctx, make):
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, name="Old", notes="one\r\ntwo")

    def edit(sheet):
        sheet["B3"].value, sheet["O3"].value = "New", "one\ntwo"

    data = edited(exports.asset_register(AssetFilter()).content, edit)
    result = imports.import_file(None, "assets", "e.xlsx", data, imports.Choices(), write=True)
    db.session.commit()

    (updated,) = result.summary.shown["update"]
    assert updated.changes == {"Name": ("Old", "New")}
    asset = db.session.scalar(select(Asset))
    assert (asset.name, asset.notes) == ("New", "one\r\ntwo")


def test_the_staff_list_exports_and_imports_back_unchanged(ctx, make):
    make.person("Siân Llŷr 👩🏽‍💻", email="sian@ashbrook.sch.uk", staff_number="000123",
                notes="Keys:\r\n=locker 4", job_title="-")  # fmt: skip
    make.person("Mr L Left", email="left@ashbrook.sch.uk", active=False, notes="a\rb")
    make.person("Mrs N Quinn", staff_number="SN_x0041_", email="quinn@ashbrook.sch.uk",
                contract_end_date=dt.date(2027, 8, 31))  # fmt: skip

    data = exports.staff_list(include_inactive=True).content

    assert dict(preview(data, "people").summary.counts) == {"unchanged": 3}
