"""A pool: "any N of these", a category at a location booked by quantity ("Loan iPads, IT
office"). Bookings of a pool ask for a number; the units are chosen by scanning at collection.

Its units are the assets of its category at its location that are not parts of a kit. One pool
per category and location: the unique constraint below is the guarantee.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.asset import NAME_LENGTH
from assets.models.base import UTCDateTime, utcnow


class Pool(db.Model):
    __tablename__ = "pools"
    __table_args__ = (
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        UniqueConstraint("category_id", "location_id", name="uq_pools_one_pool_per_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category = relationship("Category")
    location = relationship("Location")

    def __str__(self) -> str:
        return self.name
