"""What an office user sees when they upload a register: the data, or a message they can act on."""

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import openpyxl
import pytest

from assets.files.xlsx.reader import UnreadableFile, normalise_header, read_table

SHEET = "xl/worksheets/sheet1.xml"


def xlsx_bytes(rows, *, start_row=1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, 1):
            sheet.cell(row=start_row + offset, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, edits: dict[str, Callable[[bytes], bytes]], extra=None) -> bytes:
    """Copy a zip, changing some parts and adding others."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename in edits:
                part = edits[info.filename](part)
            target.writestr(info.filename, part, zipfile.ZIP_DEFLATED)
        for name, part in (extra or {}).items():
            target.writestr(name, part, zipfile.ZIP_DEFLATED)
    return out.getvalue()


REGISTER = [
    ["Tag", "Serial No.", "Bought"],
    ["007", "SN1", dt.date(2024, 2, 3)],
    ["8", "SN2", None],
]


def read_all(data: bytes, filename: str, **limits) -> list:
    return list(read_table(data, filename, **limits).rows)


def refused(data: bytes, filename="register.xlsx", **limits) -> str:
    with pytest.raises(UnreadableFile) as error:
        read_all(data, filename, **limits)
    return str(error.value)


def tight(xml: bytes) -> bytes:
    """Empty elements as `<v/>`: openpyxl writes `<v />`, or `<v/>` and `<v></v>` with lxml."""
    return xml.replace(b" />", b"/>").replace(b"<v></v>", b"<v/>")


def test_reads_header_and_rows_with_sheet_row_numbers():
    rows = [REGISTER[0], [None, None, None], *REGISTER[1:]]
    table = read_table(xlsx_bytes(rows, start_row=3), "register.xlsx")

    assert table.headers == ["Tag", "Serial No.", "Bought"]
    assert table.header_row == 3
    assert list(table.rows) == [
        (5, ["007", "SN1", dt.date(2024, 2, 3)]),
        (6, ["8", "SN2", None]),
    ]


def test_numbers_come_back_as_numbers_and_whole_ones_as_int():
    data = xlsx_bytes([["Qty", "Cost", "Encrypted"], [3, 12.5, True]])
    assert list(read_table(data, "r.xlsx").rows) == [(2, [3, 12.5, True])]


def test_formula_without_cached_value_is_empty_never_formula_text():
    # openpyxl writes formulas with no cached value, as a program that never calculates does.
    data = xlsx_bytes([["Cost", "Double"], [5, "=A2*2"]])
    assert b"<f>A2*2</f>" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)

    assert list(read_table(data, "r.xlsx").rows) == [(2, [5, None])]


def test_formula_with_cached_value_gives_that_value():
    data = xlsx_bytes([["Cost", "Double"], [5, "=A2*2"]])
    data = rezip(
        data, {SHEET: lambda xml: tight(xml).replace(b"<f>A2*2</f><v/>", b"<f>A2*2</f><v>10</v>")}
    )

    assert list(read_table(data, "r.xlsx").rows) == [(2, [5, 10])]


def test_first_visible_sheet_is_read():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Secret"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Register").append(["Tag", "Name"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert read_table(buffer.getvalue(), "r.xlsx").headers == ["Tag", "Name"]


def test_caption_row_above_header_is_skipped():
    data = xlsx_bytes([["Ashbrook School - Asset register"], [], ["Tag", "Name"], ["A1", "Pad"]])
    table = read_table(data, "r.xlsx")
    assert (table.header_row, table.headers) == (3, ["Tag", "Name"])
    assert list(table.rows) == [(4, ["A1", "Pad"])]


def test_single_column_sheet_keeps_first_row_as_header():
    table = read_table(xlsx_bytes([["Tag"], ["A1"], ["A2"]]), "r.xlsx")
    assert table.headers == ["Tag"]
    assert list(table.rows) == [(2, ["A1"]), (3, ["A2"])]


def test_csv_utf8_with_bom_and_blank_lines_keeps_text():
    data = '\ufeffTag,Serial No.,Cost\r\n007,SN1,"£1,299.00"\r\n\r\n008,SN2,\r\n'.encode()
    table = read_table(data, "staff.CSV")

    assert table.headers == ["Tag", "Serial No.", "Cost"]
    assert list(table.rows) == [(2, ["007", "SN1", "£1,299.00"]), (4, ["008", "SN2", None])]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_semicolon_and_tab_are_recognised(delimiter):
    data = delimiter.join(["Tag", "Cost"]).encode() + b"\n" + delimiter.join(["1", "2,50"]).encode()
    table = read_table(data, "r.csv")
    assert table.headers == ["Tag", "Cost"]
    assert list(table.rows) == [(2, ["1", "2,50"])]


def test_csv_from_windows_excel_in_cp1252():
    data = "Name,Cost\nCafé kettle,£12\n".encode("cp1252")
    assert list(read_table(data, "r.csv").rows) == [(2, ["Café kettle", "£12"])]


def test_normalise_header():
    assert normalise_header("Serial No.") == "serialno"
    assert normalise_header("  Purchase-Date (UK) ") == "purchasedateuk"
    assert normalise_header(None) == ""


def test_the_workbook_parts_are_parsed_with_defusedxml():
    from assets.files.xlsx import package

    assert package.ElementTree.__name__ == "defusedxml.ElementTree"


# --- files that are refused, each with its own message -----------------------------------


def test_empty_file():
    assert "The file is empty" in refused(b"")


def test_old_xls_by_name_or_by_content():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
    assert "old Excel 97-2003 .xls" in refused(ole, "register.xls")
    assert "old Excel 97-2003 .xls" in refused(ole, "register.xlsx")


def test_password_protected_workbook():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le")
    assert "protected with a password" in refused(ole)


def test_picture_renamed_to_xlsx():
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert "PNG picture, not a spreadsheet" in refused(png)


def test_other_file_renamed_to_xlsx():
    assert "not an Excel workbook" in refused(b"hello, this is text")


def test_word_document_renamed_to_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<document/>")
    assert "not an Excel workbook" in refused(out.getvalue())


def test_macro_enabled_by_name():
    assert "contains macros" in refused(xlsx_bytes(REGISTER), "register.xlsm")


def test_macro_enabled_by_vba_part():
    data = rezip(xlsx_bytes(REGISTER), {}, extra={"xl/vbaProject.bin": b"\x00" * 64})
    assert "contains macros" in refused(data)


def test_macro_enabled_by_content_type():
    def macro_type(xml):
        return xml.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")

    assert "contains macros" in refused(
        rezip(xlsx_bytes(REGISTER), {"[Content_Types].xml": macro_type})
    )


def test_truncated_upload():
    data = xlsx_bytes(REGISTER)
    assert "damaged or was not uploaded completely" in refused(data[: len(data) // 2])


def test_corrupt_member_is_refused_not_crashing():
    data = bytearray(xlsx_bytes(REGISTER))
    # Flip bytes in the middle of the compressed sheet data, leaving the directory intact.
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    start = info.header_offset + 30 + len(SHEET)
    data[start + 10 : start + 40] = bytes(30)
    message = refused(bytes(data))
    assert "damaged" in message or "not allowed" in message


def test_zip_bomb_by_compression_ratio():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        with bomb.open(SHEET, "w") as part:
            for _ in range(50):
                part.write(bytes(1024 * 1024))
    assert len(out.getvalue()) < 200_000
    assert "unpacks to far more data" in refused(out.getvalue())


def test_zip_bomb_by_declared_size():
    data = xlsx_bytes(REGISTER)
    assert "unpacks to far more data" in refused(data, max_uncompressed=2_000)


def test_zip_bomb_by_lying_central_directory():
    data = bytearray(xlsx_bytes(REGISTER))
    directory = zipfile.ZipFile(io.BytesIO(bytes(data))).start_dir
    entry = data.index(b"PK\x01\x02", directory)
    data[entry + 24 : entry + 28] = (3_000_000_000).to_bytes(4, "little")
    assert "unpacks to far more data" in refused(bytes(data))


@pytest.mark.parametrize("part", [SHEET, "xl/styles.xml", "[Content_Types].xml"])
def test_xml_entity_bomb(part):
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    data = rezip(xlsx_bytes(REGISTER), {part: lambda xml: doctype + xml})
    assert "DOCTYPE or entity declaration" in refused(data)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("part", ["xl/workbook.xml", SHEET])
def test_entity_declared_in_a_wide_encoding_without_a_byte_order_mark(encoding, part):
    """An XML parser reads such a part by how its "<" is written; so must the check."""

    def declare_entity(xml: bytes) -> bytes:
        body = xml.decode("utf-8")
        body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
        text = (
            f'<?xml version="1.0" encoding="{encoding[:6].upper()}"?>'
            '<!DOCTYPE x [<!ENTITY e "expanded">]>' + body.replace("</", "&e;</", 1)
        )
        return text.encode(encoding)

    data = rezip(xlsx_bytes(REGISTER), {part: declare_entity})
    assert "DOCTYPE or entity declaration" in refused(data)


def test_an_entity_the_prolog_check_misses_is_refused_by_the_parser(monkeypatch):
    from assets.files.xlsx import package

    monkeypatch.setattr(package, "check_xml_prologs", lambda archive: None)
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "expanded">]>'
    data = rezip(xlsx_bytes(REGISTER), {"xl/workbook.xml": lambda xml: doctype + xml})
    assert "DOCTYPE or entity declaration" in refused(data)


def test_doctype_hidden_behind_a_long_prolog():
    padding = b"<!--" + b" " * 70_000 + b"-->"
    data = rezip(xlsx_bytes(REGISTER), {SHEET: lambda xml: padding + b"<!DOCTYPE x []>" + xml})
    assert "DOCTYPE or entity declaration" in refused(data)


def test_dimension_claiming_every_row_of_a_sheet_is_judged_by_the_real_rows():
    def huge(xml):
        return tight(xml).replace(b'<dimension ref="A1:C3"/>', b'<dimension ref="A1:C1048576"/>')

    data = rezip(xlsx_bytes(REGISTER), {SHEET: huge})
    assert b"C1048576" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    assert len(read_all(data, "register.xlsx")) == 2
    # Real rows over the limit are refused, before calamine loads them.
    message = refused(xlsx_bytes([*REGISTER] + [["x", "y", None]] * 240), max_rows=200)
    assert "The sheet has 243 rows; at most 200" in message


def test_reading_stops_past_max_rows_even_when_dimension_lies():
    rows = [["Tag"], *([f"A{n}"] for n in range(10))]
    data = rezip(
        xlsx_bytes(rows), {SHEET: lambda xml: tight(xml).replace(b'<dimension ref="A1:A11"/>', b"")}
    )
    assert "more than 5" in refused(data, max_rows=5)
    assert "more than 5" in refused("\n".join(["Tag"] + ["x"] * 6).encode(), "r.csv", max_rows=5)


def test_sheet_with_nothing_in_it():
    assert "no header row" in refused(xlsx_bytes([]))
    assert "no header row" in refused(b"\r\n\r\n", "r.csv")


def test_header_row_of_blank_cells():
    assert "row 2) has no column names" in refused(b",\n  , \nA1,x\n", "r.csv")


@pytest.mark.parametrize("name", ["register.ods", "register.pdf", "register"])
def test_unknown_extension_lists_what_is_accepted(name):
    message = refused(b"anything", name)
    assert ".xlsx" in message
    assert ".csv" in message


def test_csv_that_is_binary():
    assert "not a text CSV file" in refused(b"Tag\x00\x01\x02", "r.csv")


def test_member_larger_than_it_declares_is_refused_while_reading():
    # The size checks trust the zip directory; calamine must then stop at the declared size.
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x{n}</t></is></c></row>'
        for n in range(2, 40_000)
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Tag</t></is></c></row>'
        f"{rows}</sheetData></worksheet>"
    ).encode()
    data = bytearray(rezip(xlsx_bytes([["Tag"]]), {SHEET: lambda _: sheet}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(SHEET)
    declared = (len(sheet) // 20).to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = declared
    entry = data.index(b"PK\x01\x02", archive.start_dir)
    while not data[entry + 46 :].startswith(SHEET.encode()):
        entry = data.index(b"PK\x01\x02", entry + 1)
    data[entry + 24 : entry + 28] = declared

    assert "damaged" in refused(bytes(data))


def test_binary_workbook_and_nameless_file_messages():
    assert "Excel Binary Workbooks (.xlsb)" in refused(b"PK\x03\x04", "register.xlsb")
    assert refused(b"x", "register").startswith("A file with no extension cannot be imported.")


def test_csv_named_file_that_is_really_a_workbook_is_read_as_one():
    assert read_table(xlsx_bytes(REGISTER), "register.csv").headers == REGISTER[0]
