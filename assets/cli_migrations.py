"""`flask db`: Flask-Migrate's commands (upgrade, downgrade, migrate, ...), with Flask-Migrate
and alembic imported only when one of them runs, not by every process that builds the app."""

import click
from flask.cli import ScriptInfo

from assets.extensions import init_migrate


class MigrationCommands(click.Command):
    """Stands for Flask-Migrate's `db` group in `flask --help`; run, it hands its arguments
    to that group, bound to the app first (init_migrate)."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        from flask_migrate.cli import db as commands

        init_migrate(parent.ensure_object(ScriptInfo).load_app())
        return commands.make_context(info_name, args, parent=parent, **extra)


migration_commands = MigrationCommands("db", help="Perform database migrations.")
