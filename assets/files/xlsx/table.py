"""The table of a sheet: which of its top rows holds the headings, and the data rows below.

One rule says how well a row does as the header (`score`: how many known headings it holds),
and it is used both to find the header row and to choose a workbook's sheet: the sheet whose
header row scores best, provided that row holds an identifying heading (the asset tag, say),
so a read-me laid out as "Title | Notes" is not taken for the register.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from assets.files.xlsx.errors import UnreadableFile

# How many non-blank rows at the top may hold the header: a sheet's table, and its header
# row, are known by the headings there.
HEADER_SEARCH = 20

_HEADER_JUNK_RE = re.compile(r"[\W_]+")

Rows = Iterator[tuple[int, list[Any]]]


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
    rows: Rows = field(repr=False)
    # The sheet read and the workbook's visible sheets ("" and () for a CSV file).
    sheet: str = ""
    sheets: tuple[str, ...] = ()
    header_sure: bool = True
    top_rows: list[tuple[int, list[str]]] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class Headings:
    """The headings (normalised) a caller knows, and those of the field that identifies a
    row; a row without one of those is not taken for a table's header when choosing a sheet.
    Without identifying headings, any known heading identifies."""

    known: frozenset[str] = frozenset()
    identifying: frozenset[str] = frozenset()

    @classmethod
    def of(cls, known: Collection[str], identifying: Collection[str]) -> Headings:
        return cls(frozenset(known), frozenset(identifying))


def normalise_header(text: object) -> str:
    """Lowercase the header with spaces and punctuation removed: "Serial No." -> "serialno"."""
    return _HEADER_JUNK_RE.sub("", str(text if text is not None else "")).lower()


def filled(values: list[Any]) -> int:
    """How many cells of a row are not empty (None)."""
    return sum(1 for value in values if value is not None)


def nonblank(numbered: Rows) -> Rows:
    """The rows with something in them."""
    return (item for item in numbered if filled(item[1]))


def score(values: list[Any], headings: Headings) -> int:
    """How well a row does as the header: how many different known headings it holds."""
    return len({normalise_header(value) for value in values if value is not None} & headings.known)


def sheet_score(top: list[tuple[int, list[Any]]], headings: Headings) -> int | None:
    """The score of the header row found among a sheet's top rows; None when that row holds
    no identifying heading (none known, without identifying headings), so the sheet is not
    taken for the table."""
    scores = [score(values, headings) for _, values in top]
    best = max(scores, default=0)
    if not best:
        return None
    _, values = top[scores.index(best)]
    names = {normalise_header(value) for value in values if value is not None}
    return best if not headings.identifying or names & headings.identifying else None


def make_table(numbered: Rows, max_rows: int, headings: Headings, header_row: int | None) -> Table:
    """Find the header among the first non-blank rows; the rows below it are the data."""
    rows = nonblank(numbered)
    top = list(itertools.islice(rows, HEADER_SEARCH))
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
    data = _data_rows(itertools.chain(top[position + 1 :], rows), max_rows)
    shown = [(n, [_cell_text(value) for value in row]) for n, row in top]
    return Table(headers, number, data, header_sure=sure, top_rows=shown)


def _header_position(top: list[tuple[int, list[Any]]], headings: Headings) -> tuple[int, bool]:
    """Which of the top rows is the header, and whether that is sure.

    With known headings: the first row scoring best, sure when no other row scores as well.
    Without any: the first row or, when it is a lone caption such as "Ashbrook School - Asset
    register - exported ..." (our own export starts so) above a row of several names, the row
    under it.
    """
    if headings.known:
        scores = [score(values, headings) for _, values in top]
        best = max(scores)
        if best:
            return scores.index(best), scores.count(best) == 1
    position = 0
    if filled(top[0][1]) == 1 and len(top) > 1 and filled(top[1][1]) > 1:
        position = 1
    return position, not headings.known


def too_many_rows(max_rows: int, claimed: str) -> str:
    return (
        f"The sheet has {claimed} rows; at most {max_rows:,} can be imported at once. "
        "Delete the empty rows below the data (select them, right-click, Delete) or split the "
        "file, then upload it again."
    )


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()[:60]


def _data_rows(numbered: Rows, max_rows: int) -> Rows:
    for count, (number, values) in enumerate(numbered, 1):
        if count > max_rows:
            raise UnreadableFile(too_many_rows(max_rows, f"more than {max_rows:,}"))
        yield number, values
