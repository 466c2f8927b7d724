"""A quick pass over a worksheet's XML, before calamine loads it: how far its cells really
reach, and which cells carry a given style.

calamine allocates the whole rectangle from the first cell to the last at once, so one cell
at XFD1048576 asks for 550 GB and aborts the process (measured with python-calamine 0.9.1);
the sheet's `<dimension>` only claims a size (and may be wrong either way). This pass reads
the real rows instead. It runs a few regular expressions, each starting with a literal, over
the inflated bytes: a 100,000-row register of 15 columns (79 MB of XML) takes about 0.4 s,
where an XML parser's pass took 3 s (expat) to 19 s (iterparse). Excel, openpyxl and
XlsxWriter write each cell as `<c r="A1" s="3" ...>`; a cell written otherwise is still
counted (the slower, exact path below), but its style is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import IO

CHUNK = 1024 * 1024
# Columns A-Z need no looking at: only wider sheets are measured cell by cell.
NARROW = 26


@dataclass
class SheetScan:
    """What the pass found: rows holding cells, the last row and column any cell reaches
    (1-based), and by row (0-based) the (0-based column, style) of cells whose style was
    asked about."""

    rows: int = 0
    last_row: int = 0
    last_column: int = NARROW
    styled: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


class TooLarge(Exception):
    """The sheet's cells reach further than the limits allow."""


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def scan_sheet(
    part: IO[bytes], prefix: bytes, styles: Collection[int], *, max_cells: int
) -> SheetScan:
    """Scan the worksheet XML in `part`, whose elements carry namespace `prefix` (b"" or
    b"x:"). Raises TooLarge, as soon as it knows, when rows x columns exceed `max_cells`."""
    p = re.escape(prefix)
    # Each expression starts with a literal and yields few or plain matches: per-row Python
    # work doubled the pass's time.
    rows_re = re.compile(rb"<" + p + rb"row[\s/>]")
    empty_rows_re = re.compile(rb"<" + p + rb"row\b[^>]*/>")
    numbered_rows_re = re.compile(rb"<" + p + rb'row r="(\d{1,7})"')
    # Cells past column Z or below row 99,999: few in a register, and all that can be far.
    wide_re = re.compile(rb"<" + p + rb'c r="([A-Z]{2,3})(\d{1,7})"')
    deep_re = re.compile(rb"<" + p + rb'c r="[A-Z](\d{6,7})"')
    loose_re = re.compile(rb"<" + p + rb'c(?=[\s/>])(?!\s+r=")')
    styled_re = None
    if styles:
        ids = b"|".join(str(style).encode() for style in sorted(styles))
        styled_re = re.compile(rb"<" + p + rb'c r="([A-Z]{1,3})(\d{1,7})" s="(' + ids + rb')"')
    found = SheetScan()
    row_elements = 0
    loose = False
    for text in _pieces(part):
        elements = len(rows_re.findall(text))
        row_elements += elements
        found.rows += elements - len(empty_rows_re.findall(text))
        numbers = [*map(int, numbered_rows_re.findall(text)), *map(int, deep_re.findall(text))]
        wide = wide_re.findall(text)
        if wide:
            numbers.extend(map(int, (row for _, row in wide)))
            widest = max(map(column_number, {letters for letters, _ in wide}))
            found.last_column = max(found.last_column, widest)
        # Rows without r="..." are numbered by their place.
        found.last_row = max(found.last_row, row_elements, *numbers)
        loose = loose or loose_re.search(text) is not None
        if styled_re is not None:
            for match in styled_re.finditer(text):
                row, column = int(match.group(2)) - 1, column_number(match.group(1)) - 1
                found.styled.setdefault(row, []).append((column, int(match.group(3))))
        if found.last_row * found.last_column > max_cells:
            raise TooLarge(found)
    if loose:
        # Some cells do not start with r="A1": count every cell of every row, in order.
        part.seek(0)
        widest = _widest_row(part, p, max_cells // max(found.last_row, 1))
        found.last_column = max(found.last_column, widest)
        if found.last_row * found.last_column > max_cells:
            raise TooLarge(found)
    return found


def _pieces(part: IO[bytes]) -> Iterator[bytes]:
    """The part in pieces of about CHUNK bytes, each cut before a "<" so no tag is split."""
    tail = b""
    while chunk := part.read(CHUNK):
        text = tail + chunk
        cut = text.rfind(b"<")
        if cut <= 0:
            yield text
            tail = b""
        else:
            yield text[:cut]
            tail = text[cut:]
    if tail:
        yield tail


def _widest_row(part: IO[bytes], p: bytes, enough: int) -> int:
    """The most cells any row has, counted in order; stops once past `enough`."""
    token_re = re.compile(rb"<" + p + rb'(?:(row)\b|c(?=[\s/>])(?:\s+r="([A-Z]{1,3})\d)?)')
    widest = column = 0
    for text in _pieces(part):
        for match in token_re.finditer(text):
            if match.group(1):
                column = 0
                continue
            letters = match.group(2)
            column = column_number(letters) if letters else column + 1
            widest = max(widest, column)
        if widest > enough:
            break
    return widest
