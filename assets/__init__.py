"""School equipment loans and asset register."""

from pathlib import Path

from flask import Flask

from assets import (
    cli,
    database,
    errors,
    filters,
    permissions,
    proxies,
    request_log,
    security,
    static_files,
)
from assets.blueprints import register_blueprints
from assets.extensions import csrf, mail
from assets.login import init_login
from assets.sso import init_sso
from config import CONFIGS, INSTANCE_DIR, development_secret_key, production_problems

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
    proxies.init_app(app)
    request_log.init_app(app)

    database.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    init_login(app)
    init_sso(app)
    security.init_app(app)
    static_files.init_app(app)
    filters.init_app(app)
    permissions.init_app(app)
    errors.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    return app


def load_config(app: Flask, config: str | dict | None) -> None:
    """Load the named config (or overrides on the testing one); the production config refuses
    to start with debug mode on or a weak SECRET_KEY (config.production_problems)."""
    if isinstance(config, dict):
        app.config.from_object(CONFIGS["testing"])
        app.config.update(config)
    else:
        app.config.from_object(CONFIGS[config or "production"])
    if app.config["ENV_NAME"] == "production":
        problems = production_problems(app.config)
        if problems:
            advice = (
                " Set SECRET_KEY to a long random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
                if any("SECRET_KEY" in problem for problem in problems)
                else ""
            )
            raise RuntimeError(
                "The app will not start in production: " + "; ".join(problems) + "." + advice
            )
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = development_secret_key(Path(app.instance_path))
