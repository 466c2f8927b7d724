"""Scanning: the page a label's QR code opens (/a/<tag>, printed on every label) and the
in-browser scanner. Stocktakes have their own blueprint."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assets.blueprints.access import requires, signed_in
from assets.blueprints.forms import commit_or_report, location_choices
from assets.blueprints.scan.forms import MoveForm
from assets.permissions import allows
from assets.services.common.errors import DomainError
from assets.services.kits import kits
from assets.services.loans import lending_holds
from assets.services.register import register, scanning

bp = Blueprint("scan", __name__)
bp.menu_section = "scan"


# ---- a single asset ------------------------------------------------------------------------


@bp.get("/scan")
@signed_in
def scan_page():
    """The scanner. A typed or USB-scanned code arrives as ?code= and opens its asset."""
    code = request.args.get("code", "")[:500]
    message = None
    kit = kits.kit_for_code(code, current_app.config["BASE_URL"]) if code.strip() else None
    if kit is not None:
        return redirect(url_for("kits.open_kit", kit_tag=kit.tag))
    if code.strip():
        try:
            asset = scanning.asset_for_code(code)
        except DomainError as error:
            message = error.message
        else:
            return redirect(url_for("scan.open_asset", tag=asset.tag))
    return render_template("scan/scan.html", code=code, message=message)


@bp.get("/scan/resolve")
@signed_in
def resolve_code():
    """For the scanner's script: where a decoded code leads, or why it leads nowhere."""
    code = request.args.get("code", "")[:500]
    kit = kits.kit_for_code(code, current_app.config["BASE_URL"])
    if kit is not None:
        return jsonify(found=True, tag=kit.tag, url=url_for("kits.open_kit", kit_tag=kit.tag))
    try:
        asset = scanning.asset_for_code(code)
    except DomainError as error:
        return jsonify(found=False, message=error.message)
    return jsonify(found=True, tag=asset.tag, url=url_for("scan.open_asset", tag=asset.tag))


# path: a tag may hold "/", which the server has decoded from %2F before routing.
@bp.get("/a/<path:tag>")
@signed_in
def open_asset(tag: str):
    """What a label's QR code opens: the device, with the actions the user may take. Opening
    it changes nothing."""
    # The category, locations and open loan with its borrower come in the same query, with
    # whether anything might hold the item; only then is the hold asked for (its oldest open
    # report, or its damaged return) in one more. The template reads nothing lazily.
    asset = register.scanned_asset(tag)
    if asset is None:
        message = f"No asset has the tag {tag}. Check the label, or add the device to the register."
        return render_template("scan/unknown.html", tag=tag, message=message), 404
    if asset.tag != tag:
        return redirect(url_for("scan.open_asset", tag=asset.tag))
    # Only those who keep the register see the hold, and only those who manage it can move it.
    hold = None
    if allows(current_user, "can_see_register"):
        hold = lending_holds.lending_hold(asset)
    move_form = None
    if allows(current_user, "can_manage_register"):
        move_form = MoveForm(location_id=asset.location_id)
        move_form.location_id.choices = location_choices()
    return render_template("scan/asset.html", asset=asset, hold=hold, move_form=move_form)


@bp.post("/a/<path:tag>/move")
@requires("can_manage_register")
def move_asset(tag: str):
    asset = scanning.asset_for_tag(tag)
    if asset is None:
        abort(404)
    form = MoveForm()
    form.location_id.choices = location_choices()
    if not form.validate_on_submit():
        gone = form.location_id.errors and form.location_id.data
        message = "Choose the location to move it to."
        if gone:
            message = "That location no longer exists. " + message
        flash(message, "danger")
        return redirect(url_for("scan.open_asset", tag=asset.tag))
    saved, moved = commit_or_report(
        lambda: register.move_asset(current_user, asset, form.location_id.data)
    )
    if saved:
        if moved:
            flash(f"{asset.tag} moved to {asset.location.name}.", "success")
        else:
            flash(f"{asset.tag} is in {asset.location.name} already.", "info")
    return redirect(url_for("scan.open_asset", tag=asset.tag))
