"""Printing asset labels, and each asset's QR code as SVG or PNG."""

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file

from assets.blueprints.access import requires
from assets.blueprints.forms import apply_error
from assets.blueprints.labels.forms import LabelForm
from assets.blueprints.register.views import ASSET_FILTER_FIELDS
from assets.files.pdf.label_stock import TEMPLATES
from assets.models import STATUS_LABELS
from assets.security import whole_number
from assets.services.common.errors import DomainError
from assets.services.register import choice_lists, labels, register, scanning

bp = Blueprint("labels", __name__, url_prefix="/labels")
bp.menu_section = "labels"


def _filters(form: LabelForm) -> register.AssetFilter:
    """The asset list's filters, read the way the list reads them."""
    return register.AssetFilter(
        q=(form.q.data or "")[:100],
        category_id=whole_number(form.category.data),
        location_id=whole_number(form.location.data),
        status=form.status.data or None,
        sort=form.sort.data or "tag",
        descending=form.dir.data == "desc",
    )


def _filter_summary(filters: register.AssetFilter) -> list[str]:
    words = []
    if filters.q.strip():
        words.append(f"matching \u201c{filters.q.strip()}\u201d")
    if filters.category_id:
        categories = choice_lists.categories()
        words += [f"in {name}" for id_, name in categories if id_ == filters.category_id]
    if filters.location_id:
        locations = choice_lists.locations()
        words += [f"at {name}" for id_, name in locations if id_ == filters.location_id]
    if filters.status in STATUS_LABELS:
        words.append(STATUS_LABELS[filters.status].lower())
    return words


@bp.route("", methods=["GET", "POST"])
@requires("can_print_labels")
def print_labels():
    """Choose the assets (ticked on the asset list, typed, or the list's current filters),
    the stock and the start position; download the label sheet as a vector PDF."""
    initial = {name: request.args.get(name, "") for name in ASSET_FILTER_FIELDS}
    form = LabelForm(
        scope="filter" if request.args.get("scope") == "filter" else "tags",
        # Each ticked box is one tag of the register: one a line, each once.
        tags="\n".join(dict.fromkeys(t.strip() for t in request.args.getlist("tag") if t.strip())),
        **initial,
    )
    by_filter = form.scope.data == "filter"
    filters = _filters(form) if by_filter else None
    if form.validate_on_submit():
        selection = labels.LabelSelection(tags=form.tags.data or "", filters=filters)
        try:
            sheet = labels.label_sheet(selection, form.template.data, form.start_position.data)
        except DomainError as error:
            apply_error(form, error)
        else:
            return send_file(
                BytesIO(sheet.pdf),
                mimetype="application/pdf",
                as_attachment=True,
                download_name=sheet.filename,
            )
    return render_template(
        "labels/print.html",
        form=form,
        by_filter=by_filter,
        matching=labels.count_matching(filters) if by_filter else None,
        filter_words=_filter_summary(filters) if by_filter else [],
        templates=TEMPLATES,
    )


def _asset_or_404(tag: str):
    asset = scanning.asset_for_tag(tag)
    if asset is None:
        abort(404)
    return asset


@bp.get("/<path:tag>/qr.svg")
@requires("can_print_labels")
def qr_svg(tag: str):
    asset = _asset_or_404(tag)
    return send_file(
        BytesIO(labels.asset_qr_svg(asset)),
        mimetype="image/svg+xml",
        download_name=f"qr-{labels.file_name_part(asset.tag)}.svg",
    )


@bp.get("/<path:tag>/qr.png")
@requires("can_print_labels")
def qr_png(tag: str):
    asset = _asset_or_404(tag)
    return send_file(
        BytesIO(labels.asset_qr_png(asset)),
        mimetype="image/png",
        download_name=f"qr-{labels.file_name_part(asset.tag)}.png",
    )
