"""A stocktake: a scan session at one location (or the whole school), and its lines."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.asset import Asset
from assets.models.base import UTCDateTime, sql_list, utcnow
from assets.models.place import Location

STOCKTAKE_STATUSES = ("open", "finished", "cancelled")
# What a line of a stocktake came to. "pending" is an expected asset not scanned yet while
# the stocktake is open; finishing turns every pending line into "missing".
OUTCOME_LABELS = {
    "found": "Found",
    "unexpected": "Unexpected",
    "pending": "Not scanned yet",
    "missing": "Missing",
}


class Stocktake(db.Model):
    __tablename__ = "stocktakes"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_list(STOCKTAKE_STATUSES)}", name="status"),
        CheckConstraint("(status = 'open') = (ended_at IS NULL)", name="ended_unless_open"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
        # One stocktake under way per location, and one of the whole school: a second
        # technician starting the same one joins it instead.
        Index(
            "uq_stocktakes_open_location",
            "location_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index(
            "uq_stocktakes_open_whole_school",
            "status",
            unique=True,
            sqlite_where=text("status = 'open' AND location_id IS NULL"),
            postgresql_where=text("status = 'open' AND location_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the whole school.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    location: Mapped[Location | None] = relationship()
    started_by = relationship("User", foreign_keys=[started_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])
    items: Mapped[list["StocktakeItem"]] = relationship(
        back_populates="stocktake", cascade="all, delete-orphan", order_by="StocktakeItem.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def place(self) -> str:
        return self.location.name if self.location else "the whole school"

    def __str__(self) -> str:
        return f"Stocktake {self.id} of {self.place}"


class StocktakeItem(db.Model):
    """One asset in a stocktake: expected at the start, or scanned there unexpectedly."""

    __tablename__ = "stocktake_items"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "asset_id"),
        CheckConstraint("expected OR found_at IS NOT NULL", name="unexpected_only_when_found"),
        CheckConstraint("(found_at IS NULL) = (found_by_id IS NULL)", name="found_by_whom"),
        CheckConstraint("NOT moved OR (found_at IS NOT NULL AND NOT expected)", name="moved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    expected: Mapped[bool]
    # What the register said when the asset joined the stocktake, for the report.
    register_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    register_status: Mapped[str] = mapped_column(String(20))
    found_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # An unexpected asset moved, in the register, to the stocktake's location.
    moved: Mapped[bool] = mapped_column(default=False)

    stocktake: Mapped[Stocktake] = relationship(back_populates="items")
    asset: Mapped[Asset] = relationship()
    register_location: Mapped[Location | None] = relationship()
    found_by = relationship("User", foreign_keys=[found_by_id])

    @property
    def outcome(self) -> str:
        if self.found_at is not None:
            return "found" if self.expected else "unexpected"
        return "pending" if self.stocktake.is_open else "missing"

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]
