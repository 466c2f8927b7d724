"""One blueprint per area of the product."""

from flask import Flask
from werkzeug.routing import MapAdapter

from assets.blueprints import menu
from assets.blueprints.auth.views import bp as auth_bp

# calendar_views adds the calendar and the feed to the bookings blueprint of views.py.
from assets.blueprints.bookings.calendar_views import bp as bookings_bp
from assets.blueprints.incidents.views import bp as incidents_bp
from assets.blueprints.kits.views import bp as kits_bp
from assets.blueprints.labels.views import bp as labels_bp
from assets.blueprints.leavers.views import bp as leavers_bp
from assets.blueprints.loans.views import bp as loans_bp
from assets.blueprints.logins.views import bp as logins_bp
from assets.blueprints.main.views import bp as main_bp
from assets.blueprints.people.views import bp as people_bp
from assets.blueprints.pools.views import bp as pools_bp
from assets.blueprints.register.views import bp as register_bp
from assets.blueprints.scan.views import bp as scan_bp
from assets.blueprints.schoolweek.views import bp as schoolweek_bp
from assets.blueprints.spreadsheets.views import bp as spreadsheets_bp
from assets.blueprints.stocktakes.views import bp as stocktakes_bp
from assets.blueprints.terms.views import bp as terms_bp

# Addresses that have moved, from bookmarks made before they did.
MOVED = {
    "/admin/users": "/logins",
    "/admin/users/new": "/logins/new",
    "/export/reports.xlsx": "/export/incidents.xlsx",
}


def _keeping_query(new: str):
    """A redirect target for Werkzeug: `new`, with the query string the request came with
    (filters in a bookmarked export, say), which Werkzeug's own would drop."""

    def target(adapter: MapAdapter, **_values: object) -> str:
        return f"{new}?{adapter.query_args}" if adapter.query_args else new

    return target


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        main_bp,
        auth_bp,
        register_bp,
        people_bp,
        logins_bp,
        scan_bp,
        stocktakes_bp,
        labels_bp,
        kits_bp,
        incidents_bp,
        loans_bp,
        bookings_bp,
        pools_bp,
        terms_bp,
        leavers_bp,
        spreadsheets_bp,
        schoolweek_bp,
    ):
        app.register_blueprint(blueprint)
    for old, new in MOVED.items():
        # Werkzeug answers these while routing, with a 308; no view runs.
        app.add_url_rule(old, f"moved:{old}", methods=["GET"], redirect_to=_keeping_query(new))
    menu.init_app(app)
