"""The header row found by the headings it holds, in a workbook and in a CSV alike."""

import pytest

from assets.files.xlsx.reader import UnreadableFile, read_table
from tests.support.sheets import csv_bytes, xlsx_bytes

HEADINGS = {"assettag", "name", "location", "serialnumber", "serialno"}
TABLE = [["Asset tag", "Name", "Serial No."], ["A1", "Laptop", "SN1"]]


def build(rows, kind: str) -> tuple[bytes, str]:
    return (xlsx_bytes(rows), "r.xlsx") if kind == "xlsx" else (csv_bytes(rows), "r.csv")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize(
    "above",
    [
        [["Asset register"]],
        [["Asset register"], ["Last updated: 01/09/2026"]],
        [["Ashbrook School", "Asset register", "Last updated: 01/09/2026"], [], []],
        [["Asset register"], ["Location: all sites", "Printed 01/09/2026"]],
    ],
)
def test_rows_above_the_header_are_skipped(kind, above):
    table = read_table(*build([*above, *TABLE], kind), headings=HEADINGS)

    assert table.headers == TABLE[0]
    assert table.header_row == len(above) + 1
    assert table.header_sure
    assert [values for _, values in table.rows] == TABLE[1:]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_header_is_looked_for_in_the_first_20_rows_with_something_in_them(kind):
    notes = [[f"Note {n}", "x"] for n in range(20)]
    table = read_table(*build([*notes, *TABLE], kind), headings=HEADINGS)
    assert (table.header_row, table.header_sure) == (1, False)
    assert len(table.top_rows) == 20

    blanks = [[] for _ in range(30)]
    table = read_table(*build([*blanks, ["Asset register"], *TABLE], kind), headings=HEADINGS)
    assert (table.header_row, table.header_sure) == (32, True)


def test_a_chosen_header_row_is_used_and_the_rows_above_it_left_out():
    rows = [["Kit", "Contents"], ["Trolley 1", "30 iPads"], *TABLE]
    table = read_table(csv_bytes(rows), "r.csv", headings=HEADINGS, header_row=2)
    assert (table.header_row, table.headers) == (2, ["Trolley 1", "30 iPads"])
    assert [number for number, _ in table.rows] == [3, 4]


def test_a_chosen_header_row_must_have_something_in_it():
    with pytest.raises(UnreadableFile, match="Row 2 is empty"):
        read_table(csv_bytes([TABLE[0], [], TABLE[1]]), "r.csv", header_row=2)


def test_the_top_rows_are_offered_as_text_to_choose_from():
    table = read_table(csv_bytes([["Stuff", ""], *TABLE]), "r.csv", headings={"nothing"})
    assert table.top_rows[:2] == [(1, ["Stuff", ""]), (2, ["Asset tag", "Name", "Serial No."])]
    assert not table.header_sure
