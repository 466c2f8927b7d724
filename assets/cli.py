"""Flask commands. They call the same services as the web pages."""

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from assets.extensions import db
from assets.models import STATUSES
from assets.services import accounts, demo, exports, imports, register
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


# ---- spreadsheets ----------------------------------------------------------------------------

import_group = AppGroup("import", help="Import the asset register or the staff list (.xlsx, .csv).")
export_group = AppGroup("export", help="Export the asset register or the staff list to .xlsx.")
# Rows of each kind the report lists; the rest are counted.
REPORT_ROWS = 50

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
APPLY = click.option(
    "--apply",
    "write",
    is_flag=True,
    help="Save the changes: every row, or none if any row has a problem. "
    "Without it the file is only checked and nothing is saved.",
)


@import_group.command("assets")
@click.argument("file", type=FILE)
@APPLY
@click.option("--create-categories", is_flag=True, help="Add categories not in the register.")
@click.option("--create-locations", is_flag=True, help="Add locations not in the register.")
def import_assets(file: Path, write: bool, create_categories: bool, create_locations: bool):
    """Check FILE against the asset register, and with --apply import it."""
    _import("assets", file, write, imports.Choices(None, create_categories, create_locations))


@import_group.command("people")
@click.argument("file", type=FILE)
@APPLY
def import_people(file: Path, write: bool):
    """Check FILE against the staff list, and with --apply import it."""
    _import("people", file, write, imports.Choices())


def _import(kind: str, path: Path, write: bool, choices: imports.Choices) -> None:
    data = path.read_bytes()
    try:
        # The number of rows is known once the file is read, so the first bar counts them.
        with click.progressbar(
            (n for n in ()),
            label="Checking rows",
            show_pos=True,
            file=sys.stderr,
        ) as bar:
            preview = imports.import_file(
                None, kind, path.name, data, choices, write=False, progress=bar.update
            )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    _report(preview)
    if not write:
        if preview.can_apply:
            click.echo("Nothing was saved. Run again with --apply to import the file.")
        _exit_unless_clean(preview)
        return
    _exit_unless_clean(preview)
    if not preview.can_apply:
        click.echo("Nothing to import: the file matches the register.")
        return
    try:
        with click.progressbar(
            length=preview.summary.rows, label="Importing", file=sys.stderr
        ) as bar:
            result = imports.import_file(
                None,
                kind,
                path.name,
                data,
                choices,
                write=True,
                fingerprint=preview.fingerprint,
                progress=bar.update,
            )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    counts = result.summary.counts
    click.echo(
        f"Imported: {counts['create']} added, {counts['update']} updated, "
        f"{counts['unchanged']} unchanged."
    )


def _exit_unless_clean(preview: imports.Preview) -> None:
    if preview.problem or preview.summary.counts["error"]:
        raise click.ClickException("Nothing was saved: correct the problems above first.")


def _report(preview: imports.Preview) -> None:
    """The preview, as the web page shows it."""
    s, counts = preview.summary, preview.summary.counts
    click.echo(f"{preview.kind.title} from {preview.filename}: {s.rows} rows")
    click.echo(
        f"  {counts['create']} to add, {counts['update']} to update, "
        f"{counts['unchanged']} unchanged, {counts['error']} with problems"
    )
    click.echo("Columns:")
    for column in preview.columns:
        field = preview.kind.fields_by_name.get(column.field)
        goes = (
            field.label if field else f"not imported: {column.note}" if column.note else "ignored"
        )
        click.echo(f"  {column.letter:>3} {column.title:<30} -> {goes}")
    if preview.problem:
        click.echo(f"Problem: {preview.problem}")
    for plural, names in preview.new_names.items():
        if names:
            click.echo(f"New {plural} to add: {', '.join(names)}")
    for plural, counted in preview.missing.items():
        listed = ", ".join(f"{name} ({count})" for name, count in counted.most_common(20))
        click.echo(f"Not in the register ({plural}): {listed}")
    _listed(f"Problems ({s.error_count})", s.errors, s.error_count)
    updates = [
        f"row {r.number}  {r.label}  "
        + "; ".join(
            f"{label}: {old or '(empty)'} -> {new or '(empty)'}"
            for label, (old, new) in r.changes.items()
        )
        for r in s.shown["update"]
    ]
    _listed(f"To update ({counts['update']})", updates, counts["update"])
    creates = [f"row {r.number}  {r.label}  {r.detail}" for r in s.shown["create"]]
    _listed(f"To add ({counts['create']})", creates, counts["create"])


def _listed(title: str, lines: list[str], total: int) -> None:
    if not total:
        return
    click.echo(title + ":")
    for line in lines[:REPORT_ROWS]:
        click.echo(f"  {line}")
    if total > min(len(lines), REPORT_ROWS):
        click.echo(f"  ... and {total - min(len(lines), REPORT_ROWS)} more")


@export_group.command("assets")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--search", default="", help="As the search box of the asset list.")
@click.option("--status", type=click.Choice(STATUSES), help="Only assets with this status.")
def export_assets(file: Path, search: str, status: str | None):
    """Write the asset register to FILE (.xlsx), with holders and due dates."""
    filters = register.AssetFilter(q=search, status=status)
    file.write_bytes(exports.asset_register(filters))
    click.echo(f"Wrote {register.asset_count(filters)} assets to {file}.")


@export_group.command("people")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--search", default="", help="As the search box of the staff list.")
@click.option("--all", "everyone", is_flag=True, help="Include people who have left.")
def export_people(file: Path, search: str, everyone: bool):
    """Write the staff list to FILE (.xlsx)."""
    file.write_bytes(exports.staff_list(search, include_inactive=everyone))
    click.echo(f"Wrote the staff list to {file}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo_data)
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
