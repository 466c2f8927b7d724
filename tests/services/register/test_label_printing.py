"""Choosing what to print: tags or the asset list's filters, the stock, the start position;
every printed code is the asset's scan URL built from BASE_URL."""

import io

import pytest
import zxingcpp
from PIL import Image

from assets.extensions import db
from assets.models import Asset
from assets.services.common.errors import DomainError
from assets.services.register import labels, register, scanning
from tests.support.labels import BASE, make_label_stock, render, scan


@pytest.fixture
def stock(make):
    return make_label_stock(make)


def test_a_selection_prints_each_tag_once_in_order_and_scans_to_its_page(stock, ctx, tmp_path):
    sheet = labels.label_sheet(
        labels.LabelSelection(tags="LAP-3, lap-1\nCAM-1 LAP-3"), "L7160", start_position=2
    )
    assert sheet.count == 3
    assert sheet.filename == "labels-3-L7160.pdf"
    (page,) = render(sheet.pdf, tmp_path)
    found = scan(page)
    assert set(found) == {BASE + "LAP-3", BASE + "LAP-1", BASE + "CAM-1"}
    # Position 2, 3 and 4 of a three-column sheet: the third wraps to the second row.
    lefts = sorted(found.values(), key=lambda box: (round(box[1]), box[0]))
    assert lefts[0][0] < lefts[1][0]
    assert lefts[2][1] > lefts[0][1] + 30


def test_the_filters_print_what_the_asset_list_shows(stock, ctx):
    selection = labels.LabelSelection(
        filters=register.AssetFilter(location_id=stock["ict"].id, sort="tag", descending=True)
    )
    assert [a.tag for a in labels.selected_assets(selection)] == ["LAP-3", "LAP-2", "LAP-1"]
    assert labels.count_matching(selection.filters) == 3
    sheet = labels.label_sheet(selection, "dymo-99012", 1)
    assert sheet.count == 3
    assert sheet.pdf.startswith(b"%PDF")


def test_one_label_is_named_after_its_tag(stock, ctx):
    sheet = labels.label_sheet(labels.LabelSelection(tags="CAM-1"), "brother-62", 1)
    assert sheet.filename == "labels-CAM-1-brother-62.pdf"


@pytest.mark.parametrize(
    ("selection", "template", "start", "field", "message"),
    [
        (
            labels.LabelSelection(tags="LAP-1 NOPE-1 NOPE-2"),
            "L7651",
            1,
            "tags",
            "tags NOPE-1, NOPE-2",
        ),
        (labels.LabelSelection(tags=" , "), "L7651", 1, "tags", "Give the tags"),
        (labels.LabelSelection(tags="LAP-1"), "A4-plain", 1, "template", "Choose the label stock"),
        (labels.LabelSelection(tags="LAP-1"), "L7651", 66, "start_position", "positions 1 to 65"),
        (labels.LabelSelection(tags="LAP-1"), "L7651", 0, "start_position", "positions 1 to 65"),
        (
            labels.LabelSelection(tags="LAP-1"),
            "dymo-99012",
            2,
            "start_position",
            "one label at a time",
        ),
        (
            labels.LabelSelection(filters=register.AssetFilter(q="no such thing")),
            "L7651",
            1,
            None,
            "No assets match",
        ),
    ],
)
def test_a_wrong_request_says_what_to_fix(stock, ctx, selection, template, start, field, message):
    with pytest.raises(DomainError, match=message) as caught:
        labels.label_sheet(selection, template, start)
    assert caught.value.field == field


def test_too_many_labels_are_refused(stock, ctx, monkeypatch):
    monkeypatch.setattr(labels, "MAX_LABELS", 2)
    with pytest.raises(DomainError, match="more than 2 labels"):
        labels.label_sheet(labels.LabelSelection(tags="LAP-1 LAP-2 LAP-3"), "L7651", 1)


def test_each_assets_code_as_svg_and_png_is_its_scan_url(stock, ctx, app):
    asset = db.session.scalar(db.select(Asset).where(Asset.tag == "LAP-2"))
    assert labels.scan_url(asset) == BASE + "LAP-2"
    png = Image.open(io.BytesIO(labels.asset_qr_png(asset)))
    assert [r.text for r in zxingcpp.read_barcodes(png)] == [BASE + "LAP-2"]
    svg = labels.asset_qr_svg(asset)
    assert svg.startswith(b"<?xml")
    assert b"<path" in svg
    app.config["BASE_URL"] = "https://other.school.test"
    assert labels.scan_url(asset) == "https://other.school.test/a/LAP-2"


def test_tags_in_text(ctx, make):
    def tags_in_text(text):
        return scanning.tags_in_text(text, labels.MAX_LABELS, "too many")

    assert tags_in_text(" A-1,A-2;A-1\n\tB.3  ") == ["A-1", "A-2", "B.3"]
    # A tag may hold spaces and commas: a line that is a tag in the register is taken whole.
    make.asset("Room 12, desk #3")
    typed = "A-1\n  room 12, desk #3 \nA-1 B-2"
    assert tags_in_text(typed) == ["A-1", "room 12, desk #3", "B-2"]


# As many different lines as the label box's 100,000 characters hold: one character each,
# or one character and a comma (a line that may be a tag with a comma, so looked up whole).
HUGE_BOXES = {
    "40,000 one-character lines": "\n".join(chr(0x20000 + i) for i in range(40_000)),
    "33,000 lines with a comma": "\n".join(f"{chr(0x20000 + i)}," for i in range(33_000)),
}


@pytest.mark.parametrize("typed", HUGE_BOXES.values(), ids=HUGE_BOXES.keys())
def test_a_box_of_tens_of_thousands_of_tags_is_refused_plainly(stock, ctx, database, typed):
    with pytest.raises(DomainError, match="more than 2000 labels") as refused:
        labels.label_sheet(labels.LabelSelection(tags=typed), "L7651", 1)
    assert refused.value.field == "tags"


# Tags as Snipe-IT allows them: slashes, spaces, #, %, ?, letters beyond ASCII.
AWKWARD_TAGS = {
    "IT/2023/0041": "IT/2023/0041",
    "Room 12 #3": "Room%2012%20%233",
    "50%-off?": "50%25-off%3F",
    "Łódź-1": "%C5%81%C3%B3d%C5%BA-1",
    "a+b&c=d": "a+b&c=d",
}


@pytest.mark.parametrize("template", ["L7651", "L7163"])
def test_awkward_tags_are_percent_encoded_and_scan_back_to_their_asset(
    make, ctx, tmp_path, template
):
    made = {tag: make.asset(tag) for tag in AWKWARD_TAGS}
    # A decoy whose tag is where an unencoded "#" or "?" would cut the others short.
    make.asset("Room 12")
    typed = "\n".join(AWKWARD_TAGS)
    sheet = labels.label_sheet(labels.LabelSelection(tags=typed), template, 1)
    (page,) = render(sheet.pdf, tmp_path)
    found = scan(page)
    assert set(found) == {BASE + path for path in AWKWARD_TAGS.values()}
    for url in found:
        asset = scanning.asset_for_code(url)
        assert asset.id == made[asset.tag].id
        assert url == BASE + AWKWARD_TAGS[asset.tag]


def test_the_longest_tag_prints_whole_and_scans_back(make, ctx, tmp_path):
    tag = "/".join(["IT 2023 Łódź #1"] * 16)[:255].rstrip("/ ")
    made = make.asset(tag, name="N" * 255)
    sheet = labels.label_sheet(labels.LabelSelection(tags=tag), "L7163", 1)
    (page,) = render(sheet.pdf, tmp_path)
    [url] = scan(page)
    assert scanning.asset_for_code(url).id == made.id
