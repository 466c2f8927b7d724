"""Flask commands. They call the same services as the web pages."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from assets.extensions import db
from assets.services import accounts, demo, leaver_lists, loan_mail, mailer, reminders, terms
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
    if terms.ensure_seeded():
        click.echo("Loan terms and the staff declaration added from the policy.")
    if demo.load_demo():
        db.session.commit()
        click.echo("Demo school loaded.")
    else:
        db.session.commit()
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
    due, unreachable = reminders.due(kind, again_after=again_after)
    sent = failed = 0
    for reminder in due:
        send = (
            loan_mail.send_signature_reminder
            if kind == "signature"
            else loan_mail.send_overdue_reminder
        )
        try:
            send(reminder.person, reminder.loans)
        except mailer.MailError as error:
            failed += 1
            click.echo(f"Not sent to {reminder.person.email}: {error}", err=True)
            continue
        reminders.mark_sent(kind, reminder)
        db.session.commit()
        sent += 1
        tags = ", ".join(loan.asset.tag for loan in reminder.loans)
        click.echo(f"Reminded {reminder.person.name} <{reminder.person.email}>: {tags}")
    for person in unreachable:
        click.echo(f"{person.name} has no email address: remind them in person.", err=True)
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
    rows = leaver_lists.reminder_rows(days)
    if not rows:
        click.echo(f"No leavers in the next {days} days and none overdue: nothing sent.")
        return
    try:
        recipients = leaver_lists.send_reminder(rows, days)
    except mailer.MailError as error:
        raise click.ClickException(f"The reminder was not sent: {error}.") from error
    for row in rows:
        click.echo(f"{row.person.name}: {row.when.lower()}, {row.progress.lower()}")
    click.echo(
        f"Reminded {', '.join(recipients)} about {len(rows)} leaver{'' if len(rows) == 1 else 's'}."
    )


@click.command("seed-terms")
@with_appcontext
def seed_terms() -> None:
    """Add the policy's loan terms and staff declaration where no version exists yet."""
    added = terms.ensure_seeded()
    db.session.commit()
    for version in added:
        click.echo(f"Added {version.kind_label}, version 1.")
    if not added:
        click.echo("Every text already has a version: nothing added.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo_data)
    app.cli.add_command(remind_signatures)
    app.cli.add_command(remind_overdue)
    app.cli.add_command(remind_leavers)
    app.cli.add_command(seed_terms)
