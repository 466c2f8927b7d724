"""Which column of an uploaded sheet holds which field: headers matched by name and alias,
ignoring case, spaces and punctuation, or chosen by hand."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from assets.files.xlsx import values as cells
from assets.files.xlsx.table import normalise_header
from assets.services.common.errors import DomainError

IGNORE = ""


@dataclass(frozen=True)
class Field:
    """One thing an import can set. `label` is the header our export and template use;
    `aliases` are other headers (normalised) that mean the same, best first."""

    name: str
    label: str
    parse: Callable[[Any], Any]
    aliases: tuple[str, ...] = ()
    example: Any = None
    help: str = ""
    # Headers too common to claim in any file ("username"): matched only in a file that
    # looks like a Snipe-IT export (looks_like_snipeit), where their meaning is known.
    snipeit_aliases: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        return (normalise_header(self.label), *self.aliases)


@dataclass(frozen=True)
class Column:
    """A column of the uploaded sheet and the field it goes to ("" when it is ignored)."""

    index: int
    header: str
    field: str
    note: str = ""

    @property
    def letter(self) -> str:
        return cells.column_letter(self.index + 1)

    @property
    def title(self) -> str:
        return self.header or f"Column {self.letter}"


# Headings only Snipe-IT's Custom Asset Report and asset list write (normalised): a file with
# one of them is read as Snipe-IT's (see tests/fixtures/snipeit/README.md).
SNIPEIT_HEADINGS = frozenset(
    {
        "checkedout",
        "checkedoutto",
        "checkincheckout",
        "checkoutdate",
        "defaultlocation",
        "deviceimage",
        "employeeno",
        "expectedcheckindate",
    }
)


def looks_like_snipeit(headers: Sequence[str]) -> bool:
    """Whether a file with these headers is an export from Snipe-IT."""
    return not SNIPEIT_HEADINGS.isdisjoint(normalise_header(header) for header in headers)


def default_mapping(headers: Sequence[str], fields: Sequence[Field]) -> list[str]:
    """The field each column goes to when no one has chosen: a field takes the first column
    whose header matches its label or, failing that, its best alias (in a Snipe-IT export,
    its Snipe-IT aliases too)."""
    normalised = [normalise_header(header) for header in headers]
    snipeit = looks_like_snipeit(headers)
    mapping = [IGNORE] * len(headers)
    for field in fields:
        for alias in field.headers + (field.snipeit_aliases if snipeit else ()):
            index = next(
                (i for i, h in enumerate(normalised) if h == alias and mapping[i] == IGNORE), None
            )
            if index is not None:
                mapping[index] = field.name
                break
    return mapping


def check_mapping(mapping: Sequence[str], fields: Sequence[Field], headers: Sequence[str]) -> None:
    """Refuse a hand-made mapping that names an unknown field or one field twice."""
    names = {field.name: field for field in fields}
    if len(mapping) != len(headers):
        raise DomainError("The column choices do not match the file. Upload it again.")
    chosen: dict[str, int] = {}
    for index, name in enumerate(mapping):
        if name == IGNORE:
            continue
        if name not in names:
            raise DomainError(f"'{name}' is not something this import can set.")
        if name in chosen:
            first = Column(chosen[name], headers[chosen[name]], name).title
            second = Column(index, headers[index], name).title
            raise DomainError(
                f"Two columns are set to {names[name].label}: {first} and {second}. "
                "Set one of them to 'Ignore'."
            )
        chosen[name] = index


def columns_for(
    headers: Sequence[str], mapping: Sequence[str], not_imported: dict[str, str]
) -> list[Column]:
    """The columns with their chosen fields, and a note on recognised columns left out."""
    return [
        Column(index, header, name, "" if name else not_imported.get(normalise_header(header), ""))
        for index, (header, name) in enumerate(zip(headers, mapping, strict=True))
    ]


# ---- parsing one cell ------------------------------------------------------------------------


# Snipe-IT's exports (League\Csv's EscapeFormula with a backtick) put a ` before a cell that
# starts with one of these, so that a spreadsheet does not run it as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unescape_formula(value: str) -> str:
    """The text without the backtick Snipe-IT puts before "=1+1", "-5" or "@home"."""
    if value[:1] == "`" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


@dataclass(frozen=True)
class Text:
    """Text with outer spaces trimmed and characters a spreadsheet cannot hold removed. In
    a Snipe-IT export (`snipeit`), the backtick Snipe-IT puts before a formula-looking cell
    goes too; in any other file a backtick is what someone typed, and is kept, so that our
    own export comes back unchanged."""

    max_len: int
    snipeit: bool = False

    def __call__(self, value: Any) -> str | None:
        if value.__class__ is str:
            value = value.strip()
            if not value:
                return None
            if self.snipeit and value[0] == "`":
                value = unescape_formula(value).strip()
            if len(value) > self.max_len:
                return cells.parse_text(value, self.max_len)  # raises with the message
            if cells.ILLEGAL_XML_RE.search(value):
                value = cells.ILLEGAL_XML_RE.sub("", value).strip() or None
            return value
        return cells.parse_text(value, self.max_len)


def text(max_len: int) -> Text:
    return Text(max_len)


def fields_for_file(fields: dict[str, Field], headers: Sequence[str]) -> dict[str, Field]:
    """The fields as they read this file: its text without Snipe-IT's formula backtick
    when it is a Snipe-IT export."""
    if not looks_like_snipeit(headers):
        return fields
    return {
        name: replace(field, parse=replace(field.parse, snipeit=True))
        if isinstance(field.parse, Text)
        else field
        for name, field in fields.items()
    }


def choice(allowed: Sequence[str], what: str) -> Callable[[Any], str | None]:
    """One of `allowed`, whatever its case."""
    listed = ", ".join(allowed[:-1]) + " or " + allowed[-1]

    def parse(value: Any) -> str | None:
        chosen = cells.parse_text(value, 40)
        if chosen is None:
            return None
        if chosen.lower() in allowed:
            return chosen.lower()
        raise ValueError(f"'{chosen}' is not a {what} (use {listed})")

    return parse


_MONTHS_RE = re.compile(r"(\d{1,3})\s*(months?|mths?|m|years?|yrs?|y)?", re.IGNORECASE)


def months(value: Any) -> int | None:
    """A length in months: 36, "36 months" or "3 years" (Snipe-IT's Warranty column)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number, unit = value, ""
    else:
        match = _MONTHS_RE.fullmatch(str(value).strip())
        if not match:
            raise ValueError(f"'{value}' is not a number of months")
        number, unit = int(match.group(1)), (match.group(2) or "").lower()
    if unit.startswith("y"):
        number *= 12
    if not 0 < number <= 600:
        raise ValueError(f"'{value}' is not a number of months between 1 and 600")
    return number
