"""The asset register: list, search, details with history, add, edit, retire; categories and
locations; the encryption compliance list (policy 10.2)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import requires
from assets.blueprints.forms import (
    ConfirmForm,
    category_choices,
    commit_or_report,
    location_choices,
)
from assets.blueprints.listing import link_args, page_number, paginate
from assets.blueprints.menu import menu_section
from assets.blueprints.register.forms import (
    AssetForm,
    CategoryForm,
    LocationForm,
    RetireForm,
)
from assets.extensions import db
from assets.models import STATUS_LABELS, Category, Location
from assets.permissions import allows
from assets.security import whole_number
from assets.services.common import events
from assets.services.incidents import incident_lists
from assets.services.register import choice_lists, compliance, places, register

bp = Blueprint("register", __name__)
bp.menu_section = "assets"


def _asset_or_404(tag: str):
    asset = register.asset_by_tag(tag)
    if asset is None:
        abort(404)
    return asset


def _fill_choices(form: AssetForm) -> None:
    form.category_id.choices = category_choices()
    form.location_id.choices = location_choices("— not set —")


def _details(form: AssetForm) -> register.AssetDetails:
    return register.AssetDetails(
        **{name: getattr(form, name).data for name in register.DETAIL_FIELDS}
    )


# The asset list's filters, as its query string and the label page's form name them.
ASSET_FILTER_FIELDS = ("q", "category", "location", "status", "sort", "dir")


def asset_filter(args) -> register.AssetFilter:
    """The list page's filters from its query string; its export reads the same."""
    return register.AssetFilter(
        q=args.get("q", "")[:100],
        category_id=whole_number(args.get("category")),
        location_id=whole_number(args.get("location")),
        status=args.get("status") or None,
        sort=args.get("sort", "tag"),
        descending=args.get("dir") == "desc",
    )


@bp.get("/assets")
@requires("can_see_register")
def list_assets():
    filters = asset_filter(request.args)
    per_page = current_app.config["ASSETS_PER_PAGE"]
    cap = current_app.config["ASSETS_COUNT_CAP"]
    # Counted first (only up to the cap, or to the end of the page asked for), because a
    # search matching more is read another way; paginate answers a page past the end with 404.
    total = register.list_total(filters, cap, per_page * page_number(request.args))
    page = paginate(
        register.asset_select(filters, many=total is None), per_page=per_page, count=False
    )
    page.total = total
    categories, locations = choice_lists.choice_lists("categories", "locations")
    return render_template(
        "register/list.html",
        page=page,
        count_cap=cap,
        filters=filters,
        query=link_args(request.args, ASSET_FILTER_FIELDS),
        statuses=STATUS_LABELS,
        # (id, name) pairs, kept per process until the database changes them.
        categories=categories,
        locations=locations,
        sorts=register.SORTS,
    )


@bp.get("/assets/<path:tag>")
@requires("can_see_register")
def show_asset(tag: str):
    asset = _asset_or_404(tag)
    # One query of its reports gives both the list and what keeps it from being lent.
    reports, hold = incident_lists.reports_and_hold(current_user, asset)
    # The retire or reinstate form only for those who manage the register, as the page shows.
    manager = allows(current_user, "can_manage_register")
    return render_template(
        "register/show.html",
        asset=asset,
        history=events.history_for_asset(asset),
        incidents=reports,
        hold=hold,
        retire_form=RetireForm() if manager and asset.status != "retired" else None,
        confirm_form=ConfirmForm() if manager and asset.status == "retired" else None,
    )


@bp.route("/assets/new", methods=["GET", "POST"])
@requires("can_manage_register")
def new_asset():
    form = AssetForm()
    _fill_choices(form)
    if form.validate_on_submit():
        saved, asset = commit_or_report(
            lambda: register.create_asset(current_user, _details(form)), form
        )
        if saved:
            flash(f"{asset.tag} added to the register.", "success")
            return redirect(url_for("register.show_asset", tag=asset.tag))
    return render_template("register/form.html", form=form, asset=None)


@bp.route("/assets/<path:tag>/edit", methods=["GET", "POST"])
@requires("can_manage_register")
def edit_asset(tag: str):
    asset = _asset_or_404(tag)
    form = AssetForm(obj=asset)
    _fill_choices(form)
    if form.validate_on_submit():
        saved, changed = commit_or_report(
            lambda: register.update_asset(current_user, asset, _details(form)), form
        )
        if saved:
            flash(f"{asset.tag} saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("register.show_asset", tag=asset.tag))
    return render_template("register/form.html", form=form, asset=asset)


@bp.post("/assets/<path:tag>/retire")
@requires("can_manage_register")
def retire_asset(tag: str):
    asset = _asset_or_404(tag)
    form = RetireForm()
    if not form.validate_on_submit():
        flash("Say why the device is being retired.", "danger")
        return redirect(url_for("register.show_asset", tag=tag))
    if commit_or_report(lambda: register.retire_asset(current_user, asset, form.reason.data))[0]:
        flash(f"{asset.tag} is retired.", "success")
    return redirect(url_for("register.show_asset", tag=tag))


@bp.post("/assets/<path:tag>/reinstate")
@requires("can_manage_register")
def reinstate_asset(tag: str):
    asset = _asset_or_404(tag)
    if (
        ConfirmForm().validate_on_submit()
        and commit_or_report(lambda: register.reinstate_asset(current_user, asset))[0]
    ):
        flash(f"{asset.tag} is back in service.", "success")
    return redirect(url_for("register.show_asset", tag=tag))


# ---- compliance ------------------------------------------------------------------------------


@bp.get("/compliance")
@menu_section("compliance")
@requires("can_see_register")
def show_compliance():
    """Mobile devices lent or ready to lend without encryption, with their holders."""
    return render_template("register/compliance.html", devices=compliance.unencrypted_devices())


# ---- categories and locations ---------------------------------------------------------------


@bp.get("/categories")
@menu_section("categories")
@requires("can_see_register")
def list_categories():
    return render_template("register/categories.html", categories=places.categories())


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@menu_section("categories")
@requires("can_manage_register")
def edit_category(category_id: int | None):
    category = db.get_or_404(Category, category_id) if category_id else None
    form = CategoryForm(obj=category)
    if (
        form.validate_on_submit()
        and commit_or_report(
            lambda: places.save_category(
                current_user,
                category,
                name=form.name.data,
                terms_kind=form.terms_kind.data,
                loan_kind=form.loan_kind.data,
                default_loan_days=form.default_loan_days.data,
                max_loan_days=form.max_loan_days.data,
                # Only an admin sees the box; anyone else leaves it as it is.
                self_service=form.self_service.data
                if allows(current_user, "can_set_lending_policy")
                else None,
                mobile_device=form.mobile_device.data,
                booking=places.BookingRules(
                    needs_approval=form.booking_needs_approval.data,
                    max_hours=form.max_booking_hours.data,
                    min_notice_hours=form.min_notice_hours.data,
                ),
            ),
            form,
        )[0]
    ):
        flash("Category saved.", "success")
        return redirect(url_for("register.list_categories"))
    return render_template("register/category_form.html", form=form, category=category)


@bp.get("/locations")
@menu_section("locations")
@requires("can_see_register")
def list_locations():
    return render_template("register/locations.html", locations=places.locations())


@bp.route("/locations/new", methods=["GET", "POST"], defaults={"location_id": None})
@bp.route("/locations/<int:location_id>/edit", methods=["GET", "POST"])
@menu_section("locations")
@requires("can_manage_register")
def edit_location(location_id: int | None):
    location = db.get_or_404(Location, location_id) if location_id else None
    form = LocationForm(obj=location)
    if (
        form.validate_on_submit()
        and commit_or_report(
            lambda: places.save_location(
                current_user, location, name=form.name.data, notes=form.notes.data or ""
            ),
            form,
        )[0]
    ):
        flash("Location saved.", "success")
        return redirect(url_for("register.list_locations"))
    return render_template("register/location_form.html", form=form, location=location)
