"""Spreadsheets around an import: the audit of what it did, the template, and the rows with
problems, each reading back as it should."""

from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, Person, User
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.exports import imports as exports
from tests.support.sheets import csv_bytes, reopen, table_of


def test_the_audit_of_an_import(ctx, make):
    laptop = make.category("Laptop")
    make.asset("ASH-1", category=laptop, name="Old")
    office = db.session.get(User, make.user("office", name="Mrs Office").id)
    data = csv_bytes(
        [["Asset tag", "Name", "Category", "Location"], ["ASH-1", "New", "Laptop", ""],
         ["ASH-2", "Second", "Laptop", "Hall"]]
    )  # fmt: skip
    pending = imports.stage(office, "assets", "register.csv", data)
    db.session.commit()
    choices = imports.Choices(create_locations=True)
    preview = imports.preview(pending, choices)
    imports.apply(office, pending, choices, preview.fingerprint)
    db.session.commit()
    make.asset("ASH-3", category=laptop)  # a later change is not part of the import

    event = imports.applied_event(pending.id)
    workbook = reopen(exports.import_audit(event).content)
    facts = {row[0].value: row[1].value for row in workbook["Import"].iter_rows(min_row=3)}
    assert facts["File"] == "register.csv" and facts["Imported by"] == "Mrs Office"
    assert (facts["Added"], facts["Updated"], facts["Unchanged"]) == (1, 1, 0)
    assert facts["Locations added"] == "Hall"
    assert facts["SHA-256 of the file"] == pending.sha256
    changes = [[c.value for c in row][1:] for row in workbook["Changes"].iter_rows(min_row=3)]
    assert changes == [
        ["ASH-2", "Added", "Name: Second; Category: Laptop; Location: Hall"],
        ["ASH-1", "Updated", "Name: Old \u2192 New"],
    ]


def test_the_template_reads_back_as_an_empty_register(ctx):
    data = exports.import_template("assets").content
    workbook = reopen(data)
    assert workbook.sheetnames == ["Asset register", "Guide"]
    assert [c.value for c in workbook["Asset register"][2]][:3] == ["Asset tag", "Name", "Category"]
    guide = {row[0].value: row[2].value for row in workbook["Guide"].iter_rows(min_row=3)}
    assert "Required" in guide["Asset tag"]
    preview = imports.import_file(None, "assets", "t.xlsx", data, imports.Choices(), write=False)
    assert preview.summary.rows == 0 and preview.problem is None
    assert all(column.field for column in preview.columns), "every heading is recognised"
    people = imports.import_file(
        None,
        "people",
        "t.xlsx",
        exports.import_template("people").content,
        imports.Choices(),
        write=False,
    )
    assert all(column.field for column in people.columns)


def test_the_rows_with_problems_come_back_with_what_to_fix(ctx, make):
    make.category("Laptop")
    office = db.session.get(User, make.user("office").id)
    data = csv_bytes(
        [
            ["Asset tag", "Name", "Category", "Purchase date"],
            ["ASH-1", "Good", "Laptop", "01/02/2024"],
            ["ASH-2", "Bad date", "Laptop", "31/02/2024"],
            ["ASH//3", "Bad tag", "Laptop", ""],
        ]
    )
    pending = imports.stage(office, "assets", "register.csv", data)
    db.session.commit()
    header, rows = table_of(exports.import_errors(pending, imports.Choices()).content)
    assert header == ["Asset tag", "Name", "Category", "Purchase date", "What to fix"]
    assert rows[0][:4] == ["ASH-2", "Bad date", "Laptop", "31/02/2024"]
    assert rows[0][4] == "Row 3. Purchase date: '31/02/2024' is not a date"
    assert rows[1][0] == "ASH//3" and rows[1][4].startswith("Row 4. Asset tag: A tag cannot")
    assert len(rows) == 2
    assert db.session.scalar(select(Person.id)) is None
    assert db.session.scalars(select(Event.action)).all().count("asset.created") == 0
