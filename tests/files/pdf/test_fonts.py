"""The fonts PDFs embed: installed with their licences, added only when needed, and text that
reads back exactly as written."""

from datetime import UTC, datetime

import pytest

from assets.files.pdf import fonts
from assets.files.pdf.fonts import (
    CJK,
    CONDENSED,
    SANS,
    FontsMissing,
    UnicodePDF,
    font_path,
    missing_characters,
    printable,
)
from tests.support.pdf import pdf_text
from tests.support.scripts import logical

FIXED_MOMENT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def build(*lines: str, family: str = SANS) -> bytes:
    with UnicodePDF() as pdf:
        pdf.use_fonts(lines, family=family)
        pdf.add_page()
        pdf.set_font(family, "", 11)
        for line in lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())


@pytest.mark.parametrize(
    ("family", "style", "licence"),
    [
        (SANS, "", "LICENSE"),
        (SANS, "B", "LICENSE"),
        (CONDENSED, "", "LICENSE"),
        (CONDENSED, "B", "LICENSE"),
        (CJK, "", "LICENSE_FONT"),
    ],
)
def test_every_font_is_installed_with_its_licence(family, style, licence):
    path = font_path(family, style)
    package = next(parent for parent in path.parents if (parent / "package.json").is_file())

    assert path.suffix == ".ttf"
    assert (package / licence).is_file()


def test_a_missing_font_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "NODE_MODULES", tmp_path)

    with pytest.raises(FontsMissing, match=r"DejaVuSans\.ttf.*make vendor"):
        build("Łukasz")


def test_the_chinese_font_is_embedded_only_for_text_that_needs_it():
    latin = build("Łukasz Żółkiewski, Ελένη, Олександр, محمد")
    chinese = build("Łukasz 王芳")

    assert b"NotoSansSC" not in latin
    assert b"NotoSansSC" in chinese
    assert logical(pdf_text(chinese)) == "Łukasz 王芳"


def test_a_line_all_in_the_fallback_font_leaves_the_next_line_in_the_main_font():
    # fpdf2 2.8.9 kept the fallback font for the next text at the same size: "Ysgol" printed
    # with the Chinese font's glyphs.
    pdf = build("王芳", "Ysgol Bro Ŵyddfa", "图书馆", "王芳 Ysgol", family=CONDENSED)

    assert pdf_text(pdf).split() == [
        "王芳",
        "Ysgol",
        "Bro",
        "Ŵyddfa",
        "图书馆",
        "王芳",
        "Ysgol",
    ]


def test_arabic_reads_back_in_logical_order():
    text = pdf_text(build("محمد عبد الله", "Signed at 14:05 by محمد عبد الله at the IT desk"))

    # pdftotext marks each right-to-left run with U+202B ... U+202C, its letters in the order
    # they are read. Around the runs it guesses: it moves the spaces at their edges inside the
    # marks, and reads a block that starts with one from the right, so the name is looked for
    # on its own.
    assert text.startswith("\u202bمحمد عبد الله\u202c\n")
    assert logical(text).count("محمد عبد الله") == 2


def test_characters_no_font_has_are_named():
    assert missing_characters("Kim 한국 王芳 Łukasz\n\t") == "한국"


def test_printable_keeps_every_letter_and_drops_control_characters():
    typed = (
        "Caf\u00e9 \u2013 \u201c\u00d8rsted\u201d \u00a35 \u20ac5 \u0141\u00f3d\u017a \u738b \u200d"
    )
    assert printable(typed) == typed
    assert printable("a\r\nb\rc\u2028d\te\x00\x07f") == "a\nb\nc\nd    ef"
    assert printable("  spaced\n\n  out \u00a0 ", one_line=True) == "spaced out \u00a0"


class PlainPDF(UnicodePDF):
    """fpdf2's own `add_font` for every PDF, as before the parsed fonts were kept."""

    def _add_parsed_font(self, family: str, style: str) -> None:
        self.add_font(family, style, font_path(family, style))


def build_with(pdf_class: type[UnicodePDF], lines: list[str], family: str) -> bytes:
    with pdf_class() as pdf:
        pdf.set_creation_date(FIXED_MOMENT)
        pdf.use_fonts(lines, family=family)
        pdf.add_page()
        for style in ("", "B"):
            pdf.set_font(family, style, 11)
            for line in lines:
                pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())


@pytest.mark.parametrize("family", [SANS, CONDENSED])
def test_pdfs_from_the_kept_fonts_are_byte_for_byte_fpdf2s_own(family):
    """Fonts are parsed once per process and copied for each PDF: one PDF's glyphs must not
    leak into the next (each embeds only its own subset), and none may differ from a PDF
    made with a fresh `add_font`, whatever fpdf2 version is installed."""
    documents = [
        ["Łukasz Wiśniewski signed for a ThinkPad", "Ŵyn ap Gŵyn"],
        ["Zoë Ó Briain", "王小明 借了 iPad", "Ζωή Παπαδοπούλου"],
        ["A plain English line"],
    ]
    for lines in documents + documents:
        assert build_with(UnicodePDF, lines, family) == build_with(PlainPDF, lines, family)
