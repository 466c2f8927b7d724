"""A person's private calendar feed: a secret link their calendar app fetches without
signing in (calendar apps cannot), which they create, replace and revoke from their bookings.

The link carries a random 256-bit token; only its SHA-256 is stored (models/calendar_feed),
so the database alone never gives a working link, and the page shows the link once, when it
is made. An unknown, replaced or revoked token, or one whose login is no longer active, finds
nobody. The feed holds only the bookings *for* that login's own person (not those the login
made for others), from FEED_PAST_DAYS ago onward; cancelled, declined and released ones
stay in it as cancelled events for that window, so calendar apps remove them.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, CalendarFeed, User
from assets.services.common import events

FEED_PAST_DAYS = 60
FEED_MOST = 2000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def start_feed(actor: User, now: datetime) -> str:
    """A new secret link for `actor`'s feed, replacing (and so killing) any earlier one. The
    token is given back once, to show; it is not kept."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(actor)
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=actor.id)
        db.session.add(feed)
    feed.token_hash = _hash(token)
    feed.created_at = now
    db.session.flush()
    events.record(
        actor,
        "calendar_feed.replaced" if replaced else "calendar_feed.created",
        actor,
        f"{actor.name} {'replaced' if replaced else 'made'} the link to their calendar feed",
    )
    return token


def stop_feed(actor: User, now: datetime) -> bool:
    """Revoke `actor`'s feed link: it answers "not found" from now on. False when there was
    none (nothing changed)."""
    feed = feed_of(actor)
    if feed is None:
        return False
    db.session.delete(feed)
    events.record(
        actor, "calendar_feed.revoked", actor, f"{actor.name} revoked their calendar feed"
    )
    return True


def user_for_token(token: str) -> User | None:
    """The active login whose feed link carries `token`, or None."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    user = db.session.scalar(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _hash(token))
    )
    return user if user is not None and user.active else None


def feed_bookings(user: User, now: datetime) -> list[Booking]:
    """The bookings for `user`'s person that end after FEED_PAST_DAYS before `now`, in
    every state, soonest first; none for a login not linked to a member of staff."""
    if user.person_id is None:
        return []
    since = now - timedelta(days=FEED_PAST_DAYS)
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.person_id == user.person_id, Booking.ends_at > since)
            .options(
                selectinload(Booking.asset).selectinload(Asset.location),
                selectinload(Booking.person),
            )
            .order_by(Booking.starts_at, Booking.id)
            .limit(FEED_MOST)
        )
    )
