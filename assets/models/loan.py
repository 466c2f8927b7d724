"""A device lent to one person (policy 8.1: one authorised user at a time).

A loan with no signature is awaiting the borrower's signature (handed over, to be signed
remotely). A loan with no due date is a long allocation (a laptop until the contract ends).
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

# The conditions the desk records as it takes an item back.
RETURN_CONDITIONS = ("full_working", "damaged", "incomplete")
# A loan ended without the item coming back: an incident wrote it off or replaced it. Nobody
# at the desk records this; it is how a loan ends when there is nothing to check in.
NOT_RETURNED = "not_returned"
# Every way a loan can end (what the database accepts in return_condition).
LOAN_END_STATES = (*RETURN_CONDITIONS, NOT_RETURNED)
RETURN_CONDITION_LABELS = {
    "full_working": "Full working condition, with its accessories and charger",
    "incomplete": "Working, but accessories or charger missing",
    "damaged": "Damaged or not working",
    NOT_RETURNED: "Not returned (lost, stolen or written off)",
}


class Loan(db.Model):
    __tablename__ = "loans"
    __table_args__ = (
        # The guarantee behind "one open loan per asset": two desks racing for the same
        # laptop end with one loan, whatever the code above does.
        Index(
            "uq_loans_open_asset",
            "asset_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        # The loans page reads newest first and, for a broad search, stops at the page.
        Index("ix_loans_out_at", "out_at", "id"),
        CheckConstraint("returned_at IS NULL OR returned_at >= out_at", name="returned_after_out"),
        CheckConstraint(
            f"return_condition IS NULL OR return_condition IN {sql_list(LOAN_END_STATES)}",
            name="return_condition",
        ),
        CheckConstraint(
            "(returned_at IS NULL) = (return_condition IS NULL)", name="return_recorded"
        ),
        CheckConstraint(
            "long_loan_reason IS NULL OR length(trim(long_loan_reason)) > 0",
            name="long_loan_reason",
        ),
        CheckConstraint(
            "unencrypted_reason IS NULL OR length(trim(unencrypted_reason)) > 0",
            name="unencrypted_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None]
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_condition: Mapped[str | None] = mapped_column(String(20))
    return_note: Mapped[str] = mapped_column(Text, default="")
    # The borrower's signature for the items (None: awaiting signature), and the optional
    # signature for the return.
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"), index=True)
    return_signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    # When the last reminder went out, so a daily command does not nag every day.
    signature_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the desk lent it past its category's longest loan, and why an admin lent a mobile
    # device not marked encrypted (policy 10.2). None: no reason was needed.
    long_loan_reason: Mapped[str | None] = mapped_column(Text)
    unencrypted_reason: Mapped[str | None] = mapped_column(Text)
    # The booking this loan was collected for, if any (bookings know their loans through it).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)

    asset = relationship("Asset", back_populates="loans")
    booking = relationship("Booking", back_populates="loans")
    person = relationship("Person", back_populates="loans")
    out_by = relationship("User", foreign_keys=[out_by_id])
    returned_to = relationship("User", foreign_keys=[returned_to_id])
    signature = relationship("Signature", foreign_keys=[signature_id])
    return_signature = relationship("Signature", foreign_keys=[return_signature_id])

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    @property
    def awaiting_signature(self) -> bool:
        return self.signature_id is None and self.is_open

    @property
    def came_back(self) -> bool:
        """Whether the item was handed back (the loan ended at the desk, in some condition),
        as against still out or ended without it (written off or replaced)."""
        return self.returned_at is not None and self.return_condition != NOT_RETURNED

    @property
    def kind(self) -> str:
        return "allocation" if self.due_on is None else "short"

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today

    @property
    def return_condition_label(self) -> str:
        return RETURN_CONDITION_LABELS.get(self.return_condition or "", "")
