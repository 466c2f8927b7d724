"""The text Excel shows for numbers in zero-padding formats (`000000`, `"ABC"0000`).

calamine gives a cell's number and not its format, so a tag typed as 004711 in a column
formatted `000000` would come back as 4711. These functions read the workbook's styles part
(its custom number formats and the cell formats using them) and give, for each cell format
that pads, the text a number in it shows. Other formats (dates, money, decimals, conditions)
are left alone: their cells keep their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from defusedxml import ElementTree

# Transitional, then Strict Open XML.
_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
# A styles part of a real workbook is tens of kilobytes; one of thousands of styles a few MB.
MAX_STYLES_PART = 16 * 1024 * 1024
# Characters a format shows as themselves without quotes (ECMA-376 part 1, 18.8.31).
_PLAIN_LITERALS = set("$-+/():!^&'~{}<>= ")
_TOKEN_RE = re.compile(r'"([^"]*)"|\\(.)|\[([^\]]*)\]|_.|(0+)|(.)', re.DOTALL)


@dataclass(frozen=True)
class Padding:
    """A format showing a whole number zero-padded to `width` digits between two literals."""

    prefix: str
    width: int
    suffix: str

    def show(self, number: float) -> str | None:
        """The text Excel shows for `number`, or None when this is not a whole number >= 0."""
        if number < 0 or not float(number).is_integer() or number >= 1e15:
            return None
        return f"{self.prefix}{int(number):0{self.width}d}{self.suffix}"


def padding_of(code: str) -> Padding | None:
    """The padding a number format code applies to positive numbers, if it is one."""
    section = _first_section(code)
    prefix, suffix, width = [], [], 0
    for quoted, escaped, bracket, zeros, other in _TOKEN_RE.findall(section):
        literal = quoted or escaped
        if bracket:
            # A colour or a locale ([Red], [$-809]) changes nothing; a condition ([>=100]) does.
            if bracket[:1] in "<>=":
                return None
            continue
        if zeros:
            if width:  # 000-000: digits split by a literal, not a plain padding
                return None
            width = len(zeros)
            continue
        if other:
            if other not in _PLAIN_LITERALS:
                return None  # a digit placeholder (# ? . ,), a date code, a fill, text (@)
            literal = other
        (suffix if width else prefix).append(literal)
    if width < 2:
        return None
    return Padding("".join(prefix), width, "".join(suffix))


def _first_section(code: str) -> str:
    """The part before the first `;` that is not inside quotes."""
    in_quotes = False
    for index, char in enumerate(code):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ";" and not in_quotes:
            return code[:index]
    return code


def paddings(styles_xml: bytes) -> dict[int, Padding]:
    """Each cell format index (a cell's `s`) whose number format pads, with its padding.

    Raises ElementTree.ParseError for a damaged part (defusedxml refuses entities).
    """
    root = ElementTree.fromstring(styles_xml)
    ns = next((ns for ns in _MAIN_NAMESPACES if root.tag == f"{{{ns}}}styleSheet"), None)
    if ns is None:
        return {}
    codes: dict[str, Padding] = {}
    for number_format in root.iter(f"{{{ns}}}numFmt"):
        padding = padding_of(number_format.get("formatCode", ""))
        if padding is not None:
            codes[number_format.get("numFmtId", "")] = padding
    if not codes:
        return {}
    cell_formats = root.find(f"{{{ns}}}cellXfs")
    if cell_formats is None:
        return {}
    found = {}
    for index, cell_format in enumerate(cell_formats.iter(f"{{{ns}}}xf")):
        padding = codes.get(cell_format.get("numFmtId", "0"))
        if padding is not None:
            found[index] = padding
    return found
