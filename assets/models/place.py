"""Where things are and what kind of thing they are."""

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assets.extensions import db

TERMS_KINDS = ("laptop", "equipment")
LOAN_KINDS = ("allocation", "short")


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
        CheckConstraint(f"terms_kind IN {TERMS_KINDS}", name="terms_kind"),
        CheckConstraint(f"loan_kind IN {LOAN_KINDS}", name="loan_kind"),
        CheckConstraint(
            "default_loan_days IS NULL OR default_loan_days > 0", name="default_loan_days"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Section 8 (laptop) terms or section 10 (other equipment) terms.
    terms_kind: Mapped[str] = mapped_column(String(20), default="equipment")
    # A long allocation (until the contract ends) or a short loan with a due date.
    loan_kind: Mapped[str] = mapped_column(String(20), default="short")
    default_loan_days: Mapped[int | None]

    def __str__(self) -> str:
        return self.name
