"""static/js/signature.js in real Chromium: draw, clear, resize, and refuse an empty submit.

Chromium is the session's `browser` fixture (tests/conftest.py): one Playwright per run, as
the sync API allows only one at a time."""

import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from assets.files.images.signatures import BadSignature, clean_signature

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VENDOR_JS = ROOT / "node_modules" / "signature_pad" / "dist" / "signature_pad.umd.min.js"
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign for equipment</title>
  <link rel="stylesheet" href="/static/css/signature.css">
</head>
<body>
  <form method="post" action="/submit">
    <div data-signature-pad>
      <canvas aria-label="Sign here"></canvas>
      <input type="hidden" name="signature">
      <button data-signature-clear>Clear</button>
      <p data-signature-error hidden></p>
    </div>
    <button type="submit" id="confirm">Confirm</button>
  </form>
  <script src="/static/vendor/signature_pad/signature_pad.umd.min.js"></script>
  <script src="/static/js/signature.js"></script>
</body>
</html>
"""
NO_INLINE = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


class _Handler(SimpleHTTPRequestHandler):
    """Serves the test site with the production CSP and records form posts."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", NO_INLINE)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("ascii")
        self.server.posts.append(parse_qs(body, keep_blank_values=True))
        reply = b"<!doctype html><title>Received</title><p>Received</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not VENDOR_JS.exists():
        pytest.fail(f"{VENDOR_JS} is missing: run `npm install` in {ROOT}")
    docroot = tmp_path_factory.mktemp("site")
    (docroot / "static" / "vendor" / "signature_pad").mkdir(parents=True)
    shutil.copy(VENDOR_JS, docroot / "static" / "vendor" / "signature_pad")
    shutil.copytree(ROOT / "static" / "js", docroot / "static" / "js")
    shutil.copytree(ROOT / "static" / "css", docroot / "static" / "css")
    (docroot / "sign.html").write_text(PAGE, encoding="utf-8")
    # Chromium asks for one after each navigation; a 404 would count as a console error.
    (docroot / "favicon.ico").write_bytes(b"")

    def handler(*args, **kwargs):
        return _Handler(*args, directory=str(docroot), **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def open_page(browser, site, **context_options):
    context = browser.new_context(viewport={"width": 800, "height": 700}, **context_options)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    page.goto(f"http://127.0.0.1:{site.server_address[1]}/sign.html")
    return context, page


@pytest.fixture
def page(browser, site):
    site.posts.clear()
    context, page = open_page(browser, site)
    try:
        yield page
    finally:
        context.close()


def draw_signature(page):
    box = page.locator("canvas").bounding_box()
    left, top = box["x"], box["y"]
    points = [(0.10, 0.70), (0.20, 0.25), (0.32, 0.75), (0.45, 0.30), (0.60, 0.70), (0.85, 0.55)]
    page.mouse.move(left + box["width"] * points[0][0], top + box["height"] * points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(left + box["width"] * x, top + box["height"] * y, steps=12)
    page.mouse.up()


def hidden_value(page) -> str:
    return page.locator('input[name="signature"]').input_value()


def test_drawing_fills_the_hidden_input_with_an_acceptable_png(page, site):
    assert hidden_value(page) == ""

    draw_signature(page)

    value = hidden_value(page)
    assert value.startswith("data:image/png;base64,")
    cleaned = clean_signature(value)
    assert cleaned.width > 100

    page.click("#confirm")
    page.wait_for_url("**/submit")
    assert len(site.posts) == 1
    clean_signature(site.posts[0]["signature"][0])
    assert page.problems == []


def test_submitting_unsigned_shows_the_error_and_does_not_submit(page, site):
    error = page.locator("[data-signature-error]")
    assert error.is_hidden()

    page.click("#confirm")
    # A submission that slipped through would reach the server within this time.
    page.wait_for_timeout(300)

    assert error.is_visible()
    assert error.inner_text() == "Please sign in the box before confirming."
    assert page.url.endswith("/sign.html")
    assert site.posts == []

    draw_signature(page)
    assert error.is_hidden()
    assert page.problems == []


def test_clear_empties_the_pad_and_the_input_without_submitting(page, site):
    draw_signature(page)
    assert hidden_value(page)

    page.click("[data-signature-clear]")

    assert hidden_value(page) == ""
    assert page.evaluate("document.querySelector('[data-signature-pad]').signaturePad.isEmpty()")
    assert site.posts == []
    page.click("#confirm")
    assert page.locator("[data-signature-error]").is_visible()
    assert site.posts == []
    with pytest.raises(BadSignature):
        clean_signature(hidden_value(page))


def test_the_canvas_is_sized_for_the_pixel_ratio_and_refuses_touch_scrolling(browser, site):
    context, page = open_page(browser, site, device_scale_factor=2)
    try:
        sizes = page.evaluate(
            "(() => { const c = document.querySelector('canvas');"
            " return [c.width, c.height, c.offsetWidth, c.offsetHeight,"
            " getComputedStyle(c).touchAction]; })()"
        )
        width, height, css_width, css_height, touch_action = sizes
        assert (width, height) == (css_width * 2, css_height * 2)
        assert touch_action == "none"

        draw_signature(page)
        assert clean_signature(hidden_value(page)).width > 200
        assert page.problems == []
    finally:
        context.close()


def test_resizing_keeps_the_strokes(page):
    draw_signature(page)
    before = page.evaluate("document.querySelector('canvas').width")

    page.set_viewport_size({"width": 420, "height": 700})
    page.wait_for_function("old => document.querySelector('canvas').width !== old", arg=before)

    assert page.evaluate("!document.querySelector('[data-signature-pad]').signaturePad.isEmpty()")
    clean_signature(hidden_value(page))
    assert page.problems == []
