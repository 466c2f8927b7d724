"""The label stock we support, measured in millimetres, and what one label shows.

Apart from assets.files.pdf.labels, which draws them, so that a page or a form listing the
stock does not load fpdf2 and the fonts (about 30 MiB per process) before a PDF is made.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelTemplate:
    """One kind of label stock, as measured data in millimetres.

    A sheet holds `columns` x `rows` labels; position 1 is top left and positions run along
    each row, then down. A roll (`continuous=True`) prints one label per page of exactly one
    label's size. `padding` is the blank inner margin kept on every side of a label's content,
    so a printer's small misregistration or unprintable edge never cuts anything off.
    """

    name: str
    description: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left_margin: float = 0.0
    top_margin: float = 0.0
    horizontal_pitch: float = 0.0
    vertical_pitch: float = 0.0
    continuous: bool = False
    padding: float = 1.5
    tag_font_pt: float = 16.0
    small_font_pt: float = 7.0

    def __post_init__(self) -> None:
        right = self.left_margin + (self.columns - 1) * self.horizontal_pitch + self.label_width
        bottom = self.top_margin + (self.rows - 1) * self.vertical_pitch + self.label_height
        if self.columns < 1 or self.rows < 1:
            raise ValueError(f"Template {self.name}: needs at least one column and one row")
        if self.columns > 1 and self.horizontal_pitch < self.label_width:
            raise ValueError(f"Template {self.name}: labels in a row overlap")
        if self.rows > 1 and self.vertical_pitch < self.label_height:
            raise ValueError(f"Template {self.name}: labels in a column overlap")
        if right > self.page_width + 1e-9 or bottom > self.page_height + 1e-9:
            raise ValueError(f"Template {self.name}: labels run off the page")

    @property
    def per_page(self) -> int:
        """How many labels one page holds."""
        return self.columns * self.rows

    def origin(self, position: int) -> tuple[float, float]:
        """Return the (x, y) in mm of the top-left corner of label `position` (1-based) on its
        page, measured from the page's top-left corner."""
        check_position(self, position)
        row, column = divmod(position - 1, self.columns)
        return (
            self.left_margin + column * self.horizontal_pitch,
            self.top_margin + row * self.vertical_pitch,
        )

    def qr_box(self) -> tuple[float, float, float]:
        """Return (x, y, side) in mm of the square holding the QR code, quiet zone included,
        relative to a label's top-left corner. The symbol fills the square less
        `QUIET_ZONE` modules of white on every side."""
        inner_width = self.label_width - 2 * self.padding
        side = min(self.label_height - 2 * self.padding, 0.55 * inner_width)
        return (self.padding, (self.label_height - side) / 2, side)


A4_WIDTH, A4_HEIGHT = 210.0, 297.0

TEMPLATES: dict[str, LabelTemplate] = {
    template.name: template
    for template in (
        # Avery's published layouts: the sheets are centred on A4, so each margin is what the
        # labels and gaps leave over, halved; e.g. L7651 (210 - 5 x 38.1 - 4 x 2.5) / 2 = 4.75.
        LabelTemplate(
            name="L7651",
            description="Avery L7651 mini labels, 65 per A4 sheet (5 x 13), 38.1 x 21.2 mm",
            page_width=A4_WIDTH,
            page_height=A4_HEIGHT,
            label_width=38.1,
            label_height=21.2,
            columns=5,
            rows=13,
            left_margin=4.75,
            top_margin=10.7,
            horizontal_pitch=40.6,
            vertical_pitch=21.2,
            padding=1.0,
            tag_font_pt=10.0,
            small_font_pt=5.0,
        ),
        LabelTemplate(
            name="L7160",
            description="Avery L7160, 21 per A4 sheet (3 x 7), 63.5 x 38.1 mm",
            page_width=A4_WIDTH,
            page_height=A4_HEIGHT,
            label_width=63.5,
            label_height=38.1,
            columns=3,
            rows=7,
            left_margin=7.25,
            top_margin=15.15,
            horizontal_pitch=66.0,
            vertical_pitch=38.1,
            tag_font_pt=14.0,
            small_font_pt=6.5,
        ),
        LabelTemplate(
            name="L7163",
            description="Avery L7163, 14 per A4 sheet (2 x 7), 99.1 x 38.1 mm",
            page_width=A4_WIDTH,
            page_height=A4_HEIGHT,
            label_width=99.1,
            label_height=38.1,
            columns=2,
            rows=7,
            left_margin=4.65,
            top_margin=15.15,
            horizontal_pitch=101.6,
            vertical_pitch=38.1,
            tag_font_pt=20.0,
            small_font_pt=8.0,
        ),
        # 62 mm continuous tape (e.g. DK-22205) cut every 29 mm: the height of Brother's own
        # 62 x 29 mm die-cut address label, so one design suits both rolls. The QL printers
        # cannot print the outer ~1.5 mm of the tape, hence the wider padding.
        LabelTemplate(
            name="brother-62",
            description="Brother 62 mm continuous roll, cut to 62 x 29 mm, one label per page",
            page_width=62.0,
            page_height=29.0,
            label_width=62.0,
            label_height=29.0,
            continuous=True,
            padding=2.0,
            tag_font_pt=16.0,
            small_font_pt=7.0,
        ),
        LabelTemplate(
            name="dymo-99012",
            description="Dymo 99012 large address labels, 89 x 36 mm, one label per page",
            page_width=89.0,
            page_height=36.0,
            label_width=89.0,
            label_height=36.0,
            continuous=True,
            padding=2.0,
            tag_font_pt=20.0,
            small_font_pt=8.0,
        ),
    )
}


def get_template(name: str) -> LabelTemplate:
    """Return the template called `name`, or raise ValueError naming the ones that exist."""
    try:
        return TEMPLATES[name]
    except KeyError:
        known = ", ".join(TEMPLATES)
        raise ValueError(f"Unknown label template {name!r}; choose one of: {known}") from None


def check_position(template: LabelTemplate, position: int) -> None:
    """Raise ValueError unless `position` is a label position (1-based) on `template`'s page."""
    if isinstance(position, bool) or not isinstance(position, int):
        raise ValueError(f"The start position must be a whole number (got {position!r})")
    if not 1 <= position <= template.per_page:
        if template.per_page == 1:
            raise ValueError(
                f"{template.name} prints one label per page, so the start position must be 1 "
                f"(got {position})"
            )
        raise ValueError(
            f"{template.name} has positions 1 to {template.per_page} on a sheet (got {position})"
        )


@dataclass(frozen=True)
class LabelData:
    """What one label shows: the QR code's URL, the tag, the short model name and the school."""

    url: str
    tag: str
    model: str
    school: str
