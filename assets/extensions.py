"""Flask extensions, created unbound; `create_app` binds them, all but Flask-Migrate: it
imports alembic (~9 MiB in every process), which only migrating needs, so it is bound to an app
by `init_migrate` when `flask db` runs (assets/cli_migrations.py) or a test migrates."""

from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to `app`, once: `app.extensions["migrate"]`, which its commands, its
    upgrade() and downgrade(), and migrations/env.py read."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS))
