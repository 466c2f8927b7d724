"""A value merged down several data rows, given to each of those rows.

calamine gives a merged range's value to its top cell only; a person reading the sheet sees
it on every row of the range (a location merged down the devices in that room).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from python_calamine import CalamineSheet

Rows = Iterator[tuple[int, list[Any]]]


def fill_merged(rows: Rows, loaded: CalamineSheet, header_row: int) -> Rows:
    """Give every row of a range merged down data rows the value of its top cell. A range
    starting at or above the header (a title, a heading) spreads into nothing."""
    first_column = loaded.start[1] if loaded.start else 0
    merges = sorted(
        (top + 1, left - first_column, bottom + 1)
        for (top, left), (bottom, _) in loaded.merged_cell_ranges or ()
        if top + 1 > header_row and bottom > top and left >= first_column
    )
    return _merged(rows, merges) if merges else rows


def _merged(rows: Rows, merges: list[tuple[int, int, int]]) -> Rows:
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
