"""The home page and the load balancer's health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user

from assets.blueprints.access import public, signed_in
from assets.models import STATUS_LABELS
from assets.permissions import allows
from assets.services import dashboard

bp = Blueprint("main", __name__)


@bp.get("/")
@signed_in
def index():
    if not allows(current_user, "can_see_dashboard"):
        return redirect(url_for("loans.my_equipment"))
    return render_template(
        "main/index.html",
        counts=dashboard.status_counts(),
        labels=STATUS_LABELS,
        loan_counts=dashboard.loan_counts(),
        events=dashboard.recent_events(),
    )


@bp.get("/healthz")
@public
def healthz():
    if dashboard.database_reachable():
        return jsonify(status="ok", database="reachable")
    return jsonify(status="error", database="unreachable"), 503
