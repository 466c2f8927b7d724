"""Importing workbooks as schools really keep them: a "Read me" sheet first, locations merged
down rows, tags formatted 000000, Strict Open XML; and the preview's sheet choice and warnings."""

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset
from assets.services.common.errors import DomainError
from assets.services.spreadsheets import imports
from tests.support.sheets import as_strict, csv_bytes, workbook_bytes

README = [["Ashbrook School asset register"], ["Fill in one row per device."], [None]]
TITLE = ["Asset register - last updated 1 September 2026", None, None, None]
HEADER = ["Asset tag", "Name", "Category", "Location"]


def school_workbook(*, extra_sheets=None) -> bytes:
    """A register as an office keeps it: a read-me first, a title, the location merged over
    the devices of each room, and numeric tags in cells formatted 000000."""
    rows = [
        TITLE,
        HEADER,
        [4711, "Laptop 1", "Laptop", "ICT suite"],
        [4712, "Laptop 2", "Laptop", None],
        [4713, "Laptop 3", "Laptop", None],
        ["LIB-1", "Camera", "Camera", "Library"],
    ]

    def setup(book):
        sheet = book["Register"]
        sheet.merge_cells("A1:D1")
        sheet.merge_cells("D3:D5")
        for row in sheet.iter_rows(min_row=3, max_col=1):
            row[0].number_format = "000000"

    sheets = {"Read me": README, "Register": rows, **(extra_sheets or {})}
    return workbook_bytes(sheets, setup=setup)


def check(data: bytes, filename: str = "register.xlsx", **choices):
    choice = imports.Choices(**choices)
    return imports.import_file(None, "assets", filename, data, choice, write=False)


def apply(data: bytes, filename: str = "register.xlsx", fingerprint=None, **choices):
    choice = imports.Choices(**choices)
    result = imports.import_file(
        None, "assets", filename, data, choice, write=True, fingerprint=fingerprint
    )
    db.session.commit()
    return result


def register() -> dict[str, tuple[str, str | None]]:
    assets = db.session.scalars(select(Asset))
    return {a.tag: (a.name, a.location.name if a.location else None) for a in assets}


@pytest.fixture
def places(ctx, make):
    make.category("Laptop")
    make.category("Camera")
    make.location("ICT suite")
    make.location("Library")


def test_a_school_workbook_imports_as_its_author_meant(places):
    preview = check(school_workbook())

    assert (preview.sheet, preview.sheets) == ("Register", ("Read me", "Register"))
    assert preview.choices.sheet == "Register"
    assert preview.summary.counts["create"] == 4 and preview.can_apply
    assert not preview.summary.warnings

    apply(school_workbook())
    assert register() == {
        "004711": ("Laptop 1", "ICT suite"),
        "004712": ("Laptop 2", "ICT suite"),
        "004713": ("Laptop 3", "ICT suite"),
        "LIB-1": ("Camera", "Library"),
    }


def test_a_read_me_laid_out_as_title_and_notes_is_not_taken_for_the_register(places):
    readme = [["Title", "Notes"], ["Asset register", "One row per device; tags as printed"]]
    register_rows = [HEADER, ["ASH-1", "Laptop 1", "Laptop", "ICT suite"]]
    data = workbook_bytes({"Read me": readme, "Register": register_rows})

    preview = check(data)
    assert (preview.sheet, preview.problem) == ("Register", None)
    assert preview.summary.counts["create"] == 1


def test_another_sheet_can_be_chosen_and_the_preview_is_tied_to_it(places):
    old = [["Tag", "Name", "Category"], ["OLD-1", "Old laptop", "Laptop"]]
    data = school_workbook(extra_sheets={"Old register": old})

    chosen = check(data, sheet="Old register")
    assert chosen.sheet == "Old register"
    assert [column.header for column in chosen.columns] == ["Tag", "Name", "Category"]
    automatic = check(data)
    assert automatic.fingerprint != chosen.fingerprint

    with pytest.raises(DomainError, match="changed since the preview"):
        apply(data, fingerprint=automatic.fingerprint, sheet="Old register")
    db.session.rollback()
    apply(data, fingerprint=chosen.fingerprint, sheet="Old register")
    assert register() == {"OLD-1": ("Old laptop", None)}


def test_a_sheet_that_is_not_in_the_workbook_is_refused_with_the_ones_that_are(places):
    with pytest.raises(DomainError, match="Choose one of: 'Read me', 'Register'"):
        check(school_workbook(), sheet="Sheet9")


def test_a_strict_open_xml_workbook_imports(places):
    apply(as_strict(school_workbook()))
    assert register()["004712"] == ("Laptop 2", "ICT suite")


# ---- near-duplicate tags ----------------------------------------------------------------------


def test_a_numeric_tag_beside_the_same_number_with_zeros_is_a_warning_not_a_refusal(places, make):
    make.asset("004711", name="Laptop 1")
    data = csv_bytes(
        [
            ["Asset tag", "Name", "Category"],
            ["4711", "Laptop 1 again", "Laptop"],
            ["000900", "Visualiser", "Laptop"],
            ["900", "Visualiser", "Laptop"],
            ["ASH-4711", "Other", "Laptop"],
            ["004711", "Laptop 1", "Laptop"],
        ]
    )

    preview = check(data, "register.csv")

    assert preview.summary.counts["create"] == 4 and preview.can_apply
    assert [(number, label) for number, label, _, _ in preview.summary.warnings] == [
        (2, "4711"),
        (4, "900"),
    ]
    _, _, column, message = preview.summary.warnings[0]
    assert column == "Asset tag"
    assert "'4711' would be a new asset, but '004711' is in the register" in message
    assert "one lost its leading zeros" in message
    assert "'900' would be a new asset, but '000900' is on row 3" in preview.summary.warnings[1][3]
    assert preview.summary.warning_count == 2

    apply(data, "register.csv", fingerprint=preview.fingerprint)
    assert {"4711", "004711", "900", "000900"} <= register().keys()


def test_a_warning_that_appears_after_the_preview_makes_the_apply_refuse(places, make):
    data = csv_bytes([["Asset tag", "Name", "Category"], ["4711", "Laptop", "Laptop"]])
    preview = check(data, "register.csv")
    assert not preview.summary.warnings

    make.asset("004711", name="Laptop 1")
    with pytest.raises(DomainError, match="changed since the preview"):
        apply(data, "register.csv", fingerprint=preview.fingerprint)
