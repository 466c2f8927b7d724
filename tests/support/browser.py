"""Steps every browser test takes."""

from urllib.parse import quote

from playwright.sync_api import Page


def log_in(page: Page, url: str, user, then: str | None = None) -> None:
    """Log `user` in through the login form of the app at `url`. With `then`, the login asks
    for that page and this waits until it is shown; without, it waits to leave the login
    page for wherever the role lands."""
    page.goto(f"{url}/login" + (f"?next={quote(then)}" if then else ""))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    if then:
        page.wait_for_url(url + then)
    else:
        page.wait_for_url(lambda address: "/login" not in address)
