"""A member of staff who may borrow equipment; they need not have a login."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, utcnow
from assets.models.loan import Loan


class Person(db.Model):
    __tablename__ = "people"
    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    staff_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(120))
    contract_end_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    loans: Mapped[list[Loan]] = relationship(
        back_populates="person", order_by=Loan.out_at.desc(), viewonly=True
    )
    user = relationship("User", back_populates="person", uselist=False, viewonly=True)
    signatures = relationship(
        "Signature", viewonly=True, order_by="(Signature.signed_at.desc(), Signature.id.desc())"
    )

    @property
    def open_loans(self) -> list[Loan]:
        return [loan for loan in self.loans if loan.is_open]

    def __str__(self) -> str:
        return self.name
