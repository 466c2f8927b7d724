"""The fonts every PDF is set in: which files, where they come from, and when each is used.

A signed record must print every name and word exactly as signed, so PDFs embed Unicode
TrueType fonts instead of the PDF core fonts (which know only latin-1):

- DejaVu Sans, regular and bold, and its condensed cut for labels: Latin (Polish, Welsh ŵ ŷ,
  Vietnamese, ...), Greek, Cyrillic, Arabic, Hebrew and many symbols. npm `dejavu-fonts-ttf`;
  the Bitstream Vera licence, DejaVu's changes in the public domain (its LICENSE file).
- Noto Sans SC, regular: Chinese (and Japanese kana), the fallback for characters DejaVu
  lacks, bold text included. npm `@expo-google-fonts/noto-sans-sc`; SIL Open Font License 1.1
  (its LICENSE_FONT file).

Both come from package.json through `npm ci` (`make vendor`, which `make run` and `make test`
run), so nothing is fetched at run time. fpdf2 embeds only the glyphs a PDF uses.

Loading Noto Sans SC takes about half a second, so a PDF adds it only when its text has
characters DejaVu lacks. Text shaping (HarfBuzz, through `uharfbuzz`) joins Arabic letters and
lays right-to-left text out so that it reads back in logical order; UnicodePDF switches it on
only for the cells that need it.
"""

from __future__ import annotations

import copy
import gc
import pickle
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"

SANS = "dejavu"
"""Signed records."""
CONDENSED = "dejavu-condensed"
"""Labels, where width is short."""
CJK = "noto-sans-sc"
"""The fallback for what DejaVu lacks."""

_FILES = {
    (SANS, ""): "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
    (SANS, "B"): "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
    (CONDENSED, ""): "dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf",
    (CONDENSED, "B"): "dejavu-fonts-ttf/ttf/DejaVuSansCondensed-Bold.ttf",
    (CJK, ""): "@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
}

_LINE_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES_AND_BREAKS = re.compile(r"[ \n]+")


class FontsMissing(RuntimeError):
    """A font file that PDFs embed is not installed."""


def font_path(family: str, style: str = "") -> Path:
    """The file of `family` (SANS, CONDENSED or CJK) in `style` ("" or "B").

    Raises FontsMissing, saying how to install it, if the file is not there."""
    path = NODE_MODULES / _FILES[family, style]
    if not path.is_file():
        raise FontsMissing(
            f"The font {path.name}, which PDFs embed, is missing (looked in {path.parent}). "
            "Install the project's fonts with `make vendor` (or `npm ci`)."
        )
    return path


class UnicodePDF(FPDF):
    """An FPDF whose text is set in the fonts here; call `use_fonts` before writing. Use it in
    a `with` block, which closes the font files fpdf2 leaves open.

    Text shaping is switched on for each cell whose text needs it and off for the rest:
    fpdf2 places every shaped glyph on its own, which makes a page of English text three
    times slower to build and five times bigger."""

    def __enter__(self) -> UnicodePDF:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.close()

    def use_fonts(self, texts: Iterable[str], family: str = SANS) -> None:
        """Add `family` (regular and bold), and the CJK fallback if `texts`, everything the
        PDF will print, have characters DejaVu lacks. Raises FontsMissing."""
        for style in ("", "B"):
            self._add_parsed_font(family, style)
        if set("".join(texts)) - {"\n"} - _charset(family):
            self._add_parsed_font(CJK, "")
            self.set_fallback_fonts([CJK], exact_match=False)

    def _add_parsed_font(self, family: str, style: str) -> None:
        """`add_font`, from the font as first parsed in this process.

        fpdf2 parses the whole font file for every PDF (a tenth of a second for DejaVu, half a
        second for Noto Sans SC, most of a receipt's time), then subsets its tables in place
        when it writes the PDF. So the parse is kept once: each PDF gets a copy of fpdf2's
        font object with its own copy of the parsed tables (fontTools pickles them; it
        supports that) and its own record of the glyphs used. The PDF is byte for byte what
        `add_font` makes (tests/files/pdf/test_fonts.py checks it)."""
        parsed, tables = _parsed_font(family, style, font_path(family, style))
        font = copy.copy(parsed)
        font.i = len(self.fonts) + 1
        with _no_collection_while_made():
            font.ttfont = pickle.loads(tables)  # noqa: S301 - our own bytes, made in this process
        font.cw = copy.copy(parsed.cw)
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        self.fonts[font.fontkey] = font

    def cell(self, w=None, h=None, text="", *args, **kwargs):
        self._shape_for(text)
        return super().cell(w, h, text, *args, **kwargs)

    def multi_cell(self, w, h=None, text="", *args, **kwargs):
        self._shape_for(text)
        return super().multi_cell(w, h, text, *args, **kwargs)

    def get_string_width(self, s: str, *args, **kwargs) -> float:
        self._shape_for(s)
        return super().get_string_width(s, *args, **kwargs)

    def _render_styled_text_line(self, *args, **kwargs):
        try:
            return super()._render_styled_text_line(*args, **kwargs)
        finally:
            if self._fallback_font_ids:
                # fpdf2 2.8.9 sets a fallback font inside BT/ET as if it ended there, but a
                # PDF keeps it: a line of fallback glyphs would leave the next text, in the main
                # font at the same size, drawn with the wrong font. Make every line set its own.
                self.current_font_is_set_on_page = False

    def _shape_for(self, text: str | None) -> None:
        needed = any(_needs_shaping(character) for character in text or "")
        if needed != bool(self.text_shaping):
            self.set_text_shaping(needed)


def missing_characters(text: str) -> str:
    """The characters of `text` that none of these fonts has, each once, in order; a PDF
    shows each as an empty box. White space and control characters are not counted."""
    shown = _charset(SANS) | _charset(CJK)
    return "".join(dict.fromkeys(c for c in printable(text, one_line=True) if c not in shown))


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` as a PDF prints it: every letter and mark kept exactly; line endings made '\\n',
    a tab four spaces and other control characters dropped, as no font draws them. With
    `one_line`, every run of spaces and line breaks becomes one space, and the ends are
    trimmed."""
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS).replace("\t", "    ")
    text = _CONTROL.sub("", text)
    return _SPACES_AND_BREAKS.sub(" ", text).strip(" ") if one_line else text


@contextmanager
def _no_collection_while_made() -> Iterator[None]:
    """Python's cyclic garbage collector off while a font's tables are copied: the copy makes
    about a hundred thousand objects at once, none of them garbage, and each batch of them set
    off a collection that walked every object of the process: in a process holding many (the
    test run) one font's copy took up to 140 ms of CPU instead of 8. The new objects are looked
    at by the collector's next ordinary run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def _parsed_font(family: str, style: str, path: Path) -> tuple[TTFFont, bytes]:
    """fpdf2's object for the font file at `path`, as `add_font` makes it, and its parsed
    tables, pickled."""
    pdf = FPDF()
    pdf.add_font(family, style, path)
    font = pdf.fonts[f"{family}{style}"]
    tables = pickle.dumps(font.ttfont)
    font.close()
    return font, tables


@cache
def _charset(family: str) -> frozenset[str]:
    """The characters the regular weight of `family` has a glyph for (its cmap)."""
    font = TTFont(font_path(family), lazy=True)
    try:
        return frozenset(chr(code) for code in font.getBestCmap())
    finally:
        font.close()


def _needs_shaping(character: str) -> bool:
    """Right-to-left letters, and combining marks that must be placed on their base letter."""
    return unicodedata.bidirectional(character) in ("R", "AL", "AN") or (
        unicodedata.category(character) in ("Mn", "Mc", "Me")
    )
