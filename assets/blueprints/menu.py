"""The top menu: its links in order, who sees each, and which link stands for the page shown.

Each blueprint names the section its pages belong to (`bp.menu_section = "loans"`); a view of
a blueprint that serves pages under several links names its own with `@menu_section(...)`,
next to its route. A new page so gets its link marked current without touching base.html.
base.html renders `menu` (from the context processor below) and nothing else."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_login import current_user

from assets.blueprints.access import ADMINS, EDITORS, EVERYONE, IMPORTERS, READERS


@dataclass(frozen=True)
class Link:
    section: str  # the key pages name with bp.menu_section or @menu_section
    label: str
    endpoint: str
    roles: tuple[str, ...] = EVERYONE  # who sees the link
    own_label: str | None = None  # the label for those outside `READERS`: their own records
    nowrap: bool = False
    divider_before: bool = False


@dataclass(frozen=True)
class Menu:
    """A dropdown of links."""

    label: str
    roles: tuple[str, ...]
    links: tuple[Link, ...]


MENU: tuple[Link | Menu, ...] = (
    Link("scan", "Scan", "scan.scan_page"),
    Link("my", "My equipment", "loans.my_equipment", nowrap=True),
    Link("loans", "Loans", "loans.list_loans", READERS),
    Link("assets", "Assets", "register.list_assets", READERS),
    Link("incidents", "Incidents", "incidents.list_incidents", own_label="My incidents"),
    Link("leavers", "Leavers", "leavers.list_leavers", READERS),
    Menu(
        "Register",
        READERS,
        (
            Link("staff", "Staff", "people.list_people", READERS),
            Link("categories", "Categories", "register.list_categories", READERS),
            Link("locations", "Locations", "register.list_locations", READERS),
            Link("labels", "Labels", "labels.print_labels", READERS),
            Link("stocktakes", "Stocktakes", "stocktakes.list_stocktakes", READERS),
            Link("compliance", "Compliance", "register.show_compliance", READERS),
            Link("import", "Import", "spreadsheets.upload_file", IMPORTERS, divider_before=True),
        ),
    ),
    Menu(
        "Admin",
        EDITORS,
        (
            Link("declarations", "Declarations", "terms.declaration_register", EDITORS),
            Link("logins", "Logins", "logins.list_logins", ADMINS),
        ),
    ),
)


def may_see(roles: tuple[str, ...]) -> bool:
    """Whether the signed-in user sees a link or menu given to `roles`: the one place the
    menu asks who may see what."""
    return current_user.has_role(*roles)


def menu_section(section: str | Callable[[], str]) -> Callable[[Callable], Callable]:
    """Mark a view's pages as under the menu link `section` (a key of MENU), overriding its
    blueprint's. `section` may be a function of the request, for a page reached from two
    links."""

    def decorator(view: Callable) -> Callable:
        view.menu_section = section
        return view

    return decorator


def current_section() -> str | None:
    """The menu section of the page shown: its view's own, else its blueprint's."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    section = getattr(view, "menu_section", None)
    if section is None and request.blueprint:
        section = getattr(current_app.blueprints[request.blueprint], "menu_section", None)
    return section() if callable(section) else section


@dataclass(frozen=True)
class ShownLink:
    label: str
    endpoint: str
    current: bool
    nowrap: bool = False
    divider_before: bool = False


@dataclass(frozen=True)
class ShownMenu:
    label: str
    active: bool
    links: list[ShownLink]


def _shown(link: Link, here: str | None) -> ShownLink:
    label = link.label
    if link.own_label and not may_see(READERS):
        label = link.own_label
    return ShownLink(label, link.endpoint, link.section == here, link.nowrap, link.divider_before)


def shown_menu() -> list[ShownLink | ShownMenu]:
    """The menu as the signed-in user sees it on this page, in order."""
    here = current_section()
    shown: list[ShownLink | ShownMenu] = []
    for entry in MENU:
        if not may_see(entry.roles):
            continue
        if isinstance(entry, Menu):
            links = [_shown(link, here) for link in entry.links if may_see(link.roles)]
            active = any(link.section == here for link in entry.links)
            shown.append(ShownMenu(entry.label, active, links))
        else:
            shown.append(_shown(entry, here))
    return shown


def init_app(app: Flask) -> None:
    """base.html calls `menu()` where it draws the bar, so a file or a JSON answer never
    builds it."""
    app.context_processor(lambda: {"menu": shown_menu})
