"""Importing the register: headers found, every value checked, a preview that writes nothing,
and an apply that writes every row or none."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Category, Event, Location, PendingImport, Person, User, sort_key
from assets.services.common.errors import DomainError
from assets.services.people.people import active_people
from assets.services.register import places, register
from assets.services.spreadsheets import bulk, imports
from assets.services.spreadsheets.exports import register as exports
from assets.services.spreadsheets.imports import engine
from tests.support.imports import apply, check, counts
from tests.support.sheets import csv_bytes, edited, xlsx_bytes

HEADER = ["Asset tag", "Name", "Category", "Location", "Serial number"]


def table_counts() -> dict:
    models = (Asset, Category, Location, Person, Event, PendingImport)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def asset(tag: str) -> Asset:
    return db.session.scalar(select(Asset).where(Asset.tag == tag))


# ---- columns --------------------------------------------------------------------------------


def test_headers_are_matched_ignoring_case_spaces_and_punctuation(ctx, make):
    make.category("Laptop")
    make.location("Room 12")
    data = csv_bytes(
        [
            ["ASSET NO.", "item", "make", "Room", "Serial No.", "Date of purchase", "Price", "??"],
            ["A1", "Latitude", "Dell", "room 12", "0012", "01/09/2024", "£649", "x"],
        ]
    )
    preview = check(data)
    assert [(c.header, c.field) for c in preview.columns] == [
        ("ASSET NO.", "tag"),
        ("item", "name"),
        ("make", "manufacturer"),
        ("Room", "location"),
        ("Serial No.", "serial_number"),
        ("Date of purchase", "purchase_date"),
        ("Price", "purchase_cost"),
        ("??", ""),
    ]
    # No category column: a new asset cannot be added, and the row says so.
    assert preview.summary.errors == ["row 2, Category: a new asset needs a category"]


def test_a_snipe_it_custom_report_is_understood(ctx, make):
    make.category("Laptops")
    make.location("Main office")
    header = [
        "Company", "Asset Name", "Asset Tag", "Model", "Model No.", "Category", "Manufacturer",
        "Serial", "Purchased", "Cost", "EOL", "Order Number", "Supplier", "Location",
        "Default Location", "Checked Out", "Type", "Status", "Warranty", "Warranty Expires",
        "Notes", "Created At",
    ]  # fmt: skip
    row = [
        "Ashbrook", "", "000123", "Latitude 5440", "P137G", "Laptops", "Dell", "7KX2M9Q",
        "2024-02-03", "1,299.00", "", "PO-1", "XMA", "Main office", "", "Ms Smith", "user",
        "Deployed (deployed)", "36", "", "spare charger", "2024-02-03 10:00:00",
    ]  # fmt: skip
    preview = check(csv_bytes([header, row]))
    fields = {c.header: c.field for c in preview.columns}
    assert fields == {
        "Company": "",
        "Asset Name": "name",
        "Asset Tag": "tag",
        "Model": "model",
        "Model No.": "",
        "Category": "category",
        "Manufacturer": "manufacturer",
        "Serial": "serial_number",
        "Purchased": "purchase_date",
        "Cost": "purchase_cost",
        "EOL": "",
        "Order Number": "",
        "Supplier": "supplier",
        "Location": "location",
        "Default Location": "",
        "Checked Out": "holder",
        "Type": "holder_type",
        "Status": "status_label",
        "Warranty": "warranty_months",
        "Warranty Expires": "warranty_end",
        "Notes": "notes",
        "Created At": "",
    }
    notes = {c.header: c.note for c in preview.columns if c.note}
    assert "Snipe-IT" in notes["Company"] and "one location" in notes["Default Location"]
    assert counts(preview) == {"create": 1}
    # Ms Smith is not on the staff list: listed, and the asset comes in without a loan.
    assert preview.missing["holders"] == {"Ms Smith": 1}
    assert [q.chosen for q in preview.statuses] == ["available"]

    apply(csv_bytes([header, row]))
    imported = asset("000123")
    assert imported.name == "Dell Latitude 5440", "an empty name comes from make and model"
    assert imported.serial_number == "7KX2M9Q"
    assert imported.purchase_cost == Decimal("1299.00")
    assert imported.warranty_end == date(2027, 2, 3), "36 months from the purchase date"
    assert imported.location.name == "Main office" and imported.notes == "spare charger"


def test_columns_can_be_chosen_by_hand_and_a_field_only_once(ctx, make):
    make.category("Laptop")
    data = csv_bytes([["Code", "Description", "Kind"], ["X1", "Visualiser", "Laptop"]])
    assert check(data).problem.startswith("No column is set to Asset tag")
    preview = check(data, mapping=("tag", "name", "category"))
    assert counts(preview) == {"create": 1}
    with pytest.raises(DomainError, match="Two columns are set to Asset tag: Code and Kind"):
        check(data, mapping=("tag", "name", "tag"))
    with pytest.raises(DomainError, match="not something this import can set"):
        check(data, mapping=("tag", "name", "status"))


# ---- values ---------------------------------------------------------------------------------


def test_values_are_read_the_way_a_school_writes_them(ctx, make):
    make.category("Laptop")
    header = [*HEADER, "Purchase date", "Purchase cost", "Warranty ends", "Encrypted", "Notes"]
    data = xlsx_bytes(
        [
            header,
            ["  007 ", "  Dell  ", "laptop", None, "000123", date(2024, 2, 3), 649, "3/2/27",
             "yes", "  "],
            ["ASH-2", "iPad", "LAPTOP", None, 12345, "03-02-2024", "£1,299.50", None, "N", "x"],
        ]
    )  # fmt: skip
    apply(data, "register.xlsx")
    first, second = asset("007"), asset("ASH-2")
    assert (first.name, first.category.name, first.serial_number) == ("Dell", "Laptop", "000123")
    assert first.purchase_date == date(2024, 2, 3) and first.warranty_end == date(2027, 2, 3)
    assert first.purchase_cost == Decimal("649.00") and first.encrypted is True
    assert first.notes == ""
    assert second.serial_number == "12345" and second.purchase_date == date(2024, 2, 3)
    assert second.purchase_cost == Decimal("1299.50") and second.encrypted is False


BAD_VALUES = [
    ("Purchase date", "31/02/2024", "row 2, Purchase date: '31/02/2024' is not a date"),
    ("Purchase date", "02/31/2024", "row 2, Purchase date: '02/31/2024' is not a date"),
    ("Warranty ends", "soon", "row 2, Warranty ends: 'soon' is not a date"),
    ("Purchase cost", "abc", "row 2, Purchase cost: 'abc' is not an amount of money"),
    ("Purchase cost", "-5", "row 2, Purchase cost: '-5' is negative"),
    ("Purchase cost", "$40", "row 2, Purchase cost: '$40' is not an amount in pounds"),
    ("Encrypted", "maybe", "row 2, Encrypted: 'maybe' is not yes or no"),
    ("Condition", "shiny", "row 2, Condition: 'shiny' is not a condition"),
    ("Warranty months", "lots", "row 2, Warranty months: 'lots' is not a number of months"),
    ("Asset tag", "ASH\t1", "row 2, Asset tag: A tag cannot hold line breaks, tabs"),
    ("Asset tag", "IT//1", "row 2, Asset tag: A tag cannot start or end with"),
    ("Asset tag", "T" * 256, "row 2, Asset tag: '" + "T" * 40),
    ("Name", "N" * 256, "is too long: 256 characters, the most allowed is 255"),
    ("Category", "Tablets", "row 2, Category: 'Tablets' is not a category in the register"),
    ("Location", "Attic", "row 2, Location: 'Attic' is not a location in the register"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_VALUES)
def test_every_bad_value_is_reported_with_its_row_and_column(ctx, make, column, value, message):
    make.category("Laptop")
    row = {"Asset tag": "ASH-1", "Name": "Laptop", "Category": "Laptop"} | {column: value}
    data = csv_bytes([list(row), list(row.values())])
    before = table_counts()
    preview = check(data)
    assert counts(preview) == {"error": 1}
    assert len(preview.summary.errors) == 1
    assert message in preview.summary.errors[0]
    assert not preview.can_apply
    with pytest.raises(DomainError, match="Nothing was imported"):
        apply(data)
    db.session.rollback()
    assert table_counts() == before


def test_a_missing_tag_name_or_purchase_date_is_reported(ctx, make):
    make.category("Laptop")
    data = csv_bytes(
        [
            ["Asset tag", "Name", "Category", "Warranty months"],
            ["", "Laptop", "Laptop", ""],
            ["ASH-2", "", "Laptop", ""],
            ["ASH-3", "Laptop", "Laptop", "36"],
        ]
    )
    preview = check(data)
    assert preview.summary.errors == [
        "row 2, Asset tag: give the asset tag printed on the label",
        "row 3, Name: Give the device a name, such as its model.",
    ]
    # Warranty months without a purchase date are not refused (Snipe-IT allows them): the
    # row imports with no warranty end, and the preview says so.
    assert preview.summary.warnings == [
        (
            4,
            "ASH-3",
            "Warranty months",
            "36 months, but no purchase date to count them from: the warranty end is not set",
        )
    ]


def test_warranty_months_with_an_unreadable_purchase_date_report_only_the_date(ctx, make):
    make.category("Laptop")
    data = csv_bytes(
        [
            ["Asset tag", "Name", "Category", "Purchase date", "Warranty months"],
            ["ASH-3", "Laptop", "Laptop", "31/02/2024", "36"],
        ]
    )
    (error,) = check(data).summary.errors
    assert error.startswith("row 2, Purchase date: ")


def test_every_problem_of_a_row_is_listed_at_once(ctx, make):
    make.category("Laptop")
    data = csv_bytes(
        [[*HEADER[:4], "Purchase date", "Purchase cost"],
         ["ASH-1", "One", "Tablets", "Attic", "31/02/2024", "lots"]]
    )  # fmt: skip
    assert [message.split(":")[0] for message in check(data).summary.errors] == [
        "row 2, Purchase date",
        "row 2, Purchase cost",
        "row 2, Category",
        "row 2, Location",
    ]


def test_duplicate_tags_in_the_file_are_caught_whatever_their_case(ctx, make):
    make.category("Laptop")
    rows = [["ASH-1", "A", "Laptop"], ["B-2", "B", "Laptop"], ["ash-1", "C", "Laptop"]]
    preview = check(csv_bytes([HEADER[:3], *rows]))
    assert preview.summary.errors == [
        "row 4, Asset tag: 'ash-1' is also on row 2; a tag can be on one row"
    ]


def test_formulas_come_in_as_their_values_never_as_formula_text(ctx, make):
    make.category("Laptop")
    data = xlsx_bytes([HEADER[:3], ["ASH-1", '=UPPER("dell")', "Laptop"]])
    # openpyxl writes a formula with no value, as a program that never calculates does.
    preview = check(data, "register.xlsx")
    assert preview.summary.errors == ["row 2, Name: Give the device a name, such as its model."]
    # Excel saves the value it calculated beside the formula: that is what comes in.
    calculated = _rewrite_sheet(
        data, b'<c r="B2"><f>UPPER("dell")</f><v/></c>',
        b'<c r="B2" t="str"><f>UPPER("dell")</f><v>DELL</v></c>',
    )  # fmt: skip
    [row] = check(calculated, "register.xlsx").summary.shown["create"]
    assert row.values["name"] == "DELL"


def _rewrite_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # An empty <v> as openpyxl writes it with lxml or without.
                part = part.replace(b"<v />", b"<v/>").replace(b"<v></v>", b"<v/>")
                assert old in part
                part = part.replace(old, new)
            target.writestr(info.filename, part)
    return out.getvalue()


# ---- what a row does ------------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_round_trip_export_then_import_changes_nothing(ctx, make, database):
    laptop, tablet = make.category("Laptop"), make.category("Tablet")
    store = make.location("Office store")
    person = make.person("Miss A Guthrie", staff_number="0042")
    make.asset(
        "ASH-0001",
        category=laptop,
        location=store,
        name="=SUM(A1) is not a formula",
        serial_number="000123",
        manufacturer="Dell",
        model="Latitude",
        condition="fair",
        purchase_date=date(2023, 9, 12),
        purchase_cost=Decimal("649.99"),
        supplier="+44 supplies",
        warranty_end=date(2026, 9, 12),
        encrypted=True,
        software_image="@image",
        notes="line one\nline two",
    )
    make.asset("007", category=tablet, name="iPad", notes="-")
    loaned = make.asset("ASH-0002", category=laptop)
    _lend(loaned.id, person.id, due_on=date(2026, 12, 1))

    preview = check(exports.asset_register(register.AssetFilter()).content, "export.xlsx")
    assert preview.problem is None
    assert counts(preview) == {"unchanged": 3}
    assert not preview.can_apply

    people = check(exports.staff_list().content, "staff.xlsx", kind="people")
    assert counts(people) == {"unchanged": 1}


def _lend(asset_id: int, person_id: int, due_on: date) -> None:
    from assets.models import Loan
    from assets.models.base import utcnow

    db.session.add(Loan(asset_id=asset_id, person_id=person_id, out_at=utcnow(), due_on=due_on))
    db.session.get(Asset, asset_id).status = "on_loan"
    db.session.commit()


def test_twenty_rows_fixed_in_excel_are_exactly_the_twenty_changes(ctx, make, database):
    laptop = make.category("Laptop")
    make.location("Library")
    for n in range(30):
        make.asset(f"ASH-{n:04}", category=laptop, purchase_cost=Decimal("100.00"))
    exported = exports.asset_register(register.AssetFilter()).content

    def fix(sheet):
        # Rows 3 to 32 hold the assets, under the caption and the header.
        for row in range(3, 23):
            if row % 2:
                sheet.cell(row=row, column=4).value = "Library"
            else:
                sheet.cell(row=row, column=10).value = 125.5

    data = edited(exported, fix)
    preview = check(data, "export.xlsx")
    assert counts(preview) == {"update": 20, "unchanged": 10}
    changes = {r.label: r.changes for r in preview.summary.shown["update"]}
    assert changes["ASH-0000"] == {"Location": ("", "Library")}
    assert changes["ASH-0001"] == {"Purchase cost": ("£100.00", "£125.50")}
    assert len(changes) == 20 and all(len(c) == 1 for c in changes.values())

    result = imports.import_file(
        None,
        "assets",
        "export.xlsx",
        data,
        imports.Choices(),
        write=True,
        fingerprint=preview.fingerprint,
    )
    db.session.commit()
    assert counts(result) == {"update": 20, "unchanged": 10}
    assert asset("ASH-0000").location.name == "Library"
    assert asset("ASH-0001").purchase_cost == Decimal("125.50")
    updated = db.session.scalars(select(Event).where(Event.action == "asset.updated")).all()
    assert len(updated) == 20
    cost_change = next(e for e in updated if e.asset_id == asset("ASH-0001").id)
    assert cost_change.changes == {"purchase_cost": ["100.00", "125.50"]}
    assert cost_change.summary == "Asset ASH-0001: purchase_cost changed"
    [applied] = db.session.scalars(select(Event).where(Event.action == "import.applied")).all()
    assert applied.changes["updated"] == 20 and applied.changes["unchanged"] == 10
    assert applied.changes["created"] == 0 and applied.changes["file"] == "export.xlsx"
    assert all(e.at == applied.at for e in updated), "the apply's events share its time"

    again = check(data, "export.xlsx")
    assert counts(again) == {"unchanged": 30}


def test_new_assets_get_the_same_event_as_the_register_gives_them(ctx, make, database):
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, serial_number="0099", purchase_cost=Decimal("5"))
    by_service = db.session.scalar(select(Event).where(Event.action == "asset.created"))
    apply(
        csv_bytes(
            [
                [*HEADER[:3], "Serial number", "Purchase cost"],
                ["ASH-2", "Visualiser Q9", "Laptop", "0099", "5"],
            ]
        )
    )
    by_import = db.session.scalars(
        select(Event).where(Event.action == "asset.created").order_by(Event.id.desc())
    ).first()
    assert by_import.summary == "Asset ASH-2 added to the register"
    assert set(by_import.changes) == set(by_service.changes)
    assert by_import.changes["purchase_cost"] == "5.00"
    # The search index behind the asset list sees the new asset.
    found = db.session.scalars(register.asset_select(register.AssetFilter(q="aliser q9"))).all()
    assert [a.tag for a in found] == ["ASH-2"]


def test_updated_assets_are_found_by_their_new_values(ctx, make, database):
    laptop = make.category("Laptop")
    for n in range(3):
        make.asset(f"ASH-{n}", category=laptop, name=f"Old name {n}", serial_number=f"OLD{n}")
    rows = [[f"ASH-{n}", f"Zebra visualiser {n}", "Laptop", "", f"NEW{n}"] for n in range(3)]
    apply(csv_bytes([HEADER, *rows]))

    def found(q):
        return [a.tag for a in db.session.scalars(register.asset_select(register.AssetFilter(q=q)))]

    assert found("zebra vis") == ["ASH-0", "ASH-1", "ASH-2"]
    assert found("new1") == ["ASH-1"]
    assert found("old name") == [] and found("old1") == []
    assert asset("ASH-2").serial_number == "NEW2" and asset("ASH-2").location is None


def test_blank_cells_clear_optional_values_and_keep_required_ones(ctx, make):
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, name="Old", serial_number="S1", condition="poor")
    data = csv_bytes([["Asset tag", "Name", "Serial number", "Condition"], ["ASH-1", "", "", ""]])
    [row] = check(data).summary.shown["update"]
    assert row.changes == {"Serial number": ("S1", "")}


def test_missing_categories_and_locations_are_added_only_when_ticked(ctx, make, database):
    make.category("Laptop")
    data = csv_bytes(
        [HEADER[:4], ["A1", "One", "Tablet", "Hall"], ["A2", "Two", "tablet", "Library"]]
    )
    before = table_counts()
    refused = check(data)
    assert counts(refused) == {"error": 2}
    assert refused.missing == {
        "categories": {"Tablet": 1, "tablet": 1},
        "locations": {"Hall": 1, "Library": 1},
    }
    ticked = check(data, create_categories=True, create_locations=True)
    assert counts(ticked) == {"create": 2}
    assert ticked.new_names == {"categories": ["Tablet"], "locations": ["Hall", "Library"]}
    assert table_counts() == before, "a preview writes nothing"

    apply(data, create_categories=True, create_locations=True)
    assert asset("A2").category.name == "Tablet", "matched whatever the case"
    assert {c.name for c in places.categories()} == {"Laptop", "Tablet"}
    actions = db.session.scalars(select(Event.action)).all()
    assert actions.count("category.created") == 2 and actions.count("location.created") == 2


def test_preview_writes_nothing(ctx, make, database):
    make.category("Laptop")
    make.asset("ASH-1", category=make.category("Tablet"))
    data = csv_bytes(
        [HEADER[:4], ["ASH-1", "Renamed", "Laptop", "New room"], ["ASH-2", "Two", "New", ""]]
    )
    before = table_counts()
    preview = check(data, create_categories=True, create_locations=True)
    assert counts(preview) == {"update": 1, "create": 1}
    db.session.commit()
    assert table_counts() == before


# ---- all or nothing -------------------------------------------------------------------------


def test_a_row_that_fails_at_apply_time_rolls_everything_back(ctx, make, database, monkeypatch):
    monkeypatch.setattr(engine, "BATCH", 2)
    laptop = make.category("Laptop")
    tablet = make.category("Tablet")
    rows = [[f"ASH-{n}", f"Laptop {n}", "Laptop"] for n in range(4)] + [["ASH-9", "iPad", "Tablet"]]
    user = db.session.get(User, make.user("office").id)
    pending = imports.stage(user, "assets", "register.csv", csv_bytes([HEADER[:3], *rows]))
    db.session.commit()
    preview = imports.preview(pending, imports.Choices())
    assert preview.can_apply
    # Before the apply, someone renames the category the last row names.
    places.save_category(
        None,
        db.session.get(Category, tablet.id),
        name="Tablets",
        terms_kind="equipment",
        loan_kind="short",
        default_loan_days=None,
    )
    db.session.commit()
    before = table_counts()

    with pytest.raises(DomainError, match="row 6, Category: 'Tablet' is not a category"):
        imports.apply(user, pending, imports.Choices(), preview.fingerprint)
    db.session.rollback()
    assert table_counts() == before, "the first two batches were written, then rolled back"
    assert db.session.get(PendingImport, pending.id).applied_at is None
    assert laptop.id


def test_a_database_failure_mid_apply_rolls_everything_back(ctx, make, database, monkeypatch):
    monkeypatch.setattr(engine, "BATCH", 2)
    make.category("Laptop")
    rows = [[f"ASH-{n}", f"Laptop {n}", "Laptop"] for n in range(6)]
    data = csv_bytes([HEADER[:3], *rows])
    before = table_counts()
    calls = []
    execute = bulk._execute

    def failing(connection, statements):
        calls.append(1)
        if len(calls) == 3:  # after the first batch is written, on either database
            raise RuntimeError("the disk is full")
        return execute(connection, statements)

    monkeypatch.setattr(bulk, "_execute", failing)
    with pytest.raises(RuntimeError, match="disk is full"):
        apply(data)
    db.session.rollback()
    assert table_counts() == before


def test_apply_refuses_when_the_register_changed_since_the_preview(ctx, make, database):
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, name="Old name")
    user = db.session.get(User, make.user("office").id)
    data = csv_bytes([HEADER[:3], ["ASH-1", "New name", "Laptop"], ["ASH-2", "Two", "Laptop"]])
    pending = imports.stage(user, "assets", "register.csv", data)
    db.session.commit()
    preview = imports.preview(pending, imports.Choices())
    assert counts(preview) == {"update": 1, "create": 1}
    edit = register.AssetDetails(tag="ASH-1", name="Another name", category_id=laptop.id)
    register.update_asset(None, asset("ASH-1"), edit)
    db.session.commit()
    before = table_counts()

    with pytest.raises(DomainError, match="changed since the preview"):
        imports.apply(user, pending, imports.Choices(), preview.fingerprint)
    db.session.rollback()
    assert table_counts() == before
    assert asset("ASH-1").name == "Another name"
    with pytest.raises(DomainError, match="changed since the preview"):
        imports.apply(user, pending, imports.Choices(create_categories=True), preview.fingerprint)
    db.session.rollback()

    fresh = imports.preview(pending, imports.Choices())
    imports.apply(user, pending, imports.Choices(), fresh.fingerprint)
    db.session.commit()
    assert asset("ASH-1").name == "New name"
    with pytest.raises(DomainError, match="already been imported"):
        imports.apply(user, pending, imports.Choices(), fresh.fingerprint)


def test_a_file_that_changes_nothing_cannot_be_applied(ctx, make):
    make.asset("ASH-1", category=make.category("Laptop"), name="Same")
    with pytest.raises(DomainError, match="changes nothing"):
        apply(csv_bytes([HEADER[:3], ["ASH-1", "Same", "Laptop"]]))


# ---- the stored upload ----------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 1, 6])
def test_an_upload_read_back_in_pieces_is_the_file_uploaded(
    ctx, make, database, monkeypatch, extra
):
    """The stored file is read a piece at a time: one ending on a piece's edge, just past it
    or short of it comes back byte for byte, and only then previews and applies."""
    make.category("Laptop")
    monkeypatch.setattr(imports, "UPLOAD_PIECE", 7)
    data = csv_bytes([HEADER, ["Ł1", "Zoë's laptop", "Laptop", "", "SN-0"]])
    data += b"\n" * ((7 - len(data) % 7) % 7 + extra)  # whole pieces, then `extra` bytes
    office = db.session.get(User, make.user("office").id)
    pending = imports.stage(office, "assets", "register.csv", data)
    db.session.commit()
    assert imports._stored(pending) == data
    shown = imports.preview(pending, imports.Choices())
    assert shown.summary.counts["create"] == 1
    imports.apply(office, pending, imports.Choices(), shown.fingerprint)
    db.session.commit()
    assert asset("Ł1").name == "Zoë's laptop"
    assert asset("Ł1").serial_number == "SN-0"


def test_uploads_belong_to_their_uploader_expire_and_are_checked(ctx, make, monkeypatch):
    make.category("Laptop")
    owner = db.session.get(User, make.user("office").id)
    other = db.session.get(User, make.user("admin").id)
    pending = imports.stage(owner, "assets", "C:\\Users\\me\\register.csv", csv_bytes([HEADER]))
    db.session.commit()
    assert pending.filename == "register.csv"
    assert imports.pending_import(owner, pending.id) is pending
    assert imports.pending_import(other, pending.id) is None
    assert [p.id for p in imports.recent_imports(owner)] == [pending.id]

    pending.data = b"Asset tag,Name\nEVIL,changed after upload\n"
    db.session.commit()
    with pytest.raises(DomainError, match="damaged"):
        imports.preview(pending, imports.Choices())

    monkeypatch.setattr(imports, "PENDING_HOURS", -1)
    expired = imports.stage(owner, "assets", "old.csv", csv_bytes([HEADER]))
    db.session.commit()
    assert imports.is_expired(expired)
    with pytest.raises(DomainError, match="expired"):
        imports.preview(expired, imports.Choices())
    imports.stage(owner, "assets", "new.csv", csv_bytes([HEADER]))
    db.session.commit()
    names = db.session.scalars(select(PendingImport.filename)).all()
    assert "old.csv" not in names, "expired uploads are cleared away"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("register.xlsx", b"\x89PNG\r\n\x1a\n....", "PNG picture"),
        ("register.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97-2003"),
        ("register.xlsm", b"PK\x03\x04", "macros"),
        ("register.xlsx", b"PK\x03\x04 truncated", "damaged"),
        ("register.csv", b"", "empty"),
        ("register.csv", b"\n\n", "no header row"),
        ("register.pdf", b"%PDF-1.4", "cannot be imported"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_stored(ctx, make, filename, data, message):
    user = db.session.get(User, make.user("office").id)
    with pytest.raises(DomainError, match=message):
        imports.stage(user, "assets", filename, data)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


# ---- the staff list -------------------------------------------------------------------------


def test_people_are_matched_by_email_or_staff_number(ctx, make, database):
    make.person("Mrs N Quinn", email="quinn@ashbrook.sch.uk", staff_number="S0005")
    make.person("Mr M Savage", email="savage@ashbrook.sch.uk")
    data = csv_bytes(
        [
            ["Staff No", "Email Address", "Full name", "Role", "Leaving date", "Active"],
            ["S0005", "QUINN@ashbrook.sch.uk", "Mrs N Quinn", "Head of Year", "31/08/2027", "y"],
            ["0123", "savage@ashbrook.sch.uk", "Mr M Savage", "", "", ""],
            ["S0777", "", "Ms P New", "Teacher", "", ""],
        ]
    )
    preview = check(data, kind="people")
    assert counts(preview) == {"update": 2, "create": 1}
    changes = {r.label: r.changes for r in preview.summary.shown["update"]}
    assert changes["Mrs N Quinn"] == {
        "Job title": ("", "Head of Year"),
        "Contract ends": ("", "31/08/2027"),
    }
    assert changes["Mr M Savage"] == {"Staff number": ("", "0123")}
    apply(data, kind="people")
    new = db.session.scalar(select(Person).where(Person.staff_number == "S0777"))
    assert new.name == "Ms P New" and new.active and new.email is None
    quinn = db.session.scalar(select(Person).where(Person.staff_number == "S0005"))
    assert quinn.contract_end_date == date(2027, 8, 31)
    event = db.session.scalar(select(Event).where(Event.person_id == new.id))
    assert event.action == "person.created" and event.summary == "Ms P New added to staff"
    # Written round the model, each with the staff list's order kept (created and updated).
    assert all(p.sort_key == sort_key(p.name) for p in db.session.scalars(select(Person)))
    assert [p.name for p in active_people()] == ["Ms P New", "Mrs N Quinn", "Mr M Savage"]


def test_people_with_first_and_last_names_and_conflicts(ctx, make):
    make.person("Mrs N Quinn", email="quinn@ashbrook.sch.uk", staff_number="S0005")
    make.person("Mr M Savage", email="savage@ashbrook.sch.uk", staff_number="S0006")
    data = csv_bytes(
        [
            ["Forename", "Surname", "Email", "Staff number"],
            ["Priya", "Patel", "priya.patel@ashbrook.sch.uk", ""],
            ["Quinn", "", "quinn@ashbrook.sch.uk", "S0006"],
            ["Rhys", "Jones", "not an email", ""],
            ["Carys", "Evans", "", ""],
            ["Priya", "Patel", "PRIYA.PATEL@ashbrook.sch.uk", ""],
        ]
    )
    preview = check(data, kind="people")
    assert counts(preview) == {"create": 1, "error": 4}
    assert preview.summary.shown["create"][0].label == "Priya Patel"
    assert preview.summary.errors == [
        "row 3, Email: the email is Mrs N Quinn's but the staff number is Mr M Savage's",
        "row 4, Email: 'not an email' is not an email address.",
        "row 5, Email: give an email or a staff number, to match the person by",
        "row 6, Email: 'priya.patel@ashbrook.sch.uk' is also on row 2; it can be on one row",
    ]
