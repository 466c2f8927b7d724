"""What an auditor sees when they open an export: real dates and amounts, safe text, tidy sheets."""

import datetime as dt
import enum
import io
import tempfile
import tracemalloc
import zipfile
from decimal import Decimal

import pytest

from assets.files.xlsx.reader import read_table
from assets.files.xlsx.writer import Column, Sheet, build_workbook
from tests.support.sheets import reopen

COLUMNS = [
    Column("Tag", "text"),
    Column("Purchased", "date"),
    Column("Last seen", "datetime"),
    Column("Cost", "money"),
    Column("Encrypted", "bool"),
    Column("Quantity", "int", width=9),
]
CAPTION = "Ashbrook School \u2013 Asset register \u2013 exported 22/11/2026 14:05"
ROWS = [
    ["007", dt.date(2024, 2, 3), dt.datetime(2024, 2, 3, 14, 5), Decimal("1299.50"), True, 3],
    ["LAP-0012", None, None, 12, False, None],
]


def register(rows=ROWS, columns=COLUMNS, title="Asset register") -> bytes:
    return build_workbook([Sheet(title, columns, iter(rows), CAPTION)])


def test_round_trip_gives_back_values_and_types():
    table = read_table(register(), "export.xlsx")

    assert table.headers == ["Tag", "Purchased", "Last seen", "Cost", "Encrypted", "Quantity"]
    assert table.header_row == 2
    assert list(table.rows) == [
        (3, ["007", dt.date(2024, 2, 3), dt.datetime(2024, 2, 3, 14, 5), 1299.5, True, 3]),
        (4, ["LAP-0012", None, None, 12, False, None]),
    ]


def test_layout_caption_bold_header_frozen_panes_and_filter():
    sheet = reopen(register()).active

    assert sheet["A1"].value == CAPTION
    assert sheet["A1"].font.b
    assert [cell.value for cell in sheet[2]] == [c.header for c in COLUMNS]
    assert all(cell.font.b for cell in sheet[2])
    assert not sheet["A3"].font.b
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:F4"


def test_dates_and_money_are_real_cells_shown_the_uk_way():
    sheet = reopen(register()).active

    assert sheet["B3"].value == dt.datetime(2024, 2, 3)
    assert sheet["B3"].number_format == "dd/mm/yyyy"
    assert sheet["C3"].value == dt.datetime(2024, 2, 3, 14, 5)
    assert sheet["C3"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["D3"].value == 1299.5
    assert sheet["D3"].data_type == "n"
    assert "£" in sheet["D3"].number_format
    assert sheet["D4"].number_format == sheet["D3"].number_format


def shown_width(stored: float) -> float:
    """The width Excel shows in Format > Column width: the file's width less the cell's
    5-pixel padding, in widths of Calibri 11's 7-pixel digits."""
    return round((stored * 7 - 5) / 7, 1)


def test_column_widths_from_spec_or_header():
    sheet = reopen(register()).active
    assert shown_width(sheet.column_dimensions["F"].width) == 9
    assert shown_width(sheet.column_dimensions["B"].width) >= 12
    assert shown_width(sheet.column_dimensions["A"].width) >= len("Tag")


@pytest.mark.parametrize(
    "text", ["=SUM(A1:A2)", "=cmd|' /C calc'!A0", "+44 1234", "-5", "@SUM(1)", "\tx", "#N/A"]
)
def test_formula_looking_text_stays_text(text):
    data = register(rows=[[text, None, None, None, None, None]])
    cell = reopen(data).active["A3"]

    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert next(read_table(data, "export.xlsx").rows) == (3, [text, None, None, None, None, None])


def test_formula_text_in_caption_and_headers_stays_text():
    columns = [Column('=HYPERLINK("x")', "text")]
    data = build_workbook([Sheet("S", columns, iter([]), "=1+1")])
    sheet = reopen(data).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=1+1", "s")
    assert (sheet["A2"].value, sheet["A2"].data_type) == ('=HYPERLINK("x")', "s")
    assert sheet["A2"].font.b


def test_illegal_control_characters_are_removed():
    data = build_workbook(
        [Sheet("Tab\x01", [Column("Note\x02", "text")], iter([["bad\x07\x1bchars"]]), "Cap\x0b")]
    )
    sheet = reopen(data).active
    assert sheet.title == "Tab"
    assert [sheet["A1"].value, sheet["A2"].value, sheet["A3"].value] == ["Cap", "Note", "badchars"]


def test_sheet_titles_are_made_valid_and_unique():
    empty = iter([])
    sheets = [
        Sheet("Assets: 2024/25 [all] *?", COLUMNS, empty, CAPTION),
        Sheet("A very long title for the register of laptops", COLUMNS, empty, CAPTION),
        Sheet("A very long title for the register of tablets", COLUMNS, empty, CAPTION),
        Sheet("", COLUMNS, empty, CAPTION),
    ]
    titles = reopen(build_workbook(sheets)).sheetnames

    assert titles[0] == "Assets- 2024-25 -all- --"
    assert all(len(title) <= 31 for title in titles)
    assert titles[1] != titles[2]
    assert titles[3] == "Sheet"


def test_one_sheet_per_subject():
    data = build_workbook(
        [
            Sheet("Assets", COLUMNS, iter(ROWS), CAPTION),
            Sheet("Staff", [Column("Name", "text")], iter([["A. Teacher"]]), "Staff list"),
        ]
    )
    workbook = reopen(data)
    assert workbook.sheetnames == ["Assets", "Staff"]
    assert workbook["Staff"]["A3"].value == "A. Teacher"


def test_rows_are_consumed_lazily_with_flat_memory():
    def many(count):
        for number in range(count):
            yield [f"T{number:05}", dt.date(2024, 1, 1), None, number * 1.5, True, number]

    tracemalloc.start()
    build_workbook([Sheet("Big", COLUMNS, many(400), CAPTION)])
    small_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    build_workbook([Sheet("Big", COLUMNS, many(4_000), CAPTION)])
    big_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # Ten times the rows must not need ten times the memory: only the output grows.
    assert big_peak < small_peak * 3


def test_row_longer_than_columns_is_a_bug_not_silently_cut():
    with pytest.raises(ValueError, match="row 2 has 7 values for 6 columns"):
        register(rows=[ROWS[0], [1, 2, 3, 4, 5, 6, 7]])


def test_a_value_no_cell_can_hold_is_a_bug_not_a_broken_file():
    with pytest.raises(ValueError, match="row 2 has a value Excel cannot hold"):
        register(rows=[ROWS[0], [None, None, None, None, None, {"not": "a number"}]])
    with pytest.raises(ValueError, match="row 1 has a value Excel cannot hold"):
        register(rows=[["x", None, None, float("nan"), None, None]])


def test_no_sheets_is_a_bug():
    with pytest.raises(ValueError, match="at least one sheet"):
        build_workbook([])


def test_values_of_other_types_in_typed_columns():
    london = dt.timezone(dt.timedelta(hours=1))
    rows = [
        ["A", dt.datetime(2024, 2, 3, 9), dt.datetime(2024, 2, 3, 9, tzinfo=london), 5, 1, 2],
        ["B", "unknown", "", "n/a", "=1+1", "=2+2"],
    ]
    sheet = reopen(register(rows=rows)).active

    assert sheet["B3"].value == dt.datetime(2024, 2, 3)
    assert sheet["B3"].number_format == "dd/mm/yyyy"
    assert sheet["C3"].value == dt.datetime(2024, 2, 3, 9)
    assert (sheet["D3"].value, sheet["D3"].number_format) == (5, sheet["D3"].number_format)
    assert "£" in sheet["D3"].number_format
    assert [sheet[f"{c}4"].value for c in "BCDEF"] == ["unknown", None, "n/a", "=1+1", "=2+2"]
    assert sheet["E4"].data_type == sheet["F4"].data_type == "s"


def test_markup_spaces_and_quotes_come_back_exactly():
    texts = ["<b>Tom & Jerry's</b>", "  padded  ", 'say "hi"', "line one\nline two"]
    texts.append("£1 \u2013 é ✓")
    columns = [Column("Tag", "text"), Column("Note", "text")]
    rows = iter([[f"T{n}", text] for n, text in enumerate(texts)])
    data = build_workbook([Sheet("R&D's <kit>", columns, rows, CAPTION)])
    workbook = reopen(data)

    assert workbook.sheetnames == ["R&D's <kit>"]
    assert [row[1] for row in workbook.active.iter_rows(min_row=3, values_only=True)] == texts
    assert [values[1] for _, values in read_table(data, "export.xlsx").rows] == texts


def test_early_dates_and_excels_missing_leap_day():
    rows = [
        ["a", dt.date(1900, 1, 15), dt.datetime(1900, 2, 28, 12), None, None, None],
        ["b", dt.date(1900, 3, 1), dt.datetime(1900, 3, 1, 6), None, None, None],
        ["c", dt.date(1850, 6, 1), dt.datetime(1899, 12, 31, 23), None, None, None],
    ]
    sheet = reopen(register(rows=rows)).active

    assert sheet["B3"].value == dt.datetime(1900, 1, 15)
    assert sheet["C3"].value == dt.datetime(1900, 2, 28, 12)
    assert sheet["B4"].value == dt.datetime(1900, 3, 1)
    assert sheet["C4"].value == dt.datetime(1900, 3, 1, 6)
    # Excel has no dates before 1900: shown as text rather than refused.
    assert (sheet["B5"].value, sheet["C5"].value) == ("01/06/1850", "31/12/1899")


def test_text_longer_than_excel_holds_is_cut_at_its_limit():
    sheet = reopen(register(rows=[["x" * 40_000, None, None, None, None, None]])).active
    assert len(sheet["A3"].value) == 32_767


def test_the_autofilter_is_named_as_excel_names_it():
    with zipfile.ZipFile(io.BytesIO(register())) as archive:
        book = archive.read("xl/workbook.xml").decode()
    assert (
        '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "'Asset register'!$A$2:$F$4</definedName>"
    ) in book


def test_a_str_subclass_is_written_as_its_text():
    class Status(enum.StrEnum):
        ON_LOAN = "=on loan"

    sheet = reopen(register(rows=[[Status.ON_LOAN, None, None, Status.ON_LOAN, None, None]])).active
    assert (sheet["A3"].value, sheet["D3"].value) == ("=on loan", "=on loan")
    assert sheet["A3"].data_type == sheet["D3"].data_type == "s"


def test_the_same_rows_give_the_same_bytes():
    assert register() == register()


def test_a_failed_export_leaves_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    with pytest.raises(ValueError, match="row 2 has a value Excel cannot hold"):
        register(rows=[ROWS[0], [None, None, None, None, None, object()]] + ROWS * 100)
    register()

    assert list(tmp_path.iterdir()) == []
