"""A workbook we write reads back exactly, cell for cell, in openpyxl (the tests' reader),
python-calamine (our import's) and SheetJS (what web tools use): the awkward values too."""

import datetime as dt
from decimal import Decimal

import pytest

from assets.files.xlsx.writer import Column, Sheet, build_workbook
from tests.support.sheets import READERS, tagged

# Excel's limit for one cell, in UTF-16 units (an emoji is two).
EXCEL_CELL_LIMIT = 32_767
AWKWARD_TEXTS = [
    "SN_x0041_",
    "_x000D_ and _x005F_",
    "line one\r\nline two",
    "old Mac\rline",
    "unix\nline",
    "004711",
    "00",
    "Café 😀 👩🏽‍💻 Ελένη 王芳 محمد",
    "=SUM(A1:A2)",
    "+44 1234 567890",
    "-5",
    "@SUM(1)",
    "#N/A",
    "  padded  ",
    '<b>Tom & Jerry\'s</b> "quoted"',
    "x" * EXCEL_CELL_LIMIT,
]
COLUMNS = [
    Column("Text", "text"),
    Column("Date", "date"),
    Column("Date and time", "datetime"),
    Column("Money", "money"),
    Column("Yes or no", "bool"),
    Column("Count", "int"),
]
DATES = [
    dt.date(2024, 2, 29),
    dt.date(1900, 1, 1),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    dt.date(9999, 12, 31),
]
MONEY = [Decimal("0.01"), Decimal("1299.50"), Decimal("99999999.99"), 12, 0.1]


def awkward_rows():
    for number, text in enumerate(AWKWARD_TEXTS):
        moment = dt.datetime(2026, 11, 22, 14, 5, 59) + dt.timedelta(days=number)
        yield [
            text,
            DATES[number % len(DATES)],
            moment,
            MONEY[number % len(MONEY)],
            number % 2 == 0,
            number,
        ]


CAPTION = "Caption \u2013 exported 22/11/2026 14:05"


def written(rows, caption=CAPTION):
    """What a reader should see: the caption, the header and the rows, tagged."""
    header = [tagged(column.header) for column in COLUMNS]
    return [[tagged(caption)], header, *([tagged(v) for v in row] for row in rows)]


@pytest.mark.parametrize("reader", READERS)
def test_every_reader_gets_back_exactly_what_was_written(reader):
    sheets = [
        Sheet("Asset register", COLUMNS, awkward_rows(), CAPTION),
        Sheet("R&D's kit", COLUMNS, iter([]), "=1+1"),
    ]

    found = READERS[reader](build_workbook(sheets))

    assert [name for name, _ in found] == ["Asset register", "R&D's kit"]
    assert found[0][1] == written(awkward_rows())
    assert found[1][1] == written([], caption="=1+1")


@pytest.mark.parametrize("reader", READERS)
def test_dates_excel_cannot_hold_come_back_as_uk_text(reader):
    rows = [["a", dt.date(1850, 6, 1), dt.datetime(1899, 12, 31, 23, 59), None, None, None]]

    _, found = READERS[reader](build_workbook([Sheet("S", COLUMNS, iter(rows), "c")]))[0]

    assert found[2] == [("s", "a"), ("s", "01/06/1850"), ("s", "31/12/1899")]


@pytest.mark.parametrize("reader", READERS)
def test_text_past_excels_limit_is_cut_there_counting_as_excel_counts(reader):
    rows = [["x" * (EXCEL_CELL_LIMIT + 1)], ["😀" * EXCEL_CELL_LIMIT]]
    columns = [Column("Text", "text")]

    _, found = READERS[reader](build_workbook([Sheet("S", columns, iter(rows), "c")]))[0]

    assert found[2] == [("s", "x" * EXCEL_CELL_LIMIT)]
    # An emoji is two of Excel's characters: 16,383 of them fill a cell.
    assert found[3] == [("s", "😀" * (EXCEL_CELL_LIMIT // 2))]
