"""A kit: a named set of assets that goes out and comes back together (laptop, charger and
bag; an iPad trolley with its 30 iPads), with its own tag and QR label.

A kit's tag is never an asset's tag (a scanned label names one or the other): the register's
services refuse it with a message. An asset is a part of at most one kit: the unique
asset_id below is the guarantee.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from assets.extensions import db
from assets.models.asset import NAME_LENGTH, TAG_KEY_LENGTH, TAG_LENGTH, Asset
from assets.models.base import UTCDateTime, tag_key, utcnow


class KitPart(db.Model):
    __tablename__ = "kit_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id"), index=True)
    # One kit per asset: two desks adding the same charger to two kits end with one.
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a kit came back without this part (it stays on loan until found or reported).
    missing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kit: Mapped["Kit"] = relationship(back_populates="parts")
    asset: Mapped[Asset] = relationship()

    @property
    def missing(self) -> bool:
        """Marked missing at the kit's last return, and not back since."""
        loan = self.asset.open_loan
        return (
            self.missing_since is not None
            and loan is not None
            and loan.out_at <= self.missing_since
        )


class Kit(db.Model):
    __tablename__ = "kits"
    __table_args__ = (
        CheckConstraint("length(trim(tag)) > 0", name="tag_not_blank"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_LENGTH), unique=True)
    # The tag in any letter case (base.tag_key), set with the tag.
    tag_key: Mapped[str] = mapped_column(String(TAG_KEY_LENGTH), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parts: Mapped[list[KitPart]] = relationship(
        back_populates="kit", order_by=KitPart.id, cascade="all, delete-orphan"
    )

    @validates("tag")
    def _keep_tag_key(self, _key: str, tag: str) -> str:
        self.tag_key = tag_key(tag)
        return tag

    @property
    def assets(self) -> list[Asset]:
        return [part.asset for part in self.parts]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"
