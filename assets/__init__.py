"""School equipment loans and asset register."""

from pathlib import Path

from flask import Flask

from assets import cli, database, errors, filters, security
from assets.blueprints import register_blueprints
from assets.extensions import csrf, db, mail, migrate
from assets.login import init_login
from config import CONFIGS, INSTANCE_DIR, development_secret_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | dict | None = None) -> Flask:
    """Build the app. `config` is a config name ("development", "testing", "production")
    or a dict of overrides on top of the testing config. Nothing here touches the database."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, config)

    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    init_login(app)
    security.init_app(app)
    filters.init_app(app)
    errors.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    return app


def load_config(app: Flask, config: str | dict | None) -> None:
    if isinstance(config, dict):
        app.config.from_object(CONFIGS["testing"])
        app.config.update(config)
    else:
        app.config.from_object(CONFIGS[config or "production"])
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError(
                "SECRET_KEY is not set. Set it to a long random value before starting the app "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        app.config["SECRET_KEY"] = development_secret_key(Path(app.instance_path))
