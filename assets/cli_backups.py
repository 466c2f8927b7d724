"""flask backup and flask restore: a consistent backup while the app serves, and a restore
that checks a backup to the side before it replaces the live database.

Both exit non-zero with a message on any failure or refusal, so cron mails someone."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from assets.extensions import db
from assets.models.base import utcnow
from assets.services.operations import backups, restores


@click.command("backup")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    help="How many of the newest backups to keep in DIR (BACKUP_KEEP when not given); "
    "older ones are removed. Other files are never touched.",
)
@with_appcontext
def backup(directory: Path | None, keep: int | None) -> None:
    """Back up the database into DIR (BACKUP_DIR when not given) while the app keeps serving."""
    directory = directory or (
        Path(current_app.config["BACKUP_DIR"]) if current_app.config.get("BACKUP_DIR") else None
    )
    if directory is None:
        raise click.ClickException(
            "Say where to write the backup: flask backup DIR, or set BACKUP_DIR."
        )
    keep = keep or current_app.config["BACKUP_KEEP"]
    try:
        result = backups.take_backup(directory, keep, now=utcnow())
    except backups.BackupError as error:
        raise click.ClickException(f"No backup was made. {error.message}") from error
    click.echo(
        f"Backed up the {backups.KIND_LABELS[result.kind]} database to {result.path} "
        f"({result.size_text}), checked."
    )
    for path in result.removed:
        click.echo(f"Removed the older backup {path.name} (keeping the newest {keep}).")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Only restore FILE to the side and check it; change nothing."
)
@click.option("--yes", is_flag=True, help="Replace the live database without asking.")
@with_appcontext
def restore(file: Path, dry_run: bool, yes: bool) -> None:
    """Replace the live database with the backup FILE, once it has been restored to the side
    and checked; the replaced database is kept aside. Stop the app servers first: anything
    they write while the restore runs is lost."""

    def ask(_report) -> bool:
        return yes or click.confirm(
            f"Replace the live database with {file} (the current one is kept aside)?"
        )

    try:
        report = restores.restore_backup(
            file, dry_run=dry_run, now=utcnow(), say=click.echo, confirm=ask
        )
    except backups.LiveDatabaseLeftChanged as error:
        raise click.ClickException(error.message) from error
    except backups.BackupError as error:
        raise click.ClickException(
            f"Refused: {error.message} The live database was not changed."
        ) from error
    if not report.replaced:
        return
    click.echo(f"Restored {file} into the live database ({restores.counts_text(report.counts)}).")
    if report.kept_aside:
        click.echo(f"The database it replaced is kept as {report.kept_aside}.")
    db.session.remove()
    restores.record_restore(report, now=utcnow())
    db.session.commit()
    click.echo("Recorded in the audit trail: restored from the backup by the command line.")
