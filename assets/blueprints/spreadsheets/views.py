"""Import the register and the staff list from spreadsheets (upload, preview, apply), and
export them, filtered as on their list pages."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.downloads import send_export
from assets.blueprints.forms import commit_or_report
from assets.blueprints.incidents.views import incident_filter
from assets.blueprints.loans.views import loan_filter
from assets.blueprints.register.views import asset_filter
from assets.blueprints.spreadsheets.forms import ChoicesForm, UploadForm
from assets.security import whole_number
from assets.services.common.errors import DomainError
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.exports import imports as import_files
from assets.services.spreadsheets.exports import leavers, records, register

bp = Blueprint("spreadsheets", __name__)
bp.menu_section = "import"


def _pending_or_404(import_id: int):
    pending = imports.pending_import(current_user, import_id)
    if pending is None:
        abort(404)
    return pending


def _choices(values) -> imports.Choices:
    """The column choices and ticks from the preview's form (or the error link's query).

    The columns' choices were made for the header row the page showed (`columns_row`); with
    another header row chosen they no longer fit, and the new headings are matched afresh."""
    header_row = whole_number(values.get("header_row"))
    mapping = []
    while f"column-{len(mapping)}" in values:
        mapping.append(values[f"column-{len(mapping)}"])
    statuses = []
    while f"status-label-{len(statuses)}" in values:
        index = len(statuses)
        statuses.append((values[f"status-label-{index}"], values.get(f"status-{index}", "")))
    sheet = values.get("sheet") or None
    if "sheet_read" in values and sheet != values["sheet_read"]:
        # Another sheet: its header row is found and its columns matched afresh.
        mapping, header_row = [], None
    if header_row is not None and str(header_row) != values.get("columns_row", str(header_row)):
        mapping = []
    return imports.Choices(
        mapping=tuple(mapping) if mapping else None,
        create_categories=values.get("create_categories") == "1",
        create_locations=values.get("create_locations") == "1",
        statuses=tuple(statuses) if statuses else None,
        sheet=sheet,
        header_row=header_row,
        date_order=values.get("date_order") or None,
    )


# ---- import ---------------------------------------------------------------------------------


@bp.route("/imports", methods=["GET", "POST"])
@requires("can_import")
def upload_file():
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        saved, pending = commit_or_report(
            lambda: imports.stage(current_user, form.kind.data, upload.filename, upload.read()),
            form,
        )
        if saved:
            return redirect(url_for("spreadsheets.show_import", import_id=pending.id))
    return render_template(
        "spreadsheets/upload.html",
        form=form,
        recent=imports.recent_imports(current_user),
        is_expired=imports.is_expired,
    )


@bp.route("/imports/<int:import_id>", methods=["GET", "POST"])
@requires("can_import")
def show_import(import_id: int):
    pending = _pending_or_404(import_id)
    if pending.is_applied:
        return render_template(
            "spreadsheets/applied.html", pending=pending, event=imports.applied_event(pending.id)
        )
    form = ChoicesForm()
    choices = _choices(request.form) if form.validate_on_submit() else imports.Choices()
    return _preview_page(pending, choices, form)


def _preview_page(pending, choices: imports.Choices, form: ChoicesForm):
    if pending.is_applied:
        return redirect(url_for("spreadsheets.show_import", import_id=pending.id))
    try:
        preview = imports.preview(pending, choices)
    except DomainError as error:
        if choices.mapping is None and choices.sheet is None:  # the upload cannot be used
            flash(error.message, "danger")
            return redirect(url_for("spreadsheets.upload_file"))
        # A hand-made column choice the service refused: say why, show the automatic one.
        form.form_errors.append(error.message)
        return _preview_page(pending, imports.Choices(), form)
    return render_template(
        "spreadsheets/preview.html",
        pending=pending,
        preview=preview,
        form=form,
        choice_args=_choice_args(preview.choices),
    )


def _choice_args(choices: imports.Choices) -> dict[str, str]:
    """The choices as the query string of the rows-with-problems download."""
    args = {f"column-{index}": name for index, name in enumerate(choices.mapping or ())}
    if choices.create_categories:
        args["create_categories"] = "1"
    if choices.create_locations:
        args["create_locations"] = "1"
    for index, (label, status) in enumerate(choices.statuses or ()):
        args[f"status-label-{index}"] = label
        args[f"status-{index}"] = status
    if choices.sheet:
        args["sheet"] = choices.sheet
    if choices.header_row is not None:
        args["header_row"] = str(choices.header_row)
    if choices.date_order is not None:
        args["date_order"] = choices.date_order
    return args


@bp.post("/imports/<int:import_id>/apply")
@requires("can_import")
def apply_import(import_id: int):
    pending = _pending_or_404(import_id)
    form = ChoicesForm()
    if not form.validate_on_submit():
        abort(400)
    choices = _choices(request.form)
    fingerprint = request.form.get("fingerprint", "")
    applied, result = commit_or_report(
        lambda: imports.apply(current_user, pending, choices, fingerprint)
    )
    if not applied:
        return _preview_page(pending, choices, ChoicesForm(formdata=None))
    counts = result.summary.counts
    flash(
        f"Imported: {counts['create']} added, {counts['update']} updated, "
        f"{counts['unchanged']} unchanged.",
        "success",
    )
    return redirect(url_for("spreadsheets.show_import", import_id=import_id))


@bp.get("/imports/<int:import_id>/errors.xlsx")
@requires("can_import")
def download_errors(import_id: int):
    pending = _pending_or_404(import_id)
    try:
        export = import_files.import_errors(pending, _choices(request.args))
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("spreadsheets.show_import", import_id=import_id))
    return send_export(export)


@bp.get("/imports/template/<subject>.xlsx")
@requires("can_import")
def download_template(subject: str):
    if subject not in imports.KINDS:
        abort(404)
    return send_export(import_files.import_template(subject))


@bp.get("/imports/<int:import_id>/audit.xlsx")
@requires("can_export")
def export_import_audit(import_id: int):
    event = imports.applied_event(import_id)
    if event is None:
        abort(404)
    return send_export(import_files.import_audit(event))


# ---- export ---------------------------------------------------------------------------------


@bp.get("/export/assets.xlsx")
@requires("can_export")
def export_assets():
    return send_export(register.asset_register(asset_filter(request.args)))


@bp.get("/export/people.xlsx")
@requires("can_export")
def export_people():
    q = request.args.get("q", "")[:100]
    return send_export(register.staff_list(q, include_inactive=request.args.get("all") == "1"))


@bp.get("/export/loans.xlsx")
@requires("can_export")
def export_loans():
    return send_export(records.loans(loan_filter(request.args)))


@bp.get("/export/incidents.xlsx")
@requires("can_export")
def export_incidents():
    return send_export(records.incident_reports(current_user, incident_filter(request.args)))


@bp.get("/export/leavers.xlsx")
@requires("can_export")
def export_leavers():
    return send_export(leavers.leavers_report(whole_number(request.args.get("days"))))


@bp.get("/export/declarations.xlsx")
@requires("can_see_declarations")
def export_declarations():
    return send_export(records.declaration_register(request.args.get("show") == "unsigned"))
