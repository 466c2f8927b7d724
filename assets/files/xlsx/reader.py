"""Read a sheet of an uploaded .xlsx, or a .csv, .tsv or .txt file, into header and rows,
safely.

Every check that can refuse a file runs before any parser sees it, on the zip directory, on
bounded reads of the XML parts and on a quick pass over the sheet's XML (sheet_scan), so a
hostile upload costs little memory and time. What is refused raises `UnreadableFile` with a
message an office user can act on.

calamine reads the cells; what it does not give is added here: the text Excel shows for
numbers in zero-padding formats (formats.py), and a value merged down several data rows on
each of those rows. Workbooks saved as "Strict Open XML" name their parts' namespaces
differently; calamine reads them as they are, and so do the checks here. Text files are
decoded and split by `delimited`.

The header row is the row among the first 20 that holds most of the headings the caller knows
(a title or "Last updated" line above it is skipped); the table says when it was not sure.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from typing import Any

from defusedxml import DefusedXmlException, ElementTree
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from assets.files.xlsx import delimited
from assets.files.xlsx.errors import UnreadableFile
from assets.files.xlsx.formats import MAX_STYLES_PART, Padding, paddings
from assets.files.xlsx.sheet_scan import SheetScan, TooLarge, scan_sheet

ACCEPTED = ".xlsx (Excel Workbook), .csv or tab-delimited .txt or .tsv"
TEXT_SUFFIXES = ("csv", "tsv", "txt")
# How many non-blank rows at the top may hold the header: a sheet's table, and its header
# row, are known by the headings there.
HEADER_SEARCH = 20
MAX_ROWS = 200_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024
# Real sheet XML compresses 5-30 times; deflate tops out near 1000:1 on runs of one byte.
MAX_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024
PROLOG_SCAN = 64 * 1024
# workbook.xml lists the sheets and names; a real one is a few kilobytes.
MAX_WORKBOOK_PART = 4 * 1024 * 1024
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
# Transitional namespaces first, then those of Strict Open XML (ISO/IEC 29500 strict).
_RELS_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_WORKSHEET_ROOT_RE = re.compile(rb"<(\w+:)?worksheet\b")
_ROOT_START_RE = re.compile(rb"<[A-Za-z_]")
_DOCTYPE_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_HEADER_JUNK_RE = re.compile(r"[\W_]+")
# How an XML parser tells a part's encoding from its first bytes (XML 1.0, appendix F): with a
# byte-order mark, or without one from how "<" is written. Longest first.
_WIDE_XML_STARTS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_REFUSED_XML = (
    "The workbook contains XML that is not allowed in a spreadsheet (a DOCTYPE or entity "
    "declaration), so it was refused for safety. Open it in Excel, save it as a new .xlsx and "
    "upload it again."
)


@dataclass
class Table:
    """The header row and the data rows of one sheet.

    `rows` yields `(row_number, values)` with the spreadsheet's own 1-based row numbers, blank
    rows left out. An empty cell is None; whole numbers from xlsx come back as int.
    `header_sure` is False when no row, or more than one, held the known headings best;
    `top_rows` are the non-blank rows the header was looked for in, as text, to choose from.
    """

    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]] = field(repr=False)
    # The sheet read and the workbook's visible sheets ("" and () for a CSV file).
    sheet: str = ""
    sheets: tuple[str, ...] = ()
    header_sure: bool = True
    top_rows: list[tuple[int, list[str]]] = field(default_factory=list, repr=False)


def normalise_header(text: object) -> str:
    """Lowercase the header with spaces and punctuation removed: "Serial No." -> "serialno"."""
    return _HEADER_JUNK_RE.sub("", str(text if text is not None else "")).lower()


def read_table(
    data: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    max_rows: int = MAX_ROWS,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    headings: Collection[str] = (),
    header_row: int | None = None,
) -> Table:
    """Return the header and rows of a sheet of an .xlsx, or of a text file.

    The sheet is the visible one named `sheet`, or else the first visible sheet with a table
    whose headings include `headings` ones, or else the first that is not empty. The header is
    row `header_row` when given, else the row among the first 20 holding most of `headings`
    (normalised, see normalise_header), else the first row (after a lone caption). Raises
    UnreadableFile, before parsing anything, for an empty, renamed, old-format,
    macro-enabled, damaged or oversized file, and while reading for a file with no header row
    or with more than `max_rows` data rows.
    """
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    _refuse_by_name(suffix)
    if not data:
        raise UnreadableFile("The file is empty. Check you chose the right file and try again.")
    _refuse_by_content(data, suffix)
    known = frozenset(headings)
    if data.startswith(_ZIP_MAGIC):
        name, loaded, numbered, sheets = _read_xlsx(
            data, sheet=sheet, known=known, max_rows=max_rows, max_uncompressed=max_uncompressed
        )
        table = _make_table(numbered, max_rows, known, header_row)
        table.rows = _fill_merged(table.rows, loaded, table.header_row)
        table.sheet, table.sheets = name, sheets
        return table
    if len(data) > max_uncompressed:
        raise UnreadableFile(
            f"The file is too large to import ({len(data) // 1_000_000} MB). "
            "Split it into smaller files."
        )
    return _make_table(delimited.read_rows(data, suffix), max_rows, known, header_row)


def _refuse_by_name(suffix: str) -> None:
    if suffix == "xlsx" or suffix in TEXT_SUFFIXES:
        return
    if suffix == "xls":
        raise UnreadableFile(_OLD_XLS)
    if suffix in ("xlsm", "xltm"):
        raise UnreadableFile(_MACROS)
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
_MACROS = (
    "This workbook contains macros, which we do not accept. "
    "Save it as .xlsx (Excel Workbook), which removes the macros, and upload it again."
)
_DAMAGED = (
    "The file is damaged or was not uploaded completely, so it cannot be read. "
    "Open it in Excel, save it again as .xlsx and upload it again."
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
        raise UnreadableFile(_DAMAGED)
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
    known: Collection[str],
    max_rows: int,
    max_uncompressed: int,
) -> tuple[str, CalamineSheet, Iterator[tuple[int, list[Any]]], tuple[str, ...]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise UnreadableFile(_DAMAGED) from error
    with archive:
        _check_sizes(archive, max_uncompressed)
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise UnreadableFile(
                "This file is not an Excel workbook (it may be a Word or other Office file). "
                f"Upload the register as an {ACCEPTED} file."
            )
        try:
            _check_macros(archive, names)
            _check_xml_prologs(archive)
            sheets = _visible_sheets(archive)
            candidates = _candidates(sheets, sheet)
            styles = _paddings(archive)
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            fallback = None
            for name, part in candidates:
                scan = _scan(archive, part, styles, max_rows)
                loaded = workbook.get_sheet_by_name(name)
                rows = _numbered(loaded, scan, styles)
                head = list(itertools.islice(_nonblank(rows), HEADER_SEARCH))
                found = (name, loaded, itertools.chain(head, rows))
                if sheet is not None or _has_known_headings(head, known):
                    break
                if fallback is None and head:
                    fallback = found
            else:
                found = fallback or found
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise UnreadableFile(_DAMAGED) from error
        except CalamineError as error:
            raise UnreadableFile(_DAMAGED) from error
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


def _nonblank(numbered: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    return (item for item in numbered if any(value is not None for value in item[1]))


def _has_known_headings(head: list[tuple[int, list[Any]]], known: Collection[str]) -> bool:
    """Whether a row among `head` is a header row: two known headings, or only known ones."""
    for _, values in head:
        names = [normalise_header(value) for value in values if value is not None]
        hits = sum(1 for name in names if name and name in known)
        if hits >= 2 or (hits and hits == len(names)):
            return True
    return False


def _paddings(archive: zipfile.ZipFile) -> dict[int, Padding]:
    """The cell formats of the workbook that pad numbers with zeros (none if unreadable)."""
    try:
        info = archive.getinfo("xl/styles.xml")
    except KeyError:
        return {}
    if info.file_size > MAX_STYLES_PART:
        return {}
    try:
        return paddings(archive.read(info))
    except DefusedXmlException as error:
        raise UnreadableFile(_REFUSED_XML) from error
    except ElementTree.ParseError:
        return {}


def _scan(
    archive: zipfile.ZipFile, part: str, styles: dict[int, Padding], max_rows: int
) -> SheetScan:
    """How far the sheet's cells really reach (refused past the limits), and its padded cells."""
    with archive.open(part) as stream:
        head = stream.read(PROLOG_SCAN)
    if _as_utf8(head) != head:
        # Excel writes UTF-8; the quick pass reads only that.
        raise UnreadableFile(_DAMAGED)
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
        raise UnreadableFile(_too_many_rows(max_rows, f"{found.rows:,}"))
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


def _fill_merged(
    rows: Iterator[tuple[int, list[Any]]], loaded: CalamineSheet, header_row: int
) -> Iterator[tuple[int, list[Any]]]:
    """Give every row of a range merged down data rows the value of its top cell. A range
    starting at or above the header (a title, a heading) spreads into nothing."""
    first_column = loaded.start[1] if loaded.start else 0
    merges = sorted(
        (top + 1, left - first_column, bottom + 1)
        for (top, left), (bottom, _) in loaded.merged_cell_ranges or ()
        if top + 1 > header_row and bottom > top and left >= first_column
    )
    return _merged(rows, merges) if merges else rows


def _merged(
    rows: Iterator[tuple[int, list[Any]]], merges: list[tuple[int, int, int]]
) -> Iterator[tuple[int, list[Any]]]:
    active: list[tuple[int, int, Any]] = []
    waiting = iter(merges)
    upcoming = next(waiting, None)
    for number, values in rows:
        active = [merge for merge in active if merge[0] >= number]
        while upcoming is not None and upcoming[0] <= number:
            top, column, bottom = upcoming
            if top == number and column < len(values) and values[column] is not None:
                active.append((bottom, column, values[column]))
            upcoming = next(waiting, None)
        for _, column, value in active:
            if column < len(values) and values[column] is None:
                values[column] = value
        yield number, values


def _check_sizes(archive: zipfile.ZipFile, max_uncompressed: int) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio_too_high = info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        )
        if info.file_size > max_uncompressed or total > max_uncompressed or ratio_too_high:
            raise UnreadableFile(
                "The workbook unpacks to far more data than a register holds, so it was "
                "refused for safety. If it is a genuine register, split it into smaller files."
            )
        if info.flag_bits & 0x1:
            raise UnreadableFile(
                "The workbook is protected with a password. Remove the password in Excel, "
                "save it and upload it again."
            )


def _check_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnreadableFile(_MACROS)
    content_types = archive.open("[Content_Types].xml").read(PROLOG_SCAN * 16)
    if b"macroenabled" in content_types.lower():
        raise UnreadableFile(_MACROS)


def _check_xml_prologs(archive: zipfile.ZipFile) -> None:
    """Refuse any XML part that declares a DOCTYPE or entities before its root element."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            head = part.read(PROLOG_SCAN)
        head = _as_utf8(head)
        root = _ROOT_START_RE.search(head)
        prolog = head if root is None else head[: root.start()]
        if _DOCTYPE_RE.search(prolog) or (root is None and len(head) == PROLOG_SCAN):
            raise UnreadableFile(_REFUSED_XML)


def _as_utf8(head: bytes) -> bytes:
    """The start of an XML part in UTF-8, whichever encoding a parser would read it in."""
    for start, encoding in _WIDE_XML_STARTS:
        if head.startswith(start):
            return head.decode(encoding, errors="replace").encode("utf-8")
    return head


def _visible_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """Return the name and zip path of each visible worksheet, in the workbook's order."""
    if archive.getinfo("xl/workbook.xml").file_size > MAX_WORKBOOK_PART:
        raise UnreadableFile(_DAMAGED)
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels_path = "xl/_rels/workbook.xml.rels"
        rels = ElementTree.fromstring(archive.read(rels_path)) if _has(archive, rels_path) else None
    except DefusedXmlException as error:
        # The prolog check above should have refused it; this is the parser's own refusal.
        raise UnreadableFile(_REFUSED_XML) from error
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile) as error:
        raise UnreadableFile(_DAMAGED) from error
    targets = {}
    for rel in rels if rels is not None else []:
        if rel.tag == f"{{{_PKG_RELS_NS}}}Relationship" and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else join("xl", target)
            targets[rel.get("Id")] = normpath(path)
    found = []
    for sheet in (item for ns in _MAIN_NAMESPACES for item in book.iter(f"{{{ns}}}sheet")):
        if sheet.get("state", "visible") != "visible":
            continue
        rel_id = next(filter(None, (sheet.get(f"{{{ns}}}id") for ns in _RELS_NAMESPACES)), None)
        part = targets.get(rel_id)
        if part and _has(archive, part) and dirname(part).endswith("worksheets"):
            found.append((sheet.get("name", ""), part))
    if found:
        return found
    raise UnreadableFile(
        "The workbook has no visible worksheet to read. Unhide the sheet with the register "
        "(or copy it into a new workbook), save it and upload it again."
    )


def _has(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _too_many_rows(max_rows: int, claimed: str) -> str:
    return (
        f"The sheet has {claimed} rows; at most {max_rows:,} can be imported at once. "
        "Delete the empty rows below the data (select them, right-click, Delete) or split the "
        "file, then upload it again."
    )


def _clean_xlsx_row(row: list[Any]) -> list[Any]:
    return [
        None
        if value == ""
        else int(value)
        if value.__class__ is float and value.is_integer()
        else value
        for value in row
    ]


def _make_table(
    numbered: Iterator[tuple[int, list[Any]]],
    max_rows: int,
    headings: frozenset[str],
    header_row: int | None,
) -> Table:
    """Find the header among the first non-blank rows; the rows below it are the data."""
    nonblank = (item for item in numbered if any(value is not None for value in item[1]))
    top = list(itertools.islice(nonblank, HEADER_SEARCH))
    if not top:
        raise UnreadableFile(
            "The sheet is empty: there is no header row. Put the column names in the first "
            "row and the data below them."
        )
    sure = True
    if header_row is not None:
        position = next((i for i, (number, _) in enumerate(top) if number == header_row), None)
        if position is None:
            raise UnreadableFile(
                f"Row {header_row} is empty or is not among the first {HEADER_SEARCH} rows with "
                "something in them, so it cannot be the header row. Choose another row."
            )
    else:
        position, sure = _header_position(top, headings)
    number, values = top[position]
    headers = [str(value).strip() if value is not None else "" for value in values]
    if not any(headers):
        raise UnreadableFile(
            f"The header row (row {number}) has no column names. Put the column names in "
            "the first row and the data below them."
        )
    while not headers[-1]:
        headers.pop()
    rows = _data_rows(itertools.chain(top[position + 1 :], nonblank), max_rows)
    shown = [(n, [_cell_text(value) for value in row]) for n, row in top]
    return Table(headers, number, rows, header_sure=sure, top_rows=shown)


def _header_position(
    top: list[tuple[int, list[Any]]], headings: frozenset[str]
) -> tuple[int, bool]:
    """Which of the top rows is the header, and whether that is sure.

    With known headings: the row holding most of them, sure when no other row holds as many.
    Without any: the first row or, when it is a lone caption such as "Ashbrook School - Asset
    register - exported ..." (our own export starts so) above a row of several names, the row
    under it.
    """
    if headings:
        scores = [len({normalise_header(value) for value in row} & headings) for _, row in top]
        best = max(scores)
        if best:
            return scores.index(best), scores.count(best) == 1
    position = 0
    if _filled(top[0][1]) == 1 and len(top) > 1 and _filled(top[1][1]) > 1:
        position = 1
    return position, not headings


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()[:60]


def _filled(values: list[Any]) -> int:
    return sum(1 for value in values if value is not None and str(value).strip())


def _data_rows(
    numbered: Iterator[tuple[int, list[Any]]], max_rows: int
) -> Iterator[tuple[int, list[Any]]]:
    for count, (number, values) in enumerate(numbered, 1):
        if count > max_rows:
            raise UnreadableFile(_too_many_rows(max_rows, f"more than {max_rows:,}"))
        yield number, values
