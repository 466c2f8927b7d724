"""A leaver's return checklist (policy 8.4): the case, its completed steps, the two closing
signatures and the PDF record filed when it closes.

Only completed steps are rows, apart from licence lines, which the technician types in
before ticking them. Each step has a key unique within its case ("item:<loan id>",
"wipe:<asset id>", "network_account", "app_login", "licence:<token>"), so the database itself
refuses a step marked twice, whoever races whom.
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow
from assets.models.loan import NOT_RETURNED, RETURN_CONDITIONS
from assets.models.terms import RemovalRules, never_edited

CASE_STATUSES = ("open", "closed")
STEP_KINDS = ("item", "wipe", "licence", "network_account", "app_login")
# An item comes back as the desk records a return, or does not come back at all.
ITEM_OUTCOMES = (*RETURN_CONDITIONS, NOT_RETURNED)
OUTCOMES_BY_KIND = {
    "item": ITEM_OUTCOMES,
    "wipe": ("wiped",),
    "licence": ("returned",),
    "network_account": ("disabled",),
    "app_login": ("deactivated",),
}
SIGNER_ROLES = ("technician", "leaver")


_OUTCOME_FITS_KIND = " OR ".join(
    f"(kind = '{kind}' AND outcome IN {sql_list(outcomes)})"
    for kind, outcomes in OUTCOMES_BY_KIND.items()
)


class LeaverCase(db.Model):
    __tablename__ = "leaver_cases"
    __table_args__ = (
        # One checklist under way per person: a second technician opening it resumes it.
        Index(
            "uq_leaver_cases_open_person",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        CheckConstraint(f"status IN {sql_list(CASE_STATUSES)}", name="status"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at"),
        CheckConstraint(
            "status = 'open' OR (closed_by_id IS NOT NULL AND record_pdf IS NOT NULL"
            " AND record_code IS NOT NULL)",
            name="record_filed",
        ),
        CheckConstraint(
            "unsigned_reason IS NULL OR length(trim(unsigned_reason)) > 0",
            name="unsigned_reason_not_blank",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # The contract end date the checklist is for (the person's, when it was opened and again
    # when it closed), so a closed case does not hide a later contract's end.
    leaving_on: Mapped[date | None]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Every change to the checklist touches this row first, only while it is open: changes
    # and the closing queue behind each other instead of crossing.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the leaver could not sign ("left without signing"), with the reason.
    unsigned_reason: Mapped[str | None] = mapped_column(Text)
    record_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    record_code: Mapped[str | None] = mapped_column(String(14))

    person = relationship("Person")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    steps: Mapped[list["LeaverStep"]] = relationship(
        back_populates="case", order_by="LeaverStep.id", cascade="all, delete-orphan"
    )
    signatures: Mapped[list["LeaverSignature"]] = relationship(
        back_populates="case", order_by="LeaverSignature.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def signature_of(self, role: str) -> "LeaverSignature | None":
        return next((s for s in self.signatures if s.role == role), None)

    def __str__(self) -> str:
        return f"Leaver's checklist #{self.id}"


class LeaverStep(db.Model):
    """One step of a checklist: what was done, who did it and when (and how, for a wipe)."""

    __tablename__ = "leaver_steps"
    __table_args__ = (
        UniqueConstraint("case_id", "key", name="uq_leaver_steps_case_key"),
        CheckConstraint(f"kind IN {sql_list(STEP_KINDS)}", name="kind"),
        CheckConstraint(f"outcome IS NULL OR {_OUTCOME_FITS_KIND}", name="outcome"),
        CheckConstraint("(completed_at IS NULL) = (outcome IS NULL)", name="completed_outcome"),
        CheckConstraint("(completed_at IS NULL) = (completed_by_id IS NULL)", name="completed_by"),
        CheckConstraint("kind = 'licence' OR completed_at IS NOT NULL", name="stored_when_done"),
        CheckConstraint("(asset_id IS NOT NULL) = (kind IN ('item', 'wipe'))", name="asset"),
        CheckConstraint("(loan_id IS NOT NULL) = (kind = 'item')", name="loan"),
        CheckConstraint(
            "(incident_id IS NOT NULL) = (kind = 'item' AND outcome <> 'full_working')",
            name="incident_when_not_full",
        ),
        CheckConstraint("kind <> 'wipe' OR length(trim(method)) > 0", name="wipe_method"),
        CheckConstraint("length(trim(label)) > 0", name="label_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("leaver_cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    # What the step is about, as listed at the time ("ASH-0001 Dell Latitude 3440", or the
    # licence as the technician typed it).
    label: Mapped[str] = mapped_column(String(200))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    # The damage or loss report an item that did not come back in full opened.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[LeaverCase] = relationship(back_populates="steps")
    asset = relationship("Asset")
    loan = relationship("Loan")
    incident = relationship("Incident")
    added_by = relationship("User", foreign_keys=[added_by_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


class LeaverSignature(db.Model):
    """A closing signature: the technician's sign-off or the leaver's confirmation, drawn at
    the desk, with the exact statement signed. Inserted once, never edited."""

    __tablename__ = "leaver_signatures"
    __table_args__ = (
        UniqueConstraint("case_id", "role", name="uq_leaver_signatures_case_role"),
        CheckConstraint(f"role IN {sql_list(SIGNER_ROLES)}", name="role"),
        CheckConstraint("length(statement_sha256) = 64", name="statement_sha256"),
        CheckConstraint("length(image_sha256) = 64", name="image_sha256"),
        CheckConstraint("length(trim(statement)) > 0", name="statement_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("leaver_cases.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # The signer's name as printed on the record, and the login the signature was drawn on.
    name: Mapped[str] = mapped_column(String(120))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    statement: Mapped[str] = mapped_column(Text)
    statement_sha256: Mapped[str] = mapped_column(String(64))
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    image_sha256: Mapped[str] = mapped_column(String(64))
    # Set when the name, statement and image were removed under the retention policy (the
    # statement's and the image's hashes stay).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[LeaverCase] = relationship(back_populates="signatures")
    recorded_by = relationship("User")


# The leaver's image goes, the signer's printed name may become a pseudonym, and the
# statement may lose the names in it (its hash stays); nothing else changes.
LEAVER_SIGNATURE_REMOVAL = RemovalRules(
    kept=(
        "id",
        "case_id",
        "role",
        "recorded_by_id",
        "signed_at",
        "statement_sha256",
        "image_sha256",
    ),
    emptied=("image_png",),
    pseudonymised=("name",),
)
never_edited(LeaverSignature.__table__, except_removal=LEAVER_SIGNATURE_REMOVAL)
