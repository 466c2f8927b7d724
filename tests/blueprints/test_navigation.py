"""The top navigation: the daily pages as links, the rest in menus, each role seeing exactly
the links it may use, and the page shown marked as current."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from assets.blueprints.menu import MENU, Menu


class NavReader(HTMLParser):
    """Reads the navigation bar as an outline: a top-level link is its label, a menu is
    "Menu >" and each of its items "Menu > Item". Collects what is marked current too."""

    def __init__(self) -> None:
        super().__init__()
        self.outline: list[str] = []
        self.current: list[str] = []
        self.active_menus: list[str] = []
        self._in_nav = self._in_menu_items = False
        self._menu = ""
        self._reading: tuple[str, dict] | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        classes = attrs.get("class", "").split()
        if tag == "ul" and "navbar-nav" in classes:
            self._in_nav = True
        elif self._in_nav and tag == "ul" and "dropdown-menu" in classes:
            self._in_menu_items = True
        elif self._in_nav and tag in ("a", "button"):
            self._reading, self._text = (tag, attrs), ""

    def handle_data(self, data):
        if self._reading:
            self._text += data

    def handle_endtag(self, tag):
        if self._reading and tag == self._reading[0]:
            attrs, label = self._reading[1], " ".join(self._text.split())
            self._reading = None
            if "dropdown-toggle" in attrs.get("class", ""):
                self._menu = label
                self.outline.append(f"{label} >")
                if "active" in attrs["class"].split():
                    self.active_menus.append(label)
                return
            name = f"{self._menu} > {label}" if self._in_menu_items else label
            self.outline.append(name)
            if attrs.get("aria-current") == "page":
                self.current.append(name)
        elif tag == "ul" and self._in_menu_items:
            self._in_menu_items = False
        elif tag == "ul" and self._in_nav:
            self._in_nav = False


def read_nav(page: str) -> NavReader:
    reader = NavReader()
    reader.feed(page)
    return reader


REGISTER = [
    "Register >",
    "Register > Staff",
    "Register > Categories",
    "Register > Locations",
    "Register > Kits",
    "Register > Labels",
    "Register > Stocktakes",
    "Register > Compliance",
]
DAILY = ["Scan", "My equipment", "Bookings", "Pools", "Loans", "Assets", "Incidents", "Leavers"]


@pytest.mark.parametrize(
    ("role", "outline"),
    [
        (
            "admin",
            [*DAILY, *REGISTER, "Register > Import", "Admin >", "Admin > Declarations",
             "Admin > Logins", "Admin > School week"],
        ),
        ("technician", [*DAILY, *REGISTER, "Admin >", "Admin > Declarations"]),
        ("office", [*DAILY, *REGISTER, "Register > Import"]),
        ("staff", ["Scan", "My equipment", "Bookings", "Pools", "My incidents"]),
    ],
)  # fmt: skip
def test_each_role_sees_its_links_with_the_rest_in_menus(client, as_role, role, outline):
    as_role(role)
    nav = read_nav(client.get("/scan").text)
    assert nav.outline == outline


@pytest.mark.parametrize(
    ("url", "current", "menu"),
    [
        ("/scan", "Scan", None),
        ("/loans?show=overdue", "Loans", None),
        ("/bookings/new", "Bookings", None),
        ("/bookings/requests", "Bookings", None),
        ("/assets", "Assets", None),
        ("/incidents", "Incidents", None),
        ("/leavers", "Leavers", None),
        ("/people/", "Register > Staff", "Register"),
        ("/categories/new", "Register > Categories", "Register"),
        ("/locations", "Register > Locations", "Register"),
        ("/kits", "Register > Kits", "Register"),
        ("/labels", "Register > Labels", "Register"),
        ("/stocktakes", "Register > Stocktakes", "Register"),
        ("/compliance", "Register > Compliance", "Register"),
        ("/imports", "Register > Import", "Register"),
        ("/declarations", "Admin > Declarations", "Admin"),
        ("/logins", "Admin > Logins", "Admin"),
        ("/school-week/terms/new", "Admin > School week", "Admin"),
        ("/terms", "Loans", None),
        ("/account/password", None, None),
    ],
)
def test_the_page_shown_is_marked_current_and_its_menu_active(client, as_role, url, current,
                                                              menu):  # fmt: skip
    as_role("admin")
    response = client.get(url)
    assert response.status_code == 200
    nav = read_nav(response.text)
    assert nav.current == ([current] if current else [])
    assert nav.active_menus == ([menu] if menu else [])


def test_the_account_link_is_marked_on_the_password_page(client, as_role):
    user = as_role("office")
    page = client.get("/account/password").text
    assert f'href="/account/password" aria-current="page">{user.name}<' in page
    assert 'aria-current="page"' not in client.get("/").text


def test_signing_the_declaration_at_the_desk_is_under_declarations(client, as_role, make):
    as_role("technician")
    person = make.person()
    page = client.get(f"/declaration?person={person.id}").text
    assert read_nav(page).current == ["Admin > Declarations"]


def test_a_borrowers_own_pages_mark_their_links(client, as_role):
    as_role("staff", person=True)
    assert read_nav(client.get("/my").text).current == ["My equipment"]
    assert read_nav(client.get("/incidents").text).current == ["My incidents"]
    assert read_nav(client.get("/incidents/new").text).current == ["My incidents"]
    assert read_nav(client.get("/declaration").text).current == ["My equipment"]


def test_every_section_a_page_names_is_a_link_of_the_menu(app):
    """A blueprint names the section of its pages and a view may name its own: each must be a
    link of the menu, so a new page is marked current with no change to base.html."""
    links = [
        link for entry in MENU for link in (entry.links if isinstance(entry, Menu) else [entry])
    ]
    keys = {link.section for link in links}
    for name, blueprint in app.blueprints.items():
        section = getattr(blueprint, "menu_section", None)
        assert section in keys or name in ("main", "auth"), name
    for endpoint, view in app.view_functions.items():
        section = getattr(view, "menu_section", None)
        if section is not None and not callable(section):
            assert section in keys, endpoint
    assert all(link.endpoint in app.view_functions for link in links)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/users", "/logins"),
        ("/admin/users/new", "/logins/new"),
        (
            "/export/reports.xlsx?status=open&q=%C5%81ukasz",
            "/export/incidents.xlsx?status=open&q=%C5%81ukasz",
        ),
    ],
)
def test_a_bookmark_of_a_moved_page_opens_it_where_it_is_now(client, as_role, old, new):
    as_role("admin")
    answer = client.get(old)
    assert answer.status_code == 308
    where = urlsplit(answer.headers["Location"])
    assert f"{where.path}?{where.query}".rstrip("?") == new
    assert client.get(old, follow_redirects=True).status_code == 200
