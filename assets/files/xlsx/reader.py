"""Read a sheet of an uploaded .xlsx, or a .csv, .tsv or .txt file, into header and rows,
safely.

Every check that can refuse a file runs before any parser sees it, on the zip package
(package.py) and on a quick pass over the sheet's XML (sheet_scan), so a hostile upload costs
little memory and time. What is refused raises `UnreadableFile` with a message an office user
can act on.

calamine reads the cells; what it does not give is added here: the text Excel shows for
numbers in zero-padding formats (formats.py), and a value merged down several data rows on
each of those rows (merged.py). Text files are decoded and split by `delimited`.

The header row is the row among the first 20 that holds most of the headings the caller knows
(a title or "Last updated" line above it is skipped); the table says when it was not sure.
Of a workbook's sheets, the one whose header row scores best by the same rule is read
(table.py).
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from typing import Any

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from assets.files.memory import release_freed_memory
from assets.files.xlsx import delimited, package
from assets.files.xlsx.errors import UnreadableFile
from assets.files.xlsx.formats import Padding
from assets.files.xlsx.merged import fill_merged
from assets.files.xlsx.package import ACCEPTED, DAMAGED, MACROS
from assets.files.xlsx.sheet_scan import SheetScan, TooLarge, scan_sheet
from assets.files.xlsx.table import (
    HEADER_SEARCH,
    Headings,
    Table,
    make_table,
    nonblank,
    normalise_header,
    sheet_score,
    too_many_rows,
)

__all__ = ["ACCEPTED", "Table", "UnreadableFile", "normalise_header", "read_table"]

TEXT_SUFFIXES = ("csv", "tsv", "txt")
MAX_ROWS = 200_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024
# calamine holds a sheet as one rectangle of 32-byte cells: 16 million of them take 512 MB.
MAX_CELLS = 16_000_000

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_KNOWN_NOT_SPREADSHEETS = {
    b"\x89PNG": "a PNG picture",
    b"\xff\xd8\xff": "a JPEG picture",
    b"GIF8": "a GIF picture",
    b"%PDF": "a PDF document",
}
_WORKSHEET_ROOT_RE = re.compile(rb"<(\w+:)?worksheet\b")


def read_table(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    max_rows: int = MAX_ROWS,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    headings: Collection[str] = (),
    identifying: Collection[str] = (),
    header_row: int | None = None,
) -> Table:
    """Return the header and rows of a sheet of an .xlsx, or of a text file.

    The sheet is the visible one named `sheet`, or else the visible sheet whose best header
    row scores highest (the first of equals) among those with an `identifying` heading in it
    (with none given, any of `headings`), or else the first that is not empty. The header is
    row `header_row` when given, else the row among the first 20 scoring best: one with an
    identifying heading first, then the most of `headings` (normalised, see
    normalise_header); else the first row (after a lone caption). Raises
    UnreadableFile, before parsing anything, for an empty, renamed, old-format,
    macro-enabled, damaged or oversized file, and while reading for a file with no header row
    or with more than `max_rows` data rows.
    """
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    _refuse_by_name(suffix)
    if not data:
        raise UnreadableFile("The file is empty. Check you chose the right file and try again.")
    _refuse_by_content(data, suffix)
    known = Headings.of(headings, identifying)
    if data.startswith(_ZIP_MAGIC):
        name, loaded, numbered, sheets = _read_xlsx(
            data, sheet=sheet, headings=known, max_rows=max_rows, max_uncompressed=max_uncompressed
        )
        table = make_table(numbered, max_rows, known, header_row)
        table.rows = fill_merged(table.rows, loaded, table.header_row)
        table.sheet, table.sheets = name, sheets
        return table
    if len(data) > max_uncompressed:
        raise UnreadableFile(
            f"The file is too large to import ({len(data) // 1_000_000} MB). "
            "Split it into smaller files."
        )
    return make_table(delimited.read_rows(data, suffix), max_rows, known, header_row)


def _refuse_by_name(suffix: str) -> None:
    if suffix == "xlsx" or suffix in TEXT_SUFFIXES:
        return
    if suffix == "xls":
        raise UnreadableFile(_OLD_XLS)
    if suffix in ("xlsm", "xltm"):
        raise UnreadableFile(MACROS)
    if suffix == "xlsb":
        raise UnreadableFile(
            "Excel Binary Workbooks (.xlsb) cannot be imported. "
            "Save it as .xlsx (Excel Workbook) and upload it again."
        )
    what = f"Files of type .{suffix}" if suffix else "A file with no extension"
    raise UnreadableFile(f"{what} cannot be imported. Upload an {ACCEPTED} file.")


_OLD_XLS = (
    "This is an old Excel 97-2003 .xls file. Save it as .xlsx (Excel Workbook) and upload it again."
)


def _refuse_by_content(data: bytes, suffix: str) -> None:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data[:1_000_000] or _ENCRYPTED_MARK in data[-1_000_000:]:
            raise UnreadableFile(
                "The workbook is protected with a password. Remove the password in Excel "
                "(File > Info > Protect Workbook), save it and upload it again."
            )
        raise UnreadableFile(_OLD_XLS)
    for magic, kind in _KNOWN_NOT_SPREADSHEETS.items():
        if data.startswith(magic):
            raise UnreadableFile(
                f"This file is {kind}, not a spreadsheet, although its name ends in .{suffix}. "
                f"Upload the register as an {ACCEPTED} file."
            )
    if data.startswith(_EMPTY_ZIP_MAGIC):
        raise UnreadableFile(DAMAGED)
    if suffix == "xlsx" and not data.startswith(_ZIP_MAGIC):
        raise UnreadableFile(
            "This file is not an Excel workbook, although its name ends in .xlsx. It may be "
            "another kind of file that was renamed. Open it in Excel and save it as .xlsx "
            "(Excel Workbook)."
        )


def _read_xlsx(
    data: bytes,
    *,
    sheet: str | None,
    headings: Headings,
    max_rows: int,
    max_uncompressed: int,
) -> tuple[str, CalamineSheet, Iterator[tuple[int, list[Any]]], tuple[str, ...]]:
    """The sheet named `sheet`, or else the visible sheet whose header row scores best (the
    first of equals), or else the first with anything in it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise UnreadableFile(DAMAGED) from error
    with archive:
        try:
            package.check(archive, max_uncompressed)
            sheets = package.visible_sheets(archive)
            candidates = _candidates(sheets, sheet)
            styles = package.styles(archive)
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            best = fallback = None
            for name, part in candidates:
                scan = _scan(archive, part, styles, max_rows)
                # The sheets read before this one (the upload's check, the preview's pass) are
                # freed but still held by malloc: give them back just before calamine builds
                # the next, its largest allocation, after what opening the workbook and the
                # scan freed. Trimmed before the workbook opened instead, the web import's
                # peak varied from run to run between 282 and 298 MiB; here, 282 every time.
                release_freed_memory()
                loaded = workbook.get_sheet_by_name(name)
                rows = _numbered(loaded, scan, styles)
                head = list(itertools.islice(nonblank(rows), HEADER_SEARCH))
                found = (name, loaded, itertools.chain(head, rows))
                if sheet is not None:
                    break
                rank = sheet_score(head, headings)
                if rank is not None and (best is None or rank > best[0]):
                    best = (rank, found)
                if fallback is None and head:
                    fallback = found
            else:
                found = best[1] if best else fallback or found
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise UnreadableFile(DAMAGED) from error
        except CalamineError as error:
            raise UnreadableFile(DAMAGED) from error
    name, loaded, numbered = found
    return name, loaded, numbered, tuple(visible for visible, _ in sheets)


def _candidates(sheets: list[tuple[str, str]], chosen: str | None) -> list[tuple[str, str]]:
    if chosen is None:
        return sheets
    named = [(name, part) for name, part in sheets if name == chosen]
    if not named:
        listed = ", ".join(f"'{name}'" for name, _ in sheets)
        raise UnreadableFile(
            f"The workbook has no visible sheet named '{chosen}'. Choose one of: {listed}."
        )
    return named


def _scan(
    archive: zipfile.ZipFile, part: str, styles: dict[int, Padding], max_rows: int
) -> SheetScan:
    """How far the sheet's cells really reach (refused past the limits), and its padded cells."""
    with archive.open(part) as stream:
        head = stream.read(package.PROLOG_SCAN)
    if package.as_utf8(head) != head:
        # Excel writes UTF-8; the quick pass reads only that.
        raise UnreadableFile(DAMAGED)
    root = _WORKSHEET_ROOT_RE.search(head)
    prefix = (root.group(1) or b"") if root else b""
    try:
        with archive.open(part) as stream:
            found = scan_sheet(stream, prefix, styles.keys(), max_cells=MAX_CELLS)
    except TooLarge as error:
        reach = error.args[0]
        raise UnreadableFile(
            f"The sheet's cells reach row {reach.last_row:,} and column {reach.last_column:,}, "
            "far more than a register holds, so it was refused for safety. Delete the rows "
            "and columns beyond the data (or copy the data into a new workbook), save it and "
            "upload it again."
        ) from error
    if found.rows > max_rows + HEADER_SEARCH:
        raise UnreadableFile(too_many_rows(max_rows, f"{found.rows:,}"))
    return found


def _numbered(
    loaded: CalamineSheet, scan: SheetScan, styles: dict[int, Padding]
) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows, numbered as in the spreadsheet, padded numbers shown as text."""
    # calamine yields from row 1, padding rows above the data with empty cells, so the index
    # is the spreadsheet's own row number; columns start at the first one with a cell.
    if not scan.styled:
        return enumerate(map(_clean_xlsx_row, loaded.iter_rows()), 1)
    return _padded(loaded, scan.styled, styles)


def _padded(
    loaded: CalamineSheet, styled: dict[int, list[tuple[int, int]]], styles: dict[int, Padding]
) -> Iterator[tuple[int, list[Any]]]:
    first_column = loaded.start[1] if loaded.start else 0
    for number, row in enumerate(loaded.iter_rows(), 1):
        values = _clean_xlsx_row(row)
        for column, style in styled.get(number - 1, ()):
            index = column - first_column
            if 0 <= index < len(values) and values[index].__class__ in (int, float):
                shown = styles[style].show(values[index])
                if shown is not None:
                    values[index] = shown
        yield number, values


def _clean_xlsx_row(row: list[Any]) -> list[Any]:
    return [
        None
        if value == ""
        else int(value)
        if value.__class__ is float and value.is_integer()
        else value
        for value in row
    ]
