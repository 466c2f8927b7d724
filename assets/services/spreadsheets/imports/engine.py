"""One pass over an uploaded sheet: parse each cell, check each row against the register and
say what it would do. The same pass previews (writing nothing) and applies (writing as it
goes, inside one transaction the caller commits or rolls back)."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol

from assets.files.xlsx.reader import Table
from assets.services.spreadsheets.imports.columns import Column, Field

ACTIONS = ("create", "update", "unchanged", "error")
# Rows are looked up and written this many at a time: one query per batch, flat memory.
BATCH = 2000
# How many rows of each action, and how many errors, a preview keeps to show.
SHOWN = 200
ERRORS_KEPT = 1000


@dataclass(slots=True)
class ParsedRow:
    """A data row with its cells parsed: `values` has the fields that parsed, `errors` the
    (column, message) of those that did not."""

    number: int
    cells: list[Any]
    values: dict[str, Any]
    errors: list[tuple[str, str]]


@dataclass(slots=True)
class RowResult:
    """What one row does: create, update, unchanged or error.

    `label` names the record (a tag, a person); `detail` describes a new record (filled in
    for the rows a preview shows); `changes`
    maps each changed field's label to (before, after) as shown to a person; `values` and
    `before` are what the write and its audit event need."""

    number: int
    action: str
    label: str
    cells: list[Any]
    errors: list[tuple[str, str]] = field(default_factory=list)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    detail: str = ""
    record_id: int | None = None
    values: dict[str, Any] | None = None
    before: dict[str, Any] | None = None
    # (column, message) of what the row may get wrong, though it can be imported.
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def messages(self) -> list[str]:
        return [f"row {self.number}, {column}: {message}" for column, message in self.errors]


class KindRows(Protocol):
    """One kind's side of a pass (assets, people): its lookups and its writes."""

    def resolve(self, batch: list[ParsedRow]) -> list[RowResult]: ...

    def describe(self, result: RowResult) -> str: ...

    def write(self, results: list[RowResult]) -> None: ...


@dataclass
class Summary:
    """Counts, the rows to show, the errors and a fingerprint of everything a pass found."""

    counts: Counter = field(default_factory=Counter)
    shown: dict[str, list[RowResult]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    errors: list[str] = field(default_factory=list)
    # The same problems for the preview page: (row number, the tag or person, column, what).
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    error_count: int = 0
    # What to check before applying, in the same form as `problems`.
    warnings: list[tuple[int, str, str, str]] = field(default_factory=list)
    warning_count: int = 0
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    def add(self, result: RowResult, describe=None) -> None:
        self.counts[result.action] += 1
        shown = self.shown[result.action]
        if len(shown) < SHOWN and result.action != "unchanged":
            if result.action == "create" and describe is not None:
                result.detail = describe(result)
            shown.append(result)
        if result.errors:
            self.error_count += len(result.errors)
            room = ERRORS_KEPT - len(self.errors)
            if room > 0:
                self.errors.extend(result.messages()[:room])
                self.problems.extend(
                    (result.number, result.label, column, message)
                    for column, message in result.errors[:room]
                )
        if result.warnings:
            self.warning_count += len(result.warnings)
            room = ERRORS_KEPT - len(self.warnings)
            self.warnings.extend(
                (result.number, result.label, column, message)
                for column, message in result.warnings[: max(room, 0)]
            )
        # A create is fixed by the file and the choices (both in the fingerprint already);
        # an update also by what the register held, so its changes go in too, and so do the
        # warnings, which also depend on the register.
        line = f"{result.number}\t{result.action}\t{result.label}"
        if result.changes:
            line += "\t" + repr(sorted(result.changes.items()))
        if result.warnings:
            line += "\t" + repr(result.warnings)
        self._digest.update(line.encode() + b"\n")

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def writes(self) -> int:
        return self.counts["create"] + self.counts["update"]

    def fingerprint(self, *context: Iterable[str]) -> str:
        """A SHA-256 of every row's outcome and the `context` (the column choices and the
        names to be created): the apply must find exactly what the preview showed."""
        digest = self._digest.copy()
        for part in context:
            digest.update(("\x1f".join(part) + "\x1e").encode())
        return digest.hexdigest()


def parse_rows(
    table: Table, columns: Sequence[Column], fields: dict[str, Field]
) -> Iterator[list[ParsedRow]]:
    """The table's rows in batches, each cell of a chosen column parsed by its field."""
    chosen = [(c.index, c.field, fields[c.field].parse, c.title) for c in columns if c.field]
    names = [name for _, name, _, _ in chosen]
    width = max((index for index, _, _, _ in chosen), default=-1) + 1
    rows = iter(table.rows)
    while batch := list(itertools.islice(rows, BATCH)):
        cells = [
            row if len(row) >= width else row + [None] * (width - len(row)) for _, row in batch
        ]
        errors: dict[int, list[tuple[str, str]]] = {}
        # Column by column: a whole column parses in one map() unless one of its cells is bad.
        parsed_columns = [
            _parse_column(list(map(itemgetter(index), cells)), parse, title, errors)
            for index, _, parse, title in chosen
        ]
        parsed = []
        for position, values in enumerate(zip(*parsed_columns, strict=True)):
            row_values = dict(zip(names, values, strict=True))
            row_errors = errors.get(position, [])
            if row_errors:
                row_values = {k: v for k, v in row_values.items() if v is not _FAILED}
            parsed.append(ParsedRow(batch[position][0], cells[position], row_values, row_errors))
        if not chosen:
            parsed = [ParsedRow(number, row, {}, []) for number, row in batch]
        yield parsed


_FAILED = object()


def _parse_column(cells: list, parse, title: str, errors: dict[int, list]) -> list:
    try:
        return list(map(parse, cells))
    except ValueError:
        pass
    values = []
    for position, cell in enumerate(cells):
        try:
            values.append(parse(cell))
        except ValueError as error:
            values.append(_FAILED)
            errors.setdefault(position, []).append((title, str(error)))
    return values


def run(
    kind_rows: KindRows,
    table: Table,
    columns: Sequence[Column],
    fields: dict[str, Field],
    *,
    write: bool,
    progress=None,
) -> Iterator[RowResult]:
    """Yield each row's result. With `write`, each batch is written once its rows are known
    to be good; the first bad row stops the writing (the caller raises and rolls back)."""
    writing = write
    for parsed in parse_rows(table, columns, fields):
        results = kind_rows.resolve(parsed)
        if writing and any(result.action == "error" for result in results):
            writing = False
        if writing:
            kind_rows.write([r for r in results if r.action in ("create", "update")])
        yield from results
        if progress is not None:
            progress(len(parsed))
