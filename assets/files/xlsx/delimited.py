"""Read a delimited text file (.csv, .tsv, or the .txt Excel saves as "Unicode Text" or "Text
(Tab delimited)") into numbered rows: its encoding told for sure or refused, its separator
judged by the lines that look like a table.

An old 8-bit file carries no mark of its encoding, and the same bytes read as another encoding
give plausible-looking wrong letters (a Mac's "Café" read as Windows text is "CafŽ"). The
candidates are the encodings spreadsheet programs write for Western, Central European and
Cyrillic text; charset-normalizer (a well-kept detector) drops those that read as a mess, and what
remains is judged by the slips a wrong reading makes in a register: a capital after small
letters ("CafŽ"), a symbol inside a word ("£ukasz"), an accented letter stuck to a number
("Ł12"), two alphabets in one word ("Zoл"). One reading left: it is used. Two readings that
differ and do equally well: refused with how to save the file as UTF-8, never guessed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import Any

from charset_normalizer import from_bytes

from assets.files.xlsx.errors import UnreadableFile

# What Windows Excel (Western, Central European, Cyrillic), Excel for Mac and Unix tools write.
LEGACY_ENCODINGS = ["cp1252", "mac_roman", "cp1250", "cp1251", "latin_1"]
ENCODING_NAMES = {
    "cp1252": "Windows (Western European)",
    "mac_roman": "Mac (Western European)",
    "cp1250": "Windows (Central European)",
    "cp1251": "Windows (Cyrillic)",
    "latin_1": "ISO Latin-1",
}
SEPARATORS = ",;\t"
# How many non-blank lines are looked at to choose the separator.
SNIFF_LINES = 50
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_WORD_BREAK_RE = re.compile(r"[\s,;]+")
# Symbols that do stand next to letters in real text: quotes, apostrophes, marks of trade.
_OPENING_QUOTES = set("\u2018\u201c\u00ab\u2039")
_WORD_SYMBOLS = set(
    "\u2019\u201d\u00bb\u203a\u00b4"  # closing quotes, apostrophes
    "\u00ae\u2122\u00a9\u00b0\u00ba\u00aa\u00b7\u2013\u2014\u2026"  # trade marks, degrees, dashes
)
SAVE_AS_UTF8 = (
    "In Excel choose File > Save As and the type 'CSV UTF-8 (Comma delimited) (.csv)' "
    "(on a Mac: 'CSV UTF-8'), then upload that file."
)


def read_rows(data: bytes, suffix: str) -> Iterator[tuple[int, list[Any]]]:
    """The file's rows numbered from 1 as a spreadsheet numbers them, empty cells as None.

    Raises UnreadableFile when the encoding cannot be told for sure or the text is not a table.
    """
    text = decode(data)
    if "\x00" in text:
        raise UnreadableFile(
            "This file is not a text CSV file. Save the register from Excel as "
            "'CSV UTF-8 (Comma delimited)' or as .xlsx and upload it again."
        )
    delimiter = "\t" if suffix == "tsv" else sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, 1):
            yield number, [value if value != "" else None for value in row]
    except csv.Error as error:
        raise UnreadableFile(
            f"The file cannot be read near line {reader.line_num}: {error}. "
            "Save it again from Excel as 'CSV UTF-8' and upload it again."
        ) from error


def decode(data: bytes) -> str:
    """The text of the file: by its byte-order mark, as UTF-8, or in the one legacy encoding
    that reads it without slips. Raises UnreadableFile rather than guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise UnreadableFile(_damaged_text(encoding)) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    readings: dict[str, tuple[int, str]] = {}
    for match in from_bytes(data, cp_isolation=LEGACY_ENCODINGS, enable_fallback=False):
        text = str(match)
        key = slips(text)
        if text not in readings or key < readings[text][0]:
            readings[text] = (key, match.encoding)
    if not readings:
        raise UnreadableFile(
            "The file's text encoding is not recognised, so its letters cannot be read "
            f"correctly. {SAVE_AS_UTF8}"
        )
    fewest = min(key for key, _ in readings.values())
    tied = sorted(
        ((encoding, text) for text, (key, encoding) in readings.items() if key == fewest),
        key=lambda item: LEGACY_ENCODINGS.index(item[0]),
    )
    if len(tied) > 1:
        words = _first_difference([text for _, text in tied])
        said = ", ".join(
            f"as {ENCODING_NAMES[encoding]} text it says '{word}'"
            for (encoding, _), word in zip(tied, words, strict=True)
        )
        raise UnreadableFile(
            f"The file's text encoding cannot be told for sure: read {said}. So that no name "
            f"is imported wrongly, save it as UTF-8. {SAVE_AS_UTF8}"
        )
    return tied[0][1]


def slips(text: str) -> int:
    """How many places in `text` look like letters read in the wrong encoding."""
    count = 0
    for found in _NON_ASCII_RE.finditer(text):
        position = found.start()
        char = found.group()
        before = text[position - 1] if position else " "
        after = text[position + 1] if position + 1 < len(text) else " "
        category = unicodedata.category(char)
        if category[0] == "L":
            if before.isalpha() and _script(before) != _script(char):
                count += 1  # Zoл: a Cyrillic letter in a Latin word
            elif (category == "Lu" and before.islower()) or (category == "Ll" and after.isupper()):
                count += 1  # CafŽ, ZoÎ, ìHallî: a capital straight after a small letter
            elif before.isdigit() or after.isdigit():
                count += 1  # Ł12
        elif category[0] == "C":
            count += 1  # a control or unassigned character
        elif char in _OPENING_QUOTES:
            count += before.isalpha()  # an opening quote straight after a letter
        elif char not in _WORD_SYMBOLS and (before.isalpha() or after.isalpha()):
            count += 1  # £ukasz, Pawe³
    return count


def _script(letter: str) -> str:
    """The script a letter belongs to: LATIN, CYRILLIC, GREEK..."""
    return unicodedata.name(letter, "?").split(" ", 1)[0]


def _first_difference(readings: list[str]) -> list[str]:
    """The first word where readings of the file differ, as each reads it."""
    lines = zip(*(reading.splitlines() for reading in readings), strict=False)
    for same_line in lines:
        for same_word in zip(*(_WORD_BREAK_RE.split(line) for line in same_line), strict=False):
            if len(set(same_word)) > 1:
                return [word[:40] for word in same_word]
    return [reading[:40] for reading in readings]


def _damaged_text(encoding: str) -> str:
    name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
    return (
        f"The file says it is {name} text but part of it is not, so it may be damaged. "
        f"{SAVE_AS_UTF8}"
    )


def sniff_separator(text: str) -> str:
    """The separator that splits the table's lines into the same number of cells.

    A title line above the table ("Asset register", "Last updated: 1 September, 2026") does not
    decide it: each separator is judged by how many lines share its most common cell count.
    """
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(line)
            if len(lines) == SNIFF_LINES:
                break
    best, best_score = ",", (0, 0)
    for separator in SEPARATORS:
        widths = Counter(
            width
            for line in lines
            if (width := len(next(csv.reader([line], delimiter=separator)))) > 1
        )
        if not widths:
            continue
        width, lines_sharing = max(widths.items(), key=lambda item: (item[1], item[0]))
        score = (lines_sharing, width)
        if score > best_score:
            best, best_score = separator, score
    return best
