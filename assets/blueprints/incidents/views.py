"""Loss, damage and theft reports: file one, list them, follow a case to its outcome."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.incidents.forms import (
    ChargeForm,
    IncidentForm,
    PhotosForm,
    PoliceForm,
    RepairForm,
    SettleForm,
    StaffIncidentForm,
    StatusForm,
    chosen_loan,
)
from assets.blueprints.listing import link_args, paginate_found
from assets.extensions import db
from assets.models import Incident, Loan
from assets.models.incident import INCIDENT_STATUS_LABELS, KIND_LABELS, KINDS
from assets.permissions import allows
from assets.security import whole_number
from assets.services.common.clock import date_text, local_date
from assets.services.incidents import cases, charges, incident_lists, incident_notices, incidents
from assets.services.loans import lending_holds
from assets.services.register import scanning

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
bp.menu_section = "incidents"

NOT_SENT = (
    "The report is saved, but the email to the head teacher and IT technician could not be "
    "sent: {error}. Press Retry sending, or tell them in person."
)
NOT_SENT_FOR_STAFF = (
    "Your report is saved; the IT desk could not be emailed. Press Retry sending, or tell the "
    "IT technician in person."
)


def _not_sent(incident: Incident) -> str:
    """The warning after a failed email: the technical cause only for those who can act on
    it."""
    if allows(current_user, "can_see_mail_errors"):
        return NOT_SENT.format(error=incident.notify_error)
    return NOT_SENT_FOR_STAFF


# Asset, person and home pages show incidents through these, so those pages need no change
# beyond including a partial from templates/incidents/.
@bp.app_template_global()
def incidents_about(asset=None, person=None):
    return incident_lists.reports_about(current_user, asset=asset, person=person)


@bp.app_template_global()
def open_incidents(limit: int = 10):
    return incident_lists.open_incidents(limit)


@bp.app_template_global()
def lending_hold(asset):
    """The open report or damaged return that keeps `asset` from being lent, or None."""
    return lending_holds.lending_hold(asset)


def _incident_or_404(incident_id: int) -> Incident:
    """The report, or 404 for one the user may not see: its existence is not disclosed."""
    incident = db.get_or_404(Incident, incident_id)
    if not incidents.may_see(current_user, incident):
        abort(404)
    return incident


def _uploads(field) -> list[tuple[str, bytes]]:
    """(filename, bytes) of each chosen file; the request size limit bounds the reading."""
    return [(upload.filename, upload.read()) for upload in field.data or () if upload.filename]


def _report_form():
    if allows(current_user, "can_handle_incidents"):
        return IncidentForm()
    form = StaffIncidentForm()
    form.tag.choices = [("", "— choose —")] + [
        (asset.tag, f"{asset.tag} {asset.name}")
        for asset in incidents.reportable_assets(current_user)
    ]
    return form


def _loan_label(loan: Loan) -> str:
    if loan.is_open:
        return (
            f"{loan.person.name}, who has it on loan (since {date_text(local_date(loan.out_at))})"
        )
    return (
        f"{loan.person.name}, who returned it on {date_text(local_date(loan.returned_at))}: "
        f"{loan.return_condition_label.lower()}"
    )


def _offer_loans(form, handed: int | None = None) -> None:
    """On the desk's form: the loans the typed item's report may concern, and nobody's.
    Opened from a return (`handed`, the loan just closed), that loan is chosen and its note
    fills "What happened?"; a loan that is not this item's is ignored."""
    field = getattr(form, "loan_id", None)
    if field is None:
        return
    asset = scanning.asset_for_tag(form.tag.data or "")
    offered = incidents.loans_to_offer(current_user, asset) if asset else []
    field.choices = [(str(loan.id), _loan_label(loan)) for loan in offered]
    if offered:
        field.choices.append((str(incidents.NO_LOAN), "Nobody: it was not on loan at the time"))
    if request.method != "GET":
        return
    chosen = next((loan for loan in offered if loan.id == handed), None)
    if chosen is not None:
        field.data = str(chosen.id)
        form.description.data = form.description.data or chosen.return_note
    elif asset is not None and asset.open_loan is not None:
        field.data = str(asset.open_loan.id)


def _notify(incident: Incident) -> None:
    """Email the desk after the report is committed, record how that went, and say so."""
    _, sent = commit_or_report(lambda: incident_notices.notify_handlers(current_user, incident))
    if sent:
        flash(
            f"Incident #{incident.id} filed. The head teacher and IT technician have been emailed.",
            "success",
        )
    else:
        flash(_not_sent(incident), "warning")


# The reports page's filters, as its query string names them.
INCIDENT_FILTER_FIELDS = ("state", "kind", "status", "q")


def incident_filter(args) -> incident_lists.IncidentFilter:
    """The reports page's filters from its query string; its export reads the same."""
    return incident_lists.IncidentFilter(
        state=args.get("state", "open"),
        kind=args.get("kind") or None,
        status=args.get("status") or None,
        q=args.get("q", "")[:100],
    )


@bp.get("")
@signed_in
def list_incidents():
    filters = incident_filter(request.args)
    page = paginate_found(
        incident_lists.incident_ids(current_user, filters),
        incident_lists.incidents_by_id,
        per_page=25,
    )
    return render_template(
        "incidents/list.html",
        page=page,
        filters=filters,
        query=link_args(request.args, INCIDENT_FILTER_FIELDS),
        kinds=KIND_LABELS,
        statuses=INCIDENT_STATUS_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@signed_in
def new_incident():
    form = _report_form()
    if request.method == "GET" and request.args.get("tag"):
        form.tag.data = request.args["tag"].strip()[:40]
    if request.method == "GET" and request.args.get("kind") in KINDS:
        form.kind.data = request.args["kind"]
    _offer_loans(form, whole_number(request.args.get("loan")))
    megabytes = current_app.config["MAX_CONTENT_LENGTH"] // 1_048_576
    form.photos.description = (
        f"JPEG or PNG: at most {incidents.MAX_PHOTOS} photos, {megabytes} MB in all."
    )
    if form.validate_on_submit():
        saved, incident = commit_or_report(
            lambda: incidents.report_incident(
                current_user,
                form.tag.data,
                form.kind.data,
                description=form.description.data,
                occurred_on=form.occurred_on.data,
                occurred_time=form.occurred_time.data,
                place=form.place.data or "",
                unsecured=form.unsecured.data,
                police_reference=form.police_reference.data,
                photos=_uploads(form.photos),
                loan_id=chosen_loan(form.loan_id.data) if form.loan_id else None,
            ),
            form,
        )
        if saved:
            _notify(incident)
            return redirect(url_for("incidents.show_incident", incident_id=incident.id))
    return render_template("incidents/new.html", form=form)


def _show(incident: Incident, **forms):
    """The report page, with any form given in `forms` shown as submitted (with its errors)."""
    status_form = forms.get("status_form") or StatusForm(formdata=None)
    status_form.status.choices = [
        (status, INCIDENT_STATUS_LABELS[status]) for status in cases.next_statuses(incident)
    ]
    repair = incident.repair
    repair_form = forms.get("repair_form") or RepairForm(
        formdata=None,
        obj=repair,
        repair_notes=repair.notes if repair else "",
    )
    charge = incident.charge
    charge_form = forms.get("charge_form") or ChargeForm(
        formdata=None,
        applies="yes" if charge and charge.applies else "no",
        amount=charge.amount if charge else None,
        reason=charge.reason if charge else "",
    )
    return render_template(
        "incidents/show.html",
        incident=incident,
        history=incident_lists.history(incident),
        may_add=incidents.may_add_to(current_user, incident),
        status_form=status_form,
        police_form=forms.get("police_form") or PoliceForm(formdata=None),
        repair_form=repair_form,
        charge_form=charge_form,
        settle_form=forms.get("settle_form") or SettleForm(formdata=None),
        photos_form=forms.get("photos_form") or PhotosForm(formdata=None),
        confirm_form=ConfirmForm(),
    )


def _done(incident: Incident, message: str):
    flash(message, "success")
    return redirect(url_for("incidents.show_incident", incident_id=incident.id))


@bp.get("/<int:incident_id>")
@signed_in
def show_incident(incident_id: int):
    return _show(_incident_or_404(incident_id))


@bp.post("/<int:incident_id>/status")
@requires("can_handle_incidents")
def change_status(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = StatusForm()
    form.status.choices = [(s, s) for s in cases.next_statuses(incident)]
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: cases.change_status(
                current_user, incident, form.status.data, form.status_note.data or ""
            ),
            form,
        )
        if saved:
            return _done(incident, f"Incident #{incident.id}: {incident.status_label.lower()}.")
    return _show(incident, status_form=form)


@bp.post("/<int:incident_id>/police")
@signed_in
def record_police_reference(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = PoliceForm()
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: incidents.record_police_reference(
                current_user, incident, form.police_reference.data
            ),
            form,
        )
        if saved:
            return _done(incident, "Police crime reference recorded.")
    return _show(incident, police_form=form)


@bp.post("/<int:incident_id>/repair")
@requires("can_handle_incidents")
def save_repair(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = RepairForm()
    details = cases.RepairDetails(
        supplier=form.supplier.data or "",
        cost=form.cost.data,
        sent_on=form.sent_on.data,
        returned_on=form.returned_on.data,
        notes=form.repair_notes.data or "",
    )
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: cases.save_repair(current_user, incident, details), form
        )
        if saved:
            return _done(incident, "Repair details saved.")
    return _show(incident, repair_form=form)


@bp.post("/<int:incident_id>/charge")
@requires("can_decide_charges")
def decide_charge(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = ChargeForm()
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: charges.decide_charge(
                current_user,
                incident,
                applies=form.applies.data == "yes",
                amount=form.amount.data,
                reason=form.reason.data or "",
            ),
            form,
        )
        if saved:
            return _done(incident, "Charge decision recorded.")
    return _show(incident, charge_form=form)


@bp.post("/<int:incident_id>/charge/settle")
@requires("can_decide_charges")
def settle_charge(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = SettleForm()
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: charges.settle_charge(
                current_user, incident, form.settlement.data, form.settlement_note.data or ""
            ),
            form,
        )
        if saved:
            return _done(incident, f"Charge recorded as {form.settlement.data}.")
    return _show(incident, settle_form=form)


@bp.post("/<int:incident_id>/photos")
@signed_in
def add_photos(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = PhotosForm()
    if form.validate_on_submit():
        saved, count = commit_or_report(
            lambda: incidents.add_photos(current_user, incident, _uploads(form.photos)), form
        )
        if saved:
            return _done(incident, f"{count} photo{'' if count == 1 else 's'} added.")
    return _show(incident, photos_form=form)


@bp.get("/<int:incident_id>/photos/<int:photo_id>")
@signed_in
def show_photo(incident_id: int, photo_id: int):
    incident = _incident_or_404(incident_id)
    photo = incident_lists.photo_of(incident, photo_id)
    if photo is None:
        abort(404)
    response = make_response(photo.data)
    extension = "jpg" if photo.content_type == "image/jpeg" else "png"
    response.headers["Content-Type"] = photo.content_type
    response.headers["Content-Disposition"] = (
        f'inline; filename="report-{incident.id}-photo-{photo.id}.{extension}"'
    )
    response.set_etag(photo.sha256)
    return response.make_conditional(request)


@bp.post("/<int:incident_id>/notify")
@signed_in
def retry_notification(incident_id: int):
    incident = _incident_or_404(incident_id)
    if ConfirmForm().validate_on_submit():
        saved, sent = commit_or_report(
            lambda: incident_notices.retry_notification(current_user, incident)
        )
        if saved and sent:
            flash("Sent: the head teacher and IT technician have been emailed.", "success")
        elif saved:
            flash(_not_sent(incident), "warning")
    return redirect(url_for("incidents.show_incident", incident_id=incident.id))
