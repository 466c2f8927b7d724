"""Leavers (policy 8.4): the dashboard, the return checklist worked through over several
days, closing it with both signatures, and the filed PDF record."""

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
from assets.blueprints.downloads import send_private
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.leavers.forms import (
    CloseForm,
    ItemForm,
    LicenceForm,
    NetworkForm,
    ReturnLicenceForm,
    WipeForm,
)
from assets.extensions import db
from assets.models import Incident, LeaverCase, LeaverStep, Loan, Person
from assets.permissions import allows
from assets.security import whole_number
from assets.services.common import events
from assets.services.incidents import incident_notices
from assets.services.leavers import leaver_closing, leaver_lists, leaver_steps, leavers
from assets.services.people import logins
from assets.services.register import register

bp = Blueprint("leavers", __name__, url_prefix="/leavers")
bp.menu_section = "leavers"


# The person page and the leaver's own page show the checklist through these, so those
# pages need no change beyond including a partial from templates/leavers/.
@bp.app_template_global()
def leaver_status(person):
    return leaver_lists.status_for(person)


@bp.app_template_global()
def leaver_case_of(person):
    return leavers.latest_case_for(person)


def _case_or_404(case_id: int) -> LeaverCase:
    return db.get_or_404(LeaverCase, case_id)


def _back(case: LeaverCase, anchor: str | None = None):
    return redirect(url_for("leavers.show_case", case_id=case.id, _anchor=anchor))


def _notify(incident: Incident | None) -> None:
    """After the commit: email the desk about a report the checklist filed, and say so."""
    if incident is None or incident.notify_state != "pending":
        return
    _, sent = commit_or_report(lambda: incident_notices.notify_handlers(current_user, incident))
    if sent:
        flash(
            f"Incident #{incident.id} filed: the head teacher and IT technician have been emailed.",
            "info",
        )
    else:
        flash(
            f"Incident #{incident.id} is saved, but the email to the head teacher and IT "
            f"technician could not be sent: {incident.notify_error}. Open the report to retry.",
            "warning",
        )


def _history(case: LeaverCase):
    """What happened to the person since the checklist was opened, newest first."""
    return [e for e in events.history_for_person(case.person) if e.at >= case.opened_at]


def _show(case: LeaverCase, **given):
    """The checklist page, with any form in `given` shown as submitted (with its errors)."""
    checklist = leavers.checklist(case)
    item_forms = given.get("item_forms", {})
    wipe_forms = given.get("wipe_forms", {})
    licence_forms = given.get("licence_forms", {})
    if allows(current_user, "can_run_leavers") and case.is_open:
        for line in checklist.items:
            if not line.done:
                item_forms.setdefault(
                    line.loan.id, ItemForm(formdata=None, prefix=f"item-{line.loan.id}")
                )
        for line in checklist.wipes:
            if not line.done:
                wipe_forms.setdefault(
                    line.asset.id, WipeForm(formdata=None, prefix=f"wipe-{line.asset.id}")
                )
        for line in checklist.licences:
            if not line.done:
                licence_forms.setdefault(
                    line.step.id, ReturnLicenceForm(formdata=None, prefix=f"licence-{line.step.id}")
                )
    # Messages about a whole step (recorded meanwhile by someone else, the checklist closed)
    # go at the top: the step may no longer show a form to put them on.
    submitted = [
        *given.get("item_forms", {}).values(),
        *given.get("wipe_forms", {}).values(),
        *given.get("licence_forms", {}).values(),
        given.get("licence_form"),
        given.get("network_form"),
    ]
    return render_template(
        "leavers/show.html",
        case=case,
        checklist=checklist,
        problems=[message for form in submitted if form for message in form.form_errors],
        item_forms=item_forms,
        wipe_forms=wipe_forms,
        licence_forms=licence_forms,
        licence_form=given.get("licence_form") or LicenceForm(formdata=None),
        network_form=given.get("network_form") or NetworkForm(formdata=None),
        confirm_form=ConfirmForm(),
        may_change_login=case.person.user is not None
        and logins.may_change_login(current_user, case.person.user),
        history=_history(case),
    )


# ---- the dashboard and opening a checklist ---------------------------------------------------


@bp.get("")
@requires("can_see_leavers")
def list_leavers():
    days = leaver_lists.clamp_days(whole_number(request.args.get("days")))
    return render_template(
        "leavers/list.html",
        rows=leaver_lists.dashboard(days),
        days=days,
        closed=leaver_lists.recently_closed(),
    )


@bp.post("/people/<int:person_id>")
@requires("can_run_leavers")
def open_case(person_id: int):
    person = db.get_or_404(Person, person_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("people.show_person", person_id=person.id))
    # Another technician opening it at the same moment is a race: resume theirs.
    saved, result = commit_or_report(
        lambda: leavers.open_case(current_user, person), retry_on_race=True
    )
    if not saved:
        return redirect(url_for("leavers.list_leavers"))
    case, opened = result
    if not opened:
        flash(f"{person.name}'s checklist is under way: carry on where it was left.", "info")
    return _back(case)


@bp.get("/<int:case_id>")
@requires("can_see_leavers")
def show_case(case_id: int):
    return _show(_case_or_404(case_id))


# ---- the steps -------------------------------------------------------------------------------


@bp.post("/<int:case_id>/items/<int:loan_id>")
@requires("can_run_leavers")
def record_item(case_id: int, loan_id: int):
    case = _case_or_404(case_id)
    loan = db.get_or_404(Loan, loan_id)
    form = ItemForm(prefix=f"item-{loan.id}")
    if form.validate_on_submit():
        saved, step = commit_or_report(
            lambda: leaver_steps.record_item(
                current_user, case, loan, form.outcome.data, form.note.data or ""
            ),
            form,
        )
        if saved:
            flash(f"{step.label}: {leavers.ITEM_OUTCOME_LABELS[step.outcome].lower()}.", "success")
            _notify(step.incident)
            return _back(case, f"item-{loan.id}")
    return _show(case, item_forms={loan.id: form})


@bp.post("/<int:case_id>/wipes/<path:tag>")
@requires("can_run_leavers")
def record_wipe(case_id: int, tag: str):
    case = _case_or_404(case_id)
    asset = register.asset_by_tag(tag)
    if asset is None:
        abort(404)
    form = WipeForm(prefix=f"wipe-{asset.id}")
    if form.validate_on_submit():
        saved, step = commit_or_report(
            lambda: leaver_steps.record_wipe(
                current_user, case, asset, form.method.data, form.note.data or ""
            ),
            form,
        )
        if saved:
            flash(f"{step.label}: wipe recorded.", "success")
            return _back(case, "wipes")
    return _show(case, wipe_forms={asset.id: form})


@bp.post("/<int:case_id>/licences")
@requires("can_run_leavers")
def add_licence(case_id: int):
    case = _case_or_404(case_id)
    form = LicenceForm()
    if form.validate_on_submit():
        saved, step = commit_or_report(
            lambda: leaver_steps.add_licence(current_user, case, form.licence.data), form
        )
        if saved:
            flash(f"{step.label} added: tick it when it is handed back or removed.", "success")
            return _back(case, "licences")
    return _show(case, licence_form=form)


def _licence_or_404(case: LeaverCase, step_id: int) -> LeaverStep:
    step = db.session.get(LeaverStep, step_id)
    if step is None or step.case_id != case.id or step.kind != "licence":
        abort(404)
    return step


@bp.post("/<int:case_id>/licences/<int:step_id>")
@requires("can_run_leavers")
def return_licence(case_id: int, step_id: int):
    case = _case_or_404(case_id)
    step = _licence_or_404(case, step_id)
    form = ReturnLicenceForm(prefix=f"licence-{step.id}")
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: leaver_steps.return_licence(current_user, case, step, form.note.data or ""),
            form,
        )
        if saved:
            flash(f"{step.label}: returned.", "success")
            return _back(case, "licences")
    return _show(case, licence_forms={step.id: form})


@bp.post("/<int:case_id>/licences/<int:step_id>/remove")
@requires("can_run_leavers")
def remove_licence(case_id: int, step_id: int):
    case = _case_or_404(case_id)
    step = _licence_or_404(case, step_id)
    if ConfirmForm().validate_on_submit():
        saved, label = commit_or_report(
            lambda: leaver_steps.remove_licence(current_user, case, step)
        )
        if saved:
            flash(f"{label} taken off the list.", "success")
    return _back(case, "licences")


@bp.post("/<int:case_id>/network")
@requires("can_run_leavers")
def disable_network_account(case_id: int):
    case = _case_or_404(case_id)
    form = NetworkForm()
    if form.validate_on_submit():
        saved, _ = commit_or_report(
            lambda: leaver_steps.disable_network_account(current_user, case, form.note.data or ""),
            form,
        )
        if saved:
            flash("Network account recorded as disabled.", "success")
            return _back(case, "accounts")
    return _show(case, network_form=form)


@bp.post("/<int:case_id>/login")
@requires("can_run_leavers")
def deactivate_login(case_id: int):
    case = _case_or_404(case_id)
    if ConfirmForm().validate_on_submit():
        saved, step = commit_or_report(lambda: leaver_steps.deactivate_login(current_user, case))
        if saved:
            flash(f"The {step.label} is deactivated and all its sessions ended.", "success")
    return _back(case, "accounts")


# ---- closing and the record ------------------------------------------------------------------


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@requires("can_run_leavers")
def close_case(case_id: int):
    case = _case_or_404(case_id)
    if not case.is_open:
        flash("This checklist is already closed.", "info")
        return _back(case)
    form = CloseForm()
    if form.validate_on_submit():
        unsigned = form.left_without_signing.data
        saved, _ = commit_or_report(
            lambda: leaver_closing.close_case(
                current_user,
                case,
                technician_signature=form.technician_signature.data,
                leaver_signature=None if unsigned else form.leaver_signature.data,
                unsigned_reason=(form.unsigned_reason.data or "") if unsigned else None,
            ),
            form,
        )
        if saved:
            flash(
                f"{case.person.name}'s checklist is closed and its signed record filed.", "success"
            )
            return _back(case)
    checklist = leavers.checklist(case)
    return render_template(
        "leavers/close.html",
        case=case,
        form=form,
        checklist=checklist,
        refusal=None if checklist.complete else leaver_closing.outstanding_message(checklist),
        technician_statement=leaver_closing.technician_statement(current_user, case),
        leaver_statement=leaver_closing.leaver_statement(case),
    )


@bp.get("/<int:case_id>/record.pdf")
@requires("can_see_leavers")
def download_record(case_id: int):
    case = _case_or_404(case_id)
    if case.is_open or not case.record_pdf:
        abort(404)
    name = f"leaver-record-{case.id}-{case.record_code}.pdf"
    return send_private(case.record_pdf, "application/pdf", name, cache="private, no-store")
