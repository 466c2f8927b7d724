"""Flask commands. They call the same services as the web pages."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from assets.extensions import db
from assets.services import accounts, demo
from assets.services.errors import DomainError


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "technician", "office", "staff"])
)
@click.option("--password", help="Asked for when not given. " + accounts.PASSWORD_RULE + ".")
@with_appcontext
def create_user(email: str, name: str, role: str, password: str | None) -> None:
    """Create a login for EMAIL."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            None, email=email, name=name, role=role, password=password, must_change=False
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role} login {user.email}.")


@click.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Load the demo school into an empty database, and print the demo logins."""
    if demo.load_demo():
        db.session.commit()
        click.echo("Demo school loaded.")
    else:
        click.echo("The database already has users: demo data left as it is.")
    click.echo(f"\nOpen {current_app.config['BASE_URL']}/ and log in as:")
    for role, email, _name, password in demo.DEMO_LOGINS:
        click.echo(f"  {role:<11} {email:<22} password {password}")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo_data)
