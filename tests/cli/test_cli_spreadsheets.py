"""flask import / flask export: the same preview and the same all-or-nothing apply as the pages."""

import re

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Category, Event
from tests.support.pages import count
from tests.support.sheets import csv_bytes, table_of, workbook_bytes

REGISTER = [
    ["Asset Tag", "Name", "Category", "Room"],
    ["ASH-1", "Dell Latitude", "Laptop", "ICT suite"],
    ["ASH-2", "iPad", "Tablet", ""],
]


def test_import_checks_first_and_applies_with_apply(app, runner, make, tmp_path, database):
    make.category("Laptop")
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(REGISTER))

    checked = runner.invoke(args=["import", "assets", str(path)])
    assert checked.exit_code == 1, checked.output
    assert "row 2, Room: 'ICT suite' is not a location in the register" in checked.output
    assert "row 3, Category: 'Tablet' is not a category" in checked.output
    assert "Nothing was saved" in checked.output
    assert count(app, Asset) == 0

    ticks = ["--create-categories", "--create-locations"]
    preview = runner.invoke(args=["import", "assets", str(path), *ticks])
    assert preview.exit_code == 0, preview.output
    assert "2 to add, 0 to update, 0 unchanged, 0 with problems" in preview.output
    assert "New categories to add: Tablet" in preview.output
    assert re.search(r"D Room +-> Location", preview.output)
    assert "Run again with --apply" in preview.output
    assert count(app, Asset) == 0 and count(app, Category) == 1

    applied = runner.invoke(args=["import", "assets", str(path), "--apply", *ticks])
    assert applied.exit_code == 0, applied.output
    assert "Imported: 2 added, 0 updated, 0 unchanged." in applied.output
    assert count(app, Asset) == 2
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.action == "import.applied"))
        assert event.actor_id is None and event.changes["created"] == 2

    again = runner.invoke(args=["import", "assets", str(path), "--apply", *ticks])
    assert again.exit_code == 0 and "Nothing to import" in again.output


def test_import_with_a_problem_saves_nothing(app, runner, make, tmp_path):
    make.category("Laptop")
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([["Asset tag", "Name", "Category"], ["ASH-1", "A", "Laptop"],
                                ["ASH//2", "B", "Laptop"]]))  # fmt: skip
    result = runner.invoke(args=["import", "assets", str(path), "--apply"])
    assert result.exit_code == 1
    assert "row 3, Asset tag: A tag cannot start or end with" in result.output
    assert count(app, Asset) == 0


def test_an_unreadable_file_gives_its_message(runner, tmp_path):
    path = tmp_path / "register.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    result = runner.invoke(args=["import", "people", str(path)])
    assert result.exit_code == 1 and "old Excel 97-2003" in result.output


def test_import_people_and_export_both(app, runner, make, tmp_path):
    make.asset("ASH-1", category=make.category("Laptop"), name="Dell")
    staff = tmp_path / "staff.csv"
    staff.write_bytes(csv_bytes([["Name", "Email"], ["Mrs N Quinn", "quinn@ashbrook.sch.uk"]]))
    result = runner.invoke(args=["import", "people", str(staff), "--apply"])
    assert result.exit_code == 0 and "1 added" in result.output, result.output

    assets_file, people_file = tmp_path / "assets.xlsx", tmp_path / "people.xlsx"
    result = runner.invoke(args=["export", "assets", str(assets_file), "--search", "dell"])
    assert result.exit_code == 0 and "Wrote 1 assets" in result.output
    assert [row[0] for row in table_of(assets_file.read_bytes())[1]] == ["ASH-1"]
    result = runner.invoke(args=["export", "people", str(people_file)])
    assert result.exit_code == 0
    assert table_of(people_file.read_bytes())[1][0][:2] == ["Mrs N Quinn", "quinn@ashbrook.sch.uk"]


def test_export_loans_reports_leavers_and_declarations(runner, make, tmp_path):
    make.terms()
    guthrie, quinn = make.person("Miss A Guthrie"), make.person("Mrs N Quinn")
    make.lend(make.asset("ASH-1"), guthrie, returned=True)
    make.loan(make.asset("ASH-2"), quinn)
    make.incident(make.asset("ASH-3"), kind="theft")
    make.declaration(guthrie)

    def exported(*args) -> list[list]:
        path = tmp_path / f"{args[0]}.xlsx"
        result = runner.invoke(args=["export", args[0], str(path), *args[1:]])
        assert result.exit_code == 0, result.output
        assert f"to {path}" in result.output
        return table_of(path.read_bytes())[1]

    assert [row[0] for row in exported("loans")] == ["ASH-2"]
    history = exported("loans", "--view", "history", "--search", "guthrie", "--from", "2020-01-01")
    assert [row[0] for row in history] == ["ASH-1"]
    assert [row[4] for row in exported("reports")] == ["ASH-3"]
    assert exported("leavers", "--days", "90") == []
    assert [row[0] for row in exported("declarations", "--unsigned")] == ["Mrs N Quinn"]
    result = runner.invoke(args=["export", "loans", str(tmp_path / "x.xlsx"), "--from", "31/02"])
    assert result.exit_code != 0 and "31/02" in result.output


def test_import_says_how_it_reads_the_header_and_dates_and_takes_the_answers(
    app, runner, make, tmp_path
):
    make.category("Laptop")
    path = tmp_path / "us.csv"
    rows = [["Asset register"], ["Asset tag", "Name", "Category", "Purchase date"]]
    path.write_bytes(csv_bytes([*rows, ["ASH-1", "Chromebook", "Laptop", "3/1/23"]]))

    asked = runner.invoke(args=["import", "assets", str(path)])
    assert asked.exit_code == 0, asked.output
    assert "Column headings read from row 2." in asked.output
    assert (
        "Dates in Purchase date are read day first (3/1/23 reads both ways); "
        "choose with --dates day-first or --dates month-first." in asked.output
    )

    applied = runner.invoke(
        args=["import", "assets", str(path), "--dates", "month-first", "--apply"]
    )
    assert applied.exit_code == 0, applied.output
    assert "are read month first" in applied.output
    with app.app_context():
        assert str(db.session.scalar(select(Asset.purchase_date))) == "2023-03-01"

    chosen = runner.invoke(args=["import", "assets", str(path), "--header-row", "1"])
    assert "Column headings read from row 1." in chosen.output
    assert "No column is set to Asset tag" in chosen.output


def test_import_shows_the_statuses_warnings_and_unmatched_holders_before_applying(
    app, runner, make, tmp_path
):
    """Everything the preview page shows is printed, so --apply does nothing unseen."""
    make.category("Laptops")
    make.person("Jane Smith", email="jsmith@ashbrook.sch.uk")
    path = tmp_path / "snipe-it.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["Asset Tag", "Asset Name", "Category", "Checked Out", "Status"],
                ["ASH-1", "Laptop", "Laptops", "Jane Smith", "Out for Repair (undeployable)"],
                ["ASH-2", "Laptop", "Laptops", "", "With the supplier (undeployable)"],
                ["ASH-3", "Laptop", "Laptops", "Sam Nobody", "Ready to Deploy (deployable)"],
            ]
        )
    )
    supplier = "With the supplier (undeployable)"

    checked = runner.invoke(args=["import", "assets", str(path)])
    assert checked.exit_code == 1, checked.output
    output = checked.output
    assert "Statuses of the new assets (choose with --status 'LABEL=CHOICE'):" in output
    assert "  Out for Repair (undeployable) (1 row) -> In repair" in output
    assert f"  {supplier} (1 row) -> not recognised: choose what it becomes" in output
    assert "Holders not on the staff list" in output and "  Sam Nobody (1 item)" in output
    assert "Check before applying (1):" in output
    assert "row 2 (ASH-1), Checked Out: ASH-1 is in repair and cannot be lent to Jane Smith" in (
        output
    )

    applied = runner.invoke(
        args=["import", "assets", str(path), "--status", f"{supplier}=retired", "--apply"]
    )
    assert applied.exit_code == 0, applied.output
    assert f"  {supplier} (1 row) -> Retired" in applied.output
    assert "Imported: 3 added" in applied.output
    with app.app_context():
        assert db.session.scalar(select(Asset.status).where(Asset.tag == "ASH-2")) == "retired"


def test_a_status_answer_must_be_label_equals_one_of_the_choices(runner, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(REGISTER))
    for answer, message in (("Broken", "is not LABEL=CHOICE"), ("Broken=fixed", "'fixed' is not")):
        result = runner.invoke(args=["import", "assets", str(path), "--status", answer])
        assert result.exit_code == 2 and message in result.output, result.output


def test_import_reads_the_sheet_chosen_and_names_the_others(app, runner, make, tmp_path):
    make.category("Laptop")
    path = tmp_path / "register.xlsx"
    old = [["Asset tag", "Name", "Category"], ["OLD-1", "Old laptop", "Laptop"]]
    path.write_bytes(workbook_bytes({"Register": REGISTER[:2], "Old register": old}))

    automatic = runner.invoke(args=["import", "assets", str(path)])
    assert (
        "Read the sheet 'Register'; the workbook also has 'Old register' (choose with --sheet)."
        in automatic.output
    )

    chosen = runner.invoke(
        args=["import", "assets", str(path), "--sheet", "Old register", "--apply"]
    )
    assert chosen.exit_code == 0, chosen.output
    with app.app_context():
        assert db.session.scalars(select(Asset.tag)).all() == ["OLD-1"]
    missing = runner.invoke(args=["import", "people", str(path), "--sheet", "Staff"])
    assert missing.exit_code == 1 and "no visible sheet named 'Staff'" in missing.output
