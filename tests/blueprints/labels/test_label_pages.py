"""The label printing page, the asset list's selection, and each asset's QR code files."""

import io

import pytest
import zxingcpp
from PIL import Image

from tests.support.labels import BASE, make_label_stock, render, scan


@pytest.fixture
def stock(make):
    return make_label_stock(make)


def test_the_asset_list_offers_labels_for_the_ticked_and_for_all(client, as_role, stock):
    as_role("office")
    text = client.get("/assets", query_string={"location": stock["ict"].id, "page": 1}).text
    assert 'action="/labels"' in text
    assert 'name="tag" value="LAP-1"' in text
    assert f"/labels?location={stock['ict'].id}&amp;scope=filter" in text
    assert "Print labels for all 3" in text


def test_ticked_assets_arrive_ready_to_print(client, as_role, stock):
    as_role("technician")
    page = client.get("/labels", query_string=[("tag", "LAP-2"), ("tag", "CAM-1")])
    assert page.status_code == 200
    assert "LAP-2\nCAM-1</textarea>" in page.text
    assert "Print at 100% (actual size), not &lsquo;fit to page&rsquo;." in page.text
    assert "Avery L7651 mini labels, 65 per A4 sheet" in page.text


def test_printing_a_selection_downloads_the_pdf(client, as_role, stock, tmp_path):
    as_role("technician")
    response = client.post(
        "/labels", data={"tags": "LAP-2\nCAM-1", "template": "L7163", "start_position": 3}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "labels-2-L7163.pdf" in response.headers["Content-Disposition"]
    (page,) = render(response.data, tmp_path)
    assert set(scan(page)) == {BASE + "LAP-2", BASE + "CAM-1"}


def test_a_box_of_tens_of_thousands_of_lines_is_refused_on_the_page(
    client, as_role, stock, database
):
    as_role("technician")
    typed = "\n".join(f"{chr(0x20000 + i)}," for i in range(33_000))
    response = client.post(
        "/labels", data={"tags": typed, "template": "L7163", "start_position": 1}
    )
    assert response.status_code == 200
    assert "That is more than 2000 labels: print them in smaller runs." in response.text


def test_printing_the_filtered_list(client, as_role, stock, tmp_path):
    as_role("office")
    args = {"scope": "filter", "location": stock["ict"].id, "sort": "tag", "dir": "desc"}
    page = client.get("/labels", query_string=args)
    assert "All <strong>3</strong> assets on the asset list: at ICT suite." in page.text
    assert 'name="tags"' not in page.text
    data = {**args, "template": "L7651", "start_position": 1}
    response = client.post("/labels", data=data)
    assert response.mimetype == "application/pdf"
    (page,) = render(response.data, tmp_path)
    assert set(scan(page)) == {BASE + "LAP-1", BASE + "LAP-2", BASE + "LAP-3"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"tags": "LAP-1 NOPE-7", "template": "L7651", "start_position": 1},
            "No asset has the tag NOPE-7.",
        ),
        (
            {"tags": "", "template": "L7651", "start_position": 1},
            "Give the tags of the assets to label.",
        ),
        (
            {"tags": "LAP-1", "template": "L7160", "start_position": 22},
            "L7160 sheets have positions 1 to 21.",
        ),
        ({"tags": "LAP-1", "template": "L7160", "start_position": ""}, "This field is required."),
        ({"tags": "LAP-1", "template": "nope", "start_position": 1}, "Not a valid choice"),
    ],
)
def test_a_wrong_request_says_what_to_fix_and_keeps_what_was_typed(
    client, as_role, stock, data, message
):
    as_role("technician")
    response = client.post("/labels", data=data)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert message in response.text
    if data["tags"]:
        assert data["tags"] + "</textarea>" in response.text


def test_each_assets_code_as_svg_and_png(client, as_role, stock):
    as_role("office")
    svg = client.get("/labels/LAP-1/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<?xml")
    png = client.get("/labels/LAP-1/qr.png")
    assert png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.data))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [BASE + "LAP-1"]
    assert client.get("/labels/NOPE/qr.png").status_code == 404


def test_staff_cannot_print_labels(client, as_role, stock):
    as_role("staff")
    assert client.get("/labels").status_code == 403
    assert client.post("/labels", data={"tags": "LAP-1"}).status_code == 403
    assert client.get("/labels/LAP-1/qr.svg").status_code == 403
