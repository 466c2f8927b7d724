"""A login's private calendar feed: the link calendar apps subscribe to without signing in.

Only a hash of the link's secret is kept (SHA-256 of a random 256-bit token: a guessable
secret it is not, so no key or slow hash is needed), so the database alone never gives a
working link. One feed per login; replacing it changes the hash and kills the old link,
revoking it deletes the row.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, utcnow


class CalendarFeed(db.Model):
    __tablename__ = "calendar_feeds"
    __table_args__ = (CheckConstraint("length(token_hash) = 64", name="token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # SHA-256 (hex) of the token in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
