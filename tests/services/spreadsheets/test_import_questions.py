"""The preview's questions about the file itself: which row holds the headings, and whether
text dates are written day first or month first. Files as people make them: a title and a
"Last updated" line above the table, dates typed the US way."""

from datetime import date

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Person, User
from assets.services.common.errors import DomainError
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.imports.dates import DAY_FIRST, MONTH_FIRST
from tests.support.imports import apply, check, counts
from tests.support.sheets import csv_bytes, xlsx_bytes

HEADER = ["Asset tag", "Name", "Category", "Purchase date"]


def bought(tag: str) -> date | None:
    return db.session.scalar(select(Asset.purchase_date).where(Asset.tag == tag))


def register_with_dates(*dates: str) -> bytes:
    rows = [[f"ASH-{n}", f"Laptop {n}", "Laptop", day] for n, day in enumerate(dates, 1)]
    return csv_bytes([HEADER, *rows])


# ---- the header row -------------------------------------------------------------------------


def test_title_and_last_updated_rows_above_the_header_are_skipped_in_a_workbook(ctx, make):
    make.category("Laptop")
    data = xlsx_bytes(
        [
            ["Ashbrook Primary School"],
            ["Asset register", None, "Last updated: 01/09/2026"],
            [],
            HEADER,
            ["ASH-1", "Dell Latitude", "Laptop", date(2024, 9, 1)],
            ["ASH-2", "HP ProBook", "Laptop", None],
        ]
    )
    preview = check(data, "register.xlsx")

    assert (preview.header_row, preview.header_sure) == (4, True)
    assert [c.field for c in preview.columns] == ["tag", "name", "category", "purchase_date"]
    assert counts(preview) == {"create": 2}


def test_title_lines_above_the_header_of_a_csv_are_skipped(ctx, make):
    make.category("Laptop")
    text = (
        "Asset register\r\n"
        "Last updated: Monday, 1 September 2026\r\n"
        "\r\n"
        "Asset tag,Name,Category\r\n"
        "ASH-1,Dell Latitude,Laptop\r\n"
    )
    preview = check(text.encode())

    assert (preview.header_row, preview.header_sure) == (4, True)
    assert counts(preview) == {"create": 1}
    assert [r.label for r in preview.summary.shown["create"]] == ["ASH-1"]


def test_headings_nobody_knows_leave_the_first_row_but_ask(ctx):
    data = csv_bytes([["Kit ref", "What"], ["K1", "Trolley"]])
    preview = check(data)

    assert (preview.header_row, preview.header_sure) == (1, False)
    assert preview.top_rows == [(1, ["Kit ref", "What"]), (2, ["K1", "Trolley"])]


def test_two_rows_equally_like_headings_ask_and_the_chosen_one_is_used(ctx, make):
    make.asset("ASH-1", category=make.category("Laptop"), name="Old name")
    rows = [
        ["Name", "Location"],  # a "prepared by" block above the register
        ["Mrs Roebuck", "Office"],
        [],
        ["Asset tag", "Name"],
        ["ASH-1", "Dell Latitude 3440"],
    ]
    preview = check(csv_bytes(rows))
    assert (preview.header_row, preview.header_sure) == (1, False)
    assert "Asset tag" in preview.problem, "read with the first row as header, no tag column"

    chosen = check(csv_bytes(rows), header_row=4)
    assert chosen.header_row == 4
    assert [c.field for c in chosen.columns] == ["tag", "name"]
    assert counts(chosen) == {"update": 1}


def test_a_chosen_header_row_that_is_blank_or_too_far_down_is_refused(ctx):
    data = csv_bytes([["Asset tag", "Name"], [], ["A1", "One"]])
    for row in (2, 99):
        with pytest.raises(DomainError, match=f"Row {row} is empty or is not among the first"):
            check(data, header_row=row)


def test_the_header_row_is_part_of_what_the_apply_must_match(ctx, make, database):
    make.category("Laptop")
    rows = [["Asset tag", "Name", "Category"], ["Asset tag", "Name", "Category"]]
    rows += [["ASH-1", "One", "Laptop"]]
    user = db.session.get(User, make.user("office").id)
    pending = imports.stage(user, "assets", "register.csv", csv_bytes(rows))
    db.session.commit()
    preview = imports.preview(pending, imports.Choices())
    assert not preview.header_sure

    with pytest.raises(DomainError, match="changed since the preview"):
        imports.apply(user, pending, imports.Choices(header_row=2), preview.fingerprint)
    db.session.rollback()
    second = imports.preview(pending, imports.Choices(header_row=2))
    imports.apply(user, pending, imports.Choices(header_row=2), second.fingerprint)
    db.session.commit()
    assert db.session.scalar(select(Asset.name)) == "One"


# ---- day first or month first ---------------------------------------------------------------


def test_dates_that_prove_the_file_us_are_read_month_first_and_the_preview_says_so(
    ctx, make, database
):
    make.category("Laptop")
    data = register_with_dates("12/25/2023", "3/1/23", "")
    preview = check(data)

    assert preview.dates.asked
    assert preview.dates.order == MONTH_FIRST
    assert preview.dates.month_first == "12/25/2023"
    assert preview.dates.columns == ("Purchase date",)
    assert counts(preview) == {"create": 3}
    apply(data)
    assert (bought("ASH-1"), bought("ASH-2"), bought("ASH-3")) == (
        date(2023, 12, 25),
        date(2023, 3, 1),
        None,
    )


def test_the_month_first_reading_can_be_changed_in_the_preview(ctx, make):
    make.category("Laptop")
    preview = check(register_with_dates("12/25/2023", "3/1/23"), date_order=DAY_FIRST)

    assert preview.dates.order == DAY_FIRST
    assert preview.summary.errors == [
        "row 2, Purchase date: '12/25/2023' is not a date (dates are read day first: dd/mm/yyyy)"
    ]


def test_dates_that_read_both_ways_ask_and_are_read_day_first_until_answered(ctx, make):
    make.category("Laptop")
    data = register_with_dates("3/1/23", "04/02/2024", "5/5/2024")
    preview = check(data)

    assert preview.dates.asked
    assert preview.dates.order == DAY_FIRST
    assert preview.dates.either == "3/1/23"
    assert preview.dates.reading(DAY_FIRST) == "3 January 2023"
    assert preview.dates.reading(MONTH_FIRST) == "1 March 2023"

    apply(data, date_order=MONTH_FIRST)
    assert [bought(f"ASH-{n}") for n in (1, 2, 3)] == [
        date(2023, 3, 1),
        date(2024, 4, 2),
        date(2024, 5, 5),
    ]


def test_uk_dates_need_no_question(ctx, make):
    make.category("Laptop")
    data = register_with_dates("25/12/2023", "3/1/23", "2024-02-01", "4 Mar 2024")
    preview = check(data)

    assert not preview.dates.asked
    assert preview.dates.order == DAY_FIRST
    apply(data)
    assert bought("ASH-2") == date(2023, 1, 3)


def test_date_cells_need_no_question(ctx, make):
    make.category("Laptop")
    data = xlsx_bytes([HEADER, ["ASH-1", "One", "Laptop", date(2023, 3, 1)]])
    assert not check(data, "register.xlsx").dates.asked


def test_dates_of_both_kinds_are_row_errors_whichever_is_chosen(ctx, make):
    make.category("Laptop")
    data = register_with_dates("25/12/2023", "12/25/2023")
    day_first = check(data)
    month_first = check(data, date_order=MONTH_FIRST)

    assert day_first.dates.asked and day_first.dates.order == DAY_FIRST
    assert [row for row, *_ in day_first.summary.problems] == [3]
    assert [row for row, *_ in month_first.summary.problems] == [2]
    assert "read month first: mm/dd/yyyy" in month_first.summary.errors[0]


def test_the_date_order_is_part_of_what_the_apply_must_match(ctx, make, database):
    make.category("Laptop")
    user = db.session.get(User, make.user("office").id)
    pending = imports.stage(user, "assets", "register.csv", register_with_dates("3/1/23"))
    db.session.commit()
    preview = imports.preview(pending, imports.Choices())

    with pytest.raises(DomainError, match="changed since the preview"):
        imports.apply(user, pending, imports.Choices(date_order=MONTH_FIRST), preview.fingerprint)
    db.session.rollback()
    imports.apply(user, pending, imports.Choices(date_order=DAY_FIRST), preview.fingerprint)
    db.session.commit()
    assert bought("ASH-1") == date(2023, 1, 3)


def test_an_unknown_date_order_is_refused(ctx):
    with pytest.raises(DomainError, match="day first or month first"):
        check(register_with_dates("3/1/23"), date_order="year-first")


def test_a_staff_list_from_a_us_tool_reads_its_contract_ends_month_first(ctx, database):
    data = csv_bytes(
        [
            ["Name", "Email", "Contract end date"],
            ["Zoë Smith", "z.smith@ashbrook.sch.uk", "08/31/2027"],
            ["Łukasz Nowak", "l.nowak@ashbrook.sch.uk", "7/4/2027"],
        ]
    )
    preview = check(data, kind="people")
    assert (preview.dates.order, preview.dates.month_first) == (MONTH_FIRST, "08/31/2027")

    apply(data, kind="people")
    ends = dict(db.session.execute(select(Person.name, Person.contract_end_date)).all())
    assert ends == {"Zoë Smith": date(2027, 8, 31), "Łukasz Nowak": date(2027, 7, 4)}
