"""Flask commands. They call the same services as the web pages."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from assets.cli_backups import backup, restore
from assets.cli_daily import daily_command
from assets.cli_imports import import_group
from assets.cli_migrations import migration_commands
from assets.database import commit_or_rollback
from assets.models import STATUSES
from assets.models.base import utcnow
from assets.services import demo
from assets.services.bookings import bookings, collections
from assets.services.common import mailer
from assets.services.common.errors import DomainError
from assets.services.incidents.incident_lists import IncidentFilter
from assets.services.leavers import leaver_lists
from assets.services.loans import loan_lists
from assets.services.operations import daily
from assets.services.people import login_admin, passwords, single_sign_on
from assets.services.register import register
from assets.services.spreadsheets.exports import leavers as leaver_exports
from assets.services.spreadsheets.exports import records
from assets.services.spreadsheets.exports import register as register_exports
from assets.services.terms import terms


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "technician", "office", "staff"])
)
@click.option("--password", help="Asked for when not given. " + passwords.PASSWORD_RULE + ".")
@with_appcontext
def create_user(email: str, name: str, role: str, password: str | None) -> None:
    """Create a login for EMAIL."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = commit_or_rollback(
            lambda: login_admin.create_user(
                None, email=email, name=name, role=role, password=password, must_change=False
            )
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} login {user.email}.")


@click.command("unlink-sign-in")
@click.argument("email")
@click.option("--provider", type=click.Choice(["microsoft", "google"]), help="Only this one.")
@with_appcontext
def unlink_sign_in(email: str, provider: str | None) -> None:
    """Unlink EMAIL's login from its Microsoft 365 or Google accounts (a new account for the
    same person, say): its next sign-in with the school account links afresh by email."""
    try:
        count = commit_or_rollback(lambda: single_sign_on.unlink(None, email, provider))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Removed {count} link{'' if count == 1 else 's'} of {email}.")


@click.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Load the demo school into an empty database, and print the demo logins."""
    seeded, loaded = commit_or_rollback(lambda: (terms.ensure_seeded(), demo.load_demo()))
    if seeded:
        click.echo("Loan terms and the staff declaration added from the policy.")
    if loaded:
        click.echo("Demo school loaded.")
    else:
        click.echo("The database already has users: demo data left as it is.")
    click.echo(f"\nOpen {current_app.config['BASE_URL']}/ and log in as:")
    for role, email, _name, password in demo.DEMO_LOGINS:
        click.echo(f"  {role:<11} {email:<22} password {password}")


AGAIN_AFTER = click.option(
    "--again-after",
    default=3,
    show_default=True,
    type=click.IntRange(min=0),
    help="Days before the same loan is reminded again.",
)


def _remind(kind: str, again_after: int) -> None:
    if not mailer.configured():
        raise click.ClickException("MAIL_SERVER is not set, so no reminder can be emailed.")
    done = daily.remind_borrowers(kind, again_after=again_after, now=utcnow())
    for line in done.sent_lines():
        click.echo(line)
    for line in done.problem_lines():
        click.echo(line, err=True)
    sent, failed = len(done.sent), len(done.not_sent)
    click.echo(f"{sent} reminder{'' if sent == 1 else 's'} sent.")
    if failed:
        raise click.ClickException(f"{failed} reminder{'' if failed == 1 else 's'} not sent.")


@click.command("remind-signatures")
@AGAIN_AFTER
@with_appcontext
def remind_signatures(again_after: int) -> None:
    """Email each borrower who holds items still awaiting their signature."""
    _remind("signature", again_after)


@click.command("remind-overdue")
@AGAIN_AFTER
@with_appcontext
def remind_overdue(again_after: int) -> None:
    """Email each borrower who holds items past their due date."""
    _remind("overdue", again_after)


@click.command("remind-leavers")
@click.option(
    "--days",
    default=leaver_lists.REMINDER_DAYS,
    show_default=True,
    type=click.IntRange(min=1, max=leaver_lists.MAX_DAYS),
    help="Remind about contracts ending within this many days.",
)
@with_appcontext
def remind_leavers(days: int) -> None:
    """Email the technicians about leavers in the next DAYS days, and overdue ones."""
    if not mailer.configured():
        raise click.ClickException("MAIL_SERVER is not set, so no reminder can be emailed.")
    try:
        rows, recipients = daily.remind_technicians(days, utcnow())
    except mailer.MailError as error:
        raise click.ClickException(f"The reminder was not sent: {error}.") from error
    if not rows:
        click.echo(f"No leavers in the next {days} days and none overdue: nothing sent.")
        return
    for line in daily.leaver_lines(rows):
        click.echo(line)
    click.echo(
        f"Reminded {', '.join(recipients)} about {len(rows)} leaver{'' if len(rows) == 1 else 's'}."
    )


@click.command("seed-terms")
@with_appcontext
def seed_terms() -> None:
    """Add the policy's loan terms and staff declaration where no version exists yet."""
    added = commit_or_rollback(terms.ensure_seeded)
    for version in added:
        click.echo(f"Added {version.kind_label}, version 1.")
    if not added:
        click.echo("Every text already has a version: nothing added.")


# ---- spreadsheets ----------------------------------------------------------------------------

export_group = AppGroup(
    "export", help="Export the register, staff, loans, reports, leavers or declarations to .xlsx."
)


@export_group.command("assets")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--search", default="", help="As the search box of the asset list.")
@click.option("--status", type=click.Choice(STATUSES), help="Only assets with this status.")
def export_assets(file: Path, search: str, status: str | None):
    """Write the asset register to FILE (.xlsx), with holders and due dates."""
    filters = register.AssetFilter(q=search, status=status)
    file.write_bytes(register_exports.asset_register(filters).content)
    click.echo(f"Wrote {register.asset_count(filters)} assets to {file}.")


@export_group.command("people")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--search", default="", help="As the search box of the staff list.")
@click.option("--all", "everyone", is_flag=True, help="Include people who have left.")
def export_people(file: Path, search: str, everyone: bool):
    """Write the staff list to FILE (.xlsx)."""
    file.write_bytes(register_exports.staff_list(search, include_inactive=everyone).content)
    click.echo(f"Wrote the staff list to {file}.")


@export_group.command("loans")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--view",
    type=click.Choice(list(loan_lists.VIEWS)),
    default="open",
    show_default=True,
    help="As the tabs of the loans page; history includes returned loans.",
)
@click.option("--search", default="", help="Tag, item or borrower.")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="Handed over from.")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Handed over until.")
def export_loans(file: Path, view: str, search: str, since, until):
    """Write loans (current, overdue, awaiting signature or the history) to FILE (.xlsx)."""
    filters = loan_lists.LoanFilter(
        view=view,
        q=search,
        since=since.date() if since else None,
        until=until.date() if until else None,
    )
    file.write_bytes(records.loans(filters).content)
    click.echo(f"Wrote {records.loans_subject(filters).lower()} to {file}.")


@export_group.command("reports")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--state", type=click.Choice(["open", "closed", "all"]), default="all", show_default=True
)
def export_reports(file: Path, state: str):
    """Write the loss, damage and theft reports to FILE (.xlsx)."""
    file.write_bytes(records.incident_reports(None, IncidentFilter(state=state)).content)
    click.echo(f"Wrote the reports to {file}.")


@export_group.command("leavers")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--days", type=int, default=leaver_lists.DEFAULT_DAYS, show_default=True)
def export_leavers(file: Path, days: int):
    """Write the leavers due within DAYS and every leaver's checklist to FILE (.xlsx)."""
    file.write_bytes(leaver_exports.leavers_report(days).content)
    click.echo(f"Wrote the leavers and their checklists to {file}.")


@export_group.command("declarations")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unsigned", is_flag=True, help="Only staff who have not signed yet.")
def export_declarations(file: Path, unsigned: bool):
    """Write the staff declaration register to FILE (.xlsx)."""
    file.write_bytes(records.declaration_register(unsigned).content)
    click.echo(f"Wrote the declaration register to {file}.")


@click.command("release-bookings")
@click.option(
    "--after",
    type=click.IntRange(min=0),
    help="Minutes after a booking's start (default BOOKING_RELEASE_MINUTES, 30).",
)
@with_appcontext
def release_bookings(after: int | None) -> None:
    """Release the approved bookings nobody collected in time, and email their bookers. For
    cron every 5 minutes; not part of `flask daily`."""
    minutes = after if after is not None else current_app.config["BOOKING_RELEASE_MINUTES"]
    done = commit_or_rollback(lambda: collections.release_uncollected(utcnow(), minutes))
    for booking in done.bookings:
        click.echo(f"Released {bookings.item_tag(booking)} for {booking.person.name}.")
    for booking, error in done.not_told:
        what = bookings.item_tag(booking)
        click.echo(f"{booking.person.name} not told of {what}: {error}", err=True)
    count = len(done.bookings)
    click.echo(f"{count} booking{'' if count == 1 else 's'} released.")
    if done.not_told:
        raise click.ClickException(f"{len(done.not_told)} booker(s) could not be emailed.")


def init_app(app: Flask) -> None:
    app.cli.add_command(release_bookings)
    app.cli.add_command(create_user)
    app.cli.add_command(unlink_sign_in)
    app.cli.add_command(demo_data)
    app.cli.add_command(remind_signatures)
    app.cli.add_command(remind_overdue)
    app.cli.add_command(remind_leavers)
    app.cli.add_command(seed_terms)
    app.cli.add_command(daily_command)
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(migration_commands)
