"""Workbooks as real tools and people make them: merged cells, zero-padded tags, a sheet's
size claimed wrong, Strict Open XML, and a "Read me" sheet before the register."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from openpyxl.styles import Alignment

from assets.files.xlsx.formats import Padding, padding_of
from assets.files.xlsx.reader import UnreadableFile, read_table
from tests.support.sheets import as_strict, rezip, workbook_bytes, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"
KNOWN = {"assettag", "tag", "name", "location", "serialnumber"}


def rows_of(data: bytes, **options) -> list:
    return list(read_table(data, "register.xlsx", **options).rows)


def refused(data: bytes, **options) -> str:
    with pytest.raises(UnreadableFile) as error:
        rows_of(data, **options)
    return str(error.value)


# ---- a location merged down several rows ------------------------------------------------------


def merged_register(setup) -> bytes:
    rows = [
        ["Ashbrook School - Asset register", None, None],
        ["Tag", "Location", "Name"],
        ["A1", "ICT suite", "Laptop 1"],
        ["A2", None, "Laptop 2"],
        ["A3", None, "Laptop 3"],
        ["A4", "Library", "Camera"],
        ["A5", None, None],
    ]
    return workbook_bytes({"Register": rows}, setup=lambda book: setup(book["Register"]))


def test_a_location_merged_down_rows_is_on_every_row_of_the_merge():
    def merge(sheet):
        sheet.merge_cells("A1:C1")  # the title over the table stays a title
        sheet.merge_cells("B3:B5")
        sheet["B3"].alignment = Alignment(vertical="center")
        sheet.merge_cells("B6:B7")

    table = read_table(merged_register(merge), "register.xlsx")

    assert (table.header_row, table.headers) == (2, ["Tag", "Location", "Name"])
    assert list(table.rows) == [
        (3, ["A1", "ICT suite", "Laptop 1"]),
        (4, ["A2", "ICT suite", "Laptop 2"]),
        (5, ["A3", "ICT suite", "Laptop 3"]),
        (6, ["A4", "Library", "Camera"]),
        (7, ["A5", "Library", None]),
    ]


def test_a_merge_from_the_title_or_header_does_not_spread_into_the_data():
    def merge(sheet):
        sheet.merge_cells("C1:C2")  # a title merged down over the Name heading
        sheet.merge_cells("B2:B4")  # a heading merged down into the data

    rows = rows_of(merged_register(merge))

    assert rows[:2] == [(3, ["A1", None, "Laptop 1"]), (4, ["A2", None, "Laptop 2"])]


def test_a_merge_across_columns_of_a_data_row_fills_only_its_first_column():
    def merge(sheet):
        sheet.merge_cells("B3:C4")

    assert rows_of(merged_register(merge))[:2] == [
        (3, ["A1", "ICT suite", None]),
        (4, ["A2", "ICT suite", None]),
    ]


def test_merges_in_a_table_that_does_not_start_in_column_a():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for offset, row in enumerate([["Tag", "Location"], ["A1", "Hall"], ["A2", None]]):
        for column, value in enumerate(row):
            sheet.cell(row=3 + offset, column=3 + column, value=value)
    sheet.merge_cells("D4:D5")
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert rows_of(buffer.getvalue()) == [(4, ["A1", "Hall"]), (5, ["A2", "Hall"])]


# ---- tags in numeric cells formatted 000000 -------------------------------------------------


def padded_register(number_format: str, values) -> bytes:
    def style(book):
        for row in book["Register"].iter_rows(min_row=2, max_col=1):
            row[0].number_format = number_format

    rows = [["Tag", "Name"], *([value, f"Item {n}"] for n, value in enumerate(values))]
    return workbook_bytes({"Register": rows}, setup=style)


def test_a_tag_formatted_000000_is_read_as_excel_shows_it():
    data = padded_register("000000", [4711, 12, 1234567, "00042"])
    assert b'formatCode="000000"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml")

    assert [values[0] for _, values in rows_of(data)] == ["004711", "000012", "1234567", "00042"]


@pytest.mark.parametrize(
    ("number_format", "shown"),
    [
        ("0000", "4711"),
        ("00000000", "00004711"),
        ('"ASH-"0000', "ASH-4711"),
        ('"ASH-"000000', "ASH-004711"),
        ("\\A\\S\\H000000", "ASH004711"),
        ('000000;"-"000000', "004711"),
        ("[Blue]000000", "004711"),
    ],
)
def test_padding_formats_with_literals(number_format, shown):
    assert rows_of(padded_register(number_format, [4711]))[0][1][0] == shown


@pytest.mark.parametrize(
    "number_format", ["0", "0.00", "#,##0", "000.00", "000-000", "[>=100]000000", "@", "0000*-"]
)
def test_other_formats_keep_the_number(number_format):
    assert padding_of(number_format) is None
    assert rows_of(padded_register(number_format, [4711]))[0][1][0] == 4711


def test_a_date_format_is_not_a_padding():
    assert padding_of("dd/mm/yyyy") is None


def test_padding_only_whole_numbers_from_zero():
    padding = Padding("", 6, "")
    assert (padding.show(4711.0), padding.show(0), padding.show(-5), padding.show(4.5)) == (
        "004711",
        "000000",
        None,
        None,
    )


def test_a_padded_tag_written_by_xlsxwriter_is_read_as_shown():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet("Register")
    padded = workbook.add_format({"num_format": "000000"})
    sheet.write_row(0, 0, ["Tag", "Cost", "Bought"])
    sheet.write_number(1, 0, 4711, padded)
    sheet.write_number(1, 1, 12.5)
    dates = workbook.add_format({"num_format": "d/m/yy"})
    sheet.write_datetime(1, 2, dt.datetime(2024, 2, 3), dates)
    workbook.close()

    assert rows_of(buffer.getvalue()) == [(2, ["004711", 12.5, dt.date(2024, 2, 3)])]


# ---- a <dimension> that claims far more rows than the sheet holds ---------------------------


def tight(xml: bytes) -> bytes:
    return xml.replace(b" />", b"/>")


def test_a_dimension_claiming_every_row_is_judged_by_the_real_rows():
    rows = [["Tag", "Name"], *([f"A{n}", "Pad"] for n in range(50))]

    def huge(xml):
        return tight(xml).replace(b'<dimension ref="A1:B51"/>', b'<dimension ref="A1:C1048576"/>')

    data = rezip(xlsx_bytes(rows), {SHEET: huge})
    assert b'ref="A1:C1048576"' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)

    read = rows_of(data)
    assert (len(read), read[-1]) == (50, (51, ["A49", "Pad"]))


def test_more_real_rows_than_the_limit_are_refused_before_they_are_loaded():
    rows = [["Tag"], *([f"A{n}"] for n in range(40))]

    message = refused(xlsx_bytes(rows), max_rows=10)
    assert "The sheet has 41 rows; at most 10 can be imported" in message


def far_cell(column: str, row: int) -> bytes:
    def add(xml):
        cell = f'<row r="{row}"><c r="{column}{row}" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>")

    return rezip(xlsx_bytes([["Tag", "Name"], ["A1", "Pad"]]), {SHEET: add})


@pytest.mark.parametrize(("column", "row"), [("XFD", 1048576), ("XFD", 2000), ("ZZ", 900_000)])
def test_one_far_cell_that_would_make_the_sheet_huge_is_refused(column, row):
    """calamine allocates the rectangle to the last cell at once: XFD1048576 is 550 GB."""
    message = refused(far_cell(column, row))
    assert f"reach row {row:,}" in message
    assert "refused for safety" in message


def test_a_stray_cell_in_the_last_row_says_what_to_delete():
    message = refused(far_cell("C", 1048576))
    assert "reach row 1,048,576" in message
    assert "Delete the rows and columns beyond the data" in message


def test_cells_without_references_are_counted_too():
    """Cells may leave out r="A1"; their row's width is then the count of its cells."""
    wide_row = "<row>" + "<c/>" * 16000 + '<c t="inlineStr"><is><t>x</t></is></c></row>'
    rows = "<row/>" * 1500

    def add(xml):
        return xml.replace(b"</sheetData>", (rows + wide_row).encode() + b"</sheetData>")

    data = rezip(xlsx_bytes([["Tag", "Name"], ["A1", "Pad"]]), {SHEET: add})
    assert "refused for safety" in refused(data)


def test_rows_without_references_are_read():
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        f'<worksheet xmlns="{ns}"><sheetData>'
        '<row><c t="inlineStr"><is><t>Tag</t></is></c><c t="inlineStr"><is><t>Name</t></is></c>'
        '</row><row><c t="inlineStr"><is><t>A1</t></is></c><c><v>5</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()

    assert rows_of(rezip(xlsx_bytes([["x"]]), {SHEET: lambda _: sheet})) == [(2, ["A1", 5])]


# ---- Strict Open XML ------------------------------------------------------------------------


def test_a_strict_open_xml_workbook_is_read():
    def style(book):
        book["Register"]["A3"].number_format = "000000"
        book["Register"].merge_cells("C2:C3")
        book.create_sheet("Hidden", 0).sheet_state = "hidden"

    rows = [["Tag", "Name", "Location"], ["A1", "Pad", "Hall"], [4711, "Laptop", None]]
    data = as_strict(workbook_bytes({"Register": rows}, setup=style))
    book = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    assert b'conformance="strict"' in book
    assert b"http://purl.oclc.org/ooxml/spreadsheetml/main" in book
    assert b"schemas.openxmlformats.org/spreadsheetml" not in book

    table = read_table(data, "register.xlsx")
    assert (table.sheet, table.headers) == ("Register", ["Tag", "Name", "Location"])
    assert list(table.rows) == [(2, ["A1", "Pad", "Hall"]), (3, ["004711", "Laptop", "Hall"])]


# ---- which sheet: a "Read me" or an empty sheet first ------------------------------------------


README = [["How to fill in this register"], ["One row per device."], ["Ask the office."]]
REGISTER = [["Asset tag", "Name"], ["A1", "Pad"]]


def test_a_read_me_sheet_first_is_passed_over_for_the_table_with_known_headings():
    data = workbook_bytes({"Read me": README, "Summary": [["Total", 3]], "Register": REGISTER})

    table = read_table(data, "register.xlsx", headings=KNOWN)
    assert (table.sheet, table.sheets) == ("Register", ("Read me", "Summary", "Register"))
    assert list(table.rows) == [(2, ["A1", "Pad"])]


# A read-me laid out as a table of generic headings an asset list may also have.
TITLED_README = [["Title", "Notes"], ["Asset register", "One row per device"]]
TAGS = {"assettag", "tag"}


def test_a_read_me_of_generic_known_headings_is_passed_over_for_the_sheet_with_the_tags():
    known = KNOWN | {"title", "notes"}
    data = workbook_bytes({"Read me": TITLED_README, "Register": REGISTER})

    table = read_table(data, "register.xlsx", headings=known, identifying=TAGS)
    assert (table.sheet, table.headers) == ("Register", ["Asset tag", "Name"])


def test_the_sheet_whose_header_row_holds_most_known_headings_is_read_the_first_of_equals():
    fuller = [["Tag", "Name", "Location"], ["B1", "Pad", "Hall"]]
    data = workbook_bytes({"Old": [["Tag"], ["Z9"]], "New": fuller, "Copy": fuller})

    table = read_table(data, "register.xlsx", headings=KNOWN, identifying=TAGS)
    assert (table.sheet, table.header_row) == ("New", 1)


def test_a_sheet_is_taken_for_the_table_only_if_its_header_row_has_the_identifying_heading():
    summary = [["Name", "Location", "Serial number"], ["Laptops", "Hall", "-"]]
    data = workbook_bytes({"Summary": summary, "Register": [["Tag", "Name"], ["A1", "Pad"]]})
    table = read_table(data, "register.xlsx", headings=KNOWN, identifying=TAGS)
    assert (table.sheet, table.header_row, table.header_sure) == ("Register", 1, True)


def test_without_the_identifying_heading_anywhere_the_first_sheet_with_anything_is_read():
    data = workbook_bytes({"Read me": TITLED_README, "Other": [["Name", "Location"]]})
    table = read_table(data, "register.xlsx", headings=KNOWN | {"title"}, identifying=TAGS)
    assert table.sheet == "Read me"


def test_an_empty_first_sheet_is_passed_over_even_without_known_headings():
    data = workbook_bytes({"Sheet1": [], "Devices": [["Code", "Thing"], ["1", "x"]]})

    table = read_table(data, "register.xlsx")
    assert (table.sheet, table.headers) == ("Devices", ["Code", "Thing"])


def test_without_a_known_table_the_first_sheet_with_anything_is_read():
    data = workbook_bytes({"Read me": README, "Other": [["Code", "Thing"]]})
    assert read_table(data, "register.xlsx", headings=KNOWN).sheet == "Read me"


def test_a_chosen_sheet_is_read_and_hidden_sheets_are_not_offered():
    def hide(book):
        book["Secret"].sheet_state = "hidden"

    data = workbook_bytes(
        {"Read me": README, "Secret": REGISTER, "Register": REGISTER, "Old": [["Tag"], ["Z9"]]},
        setup=hide,
    )

    table = read_table(data, "register.xlsx", sheet="Old", headings=KNOWN)
    assert (table.sheet, table.sheets) == ("Old", ("Read me", "Register", "Old"))
    assert list(table.rows) == [(2, ["Z9"])]
    assert "no visible sheet named 'Secret'" in refused(data, sheet="Secret")
    assert "Choose one of: 'Read me', 'Register', 'Old'" in refused(data, sheet="Secret")


def test_only_empty_sheets_say_so():
    assert "no header row" in refused(workbook_bytes({"A": [], "B": []}))


def test_a_strict_workbook_s_iso_8601_date_cells_are_dates():
    """Strict files may hold dates as ISO 8601 text in cells of type "d"."""

    def iso_date(xml):
        cell = b'<c r="B2" t="d"><v>2024-02-03T00:00:00</v></c>'
        return xml.replace(b"</row></sheetData>", cell + b"</row></sheetData>")

    data = as_strict(rezip(xlsx_bytes([["Tag", "Bought"], ["A1"]]), {SHEET: iso_date}))
    assert rows_of(data) == [(2, ["A1", dt.datetime(2024, 2, 3)])]
