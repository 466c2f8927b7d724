"""One blueprint per area of the product."""

from flask import Flask

from assets.blueprints import menu
from assets.blueprints.auth.views import bp as auth_bp
from assets.blueprints.incidents.views import bp as incidents_bp
from assets.blueprints.labels.views import bp as labels_bp
from assets.blueprints.leavers.views import bp as leavers_bp
from assets.blueprints.loans.views import bp as loans_bp
from assets.blueprints.logins.views import bp as logins_bp
from assets.blueprints.main.views import bp as main_bp
from assets.blueprints.people.views import bp as people_bp
from assets.blueprints.register.views import bp as register_bp
from assets.blueprints.scan.views import bp as scan_bp
from assets.blueprints.spreadsheets.views import bp as spreadsheets_bp
from assets.blueprints.stocktakes.views import bp as stocktakes_bp
from assets.blueprints.terms.views import bp as terms_bp


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
        incidents_bp,
        loans_bp,
        terms_bp,
        leavers_bp,
        spreadsheets_bp,
    ):
        app.register_blueprint(blueprint)
    menu.init_app(app)
