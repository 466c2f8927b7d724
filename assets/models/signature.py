"""A drawn signature: who signed what, when and how. Inserted once, never edited.

It keeps the exact text signed and its SHA-256, the items as they were listed, the cleaned
signature image and, for loans and returns, the PDF receipt that was handed over.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow
from assets.models.terms import RemovalRules, Terms, never_edited

PURPOSES = ("loan", "return", "declaration")
CAPTURES = ("desk", "remote")
CAPTURE_WORDS = {
    "desk": "at the IT desk",
    "remote": "remotely, on the borrower's own login",
}

# Which versions of which texts a signature accepted (a laptop and a camera signed together
# accept both the laptop and the equipment terms).
signature_terms = Table(
    "signature_terms",
    db.metadata,
    Column("signature_id", ForeignKey("signatures.id"), primary_key=True),
    Column("terms_id", ForeignKey("terms.id"), primary_key=True, index=True),
)


class Signature(db.Model):
    __tablename__ = "signatures"
    __table_args__ = (
        CheckConstraint(f"purpose IN {sql_list(PURPOSES)}", name="purpose"),
        CheckConstraint(f"capture IN {sql_list(CAPTURES)}", name="capture"),
        CheckConstraint("length(text_sha256) = 64", name="text_sha256"),
        CheckConstraint("length(image_sha256) = 64", name="image_sha256"),
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
        CheckConstraint(
            "purpose = 'declaration' OR (receipt_pdf IS NOT NULL AND receipt_code IS NOT NULL)",
            name="receipt_kept",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    capture: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The login on which the signature was drawn (a technician's at the desk, the borrower's
    # own when remote), and the technician who handed over or received the items, if any.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    # [{"tag", "name", "model", "serial", "due_on"}, ...] as listed when signing.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The rest of what the receipt showed (school, names, due date, capture words), so the
    # receipt can be rebuilt and its verification code checked against the stored one.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    image_sha256: Mapped[str] = mapped_column(String(64))
    receipt_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    receipt_code: Mapped[str | None] = mapped_column(String(14))
    # Set when the signer's (or the technician's) personal data was removed under the
    # retention policy: the image and the PDF are then empty, the names in `details` are
    # pseudonyms, and `details["kept_sha256"]` seals what is left (services/people/retention).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    technician = relationship("User", foreign_keys=[technician_id])
    terms: Mapped[list[Terms]] = relationship(secondary=signature_terms, order_by=Terms.id)
    loans = relationship(
        "Loan", foreign_keys="Loan.signature_id", viewonly=True, order_by="Loan.id"
    )
    returned_loans = relationship(
        "Loan", foreign_keys="Loan.return_signature_id", viewonly=True, order_by="Loan.id"
    )

    @property
    def image_removed(self) -> bool:
        return not self.image_png

    @property
    def capture_words(self) -> str:
        return CAPTURE_WORDS[self.capture]

    @property
    def purpose_label(self) -> str:
        return {
            "loan": "Loan receipt",
            "return": "Return receipt",
            "declaration": "Acceptable use declaration",
        }[self.purpose]


# What removing personal data may change (services/people/personal_data.py): the signer's
# image and the PDF go (become empty), the names in `details` become pseudonyms, the signer's
# email becomes "", the return note changes only with the signer's own name, and the seal is
# added. What was signed, by whom, how, when, the items and the hashes never change.
SIGNATURE_REMOVAL = RemovalRules(
    kept=(
        "id",
        "person_id",
        "purpose",
        "capture",
        "signed_at",
        "recorded_by_id",
        "technician_id",
        "title",
        "text",
        "text_sha256",
        "image_sha256",
        "receipt_code",
    ),
    kept_json=("items",),
    emptied=("image_png", "receipt_pdf"),
    details_pseudonymised=("borrower_name", "technician_name"),
    details_emptied=("borrower_email",),
    details_with_borrower=("return_note",),
    details_free=("code_confirmed", "removed_on", "kept_sha256"),
)
never_edited(Signature.__table__, except_removal=SIGNATURE_REMOVAL)
