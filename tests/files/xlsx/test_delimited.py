"""Text files as Excel and people save them: every letter read as written, or a refusal that
says how to save the file as UTF-8. Never mojibake."""

import codecs

import pytest

from assets.files.xlsx.reader import UnreadableFile, read_table

REGISTER = [
    ["Asset tag", "Name", "Location", "Purchase cost"],
    ["ASH-001", "Café laptop", "Staff room", "£649.00"],
    ["ASH-002", "Zo\u00eb\u2019s \u201cspare\u201d iPad", "Cr\u00e8che", "£329.00"],
]
STAFF = [
    ["Name", "Email", "Job title"],
    ["Łukasz Nowak", "l.nowak@ashbrook.sch.uk", "Teacher"],
    ["Zoë Smith", "z.smith@ashbrook.sch.uk", "Teaching assistant"],
]


def text_file(rows, *, separator=",", newline="\r\n") -> str:
    return newline.join(separator.join(row) for row in rows) + newline


def read(data: bytes, filename: str = "register.csv") -> tuple[list[str], list[list]]:
    table = read_table(data, filename)
    return table.headers, [values for _, values in table.rows]


def refusal(data: bytes, filename: str = "register.csv") -> str:
    with pytest.raises(UnreadableFile) as error:
        read_table(data, filename)
    return str(error.value)


def right_or_refused(rows, data: bytes) -> str:
    """'right' when every cell reads as written, 'refused' when the file is refused with how
    to save it as UTF-8; any other reading fails the test."""
    try:
        headers, values = read(data)
    except UnreadableFile as error:
        message = str(error)
    else:
        assert [headers, *values] == rows
        return "right"
    assert "CSV UTF-8" in message
    return "refused"


# ---- encodings ------------------------------------------------------------------------------


def test_mac_roman_csv_from_excel_for_mac_is_read_right():
    # Excel for Mac's plain "CSV" is Mac Roman with CR line ends: é is byte 0x8E, which
    # Windows text reads as Ž ("CafŽ laptop").
    data = text_file(REGISTER, newline="\r").encode("mac_roman")
    assert b"Caf\x8e laptop" in data

    assert read(data) == (REGISTER[0], REGISTER[1:])


def test_windows_1252_csv_from_excel_for_windows_is_read_right():
    data = text_file(REGISTER).encode("cp1252")
    assert b"Caf\xe9 laptop" in data

    assert read(data) == (REGISTER[0], REGISTER[1:])


def test_utf8_with_byte_order_mark_is_read_right():
    data = codecs.BOM_UTF8 + text_file(REGISTER).encode()
    assert read(data) == (REGISTER[0], REGISTER[1:])


def test_utf16_unicode_text_from_excel_is_read_as_tab_delimited():
    # Excel's "Unicode Text (*.txt)": UTF-16 little-endian with its byte-order mark, tabs.
    data = text_file(STAFF, separator="\t").encode("utf-16")
    assert data.startswith(codecs.BOM_UTF16_LE)

    assert read(data, "Staff list.txt") == (STAFF[0], STAFF[1:])


def test_utf16_big_endian_with_its_mark_is_read_too():
    data = codecs.BOM_UTF16_BE + text_file(STAFF).encode("utf-16-be")
    assert read(data) == (STAFF[0], STAFF[1:])


def test_polish_names_in_central_european_windows_text_are_read_right():
    # "Łukasz" in cp1250 starts with byte 0xA3, which Western text reads as "£ukasz".
    data = text_file(STAFF).encode("cp1250")
    assert data.count(b"\xa3ukasz") == 1

    assert right_or_refused(STAFF, data) == "right"


@pytest.mark.parametrize(
    ("names", "encoding"),
    [
        (["Zoë Smith", "Łukasz Nowak", "Paweł Wójcik"], "cp1250"),
        (["Anna Śliwa"], "cp1250"),  # Ś is Œ in Western text: both look like names
        (["Zoë Smith"], "cp1250"),
        (["Zoë Smith"], "latin_1"),
        (["Zoë Smith", "José Núñez"], "latin_1"),  # ñ is ń in Central European text
        (["Renée Ørsted", "François Müller"], "cp1252"),
        (["Zoë Smith", "José Núñez"], "mac_roman"),
        (["Zoë Smith"], "mac_roman"),
        (["Иван Петров", "Ольга Смирнова"], "cp1251"),
        (["Björn Ångström", "Siân Llŷr"], "utf-8"),
    ],
)
def test_names_in_legacy_encodings_are_right_or_refused_never_wrong(names, encoding):
    rows = [["Name", "Email"], *([name, "someone@ashbrook.sch.uk"] for name in names)]
    assert right_or_refused(rows, text_file(rows).encode(encoding)) in ("right", "refused")


def test_the_clear_cases_are_not_refused():
    cases = {
        "cp1250": ["Łukasz Nowak", "Zoë Smith"],
        "latin_1": ["Zoë Smith"],
        "mac_roman": ["Zoë Smith", "José Núñez"],
    }
    for encoding, names in cases.items():
        rows = [["Name", "Email"], *([name, "x@ashbrook.sch.uk"] for name in names)]
        assert right_or_refused(rows, text_file(rows).encode(encoding)) == "right", encoding


def test_an_ambiguous_file_is_refused_naming_both_readings_and_how_to_save_utf8():
    rows = [["Name", "Email"], ["Anna Śliwa", "a.sliwa@ashbrook.sch.uk"]]
    message = refusal(text_file(rows).encode("cp1250"))

    assert "cannot be told for sure" in message
    assert "'Śliwa'" in message
    assert "'Œliwa'" in message
    assert "CSV UTF-8 (Comma delimited)" in message


def test_a_cyrillic_file_is_refused_rather_than_read_as_latin_letters():
    rows = [["Name", "Email"], ["Иван Петров", "i.petrov@ashbrook.sch.uk"]]
    assert right_or_refused(rows, text_file(rows).encode("cp1251")) == "refused"


def test_utf8_that_breaks_off_after_its_mark_is_refused_as_damaged():
    data = codecs.BOM_UTF8 + "Name\nCafé".encode() + b"\xff\xfe\xfd"
    assert "may be damaged" in refusal(data)


def test_a_file_that_is_no_text_encoding_is_refused():
    assert "CSV UTF-8" in refusal(bytes(range(128, 256)) * 4)


# ---- tab-delimited text ---------------------------------------------------------------------


def test_tsv_is_read_by_tabs_even_when_cells_hold_commas():
    rows = [["Asset tag", "Name", "Notes"], ["A1", "Laptop", "Charger, bag"]]
    data = text_file(rows, separator="\t").encode()
    assert read(data, "register.tsv") == (rows[0], rows[1:])


def test_text_tab_delimited_from_windows_excel_is_read():
    # Excel's "Text (Tab delimited) (*.txt)": Windows text, tabs, quotes around a cell with a
    # tab or quote in it.
    data = 'Asset tag\tName\r\nA1\tCafé "hub" laptop\r\nA2\t"Projector\tcart"\r\n'.encode("cp1252")
    assert read(data, "register.txt") == (
        ["Asset tag", "Name"],
        [["A1", 'Café "hub" laptop'], ["A2", "Projector\tcart"]],
    )


# ---- the separator --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        ["Asset register"],
        ["Last updated: 01/09/2026"],
        ["Ashbrook School; asset register, autumn term"],
        ["Asset register", "Last updated: Monday, 1 September 2026"],
    ],
)
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_title_lines_above_the_table_do_not_decide_the_separator(title, separator):
    rows = [
        ["Asset tag", "Name", "Purchase cost"],
        ["A1", "Laptop", "649,00" if separator == ";" else "649.00"],
        ["A2", "Tablet", "329"],
    ]
    lines = [*title, "", text_file(rows, separator=separator)]
    headings = {"assettag", "name", "purchasecost"}
    table = read_table("\r\n".join(lines).encode(), "register.csv", headings=headings)

    assert table.headers == rows[0]
    assert [values for _, values in table.rows] == rows[1:]
