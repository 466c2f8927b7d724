"""An asset reserved ahead for a person over a time range [starts_at, ends_at), stored in UTC.

No double booking, guaranteed by the database: on PostgreSQL the exclusion constraint
no_double_booking refuses two live bookings of one asset whose ranges overlap (touching ranges,
09:00-09:50 and 09:50-10:50, do not). SQLite has no such constraint: there the booking service
takes the database's write lock before it checks and writes (services/bookings), so writers
queue and each sees the one before it.
"""

from datetime import datetime

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, Text, event, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

BOOKING_STATES = (
    "requested",
    "approved",
    "declined",
    "collected",
    "returned",
    "cancelled",
    "released",
)
# The states that hold the asset for their range: only these can clash.
LIVE_STATES = ("requested", "approved", "collected")
BOOKING_STATE_LABELS = {
    "requested": "Waiting for approval",
    "approved": "Booked",
    "declined": "Declined",
    "collected": "Collected",
    "returned": "Returned",
    "cancelled": "Cancelled",
    "released": "Released (not collected)",
}
PURPOSE_LENGTH = 500


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"state IN {sql_list(BOOKING_STATES)}", name="state"),
        CheckConstraint(
            "(state = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_recorded"
        ),
        CheckConstraint("loan_id IS NULL OR state IN ('collected', 'returned')", name="loan"),
        CheckConstraint("sequence >= 0", name="sequence"),
        Index("ix_bookings_asset_starts", "asset_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    # Who it is for, and the login that booked it (a technician books for anyone).
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="approved")
    purpose: Mapped[str] = mapped_column(Text, default="")
    # The occurrences of one repeating booking share it; each can be cancelled on its own.
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # The loan it became when collected (the usual signed hand-over).
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The iCalendar SEQUENCE: one more on every change of state or time, so calendar apps
    # holding the booking's event replace it (services/bookings/bookings._move).
    sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    asset = relationship("Asset")
    person = relationship("Person")
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    loan = relationship("Loan")

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def state_label(self) -> str:
        return BOOKING_STATE_LABELS[self.state]


NO_DOUBLE_BOOKING = "no_double_booking"
# The guarantee behind "no double booking" on PostgreSQL. The same text is in migration 0019.
Booking.__table__.append_constraint(
    ExcludeConstraint(
        (Booking.__table__.c.asset_id, "="),
        (
            func.tstzrange(
                Booking.__table__.c.starts_at, Booking.__table__.c.ends_at, text("'[)'")
            ),
            "&&",
        ),
        name=NO_DOUBLE_BOOKING,
        using="gist",
        where=text(f"state IN {sql_list(LIVE_STATES)}"),
    ).ddl_if(dialect="postgresql")
)
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)
