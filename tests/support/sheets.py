"""Spreadsheets for tests: build an upload, reopen an export."""

import csv
import io

import openpyxl

from assets.files.xlsx.reader import read_table


def xlsx_bytes(rows, title: str = "Register") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


def reopen(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def table_of(data: bytes, filename: str = "export.xlsx") -> tuple[list[str], list[list]]:
    """The header and data rows of an .xlsx as our own reader gives them."""
    table = read_table(data, filename)
    return table.headers, [values for _, values in table.rows]


def edited(data: bytes, edit) -> bytes:
    """An export after `edit(sheet)` changed it in "Excel" (openpyxl)."""
    workbook = reopen(data)
    edit(workbook.worksheets[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_of_sheet(sheet) -> tuple[list, list[tuple]]:
    """The header and data rows of an openpyxl sheet, below its caption row."""
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return list(rows[0]), rows[1:]
