"""Loss, damage and theft reports (policy 8.3, 8.6 and 10.1), from report to outcome: the
incident itself, its photos, the repair and the charge decision."""

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

KIND_LABELS = {
    "loss": "Loss",
    "damage": "Damage",
    "theft": "Theft",
    "criminal_damage": "Criminal damage",
    "fault": "Fault",
}
KINDS = tuple(KIND_LABELS)
# Policy 10.1: theft and criminal damage are reported to the police as well.
POLICE_KINDS = ("theft", "criminal_damage")

OPEN_STATUSES = ("reported", "investigating", "in_repair")
OUTCOMES = ("repaired", "replaced", "written_off", "found", "no_action")
INCIDENT_STATUSES = OPEN_STATUSES + OUTCOMES
INCIDENT_STATUS_LABELS = {
    "reported": "Reported",
    "investigating": "Under investigation",
    "in_repair": "Under repair",
    "repaired": "Repaired, back in service",
    "replaced": "Replaced",
    "written_off": "Written off",
    "found": "Found",
    "no_action": "Closed with no action",
}

# Policy 8.3: "never left in a vehicle overnight or other unsecured, vulnerable situation".
UNSECURED_LABELS = {
    "no": "No",
    "vehicle_overnight": "Yes, in a vehicle overnight",
    "other": "Yes, somewhere else unsecured",
}
UNSECURED = tuple(UNSECURED_LABELS)

# Whether the admins and technicians have been emailed about the report.
NOTIFY_STATES = ("pending", "sent", "failed")
SETTLEMENTS = ("paid", "waived")
PHOTO_TYPES = ("image/jpeg", "image/png")


class Incident(db.Model):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_list(KINDS)}", name="kind"),
        CheckConstraint(f"status IN {sql_list(INCIDENT_STATUSES)}", name="status"),
        CheckConstraint(f"unsecured IN {sql_list(UNSECURED)}", name="unsecured"),
        CheckConstraint(f"notify_state IN {sql_list(NOTIFY_STATES)}", name="notify_state"),
        CheckConstraint("notify_attempts >= 0", name="notify_attempts"),
        CheckConstraint("length(trim(description)) > 0", name="description_not_blank"),
        CheckConstraint(
            f"(closed_at IS NULL) = (status IN {sql_list(OPEN_STATUSES)})", name="closed"
        ),
        # Policy 10.1: a theft or criminal damage case cannot close without the police
        # crime reference.
        CheckConstraint(
            f"kind NOT IN {sql_list(POLICE_KINDS)} OR status IN {sql_list(OPEN_STATUSES)}"
            " OR length(trim(coalesce(police_reference, ''))) > 0",
            name="police_reference_to_close",
        ),
        # The key a charge points at, so that the borrower a charge names is always the
        # report's own borrower (IncidentCharge.person_id).
        Index("uq_incidents_id_person", "id", "person_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), index=True)
    # The loan the item was on, and the borrower concerned (None when nobody held it).
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="reported", index=True)
    # When and where it happened, as the reporter gave them: a local date, maybe a time.
    occurred_on: Mapped[date]
    occurred_time: Mapped[time | None]
    place: Mapped[str] = mapped_column(String(200), default="")
    unsecured: Mapped[str] = mapped_column(String(20), default="no")
    description: Mapped[str] = mapped_column(Text)
    police_reference: Mapped[str | None] = mapped_column(String(40))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notify_state: Mapped[str] = mapped_column(String(10), default="pending")
    notify_attempts: Mapped[int] = mapped_column(default=0)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notify_error: Mapped[str | None] = mapped_column(String(300))

    asset = relationship("Asset")
    loan = relationship("Loan")
    person = relationship("Person")
    reporter = relationship("User")
    photos: Mapped[list["IncidentPhoto"]] = relationship(
        back_populates="incident", order_by="IncidentPhoto.id", cascade="all, delete-orphan"
    )
    repair: Mapped["IncidentRepair | None"] = relationship(
        back_populates="incident", cascade="all, delete-orphan"
    )
    charge: Mapped["IncidentCharge | None"] = relationship(
        back_populates="incident",
        cascade="all, delete-orphan",
        foreign_keys="IncidentCharge.incident_id",
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return INCIDENT_STATUS_LABELS[self.status]

    @property
    def unsecured_label(self) -> str:
        return UNSECURED_LABELS[self.unsecured]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_police_reference(self) -> bool:
        return self.kind in POLICE_KINDS

    @property
    def police_reference_outstanding(self) -> bool:
        return self.needs_police_reference and not self.police_reference

    def __str__(self) -> str:
        return f"Incident #{self.id}"


class IncidentPhoto(db.Model):
    """A photo re-encoded on upload (assets/files/images/photos.py); served only through a view that
    checks who may see the report."""

    __tablename__ = "incident_photos"
    __table_args__ = (
        CheckConstraint(f"content_type IN {sql_list(PHOTO_TYPES)}", name="content_type"),
        CheckConstraint("byte_size > 0", name="byte_size"),
        CheckConstraint("width > 0 AND height > 0", name="dimensions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    byte_size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(back_populates="photos")


class IncidentRepair(db.Model):
    """Where the device went for repair, what it cost and when it went and came back."""

    __tablename__ = "incident_repairs"
    __table_args__ = (
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost"),
        CheckConstraint(
            "returned_on IS NULL OR sent_on IS NULL OR returned_on >= sent_on",
            name="returned_after_sent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    supplier: Mapped[str] = mapped_column(String(120), default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    sent_on: Mapped[date | None]
    returned_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship(back_populates="repair")


class IncidentCharge(db.Model):
    """Policy 8.6: an admin's decision whether the borrower pays for repair or replacement,
    and later whether it was paid or waived."""

    __tablename__ = "incident_charges"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        CheckConstraint("applies = (amount IS NOT NULL)", name="amount_when_charged"),
        CheckConstraint(
            f"settlement IS NULL OR settlement IN {sql_list(SETTLEMENTS)}", name="settlement"
        ),
        CheckConstraint("settlement IS NULL OR applies", name="settled_only_when_charged"),
        CheckConstraint("(settlement IS NULL) = (settled_at IS NULL)", name="settled_at"),
        # Policy 8.6 charges the borrower: a charge names one, and it is the report's own.
        CheckConstraint("NOT applies OR person_id IS NOT NULL", name="borrower_when_charged"),
        ForeignKeyConstraint(
            ["incident_id", "person_id"],
            ["incidents.id", "incidents.person_id"],
            name="fk_incident_charges_borrower",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    applies: Mapped[bool]
    # The borrower charged (None when no charge is made).
    person_id: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # The evidence that the policy was not followed, or why no charge is made.
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settlement: Mapped[str | None] = mapped_column(String(10))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    settlement_note: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[Incident] = relationship(back_populates="charge", foreign_keys=[incident_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    settled_by = relationship("User", foreign_keys=[settled_by_id])
