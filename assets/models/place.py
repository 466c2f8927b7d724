"""Where things are and what kind of thing they are."""

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assets.extensions import db
from assets.models.base import sql_list
from assets.models.list_version import versioned_list

TERMS_KINDS = ("laptop", "equipment")
LOAN_KINDS = ("allocation", "short")
# A short loan whose category names no usual length.
DEFAULT_LOAN_DAYS = 7


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return self.name


class Category(db.Model):
    """Laptop, tablet, camera... and which loan terms and kind of loan apply to it."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint(f"terms_kind IN {sql_list(TERMS_KINDS)}", name="terms_kind"),
        CheckConstraint(f"loan_kind IN {sql_list(LOAN_KINDS)}", name="loan_kind"),
        CheckConstraint(
            "default_loan_days IS NULL OR default_loan_days > 0", name="default_loan_days"
        ),
        CheckConstraint("max_loan_days IS NULL OR max_loan_days > 0", name="max_loan_days"),
        CheckConstraint(
            "max_loan_days IS NULL OR default_loan_days IS NULL"
            " OR default_loan_days <= max_loan_days",
            name="usual_within_longest",
        ),
        # Policy 8.1: a laptop under section 8 is allocated by the school, never taken by staff
        # for themselves; and a self-service loan always has a due date.
        CheckConstraint(
            "NOT self_service OR (terms_kind = 'equipment' AND loan_kind = 'short')",
            name="self_service",
        ),
        # A laptop is a mobile device (policy 10.2).
        CheckConstraint("mobile_device OR terms_kind <> 'laptop'", name="laptop_is_mobile"),
        CheckConstraint(
            "max_booking_hours IS NULL OR max_booking_hours > 0", name="max_booking_hours"
        ),
        CheckConstraint(
            "min_notice_hours IS NULL OR min_notice_hours >= 0", name="min_notice_hours"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Section 8 (laptop) terms or section 10 (other equipment) terms.
    terms_kind: Mapped[str] = mapped_column(String(20), default="equipment")
    # A long allocation (until the contract ends) or a short loan with a due date.
    loan_kind: Mapped[str] = mapped_column(String(20), default="short")
    default_loan_days: Mapped[int | None]
    # The longest a short loan may run (None: its usual length). Staff signing out for
    # themselves stay within it; the desk may go past it only by saying why.
    max_loan_days: Mapped[int | None]
    # An admin lets staff sign these out for themselves.
    self_service: Mapped[bool] = mapped_column(default=False)
    # A laptop, tablet or phone: lent only when marked encrypted or password protected
    # (policy 10.2), unless an admin says why not.
    mobile_device: Mapped[bool] = mapped_column(default=False)
    # Bookings ahead (services/bookings): whether a technician approves each one, the longest
    # a booking may run and how long ahead it must be made (None: no limit).
    booking_needs_approval: Mapped[bool] = mapped_column(default=False)
    max_booking_hours: Mapped[int | None]
    min_notice_hours: Mapped[int | None]

    @property
    def usual_loan_days(self) -> int:
        return self.default_loan_days or DEFAULT_LOAN_DAYS

    @property
    def longest_loan_days(self) -> int | None:
        """How long a loan may run without a reason; None for long allocations."""
        if self.loan_kind == "allocation":
            return None
        return self.max_loan_days or self.usual_loan_days

    def __str__(self) -> str:
        return self.name


# The select fields' lists are kept per process until these change (models/list_version).
versioned_list(Location.__table__)
versioned_list(Category.__table__)
