"""flask import: the import preview and apply of the web pages, from the command line.

The report prints everything the preview page shows before anyone applies (the questions
it asks, the warnings, the holders not on the staff list), and every question the page asks
has an option here, so `--apply` never does something the person has not seen.
"""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from assets.database import commit_or_rollback
from assets.services.common.errors import DomainError
from assets.services.spreadsheets import imports

import_group = AppGroup(
    "import", help="Import the asset register or the staff list (.xlsx, .csv, .txt, .tsv)."
)

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
SHEET = click.option(
    "--sheet",
    help="The workbook's sheet to read (the one with the register's headings when not given).",
)
HEADER_ROW = click.option(
    "--header-row",
    type=click.IntRange(min=1),
    help="The row holding the column headings (found from the headings when not given).",
)
DATES = click.option(
    "--dates",
    "date_order",
    type=click.Choice(["day-first", "month-first"]),
    help="How text dates such as 3/1/23 are written (judged from the file when not given).",
)


def _status_answer(_context, _param, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    answers = []
    for value in values:
        label, equals, choice = value.rpartition("=")
        if not equals or not label.strip():
            raise click.BadParameter(f"'{value}' is not LABEL=CHOICE, such as 'Broken=in_repair'.")
        if choice not in imports.Preview.status_choices:
            listed = ", ".join(imports.Preview.status_choices)
            raise click.BadParameter(f"'{choice}' is not one of: {listed}.")
        answers.append((label, choice))
    return tuple(answers)


STATUS = click.option(
    "--status",
    "statuses",
    multiple=True,
    callback=_status_answer,
    metavar="LABEL=CHOICE",
    help="What a status label of the file becomes for new assets, such as "
    "'Out for Repair (undeployable)=in_repair'; repeat for each label. CHOICE is one of: "
    + ", ".join(imports.Preview.status_choices)
    + ".",
)


@import_group.command("assets")
@click.argument("file", type=FILE)
@APPLY
@click.option("--create-categories", is_flag=True, help="Add categories not in the register.")
@click.option("--create-locations", is_flag=True, help="Add locations not in the register.")
@SHEET
@HEADER_ROW
@DATES
@STATUS
def import_assets(file: Path, write: bool, create_categories: bool, create_locations: bool,
                  sheet: str | None, header_row: int | None, date_order: str | None,
                  statuses: tuple[tuple[str, str], ...]):  # fmt: skip
    """Check FILE against the asset register, and with --apply import it."""
    choices = imports.Choices(
        None,
        create_categories,
        create_locations,
        statuses=statuses or None,
        sheet=sheet,
        header_row=header_row,
        date_order=date_order,
    )
    _import("assets", file, write, choices)


@import_group.command("people")
@click.argument("file", type=FILE)
@APPLY
@SHEET
@HEADER_ROW
@DATES
def import_people(
    file: Path, write: bool, sheet: str | None, header_row: int | None, date_order: str | None
):
    """Check FILE against the staff list, and with --apply import it."""
    choices = imports.Choices(sheet=sheet, header_row=header_row, date_order=date_order)
    _import("people", file, write, choices)


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
            result = commit_or_rollback(
                lambda: imports.import_file(
                    None,
                    kind,
                    path.name,
                    data,
                    choices,
                    write=True,
                    fingerprint=preview.fingerprint,
                    progress=bar.update,
                )
            )
    except DomainError as error:
        raise click.ClickException(error.message) from error
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
    _report_questions(preview)
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
        if plural == "holders":
            continue
        listed = ", ".join(f"{name} ({count})" for name, count in counted.most_common(20))
        click.echo(f"Not in the register ({plural}): {listed}")
    _report_statuses(preview)
    _report_holders(preview)
    _listed(f"Problems ({s.error_count})", s.errors, s.error_count)
    warnings = [
        f"row {number}{f' ({label})' if label else ''}, {column}: {message}"
        for number, label, column, message in s.warnings
    ]
    _listed(f"Check before applying ({s.warning_count})", warnings, s.warning_count)
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


def _report_questions(preview: imports.Preview) -> None:
    """Which sheet and row held the headings and how dates are read, as the page's questions
    ask."""
    if len(preview.sheets) > 1:
        others = ", ".join(f"'{name}'" for name in preview.sheets if name != preview.sheet)
        click.echo(f"Read the sheet '{preview.sheet}'; the workbook also has {others} "
                   "(choose with --sheet).")  # fmt: skip
    header = f"Column headings read from row {preview.header_row}"
    if not preview.header_sure and preview.choices.header_row is None:
        header += " (not sure: choose the row with --header-row)"
    click.echo(header + ".")
    dates = preview.dates
    if dates.asked or preview.choices.date_order:
        how = dates.order.replace("-", " ")
        why = (
            f"{dates.month_first} can only be month first"
            if dates.month_first
            else f"{dates.either} reads both ways"
        )
        click.echo(
            f"Dates in {', '.join(dates.columns)} are read {how} ({why}); "
            "choose with --dates day-first or --dates month-first."
        )


def _report_statuses(preview: imports.Preview) -> None:
    """What each status label of the new assets becomes, as the page's Statuses question."""
    if not preview.statuses:
        return
    click.echo("Statuses of the new assets (choose with --status 'LABEL=CHOICE'):")
    for question in preview.statuses:
        rows = f"{question.rows} row{'' if question.rows == 1 else 's'}"
        becomes = (
            "not recognised: choose what it becomes"
            if question.needs_choice
            else preview.status_choices[question.chosen]
        )
        click.echo(f"  {question.label} ({rows}) -> {becomes}")


def _report_holders(preview: imports.Preview) -> None:
    counted = preview.missing.get("holders")
    if not counted:
        return
    click.echo(
        "Holders not on the staff list (their items are imported as available, without a "
        "loan; add them to the staff list and check again to lend the items to them):"
    )
    for name, count in counted.most_common(REPORT_ROWS):
        click.echo(f"  {name} ({count} item{'' if count == 1 else 's'})")
    if len(counted) > REPORT_ROWS:
        click.echo(f"  ... and {len(counted) - REPORT_ROWS} more")


def _listed(title: str, lines: list[str], total: int) -> None:
    if not total:
        return
    click.echo(title + ":")
    for line in lines[:REPORT_ROWS]:
        click.echo(f"  {line}")
    if total > min(len(lines), REPORT_ROWS):
        click.echo(f"  ... and {total - min(len(lines), REPORT_ROWS)} more")
