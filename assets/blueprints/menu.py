"""The top menu: its links in order, who sees each, and which link stands for the page shown.

Each blueprint names the section its pages belong to (`bp.menu_section = "loans"`); a view of
a blueprint that serves pages under several links names its own with `@menu_section(...)`,
next to its route. A new page so gets its link marked current without touching base.html.
base.html renders `menu` (from the context processor below) and nothing else."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from assets.permissions import roles_with


@dataclass(frozen=True)
class Link:
    section: str  # the key pages name with bp.menu_section or @menu_section
    label: str
    endpoint: str
    capability: str | None = None  # who sees the link (None: everyone signed in)
    own_label: str | None = None  # the label for those who see only their own records
    all_records: str | None = None  # the capability that sees everyone's, not `own_label`
    nowrap: bool = False
    divider_before: bool = False


@dataclass(frozen=True)
class Menu:
    """A dropdown of links."""

    label: str
    capability: str
    links: tuple[Link, ...]


MENU: tuple[Link | Menu, ...] = (
    Link("scan", "Scan", "scan.scan_page"),
    Link("my", "My equipment", "loans.my_equipment", nowrap=True),
    Link("bookings", "Bookings", "bookings.my_bookings"),
    Link("pools", "Pools", "pools.list_pools"),
    Link("loans", "Loans", "loans.list_loans", "can_see_all_loans"),
    Link("assets", "Assets", "register.list_assets", "can_see_register"),
    Link(
        "incidents",
        "Incidents",
        "incidents.list_incidents",
        own_label="My incidents",
        all_records="can_see_all_incidents",
    ),
    Link("leavers", "Leavers", "leavers.list_leavers", "can_see_leavers"),
    Menu(
        "Register",
        "can_see_register",
        (
            Link("staff", "Staff", "people.list_people", "can_see_people"),
            Link("categories", "Categories", "register.list_categories", "can_see_register"),
            Link("locations", "Locations", "register.list_locations", "can_see_register"),
            Link("kits", "Kits", "kits.list_kits", "can_see_register"),
            Link("labels", "Labels", "labels.print_labels", "can_print_labels"),
            Link("stocktakes", "Stocktakes", "stocktakes.list_stocktakes", "can_see_stocktakes"),
            Link("compliance", "Compliance", "register.show_compliance", "can_see_register"),
            Link("import", "Import", "spreadsheets.upload_file", "can_import", divider_before=True),
        ),
    ),
    Menu(
        "Admin",
        "can_see_declarations",
        (
            Link(
                "declarations", "Declarations", "terms.declaration_register", "can_see_declarations"
            ),
            Link("logins", "Logins", "logins.list_logins", "can_manage_logins"),
            Link("school_week", "School week", "schoolweek.show_week", "can_set_school_week"),
        ),
    ),
)


def may_see(role: str | None, capability: str | None) -> bool:
    """Whether a login with `role` sees a link or menu given to `capability` (None: everyone
    signed in): the one place the menu asks who may see what. A capability goes with a role
    alone (assets/permissions.py), so the menu is the same for every login of a role."""
    return capability is None or role in roles_with(capability)


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
    href: str
    current: bool
    nowrap: bool = False
    divider_before: bool = False


@dataclass(frozen=True)
class ShownMenu:
    label: str
    active: bool
    links: tuple[ShownLink, ...]


def _shown(link: Link, role: str | None, here: str | None) -> ShownLink:
    label = link.label
    if link.own_label and not may_see(role, link.all_records):
        label = link.own_label
    return ShownLink(
        label,
        link.endpoint,
        url_for(link.endpoint),
        link.section == here,
        link.nowrap,
        link.divider_before,
    )


def shown_menu() -> tuple[ShownLink | ShownMenu, ...]:
    """The menu as the signed-in user sees it on this page, in order."""
    return _menu_of(getattr(current_user, "role", None), current_section(), request.script_root)


# Every page draws the menu, and it depends only on these three: worked out once for each
# (a few roles times the sections), rather than on every request. The script root is the
# path the app is mounted under, which the links start with.
@lru_cache(maxsize=512)
def _menu_of(role: str | None, here: str | None, script_root: str) -> tuple:
    shown: list[ShownLink | ShownMenu] = []
    for entry in MENU:
        if not may_see(role, entry.capability):
            continue
        if isinstance(entry, Menu):
            links = tuple(
                _shown(link, role, here) for link in entry.links if may_see(role, link.capability)
            )
            active = any(link.section == here for link in entry.links)
            shown.append(ShownMenu(entry.label, active, links))
        else:
            shown.append(_shown(entry, role, here))
    return tuple(shown)


def init_app(app: Flask) -> None:
    """base.html calls `menu()` where it draws the bar, so a file or a JSON answer never
    builds it."""
    app.context_processor(lambda: {"menu": shown_menu})
