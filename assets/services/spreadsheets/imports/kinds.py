"""What each kind of import (the asset register, the staff list) is made of."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from assets.models import User
from assets.services.common.clock import date_text
from assets.services.spreadsheets.bulk import BulkWriter
from assets.services.spreadsheets.imports.columns import Field
from assets.services.spreadsheets.imports.engine import KindRows


@dataclass(frozen=True)
class Options:
    """The ticks on the preview page: may the import add categories and locations? And the
    status each Snipe-IT status label becomes, where the person chose one."""

    create_categories: bool = False
    create_locations: bool = False
    statuses: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """One kind of import. `rows` starts a pass: (actor, options, titles, writing, now)."""

    name: str
    title: str
    plural: str
    fields: tuple[Field, ...]
    # Headers we recognise but do not import (normalised), with the reason shown beside them.
    not_imported: dict[str, str]
    rows: Callable[..., KindRows]
    # The event actions of the rows an apply writes, for the audit of an import.
    actions: tuple[str, ...]
    mapping_problem: Callable[[Sequence[str]], str | None]

    @property
    def fields_by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @property
    def headings(self) -> frozenset[str]:
        """Every heading (normalised) this kind knows, imported or not: how its header row
        is told from a title above it."""
        return frozenset(heading for f in self.fields for heading in f.headers) | frozenset(
            self.not_imported
        )

    @property
    def identifying_headings(self) -> frozenset[str]:
        """The headings (normalised) of the fields that alone match a row to the register
        (the asset tag; a person's email or staff number): a sheet's table has one of them."""
        return frozenset(
            heading
            for f in self.fields
            if self.mapping_problem([f.name]) is None
            for heading in f.headers
        )


@dataclass
class PassContext:
    """What every kind's pass needs besides its own lookups."""

    actor: User | None
    options: Options
    # The header of the column each field came from, for messages ("row 3, Purchased: ...").
    titles: dict[str, str]
    # Set when the pass writes: the rows go through it.
    writer: BulkWriter | None
    now: datetime
    new_names: dict[str, dict[str, str]] = field(default_factory=dict)
    missing: dict[str, Counter] = field(default_factory=dict)
    # The import being applied (its id and file name), for the events that name it.
    source_id: int | None = None
    source_name: str = ""
    # The status labels of the new rows, with how many rows have each.
    status_labels: Counter = field(default_factory=Counter)
    # How many of something the apply made besides its rows ("loans"), for its event.
    made: Counter = field(default_factory=Counter)

    @property
    def writing(self) -> bool:
        return self.writer is not None

    def failed(self, row) -> set[str]:
        """The fields of `row` whose cells could not be read (already reported)."""
        return self.titles.keys() - row.values.keys()

    def title(self, field_name: str, fields: dict[str, Field]) -> str:
        if field_name in self.titles:
            return self.titles[field_name]
        found = fields.get(field_name)
        return found.label if found else field_name.replace("_", " ").capitalize()


def changed_fields(before: dict[str, Any], target: dict[str, Any], names) -> list[str]:
    """The fields of `names` whose value in `target` differs from `before` as a person sees
    it. Text that differs only in its line endings (CRLF or CR where the other has LF, as
    tools save a line break differently) is the same: `target` keeps the stored text."""
    changed = []
    for name in names:
        old, new = before[name], target[name]
        if old == new:
            continue
        if old.__class__ is str and new.__class__ is str and _lf(old) == _lf(new):
            target[name] = old
            continue
        changed.append(name)
    return changed


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def show(value: Any) -> str:
    """A value as a person reads it in a preview: UK dates, pounds, yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return date_text(value)
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    return str(value)
