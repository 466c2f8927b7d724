"""Label sheets as a person checks them: printed, every code scans to its own asset, in the right
place on the stock, with its text inside the label."""

import re
from urllib.parse import quote

import pytest
from PIL import Image

from assets.files.images.qr import QUIET_ZONE, qr_matrix
from assets.files.pdf.label_stock import TEMPLATES, LabelData, LabelTemplate, get_template
from assets.files.pdf.labels import build_label_pdf
from tests.support.labels import DPI, MM_PER_PIXEL, render, scan
from tests.support.pdf import pdf_text
from tests.support.scripts import NAMES, logical

TOLERANCE_MM = 0.5


def make_labels(count: int, school: str = "St Mary's C of E Primary School") -> list[LabelData]:
    return [
        LabelData(
            url=f"https://school.example/a/ICT-{number:05d}",
            tag=f"ICT-{number:05d}",
            model="Dell Latitude 3540",
            school=school,
        )
        for number in range(1, count + 1)
    ]


def expected_symbol(template: LabelTemplate, position: int, url: str) -> tuple[float, ...]:
    """Where the layout says the dark symbol of `url` sits on the page, in mm."""
    origin_x, origin_y = template.origin(position)
    box_x, box_y, side = template.qr_box()
    modules = len(qr_matrix(url))
    module = side / (modules + 2 * QUIET_ZONE)
    left = origin_x + box_x + QUIET_ZONE * module
    top = origin_y + box_y + QUIET_ZONE * module
    return (left, top, left + modules * module, top + modules * module)


def test_templates_are_the_published_stock():
    assert set(TEMPLATES) == {"L7651", "L7160", "L7163", "brother-62", "dymo-99012"}
    counts = {name: template.per_page for name, template in TEMPLATES.items()}
    assert counts == {"L7651": 65, "L7160": 21, "L7163": 14, "brother-62": 1, "dymo-99012": 1}
    sizes = {name: (t.label_width, t.label_height) for name, t in TEMPLATES.items()}
    assert sizes["L7651"] == (38.1, 21.2)
    assert sizes["L7160"] == (63.5, 38.1)
    assert sizes["L7163"] == (99.1, 38.1)
    assert sizes["brother-62"] == (62.0, 29.0)
    assert sizes["dymo-99012"] == (89.0, 36.0)
    for name in ("L7651", "L7160", "L7163"):
        sheet = TEMPLATES[name]
        assert (sheet.page_width, sheet.page_height) == (210.0, 297.0)
        # Avery sheets are centred: the last label leaves the same margin as the first.
        last_x, last_y = sheet.origin(sheet.per_page)
        assert sheet.page_width - last_x - sheet.label_width == pytest.approx(sheet.left_margin)
        assert sheet.page_height - last_y - sheet.label_height == pytest.approx(sheet.top_margin)


def test_origin_runs_along_rows_then_down():
    sheet = TEMPLATES["L7160"]
    assert sheet.origin(1) == (7.25, 15.15)
    assert sheet.origin(2) == pytest.approx((73.25, 15.15))
    assert sheet.origin(4) == pytest.approx((7.25, 53.25))
    assert sheet.origin(21) == pytest.approx((139.25, 243.75))


def test_a_template_that_does_not_fit_its_page_is_refused():
    with pytest.raises(ValueError, match="off the page"):
        LabelTemplate("bad", "too wide", 100, 50, 60, 20, columns=2, horizontal_pitch=61)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_code_on_a_full_sheet_scans_to_its_own_url_in_place(name, tmp_path):
    template = TEMPLATES[name]
    count = template.per_page if template.per_page > 1 else 3
    labels = make_labels(count)
    pages = render(build_label_pdf(labels, template), tmp_path)

    assert len(pages) == count // template.per_page
    width_px = round(template.page_width / 25.4 * DPI)
    height_px = round(template.page_height / 25.4 * DPI)
    for page in pages:
        assert abs(page.size[0] - width_px) <= 1
        assert abs(page.size[1] - height_px) <= 1

    for index, label in enumerate(labels):
        page_number, slot = divmod(index, template.per_page)
        found = scan(pages[page_number])
        assert label.url in found, f"{label.tag} at position {slot + 1} did not scan"
        expected = expected_symbol(template, slot + 1, label.url)
        for measured, wanted in zip(found[label.url], expected, strict=True):
            assert measured == pytest.approx(wanted, abs=TOLERANCE_MM)
    scanned = [url for page in pages for url in scan(page)]
    assert sorted(scanned) == sorted(label.url for label in labels)


def page_is_blank(page: Image.Image, template: LabelTemplate, position: int) -> bool:
    x, y = template.origin(position)
    box = [round(value / MM_PER_PIXEL) for value in (x, y, x + template.label_width)]
    box.append(round((y + template.label_height) / MM_PER_PIXEL))
    return page.crop(tuple(box)).getextrema()[0] == 255


def test_start_position_leaves_the_used_labels_blank(tmp_path):
    template = TEMPLATES["L7160"]
    labels = make_labels(3)
    (page,) = render(build_label_pdf(labels, template, start_position=5), tmp_path)
    found = scan(page)
    for position in range(1, 5):
        assert page_is_blank(page, template, position), f"position {position} was printed on"
    for position, label in zip((5, 6, 7), labels, strict=True):
        expected = expected_symbol(template, position, label.url)
        assert found[label.url] == pytest.approx(expected, abs=TOLERANCE_MM)
    for position in range(8, 22):
        assert page_is_blank(page, template, position)


def test_labels_past_the_end_of_a_sheet_start_a_new_sheet_at_position_one(tmp_path):
    template = TEMPLATES["L7163"]
    labels = make_labels(5)
    first, second = render(build_label_pdf(labels, template, start_position=13), tmp_path)
    assert set(scan(first)) == {labels[0].url, labels[1].url}
    assert scan(first)[labels[1].url] == pytest.approx(
        expected_symbol(template, 14, labels[1].url), abs=TOLERANCE_MM
    )
    second_codes = scan(second)
    assert set(second_codes) == {label.url for label in labels[2:]}
    assert second_codes[labels[2].url] == pytest.approx(
        expected_symbol(template, 1, labels[2].url), abs=TOLERANCE_MM
    )


@pytest.mark.parametrize(
    ("name", "position"),
    [
        ("L7651", 0),
        ("L7651", -1),
        ("L7651", 66),
        ("L7160", 22),
        ("L7163", 15),
        ("brother-62", 2),
        ("dymo-99012", 0),
        ("L7160", 1.0),
        ("L7160", "2"),
        ("L7160", True),
        ("L7160", None),
    ],
)
def test_a_bad_start_position_is_refused_with_a_clear_message(name, position):
    with pytest.raises(ValueError, match=r"start position|positions 1 to"):
        build_label_pdf(make_labels(1), TEMPLATES[name], start_position=position)


def test_an_unknown_template_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown label template 'L9999'.*L7651"):
        get_template("L9999")
    with pytest.raises(ValueError, match="Unknown label template"):
        build_label_pdf(make_labels(1), "L9999")
    assert build_label_pdf(make_labels(1), "L7160").startswith(b"%PDF")


def test_no_labels_is_refused():
    with pytest.raises(ValueError, match="no labels"):
        build_label_pdf([], TEMPLATES["L7160"])


def words(pdf: bytes) -> list[tuple[int, float, float, float, float, str]]:
    """Every word poppler finds: (page, left, top, right, bottom) in mm, and its text."""
    html = pdf_text(pdf, "-bbox")
    found = []
    for page_number, page in enumerate(html.split("<page ")[1:]):
        for match in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page
        ):
            left, top, right, bottom = (float(value) * 25.4 / 72 for value in match.groups()[:4])
            found.append((page_number, left, top, right, bottom, match.group(5)))
    return found


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_long_and_foreign_text_stays_inside_its_label(name):
    template = TEMPLATES[name]
    labels = [
        LabelData(
            url=f"https://school.example/a/LONG-{number}",
            tag=f"ŁÓDŹ-ЖУК-漢字-{number}-" + "W" * 40,
            model="Apple MacBook Air 13-inch (M2, 2022)\nwith a note 😀 " + "m" * 60,
            school="Saint \u00c6thelfl\u00e6d\u2019s \u2013 \u201cC of E\u201d Aided Academy " * 3,
        )
        for number in range(2)
    ]
    pdf = build_label_pdf(labels, template)
    text = words(pdf)
    assert text, "no text was printed"
    # The tag is wrapped, never cut: its lines read back as the register has it (-raw, as
    # pdftotext otherwise joins a line ending in "-" to the next without it).
    assert labels[0].tag in label_text(pdf, template, 1, "-raw").replace("\n", "")
    for page_number, left, top, right, bottom, word in text:
        if template.per_page == 1:
            x, y = template.origin(1)
        else:
            # Both labels sit in the first row of the first sheet.
            assert page_number == 0
            column = int((left - template.left_margin) // template.horizontal_pitch)
            x, y = template.origin(column + 1)
        assert left >= x - 0.01, word
        assert right <= x + template.label_width - template.padding + 0.05, word
        assert top >= y - 0.01, word
        assert bottom <= y + template.label_height + 0.01, word


def label_text(pdf: bytes, template: LabelTemplate, position: int, *options: str) -> str:
    """What pdftotext reads inside the label at `position` of the first page."""
    x, y = template.origin(position)
    area = (x, y, template.label_width, template.label_height)
    left, top, width, height = (f"{round(mm * 72 / 25.4)}" for mm in area)
    crop = ["-r", "72", "-x", left, "-y", top, "-W", width, "-H", height]
    return pdf_text(pdf, *crop, *options)


SCRIPT_TAGS = {
    "Polish": "ŁÓDŹ-0001",
    "Welsh": "YSGOL-ŴŶ-7",
    "French": "CAFÉ-0002",
    "Vietnamese": "THƯ-VIỆN-3",
    "Greek": "ΤΑΞΗ-Β-0004",  # noqa: RUF001 (Greek capitals are the point)
    "Cyrillic": "КЛАС-0005",
    "Chinese": "图书馆-0006",
    "Arabic": "ICT-0008",
}


def test_a_sheet_reads_back_exactly_in_every_script():
    template = TEMPLATES["L7160"]
    schools = {"Chinese": "王芳小学", "Arabic": "مدرسة النور"}
    labels = [
        LabelData(
            f"https://school.example/a/{n}",
            SCRIPT_TAGS[script],
            NAMES[script],
            schools.get(script, "Ysgol Bro Ŵyddfa"),
        )
        for n, script in enumerate(sorted(NAMES))
    ]
    pdf = build_label_pdf(labels, template)

    for position, label in enumerate(labels, start=1):
        text = logical(label_text(pdf, template, position))
        assert text == f"{label.tag} {label.model} {label.school}"


def test_print_dialogs_default_to_actual_size():
    for name in TEMPLATES:
        assert b"/PrintScaling /None" in build_label_pdf(make_labels(1), name)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_255_character_tag_prints_whole_inside_its_label_and_scans(name, tmp_path):
    # The longest tag the register takes (Snipe-IT's limit), with a 255-character name.
    template = TEMPLATES[name]
    tag = ("IT/2023/Łódź #0041 " * 14)[:255].strip()
    url = "https://assets.school.example/a/" + quote(tag, safe="/")
    label = LabelData(url=url, tag=tag, model="N" * 255, school="St Mary's School")
    pdf = build_label_pdf([label], template)
    assert "".join(tag.split()) in "".join(label_text(pdf, template, 1, "-raw").split())
    x, y = template.origin(1)
    for _, left, top, right, bottom, word in words(pdf):
        assert left >= x - 0.01 and top >= y - 0.01, word
        assert right <= x + template.label_width - template.padding + 0.05, word
        assert bottom <= y + template.label_height + 0.01, word
    (page, *_) = render(pdf, tmp_path)
    assert list(scan(page)) == [url]
