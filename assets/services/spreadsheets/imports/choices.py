"""What the person chose on an import's preview, and how the page's fields become it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assets.security import whole_number


@dataclass(frozen=True)
class Choices:
    """What the person chose on the preview: the field of each column ("" ignores it; None
    matches the headers automatically), whether new categories and locations may be added,
    and the workbook's sheet to read (None: the first with a table of known headings).
    `header_row` is the row holding the headings and `date_order` how text dates are written
    (dates.DAY_FIRST or dates.MONTH_FIRST); None for both decides from the file."""

    mapping: tuple[str, ...] | None = None
    create_categories: bool = False
    create_locations: bool = False
    # (status label in the file, one of statuses.CHOICES) for the labels the person chose;
    # None: every label as read automatically.
    statuses: tuple[tuple[str, str], ...] | None = None
    sheet: str | None = None
    header_row: int | None = None
    date_order: str | None = None


def choices_from(values: Mapping[str, str]) -> Choices:
    """The choices posted by the preview's form (or carried in the rows-with-problems link).

    Each answer was given for what the page showed: the columns and the dates for its header
    row (`columns_row`), the header row for its sheet (`sheet_read`). So another sheet is
    read afresh (its header row found, its columns matched, its dates judged), and another
    header row keeps the sheet but matches its columns and judges its dates afresh. The
    statuses and the ticks hold whatever is read. A value that is not a whole number is no
    header row; other values are checked when the file is read."""
    mapping: list[str] = []
    while f"column-{len(mapping)}" in values:
        mapping.append(values[f"column-{len(mapping)}"])
    statuses = []
    while f"status-label-{len(statuses)}" in values:
        index = len(statuses)
        statuses.append((values[f"status-label-{index}"], values.get(f"status-{index}", "")))
    sheet = values.get("sheet") or None
    header_row = whole_number(values.get("header_row"))
    date_order = values.get("date_order") or None
    if "sheet_read" in values and sheet != (values["sheet_read"] or None):
        mapping, header_row, date_order = [], None, None
    if header_row is not None and str(header_row) != values.get("columns_row", str(header_row)):
        mapping, date_order = [], None
    return Choices(
        mapping=tuple(mapping) if mapping else None,
        create_categories=values.get("create_categories") == "1",
        create_locations=values.get("create_locations") == "1",
        statuses=tuple(statuses) if statuses else None,
        sheet=sheet,
        header_row=header_row,
        date_order=date_order,
    )


def choice_args(choices: Choices) -> dict[str, str]:
    """The choices as the page's fields, for a link that carries them (the inverse of
    choices_from)."""
    args = {f"column-{index}": name for index, name in enumerate(choices.mapping or ())}
    if choices.create_categories:
        args["create_categories"] = "1"
    if choices.create_locations:
        args["create_locations"] = "1"
    for index, (label, status) in enumerate(choices.statuses or ()):
        args[f"status-label-{index}"] = label
        args[f"status-{index}"] = status
    if choices.sheet:
        args["sheet"] = choices.sheet
    if choices.header_row is not None:
        args["header_row"] = str(choices.header_row)
    if choices.date_order is not None:
        args["date_order"] = choices.date_order
    return args
