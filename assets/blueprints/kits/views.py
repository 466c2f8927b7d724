"""Kits: named sets of assets that go out and come back together. A kit's label (/k/<tag>)
opens its page; lending goes into the desk's check-out with every part's tag, and the return
asks about each part."""

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.forms import ConfirmForm, commit_or_report
from assets.blueprints.kits.forms import KitForm, PartForm
from assets.models import Kit
from assets.services.common.errors import DomainError
from assets.services.kits import kit_loans, kits
from assets.services.register import labels

bp = Blueprint("kits", __name__)
bp.menu_section = "kits"


def _kit_or_404(kit_id: int) -> Kit:
    kit = kits.get_kit(kit_id)
    if kit is None:
        abort(404)
    return kit


@bp.get("/kits")
@requires("can_see_register")
def list_kits():
    return render_template("kits/list.html", kits=kits.all_kits())


@bp.route("/kits/new", methods=["GET", "POST"])
@requires("can_manage_register")
def new_kit():
    form = KitForm()
    if form.validate_on_submit():
        saved, kit = commit_or_report(
            lambda: kits.create_kit(
                current_user, form.tag.data or "", form.name.data or "", form.notes.data or ""
            ),
            form,
        )
        if saved:
            flash(f"Kit {kit.tag} made: now add its parts.", "success")
            return redirect(url_for("kits.show_kit", kit_id=kit.id))
    return render_template("kits/form.html", form=form, kit=None)


@bp.route("/kits/<int:kit_id>/edit", methods=["GET", "POST"])
@requires("can_manage_register")
def edit_kit(kit_id: int):
    kit = _kit_or_404(kit_id)
    form = KitForm(obj=kit)
    if form.validate_on_submit():
        saved, _changed = commit_or_report(
            lambda: kits.update_kit(
                current_user, kit, form.tag.data or "", form.name.data or "", form.notes.data or ""
            ),
            form,
        )
        if saved:
            flash("Kit saved.", "success")
            return redirect(url_for("kits.show_kit", kit_id=kit.id))
    return render_template("kits/form.html", form=form, kit=kit)


def _show(kit: Kit, part_form: PartForm | None = None, status: int = 200):
    out = kit_loans.parts_on_loan(kit)
    # Why a part cannot go out only matters while the kit could be lent: none of it out.
    refusals = {} if out else {a.id: why for a, why in kit_loans.refusals(kit)}
    return render_template(
        "kits/show.html",
        kit=kit,
        part_form=part_form or PartForm(),
        confirm_form=ConfirmForm(),
        refusals=refusals,
        out=out,
    ), status


@bp.get("/kits/<int:kit_id>")
@requires("can_see_register")
def show_kit(kit_id: int):
    return _show(_kit_or_404(kit_id))


# path: a tag may hold "/", as an asset's may (scan.open_asset).
@bp.get("/k/<path:kit_tag>")
@signed_in
def open_kit(kit_tag: str):
    """What a kit's label's QR code opens."""
    kit = kits.kit_for_tag(kit_tag)
    if kit is None:
        message = f"No kit has the tag {kit_tag}. Check the label."
        return render_template("scan/unknown.html", tag=kit_tag, message=message), 404
    if kit.tag != kit_tag:
        return redirect(url_for("kits.open_kit", kit_tag=kit.tag))
    return _show(kit)


@bp.post("/kits/<int:kit_id>/parts")
@requires("can_manage_register")
def add_part(kit_id: int):
    kit = _kit_or_404(kit_id)
    form = PartForm()
    if not form.validate_on_submit():
        flash("The form had expired: please try again.", "danger")
        return redirect(url_for("kits.show_kit", kit_id=kit.id))
    saved, part = commit_or_report(
        lambda: kits.add_part(current_user, kit, form.tag.data or ""), form
    )
    if saved:
        flash(f"{part.asset.tag} added to {kit.tag}.", "success")
        return redirect(url_for("kits.show_kit", kit_id=kit.id))
    return _show(_kit_or_404(kit_id), form, 422)


@bp.post("/kits/<int:kit_id>/parts/<int:asset_id>/remove")
@requires("can_manage_register")
def remove_part(kit_id: int, asset_id: int):
    kit = _kit_or_404(kit_id)
    if ConfirmForm().validate_on_submit():
        saved, asset = commit_or_report(lambda: kits.remove_part(current_user, kit, asset_id))
        if saved:
            flash(f"{asset.tag} taken out of {kit.tag}.", "success")
    else:
        flash("The form had expired: please try again.", "danger")
    return redirect(url_for("kits.show_kit", kit_id=kit.id))


@bp.post("/kits/<int:kit_id>/delete")
@requires("can_manage_register")
def delete_kit(kit_id: int):
    kit = _kit_or_404(kit_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form had expired: please try again.", "danger")
        return redirect(url_for("kits.show_kit", kit_id=kit.id))
    tag = kit.tag
    saved, _ = commit_or_report(lambda: kits.delete_kit(current_user, kit))
    if not saved:
        return redirect(url_for("kits.show_kit", kit_id=kit.id))
    flash(f"Kit {tag} deleted.", "success")
    return redirect(url_for("kits.list_kits"))


@bp.get("/kits/<int:kit_id>/qr.svg")
@requires("can_print_labels")
def qr_svg(kit_id: int):
    kit = _kit_or_404(kit_id)
    return send_file(
        BytesIO(labels.kit_qr_svg(kit)),
        mimetype="image/svg+xml",
        download_name=f"qr-kit-{labels.file_name_part(kit.tag)}.svg",
    )


@bp.get("/kits/<int:kit_id>/lend")
@requires("can_lend")
def lend_kit(kit_id: int):
    """Into the desk's check-out with every part's tag and the kit (which lends the whole
    kit under one signature, or nothing: kit_loans.lend_kit); when a part cannot go out,
    say which and why instead."""
    kit = _kit_or_404(kit_id)
    refused = kit_loans.refusals(kit)
    if kit.parts and not refused:
        return redirect(url_for("loans.new_loan", tag=[a.tag for a in kit.assets], kit=kit.id))
    return render_template("kits/cannot_lend.html", kit=kit, refused=refused)


@bp.route("/kits/<int:kit_id>/return", methods=["GET", "POST"])
@requires("can_take_returns")
def return_kit(kit_id: int):
    kit = _kit_or_404(kit_id)
    try:
        parts = kit_loans.parts_to_return(kit)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("kits.show_kit", kit_id=kit.id))
    if not parts:
        flash(f"No part of {kit.tag} is on loan, so there is nothing to check in.", "info")
        return redirect(url_for("kits.show_kit", kit_id=kit.id))
    form = ConfirmForm()
    checks = {p.asset_id: request.form.get(f"check-{p.asset_id}", "") for p in parts}
    notes = {p.asset_id: request.form.get(f"note-{p.asset_id}", "")[:2000] for p in parts}
    if form.validate_on_submit():
        saved, done = commit_or_report(
            lambda: kit_loans.return_kit(current_user, kit, checks, notes), form
        )
        if saved:
            return _after_return(kit, done)
    return render_template(
        "kits/return.html",
        kit=kit,
        parts=parts,
        form=form,
        checks=checks,
        notes=notes,
        labels=kit_loans.CHECK_LABELS,
    )


def _after_return(kit: Kit, done: kit_loans.KitReturn):
    """Policy 8.3: loss or damage is reported at once, so a return with a part missing or
    damaged goes straight to the report for the first of them; the kit page lists the rest."""
    back = ", ".join(loan.asset.tag for loan in done.returned) or "nothing"
    flash(f"Checked in from {kit.tag}: {back}.", "success")
    if done.missing:
        damaged = ", ".join(loan.asset.tag for loan in done.damaged)
        flash(
            f"Still on loan, marked missing: {', '.join(loan.asset.tag for loan in done.missing)}. "
            "Report each loss now; the kit's page lists them."
            + (f" Came back damaged: {damaged}: report the damage too." if damaged else ""),
            "warning",
        )
        loan = done.missing[0]
        return redirect(
            url_for("incidents.new_incident", tag=loan.asset.tag, kind="loss", loan=loan.id)
        )
    if done.damaged:
        loan = done.damaged[0]
        flash("A part came back damaged: report it now.", "warning")
        return redirect(
            url_for("incidents.new_incident", tag=loan.asset.tag, kind="damage", loan=loan.id)
        )
    return redirect(url_for("kits.show_kit", kit_id=kit.id))
