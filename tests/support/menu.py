"""The phone menu, opened as a person does: tap Menu, then wait until it has slid open."""

import re

from playwright.sync_api import Page, expect


def open_menu(page: Page) -> None:
    page.get_by_role("button", name="Menu").click()
    # While Bootstrap's collapse slides open the list is "collapsing"; a tap on a menu inside
    # it then can land on a moving target. Open is "collapse show".
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
