"""Stocktakes: scan every label found at a location, see what is missing or out of place, and
take the report away as a spreadsheet."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.downloads import send_export
from assets.blueprints.forms import ConfirmForm, commit_or_report, location_choices
from assets.blueprints.stocktakes.forms import MoveHereForm, ScanForm, StartStocktakeForm
from assets.database import commit_or_rollback
from assets.filters import localtime
from assets.models import OUTCOME_LABELS, StocktakeItem
from assets.permissions import allows
from assets.services.common.errors import DomainError
from assets.services.spreadsheets.exports.stocktakes import stocktake_report
from assets.services.stocktakes import stocktakes

bp = Blueprint("stocktakes", __name__, url_prefix="/stocktakes")
bp.menu_section = "stocktakes"


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _stocktake_or_404(stocktake_id: int):
    stocktake = stocktakes.get_stocktake(stocktake_id)
    if stocktake is None:
        abort(404)
    return stocktake


@bp.get("")
@requires("can_see_stocktakes")
def list_stocktakes():
    form = StartStocktakeForm()
    form.location_id.choices = location_choices("The whole school")
    return render_template(
        "stocktakes/list.html", stocktakes=stocktakes.list_stocktakes(), start_form=form
    )


@bp.post("")
@requires("can_run_stocktakes")
def start_stocktake():
    form = StartStocktakeForm()
    form.location_id.choices = location_choices("The whole school")
    if not form.validate_on_submit():
        flash("Choose a location from the list.", "danger")
        return redirect(url_for("stocktakes.list_stocktakes"))
    # Someone starting the same stocktake at the same moment is a race: join theirs.
    saved, result = commit_or_report(
        lambda: stocktakes.start_stocktake(current_user, form.location_id.data),
        retry_on_race=True,
    )
    if not saved:
        return redirect(url_for("stocktakes.list_stocktakes"))
    stocktake, started = result
    if not started:
        flash(f"A stocktake of {stocktake.place} is already under way: carry on with it.", "info")
    return redirect(url_for("stocktakes.show_stocktake", stocktake_id=stocktake.id))


@bp.get("/<int:stocktake_id>")
@requires("can_see_stocktakes")
def show_stocktake(stocktake_id: int):
    """An open stocktake is scanned here by those who may run one; everyone else, and a closed
    stocktake, gets the report."""
    stocktake = _stocktake_or_404(stocktake_id)
    report = stocktakes.report(stocktake)
    running = stocktake.is_open and allows(current_user, "can_run_stocktakes")
    return render_template(
        "stocktakes/run.html" if running else "stocktakes/report.html",
        stocktake=stocktake,
        report=report,
        why_unexpected=stocktakes.why_unexpected,
        can_move_here=stocktakes.can_move_here if running else _never,
        can_check_in=stocktakes.can_check_in if running else _never,
        confirm_form=ConfirmForm(),
        scan_form=ScanForm(),
    )


def _never(_item) -> bool:
    return False


def _item_json(item: StocktakeItem) -> dict:
    asset = item.asset
    movable = stocktakes.can_move_here(item)
    return {
        "tag": asset.tag,
        "name": asset.name,
        "outcome": item.outcome,
        "outcome_label": OUTCOME_LABELS[item.outcome],
        "why": stocktakes.why_unexpected(item) if item.outcome == "unexpected" else "",
        "moved": item.moved,
        "found_at": localtime(item.found_at),
        "asset_url": url_for("scan.open_asset", tag=asset.tag),
        "move_url": url_for("stocktakes.move_here", stocktake_id=item.stocktake_id)
        if movable
        else "",
        "check_in_url": _check_in_url(item),
        "holder": asset.open_loan.person.name if asset.open_loan else "",
    }


def _check_in_url(item: StocktakeItem) -> str:
    if not stocktakes.can_check_in(item):
        return ""
    back = url_for("stocktakes.show_stocktake", stocktake_id=item.stocktake_id)
    return url_for("loans.return_asset", tag=item.asset.tag, next=back)


def _counts_json(stocktake) -> dict:
    counts = stocktakes.counts(stocktake)
    return {
        "expected": counts.expected,
        "found": counts.found,
        "unexpected": counts.unexpected,
        "not_found": counts.not_found,
    }


def _scan_reply(stocktake, ok: bool, message: str, result: str = "", item=None):
    if _wants_json():
        return jsonify(
            ok=ok,
            result=result,
            message=message,
            item=_item_json(item) if item is not None else None,
            counts=_counts_json(stocktake),
        )
    flash(message, "success" if ok else "danger")
    return redirect(url_for("stocktakes.show_stocktake", stocktake_id=stocktake.id))


@bp.post("/<int:stocktake_id>/scans")
@requires("can_run_stocktakes")
def record_scan(stocktake_id: int):
    """Count one scanned or typed code. The page's script posts JSON and stays on the page."""
    stocktake = _stocktake_or_404(stocktake_id)
    form = ScanForm()
    if not form.validate_on_submit():
        return _scan_reply(stocktake, False, "Scan a label, or type an asset tag.")
    try:
        # A second phone counting the same unexpected asset at the same moment is a race.
        scan = commit_or_rollback(
            lambda: stocktakes.record_scan(current_user, stocktake, form.code.data),
            retry_on_race=True,
        )
    except DomainError as error:
        return _scan_reply(stocktake, False, error.message)
    return _scan_reply(stocktake, True, scan.message, scan.result, scan.item)


@bp.post("/<int:stocktake_id>/moves")
@requires("can_run_stocktakes")
def move_here(stocktake_id: int):
    """The one-tap move of an unexpected asset to the stocktake's location."""
    stocktake = _stocktake_or_404(stocktake_id)
    form = MoveHereForm()
    if not form.validate_on_submit():
        return _scan_reply(stocktake, False, "Say which asset to move.")
    try:
        item = commit_or_rollback(
            lambda: stocktakes.move_here(current_user, stocktake, form.tag.data)
        )
    except DomainError as error:
        return _scan_reply(stocktake, False, error.message)
    message = f"{item.asset.tag} is now recorded in {stocktake.place}."
    return _scan_reply(stocktake, True, message, "moved", item)


@bp.post("/<int:stocktake_id>/finish")
@requires("can_run_stocktakes")
def finish_stocktake(stocktake_id: int):
    stocktake = _stocktake_or_404(stocktake_id)
    if ConfirmForm().validate_on_submit():
        saved, result = commit_or_report(
            lambda: stocktakes.finish_stocktake(current_user, stocktake)
        )
        if saved:
            flash(
                f"Stocktake finished: {result.found} found, {result.missing} missing, "
                f"{result.unexpected} unexpected.",
                "success",
            )
    return redirect(url_for("stocktakes.show_stocktake", stocktake_id=stocktake.id))


@bp.post("/<int:stocktake_id>/cancel")
@requires("can_run_stocktakes")
def cancel_stocktake(stocktake_id: int):
    stocktake = _stocktake_or_404(stocktake_id)
    if (
        ConfirmForm().validate_on_submit()
        and commit_or_report(lambda: stocktakes.cancel_stocktake(current_user, stocktake))[0]
    ):
        flash(f"The stocktake of {stocktake.place} is cancelled.", "info")
    return redirect(url_for("stocktakes.list_stocktakes"))


@bp.get("/<int:stocktake_id>/export.xlsx")
@requires("can_see_stocktakes")
def export_stocktake(stocktake_id: int):
    return send_export(stocktake_report(_stocktake_or_404(stocktake_id)))
