"""`flask daily`: the day's jobs (assets.services.operations.daily), for cron or a systemd
timer."""

import click
from flask.cli import with_appcontext

from assets.services.operations import daily


@click.command("daily")
@click.option(
    "--force",
    is_flag=True,
    help="Run again the jobs already done today (never one that is running now).",
)
@with_appcontext
def daily_command(force: bool) -> None:
    """Run everything that must happen each day: reminders, clearing stale uploads, old
    sign-in records. A job done today is skipped; one that failed runs again. Exits 1 when
    any job failed."""
    results = daily.run(force=force)
    for result in results:
        failed = result.outcome == "failed"
        click.echo(
            f"{result.job.label}: {'FAILED: ' if failed else ''}{result.summary}", err=failed
        )
        for detail in result.details:
            click.echo(f"  {detail}", err=failed)
        if result.warning:
            click.echo(f"  Warning: {result.warning}", err=True)
    failures = [result.job.label for result in results if result.outcome == "failed"]
    if failures:
        count = f"{len(failures)} daily job{'' if len(failures) == 1 else 's'}"
        raise click.ClickException(f"{count} failed: {', '.join(failures)}.")
