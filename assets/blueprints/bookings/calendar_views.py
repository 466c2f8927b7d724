"""Seeing bookings: the week by lesson period of an asset, a kit or a pool, and one's own
bookings as a private calendar feed (the page to make, replace or revoke its link, and the
feed itself, which calendar apps fetch without signing in)."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from assets.blueprints.access import public, signed_in
from assets.blueprints.bookings.forms import FeedForm
from assets.blueprints.bookings.views import bp
from assets.blueprints.forms import commit_or_report
from assets.models.base import utcnow
from assets.security import absolute_url
from assets.services.bookings import calendar, feeds, ical
from assets.services.common.clock import local_date
from assets.services.kits import kits
from assets.services.pools import pools
from assets.services.register import register


def _week_page(shown: calendar.Shown, here):
    """The week of `shown` asked for by ?week= (this week, with a message, when unreadable)."""
    now = utcnow()
    monday, problem = calendar.week_asked(request.args.get("week"), local_date(now))
    if problem:
        flash(problem, "warning")
    grid = calendar.week_grid(shown, monday, current_user, now)
    return render_template("bookings/calendar.html", grid=grid, here=here)


@bp.get("/calendar/asset/<path:tag>")
@signed_in
def asset_calendar(tag: str):
    asset = register.asset_by_tag(tag)
    if asset is None:
        # A kit's tag typed where an asset's was expected (the booking form's "See the week").
        kit = kits.kit_for_tag(tag)
        if kit is None:
            abort(404)
        return redirect(
            url_for("bookings.kit_calendar", kit_tag=kit.tag, week=request.args.get("week"))
        )
    return _week_page(
        calendar.asset_shown(asset),
        lambda **week: url_for("bookings.asset_calendar", tag=asset.tag, **week),
    )


@bp.get("/calendar/kit/<path:kit_tag>")
@signed_in
def kit_calendar(kit_tag: str):
    kit = kits.kit_for_tag(kit_tag)
    if kit is None:
        abort(404)
    return _week_page(
        calendar.kit_shown(kit),
        lambda **week: url_for("bookings.kit_calendar", kit_tag=kit.tag, **week),
    )


@bp.get("/calendar/pool/<int:pool_id>")
@signed_in
def pool_calendar(pool_id: int):
    pool = pools.get_pool(pool_id)
    if pool is None:
        abort(404)
    return _week_page(
        calendar.pool_shown(pool),
        lambda **week: url_for("bookings.pool_calendar", pool_id=pool.id, **week),
    )


@bp.route("/mine/calendar-feed", methods=["GET", "POST"])
@signed_in
def calendar_feed():
    """Make (or replace) the feed's link, shown once on the page that answers; or revoke it."""
    form = FeedForm()
    token = None
    if request.method == "POST":
        if not form.validate_on_submit() or form.action.data not in ("make", "revoke"):
            flash("The page had expired. Please try again.", "warning")
            return redirect(url_for("bookings.calendar_feed"))
        now = utcnow()
        if form.action.data == "revoke":
            done, stopped = commit_or_report(lambda: feeds.stop_feed(current_user, now))
            if done:
                flash(
                    "The link is revoked: calendars using it get nothing more."
                    if stopped
                    else "There was no link to revoke.",
                    "success" if stopped else "info",
                )
            return redirect(url_for("bookings.calendar_feed"))
        done, token = commit_or_report(lambda: feeds.start_feed(current_user, now))
    # From BASE_URL, never the Host header: the link is a secret and must point home.
    link = absolute_url("bookings.feed", token=token) if token else None
    return render_template(
        "bookings/calendar_feed.html",
        form=form,
        feed=feeds.feed_of(current_user),
        link=link,
        webcal=link.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1)
        if link
        else None,
    )


@bp.get("/feed/<token>.ics")
@public
def feed(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    body = ical.calendar_bytes(feeds.feed_bookings(user, utcnow()), name="My equipment bookings")
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
