"""The head teacher answers a subject access request from a person's page on a desktop: one
click, one zip named for the person, and the page stays where it was."""

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.factories import Factory

pytestmark = pytest.mark.browser


def test_an_admin_downloads_everything_we_hold(live_server, live_app, desktop):
    make = Factory(live_app)
    person = make.person("Łukasz Żółć", email="lukasz@ashbrook.sch.uk")
    make.loan(person=person)
    admin = make.user("admin", name="Mrs A Head")
    page = desktop
    log_in(page, live_server.url, admin)
    page.goto(f"{live_server.url}/people/{person.id}")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Everything we hold about this person").click()
    download = download_info.value
    assert download.suggested_filename.startswith("everything-we-hold-Łukasz Żółć-")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    names = [name.split("/", 1)[1] for name in archive.namelist()]
    assert {"index.html", "index.txt", "details.json", "loans.csv"} <= set(names)
    expect(page.get_by_role("heading", name="Łukasz Żółć")).to_be_visible()
