"""The audit trail: who did what to which record, when, with before and after."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, utcnow


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_entity", "entity_type", "entity_id"),
        Index("ix_events_asset_at", "asset_id", "at"),
        Index("ix_events_person_at", "person_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the system or a command line acted without a login.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    summary: Mapped[str] = mapped_column(String(300))
    # {"field": [before, after], ...} for edits; any other facts for other actions.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User")
