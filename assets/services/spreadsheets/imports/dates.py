"""Day first or month first: how a file's text dates such as 3/1/23 are read.

The register reads dates the UK way. A file from a US tool writes them month first, and
3/1/23 is then 1 March, not 3 January. The whole file is looked at: a date that can only be
month first (12/25/2023) proves the file US, one that can only be day first (25/12/2023) proves
it UK. The preview asks whenever a date could be read both ways and nothing proves it UK, and
the person's answer holds for every date column; dates that do not fit the answer are row
errors, never guessed. Date cells and ISO or named-month text need no question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from assets.files.xlsx.values import DAY_FIRST, EITHER, MONTH_FIRST, date_order, parse_date
from assets.services.common.errors import DomainError
from assets.services.spreadsheets.imports.columns import Column, Field

ORDERS = (DAY_FIRST, MONTH_FIRST)
_MONTH_FIRST_DATE = partial(parse_date, month_first=True)


@dataclass(frozen=True)
class DateOrder:
    """How the file's text dates are read (`order`), and what the file showed: the date
    columns with numeric text dates, an example read both ways, and the first date that can
    only be month first or only day first."""

    order: str = DAY_FIRST
    columns: tuple[str, ...] = ()
    either: str = ""
    month_first: str = ""
    day_first: str = ""

    def reading(self, order: str) -> str:
        """The example read both ways, as a person says it: "3 January 2023"."""
        try:
            day = parse_date(self.either, month_first=order == MONTH_FIRST)
        except ValueError:
            return ""
        return f"{day.day} {day:%B %Y}" if day else ""

    @property
    def asked(self) -> bool:
        """Whether the preview asks: a date proves the file US, or one reads both ways and
        none proves the file UK."""
        return bool(self.month_first or (self.either and not self.day_first))


def check(chosen: str | None) -> None:
    if chosen is not None and chosen not in ORDERS:
        raise DomainError("Choose whether the dates are written day first or month first.")


def judge(
    rows: Iterable[tuple[int, list[Any]]],
    columns: Sequence[Column],
    fields: dict[str, Field],
    chosen: str | None,
) -> DateOrder:
    """Read every text date of the date columns and say how they are read: as `chosen`, or
    month first when some date proves it and none proves day first, else day first."""
    dated = date_columns(columns, fields)
    found: dict[str, str] = {}
    titles: set[str] = set()
    for _, values in rows if dated else ():
        for index, title in dated:
            if index < len(values) and (kind := date_order(values[index])) is not None:
                found.setdefault(kind, values[index].strip())
                titles.add(title)
        if DAY_FIRST in found and MONTH_FIRST in found:
            break
    default = MONTH_FIRST if MONTH_FIRST in found and DAY_FIRST not in found else DAY_FIRST
    return DateOrder(
        order=chosen or default,
        columns=tuple(title for _, title in dated if title in titles),
        either=found.get(EITHER, ""),
        month_first=found.get(MONTH_FIRST, ""),
        day_first=found.get(DAY_FIRST, ""),
    )


def date_columns(columns: Sequence[Column], fields: dict[str, Field]) -> list[tuple[int, str]]:
    """The index and title of each column chosen for a date field."""
    return [(c.index, c.title) for c in columns if c.field and fields[c.field].parse is parse_date]


def fields_in_order(fields: dict[str, Field], order: str) -> dict[str, Field]:
    """The fields with their dates read in `order`."""
    if order == DAY_FIRST:
        return fields
    return {
        name: replace(field, parse=_MONTH_FIRST_DATE) if field.parse is parse_date else field
        for name, field in fields.items()
    }
