"""Something reserved ahead for a person over a time range [starts_at, ends_at), stored in
UTC: one asset, one kit (all its parts), or a number of a pool's units (chosen at collection).

No double booking, guaranteed by the database: on PostgreSQL the exclusion constraints
no_double_booking and no_double_kit_booking refuse two live bookings of one asset, or of one
kit, whose ranges overlap (touching ranges, 09:00-09:50 and 09:50-10:50, do not). SQLite has no
such constraint: there the booking service takes the database's write lock before it checks and
writes (services/bookings), so writers queue and each sees the one before it. A pool's bookings
overlap by design; their summed quantity is checked with the pool's row locked.

The loans a booking became when collected point to it (Loan.booking_id): one for an asset, one
per part for a kit, one per unit scanned for a pool.
"""

from datetime import datetime, timedelta

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
# No booking lasts longer, nor is made further ahead (services/bookings).
LONGEST_BOOKING = timedelta(days=366)


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"state IN {sql_list(BOOKING_STATES)}", name="state"),
        CheckConstraint(
            "(state = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_recorded"
        ),
        # Exactly one of: an asset, a kit, a pool (with how many of its units).
        CheckConstraint(
            "(asset_id IS NOT NULL AND kit_id IS NULL AND pool_id IS NULL)"
            " OR (asset_id IS NULL AND kit_id IS NOT NULL AND pool_id IS NULL)"
            " OR (asset_id IS NULL AND kit_id IS NULL AND pool_id IS NOT NULL)",
            name="one_thing_booked",
        ),
        CheckConstraint("(pool_id IS NULL) = (quantity IS NULL)", name="quantity_for_pool"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("sequence >= 0", name="sequence"),
        Index("ix_bookings_asset_starts", "asset_id", "starts_at"),
        Index("ix_bookings_kit_starts", "kit_id", "starts_at"),
        Index("ix_bookings_pool_starts", "pool_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    kit_id: Mapped[int | None] = mapped_column(ForeignKey("kits.id"))
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id"))
    quantity: Mapped[int | None]
    # Who it is for, and the login that booked it (a technician books for anyone).
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="approved")
    purpose: Mapped[str] = mapped_column(Text, default="")
    # The occurrences of one repeating booking share it; each can be cancelled on its own.
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the booker was emailed on the day to collect it, and to bring it back (flask
    # daily): each is sent once per booking.
    collect_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The iCalendar SEQUENCE: one more on every change of state or time, so calendar apps
    # holding the booking's event replace it (services/bookings/bookings.move_state).
    sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    asset = relationship("Asset")
    kit = relationship("Kit")
    pool = relationship("Pool")
    person = relationship("Person")
    booked_by = relationship("User", foreign_keys=[booked_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])
    # The loans it became when collected (the usual signed hand-over).
    loans = relationship("Loan", back_populates="booking", order_by="Loan.id")

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def state_label(self) -> str:
        return BOOKING_STATE_LABELS[self.state]

    @property
    def item(self):
        """What is booked: the Asset, the Kit or the Pool."""
        return self.asset or self.kit or self.pool

    @property
    def item_text(self) -> str:
        """What is booked, in words: "ASH-0025 Canon PowerShot", "KIT-01 iPad trolley A",
        "3 from Loan iPads, IT office"."""
        if self.pool is not None:
            return f"{self.quantity} from {self.pool.name}"
        item = self.item
        return " ".join(part for part in (item.tag, item.name) if part)


NO_DOUBLE_BOOKING = "no_double_booking"
NO_DOUBLE_KIT_BOOKING = "no_double_kit_booking"


def _no_overlap(column, name: str) -> None:
    """The guarantee behind "no double booking" on PostgreSQL: live bookings of one `column`
    value never overlap. The same text is in migrations 0019 (assets) and 0021 (kits)."""
    table = Booking.__table__
    Booking.__table__.append_constraint(
        ExcludeConstraint(
            (column, "="),
            (func.tstzrange(table.c.starts_at, table.c.ends_at, text("'[)'")), "&&"),
            name=name,
            using="gist",
            where=text(f"state IN {sql_list(LIVE_STATES)}"),
        ).ddl_if(dialect="postgresql")
    )


_no_overlap(Booking.__table__.c.asset_id, NO_DOUBLE_BOOKING)
_no_overlap(Booking.__table__.c.kit_id, NO_DOUBLE_KIT_BOOKING)
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)
