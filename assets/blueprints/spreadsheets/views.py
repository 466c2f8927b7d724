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
    choices = imports.choices_from(request.form if form.validate_on_submit() else {})
    return _preview_page(pending, choices, form)


def _preview_page(pending, choices: imports.Choices, form: ChoicesForm):
    if pending.is_applied:
        return redirect(url_for("spreadsheets.show_import", import_id=pending.id))
    try:
        preview = imports.preview(pending, choices)
    except DomainError as error:
        if isinstance(error, imports.UnusableUpload) or choices == imports.Choices():
            flash(error.message, "danger")
            return redirect(url_for("spreadsheets.upload_file"))
        # A choice the service refused (forged, or made for another file): say why, and show
        # what the file does as read automatically.
        form.form_errors.append(error.message)
        return _preview_page(pending, imports.Choices(), form)
    return render_template(
        "spreadsheets/preview.html",
        pending=pending,
        preview=preview,
        form=form,
        choice_args=imports.choice_args(preview.choices),
    )


@bp.post("/imports/<int:import_id>/apply")
@requires("can_import")
def apply_import(import_id: int):
    pending = _pending_or_404(import_id)
    form = ChoicesForm()
    if not form.validate_on_submit():
        abort(400)
    choices = imports.choices_from(request.form)
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
        export = import_files.import_errors(pending, imports.choices_from(request.args))
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
