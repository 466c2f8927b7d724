"""Printable asset labels: the PDF builder for the stock of assets.files.pdf.label_stock.

Each label carries the asset's QR code (vector rectangles, so it prints sharp at any
resolution), the asset tag in large bold type, and the model and school in small type. Text is
set in the condensed Unicode font of assets.files.pdf.fonts, so a tag prints exactly as the register
has it, in any script.
"""

from collections.abc import Sequence
from functools import lru_cache

from fpdf.prefs import ViewerPreferences

from assets.files.images.qr import QUIET_ZONE, dark_runs, qr_matrix
from assets.files.pdf.fonts import CONDENSED, UnicodePDF, printable
from assets.files.pdf.label_stock import LabelData, LabelTemplate, check_position, get_template

PT = 25.4 / 72
"""Millimetres in one typographic point."""

LEADING = 1.15
"""Distance between the baselines of two lines of text, in font sizes."""
_ELLIPSIS = "\u2026"
# A long tag wraps after one of these, if it can, rather than in the middle of a word.
_BREAK_AFTER = "-/_.:, "


def build_label_pdf(
    labels: Sequence[LabelData], template: LabelTemplate | str, start_position: int = 1
) -> bytes:
    """Return a PDF that prints `labels` in order on `template`'s stock.

    Pages are exactly the stock's size, in mm, with no automatic page breaks, and the PDF asks
    print dialogs for actual size (no scaling). The first label goes at `start_position`
    (1-based), leaving the positions before it blank so a partly used sheet can be fed again;
    later labels fill further pages from position 1. Every label's content stays inside it,
    `template.padding` in from its edges. The tag is always printed whole, as the register
    has it: shrunk to fit, then wrapped over lines. The model and school shrink to a minimum
    size and are then cut short with an ellipsis.

    Raises ValueError for an unknown template name, a bad start position or no labels, and
    FontsMissing if the fonts are not installed.
    """
    if isinstance(template, str):
        template = get_template(template)
    check_position(template, start_position)
    if not labels:
        raise ValueError("There are no labels to print")

    size = (template.page_width, template.page_height)
    with UnicodePDF(orientation="P", unit="mm", format=size) as pdf:
        pdf.use_fonts(
            (f"{label.tag}{label.model}{label.school}" for label in labels), family=CONDENSED
        )
        pdf.viewer_preferences = ViewerPreferences(print_scaling="None")
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.c_margin = 0
        pdf.set_title(f"Asset labels ({template.name})")
        pdf.set_creator("School asset register")
        pdf.set_fill_color(0)
        pdf.set_text_color(0)
        # The tallest of the fonts in use, as fractions of the font size.
        ascent = max(font.desc.ascent for font in pdf.fonts.values()) / 1000
        descent = -min(font.desc.descent for font in pdf.fonts.values()) / 1000

        position = start_position
        for index, label in enumerate(labels):
            if index == 0 or position > template.per_page:
                pdf.add_page()
                position = position if index == 0 else 1
            x, y = template.origin(position)
            _draw_label(pdf, template, label, x, y, (ascent, descent))
            position += 1
        return bytes(pdf.output())


def _draw_label(
    pdf: UnicodePDF,
    template: LabelTemplate,
    label: LabelData,
    x: float,
    y: float,
    metrics: tuple[float, float],
) -> None:
    ascent, descent = metrics
    qr_x, qr_y, side = template.qr_box()
    _draw_qr(pdf, label.url, x + qr_x, y + qr_y, side)

    text_left = x + qr_x + side
    text_width = x + template.label_width - template.padding - text_left
    top = y + template.padding
    bottom = y + template.label_height - template.padding
    small = template.small_font_pt
    min_small = min(small, 4.5)

    school_text, school_size = _fit(pdf, "", label.school, text_width, small, min_small)
    school_baseline = bottom - descent * school_size * PT
    model_text, model_size = _fit(pdf, "", label.model, text_width, small, min_small)
    tag_height = school_baseline - top - LEADING * (school_size + model_size) * PT
    # Below 60% of its size, a tag reads better wrapped over two or more lines.
    tag_lines, tag_size = _fit_tag(
        pdf,
        label.tag,
        text_width,
        tag_height,
        template.tag_font_pt,
        max(small, 0.6 * template.tag_font_pt),
        metrics,
    )
    tag_baseline = top + ascent * tag_size * PT
    for line in tag_lines:
        _write(pdf, text_left, tag_baseline, text_width, line, "B", tag_size)
        tag_baseline += LEADING * tag_size * PT
    last_tag_baseline = tag_baseline - LEADING * tag_size * PT
    # The model sits just under the tag, or higher if that would run into the school's line.
    model_baseline = min(
        last_tag_baseline + (descent * tag_size + LEADING * model_size) * PT,
        school_baseline - LEADING * school_size * PT,
    )
    _write(pdf, text_left, model_baseline, text_width, model_text, "", model_size)
    _write(pdf, text_left, school_baseline, text_width, school_text, "", school_size)


def _write(
    pdf: UnicodePDF, x: float, baseline: float, width: float, text: str, style: str, size: float
) -> None:
    """Write `text` from `x` with its baseline at `baseline`, in mm."""
    pdf.set_font(CONDENSED, style, size)
    # fpdf2 puts a cell's baseline 0.3 of the font size below the middle of the cell.
    pdf.set_xy(x, baseline - 0.8 * size * PT)
    pdf.cell(width, size * PT, text)


def _draw_qr(pdf: UnicodePDF, url: str, x: float, y: float, side: float) -> None:
    """Fill the QR code's dark runs as vector rectangles in the square at (x, y) mm, `side` mm
    wide, quiet zone included."""
    modules = len(qr_matrix(url))
    scale = side / (modules + 2 * QUIET_ZONE) * pdf.k
    left = (x * pdf.k) + QUIET_ZONE * scale
    top = (pdf.h - y) * pdf.k - QUIET_ZONE * scale
    # One content-stream block per code, in module units under a scaling matrix: the cached
    # rectangles are reused whenever the tag is printed again, and rows abut exactly. Calling
    # FPDF.rect once per run costs ~5 us each, 200 runs a label, and would double the time.
    # _out is fpdf2's own writer of page content; the decode tests guard its use.
    pdf._out(f"q {scale:.5f} 0 0 {-scale:.5f} {left:.3f} {top:.3f} cm {_qr_rectangles(url)} f Q")


@lru_cache(maxsize=8192)
def _qr_rectangles(url: str) -> str:
    """Return PDF `re` operators for the code's dark runs, one unit per module, y downwards."""
    return " ".join(f"{column} {row} {length} 1 re" for row, column, length in dark_runs(url))


def _fit(
    pdf: UnicodePDF, style: str, text: str, width: float, size: float, min_size: float
) -> tuple[str, float]:
    """Return `text` on one line and the font size at which it fits `width` mm: the largest
    size up to `size`, else `min_size` with the text cut short and an ellipsis added."""
    text = printable(text, one_line=True)
    pdf.set_font(CONDENSED, style, size)
    full = pdf.get_string_width(text)
    if full <= width:
        return text, size
    if full * min_size / size <= width:
        return text, size * width / full
    pdf.set_font(CONDENSED, style, min_size)
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(text[:middle].rstrip() + _ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    cut = text[:low].rstrip() + _ELLIPSIS
    return (cut if pdf.get_string_width(cut) <= width else ""), min_size


def _fit_tag(
    pdf: UnicodePDF,
    tag: str,
    width: float,
    height: float,
    size: float,
    min_size: float,
    metrics: tuple[float, float],
) -> tuple[list[str], float]:
    """Return the lines of the whole `tag` and the font size that fit `width` x `height` mm:
    one line at the largest size up to `size` if that is at least `min_size`, else the fewest
    lines at the largest size they fit."""
    tag = printable(tag, one_line=True)
    ascent, descent = metrics

    def tallest(lines: int) -> float:
        return min(size, height / ((ascent + descent + LEADING * (lines - 1)) * PT))

    one_line = tallest(1)
    pdf.set_font(CONDENSED, "B", one_line)
    full = pdf.get_string_width(tag)
    if full * min_size / one_line <= width:
        return [tag], min(one_line, one_line * width / full)
    for count in range(2, len(tag) + 1):
        lines = _wrap(pdf, tag, width, tallest(count))
        if len(lines) <= count:
            return lines, tallest(count)
    return list(tag), tallest(len(tag))


def _wrap(pdf: UnicodePDF, text: str, width: float, size: float) -> list[str]:
    """Break `text` into lines no wider than `width` mm in bold at `size`: after a separator
    such as "-" where that leaves the line at least half full, else between any two
    characters."""
    pdf.set_font(CONDENSED, "B", size)
    lines: list[str] = []
    line = ""
    for character in text:
        if not line or pdf.get_string_width(line + character) <= width:
            line += character
            continue
        cut = max(line.rfind(separator) for separator in _BREAK_AFTER) + 1
        if (
            cut <= 0
            or pdf.get_string_width(line[:cut]) < width / 2
            or pdf.get_string_width(line[cut:] + character) > width
        ):
            cut = len(line)
        lines.append(line[:cut])
        line = line[cut:] + character
    return [*lines, line]
