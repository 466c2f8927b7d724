"""Real Chromium with a fake camera fed a Y4M video of our own printed labels: the scan page
opens the right asset, and a second video drives a stocktake from start to report."""

import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assets.extensions import db
from assets.files.images.qr import qr_png
from assets.files.pdf.label_stock import TEMPLATES
from assets.models import Asset, Event
from assets.services.register import labels
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.browser import log_in
from tests.support.factories import Factory
from tests.support.video import cut_label, on_desk, render_page, write_y4m

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


@pytest.fixture
def camera(playwright, tmp_path) -> Callable[[Path], Page]:
    """Open a phone-sized page in a Chromium whose camera plays the given Y4M video. Any error
    in a page fails the test."""
    browsers, pages = [], []

    def open_phone(video: Path) -> Page:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        browsers.append(browser)
        context = browser.new_context(permissions=["camera"], **PHONE)
        page = context.new_page()
        watch(page)
        pages.append(page)
        return page

    yield open_phone
    for browser in browsers:
        browser.close()
    problems = [problem for page in pages for problem in page.problems]
    assert not problems, f"errors in the page: {problems}"


def watch(page: Page) -> Page:
    """Collect the page's errors and every URL it asks for."""
    page.problems = []
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    return page


def events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Event.id)).where(~Event.action.like("user.%")))


def test_a_printed_label_in_front_of_the_camera_opens_its_asset(
    live_server, live_app, browser, camera, tmp_path
):
    make = Factory(live_app)
    ict = make.location("ICT suite")
    laptops = make.category("Laptop")
    for number in range(1, 21):
        make.asset(f"LAP-{number:04d}", category=laptops, location=ict, model="Latitude 3440")
    technician = make.user("technician")

    # The technician ticks a laptop on the asset list and prints its label at position 7 of
    # a partly used L7651 sheet.
    desk = browser.new_context()
    page = watch(desk.new_page())
    log_in(page, live_server.url, technician, "/assets?q=LAP-0013")
    page.check('input[name="tag"][value="LAP-0013"]')
    page.click("text=Print labels for the ticked")
    expect(page.locator("textarea#tags")).to_have_value("LAP-0013")
    expect(page.locator("text=Print at 100% (actual size)")).to_be_visible()
    page.select_option("#template", "L7651")
    page.fill("#start_position", "7")
    with page.expect_download() as download:
        page.click("text=Download the labels (PDF)")
    pdf = Path(download.value.path()).read_bytes()
    assert page.problems == []
    desk.close()

    sheet = render_page(pdf, tmp_path)
    label = cut_label(sheet, TEMPLATES["L7651"], 7)
    video = write_y4m(tmp_path / "label.y4m", [on_desk(label)] * 20)

    before = events(live_app)
    phone = camera(video)
    log_in(phone, live_server.url, technician, "/scan")
    started = time.perf_counter()
    phone.wait_for_url(f"{live_server.url}/a/LAP-0013", timeout=15_000)
    opened_in = time.perf_counter() - started
    expect(phone.locator("h1")).to_have_text("LAP-0013")
    expect(phone.locator("text=Move location")).to_be_visible()
    assert events(live_app) == before, "opening a label changed something"
    # The decoder and its .wasm came from our own static files, nothing from a CDN.
    wasm = f"{live_server.url}/static/vendor/zxing-wasm/reader/zxing_reader.wasm?v="
    assert any(url.startswith(wasm) for url in phone.requests)
    elsewhere = [url for url in phone.requests if not url.startswith(live_server.url)]
    assert elsewhere == []
    # From the scan page's load to the asset's page: camera start, decoder load and decode.
    assert opened_in < 5, f"the asset took {opened_in:.1f} s to open"
    print(f"\nscan page to asset page: {opened_in:.2f} s")


def test_a_stocktake_driven_by_the_camera(live_server, live_app, camera, tmp_path):
    make = Factory(live_app)
    ict, store = make.location("ICT suite"), make.location("Office store")
    for tag in ("ICT-A", "ICT-B", "ICT-D"):
        make.asset(tag, location=ict)
    make.asset("OFF-C", location=store, name="Canon camera")
    technician = make.user("technician")

    with live_app.app_context():
        sheet = labels.label_sheet(labels.LabelSelection(tags="ICT-A ICT-B OFF-C"), "L7651", 1)
    page = render_page(sheet.pdf, tmp_path)
    printed = [cut_label(page, TEMPLATES["L7651"], position) for position in (1, 2, 3)]
    not_ours = on_desk(qr_image("https://example.com/lunch-menu"), angle=-3)
    blank = on_desk(None)
    frames = []
    for shot in [on_desk(label) for label in printed] + [not_ours]:
        frames += [shot] * 15 + [blank] * 5
    video = write_y4m(tmp_path / "stocktake.y4m", frames)

    phone = camera(video)
    log_in(phone, live_server.url, technician, "/stocktakes")
    phone.select_option("#location_id", label="ICT suite")
    phone.get_by_role("button", name="Start", exact=True).click()
    phone.wait_for_url("**/stocktakes/*")
    stocktake_url = phone.url

    count = phone.locator('[data-count="found"]')
    expect(count).to_have_text("2", timeout=30_000)
    expect(phone.locator('[data-count="unexpected"]')).to_have_text("1", timeout=30_000)
    expect(phone.locator("[data-scan-message]")).to_contain_text(
        "That code is not one of our labels", timeout=30_000
    )
    expect(phone.locator('[data-list="found"] [data-tag="ICT-A"]')).to_be_visible()
    expect(phone.locator('[data-list="not_found"] [data-tag="ICT-D"]')).to_be_visible()
    unexpected = phone.locator('[data-list="unexpected"] [data-tag="OFF-C"]')
    expect(unexpected).to_contain_text("The register has it in Office store.")

    # The tab is closed by mistake; the stocktake carries on where it was.
    context = phone.context
    phone.close()
    phone = watch(context.new_page())
    phone.goto(stocktake_url)
    expect(phone.locator('[data-count="found"]')).to_have_text("2")
    expect(phone.locator("[data-scanner-view]")).to_be_visible()
    # The camera is put away (it would keep reporting the labels in view) for the rest, once
    # it is ready, as a person would: a new tab may start it twice (on load, then on being
    # shown), and a click as the second start swaps the buttons would land on "Use the camera".
    expect(phone.locator("[data-scanner-state]")).to_have_text(
        "Point the camera at an asset label."
    )
    phone.get_by_role("button", name="Stop the camera").click()
    expect(phone.locator("[data-scanner-view]")).to_be_hidden()
    unexpected = phone.locator('[data-list="unexpected"] [data-tag="OFF-C"]')
    unexpected.locator("text=Move to ICT suite").click()
    expect(unexpected).to_contain_text("Moved to ICT suite.")
    expect(phone.locator("[data-scan-message]")).to_contain_text(
        "OFF-C is now recorded in ICT suite."
    )

    # A USB scanner (or a thumb) types into the field and presses Enter.
    phone.fill("#code", "NOPE-9")
    phone.press("#code", "Enter")
    expect(phone.locator("[data-scan-message]")).to_have_text(
        "No asset has the tag NOPE-9. Check the label, or add the device to the register."
    )
    expect(phone.locator("#code")).to_have_value("")

    phone.click("text=Finish the stocktake")
    phone.click("text=Finish and record the result")
    expect(phone.locator(".alert-success")).to_have_text(
        "Stocktake finished: 2 found, 1 missing, 1 unexpected."
    )
    expect(phone.locator('[data-list="not_found"]')).to_contain_text("ICT-D")
    assert phone.problems == []

    with live_app.app_context():
        assets = {a.tag: a for a in db.session.scalars(select(Asset))}
        for tag in ("ICT-A", "ICT-B", "OFF-C"):
            assert assets[tag].last_seen_at is not None, tag
            assert assets[tag].last_seen_location.name == "ICT suite", tag
        assert assets["ICT-D"].last_seen_at is None
        assert assets["OFF-C"].location.name == "ICT suite"


def test_a_label_left_in_view_counts_once_and_is_not_announced_again(
    live_server, live_app, camera, tmp_path
):
    make = Factory(live_app)
    ict = make.location("ICT suite")
    make.asset("ICT-A", location=ict)
    technician = make.user("technician")
    with live_app.app_context():
        sheet = labels.label_sheet(labels.LabelSelection(tags="ICT-A"), "L7651", 1)
    label = cut_label(render_page(sheet.pdf, tmp_path), TEMPLATES["L7651"], 1)
    # The fake camera plays the video in a loop: the label never leaves the view.
    video = write_y4m(tmp_path / "still.y4m", [on_desk(label)] * 20)

    phone = camera(video)
    log_in(phone, live_server.url, technician, "/stocktakes")
    phone.select_option("#location_id", label="ICT suite")
    phone.get_by_role("button", name="Start", exact=True).click()
    phone.wait_for_url("**/stocktakes/*")
    message = phone.locator("[data-scan-message]")
    expect(message).to_contain_text("ICT-A", timeout=30_000)
    first = message.inner_text()
    scan_url = phone.locator("[data-scanner]").get_attribute("data-scan-url")

    phone.wait_for_timeout(5_500)  # past the 4 s after which a label shown again counts again
    posts = [url for url in phone.requests if url.endswith(scan_url)]
    assert len(posts) == 1, posts
    expect(message).to_have_text(first)
    expect(phone.locator('[data-count="found"]')).to_have_text("1")


def qr_image(text: str) -> Image.Image:
    """A code that is not ours: another site's QR code, printed the same size."""
    return Image.open(BytesIO(qr_png(text, box_size=6))).convert("RGB")
