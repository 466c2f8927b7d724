"""Drawn signatures: cleaned before they are kept, stored with the exact text signed, a
receipt built from them, and shown only to the signer and to technicians and admins.

The receipt's PDF module is imported where a receipt is made or checked, not at the top:
fpdf2, fontTools and the fonts take about 30 MiB, which a process (each gunicorn worker, each
`flask` command) then spends only once it makes or checks its first receipt. Python's import
lock makes two threads that do so at once both wait for one complete import."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select

from assets.extensions import db
from assets.files.images.signatures import BadSignature, SignatureImage, clean_signature
from assets.models import Person, Signature, Terms, User
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError
from assets.services.terms.terms import sha256_text

if TYPE_CHECKING:
    from assets.files.pdf.receipts import Receipt

RECEIPT_TITLES = {"loan": "Equipment loan receipt", "return": "Equipment return receipt"}


def clean_image(data: str | bytes | None) -> SignatureImage:
    """The drawn signature, re-encoded; a DomainError on the signature field when it is
    missing, blank, not a PNG, an SVG, damaged or too large."""
    try:
        return clean_signature(data or "")
    except BadSignature as error:
        raise DomainError(str(error), field="signature") from error


def create(
    actor: User | None,
    person: Person,
    *,
    purpose: str,
    image: SignatureImage,
    title: str,
    text: str,
    terms: list[Terms],
    capture: str,
    technician: User | None,
    signed_at: datetime,
    items: list[dict[str, Any]] | None = None,
    due_date: str | None = None,
    return_note: str | None = None,
) -> Signature:
    """Keep a signature and, for loans and returns, its PDF receipt. Never edited later."""
    signature = Signature(
        person=person,
        purpose=purpose,
        capture=capture,
        signed_at=signed_at,
        recorded_by_id=actor.id if actor else None,
        technician_id=technician.id if technician else None,
        title=title,
        text=text,
        text_sha256=sha256_text(text),
        items=items or [],
        details={
            "school": current_app.config["SCHOOL_NAME"],
            "borrower_name": person.name,
            "borrower_email": person.email or "",
            "technician_name": technician.name if technician else None,
            "signed_at_local": local_time_text(signed_at),
            "due_date": due_date,
            "return_note": return_note,
        },
        image_png=image.png,
        image_sha256=image.sha256,
        terms=list(terms),
    )
    if purpose in RECEIPT_TITLES:
        from assets.files.pdf.receipts import build_receipt_pdf, verification_code

        receipt = receipt_for(signature)
        signature.receipt_pdf = build_receipt_pdf(receipt)
        signature.receipt_code = verification_code(receipt)
    db.session.add(signature)
    tags = ", ".join(item["tag"] for item in signature.items)
    summary = f"{person.name} signed: {signature.purpose_label.lower()}"
    events.record(
        actor,
        "signature.created",
        signature,
        summary + (f" for {tags}" if tags else ""),
        changes={
            "purpose": purpose,
            "capture": capture,
            "terms": [f"{t.kind} v{t.version}" for t in terms],
            "text_sha256": signature.text_sha256,
            "image_sha256": signature.image_sha256,
            "receipt_code": signature.receipt_code,
            "items": [item["tag"] for item in signature.items],
        },
        person=person,
    )
    return signature


def receipt_for(signature: Signature, signature_png: bytes | None = None) -> Receipt:
    """The receipt exactly as it was built when `signature` was made (with another image
    when `signature_png` is given: a test compares the two)."""
    from assets.files.pdf.receipts import Receipt, ReceiptItem

    details = signature.details
    return Receipt(
        school=details["school"],
        title=RECEIPT_TITLES[signature.purpose],
        borrower_name=details["borrower_name"],
        borrower_email=details["borrower_email"],
        items=[
            ReceiptItem(item["tag"], item["name"], item.get("model"), item.get("serial"))
            for item in signature.items
        ],
        terms_title=signature.title,
        terms_text=signature.text,
        signed_at=signature.signed_at,
        signed_at_local=details["signed_at_local"],
        technician_name=details["technician_name"],
        signature_png=signature_png or signature.image_png,
        due_date=details["due_date"],
        capture=signature.capture_words,
        return_note=details["return_note"],
    )


def verify(signature: Signature) -> bool:
    """True when the stored text, image and receipt still match their hashes and code (once
    personal data is removed under the retention policy: see verify_kept)."""
    if signature.personal_data_removed_at is not None:
        return verify_kept(signature)
    if sha256_text(signature.text) != signature.text_sha256:
        return False
    if hashlib.sha256(signature.image_png).hexdigest() != signature.image_sha256:
        return False
    if signature.purpose in RECEIPT_TITLES:
        from assets.files.pdf.receipts import verification_code

        return verification_code(receipt_for(signature)) == signature.receipt_code
    return True


def can_view(user: User, signature: Signature) -> bool:
    """The signer (through their own login) and technicians and admins; nobody else."""
    if allows(user, "can_see_all_signatures"):
        return True
    return user.person_id is not None and user.person_id == signature.person_id


def for_person(person: Person) -> list[Signature]:
    query = (
        select(Signature)
        .where(Signature.person_id == person.id)
        .order_by(Signature.signed_at.desc(), Signature.id.desc())
    )
    return list(db.session.scalars(query))


def seal(signature: Signature) -> str:
    """SHA-256 over what a signature keeps once personal data is removed from it (everything
    but the image, the PDF and the seal itself)."""
    kept = {
        "purpose": signature.purpose,
        "person_id": signature.person_id,
        "signed_at": signature.signed_at.isoformat(),
        "title": signature.title,
        "text_sha256": signature.text_sha256,
        "image_sha256": signature.image_sha256,
        "receipt_code": signature.receipt_code,
        "items": signature.items,
        "details": {k: v for k, v in signature.details.items() if k != "kept_sha256"},
    }
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def verify_kept(signature: Signature) -> bool:
    """For a signature whose personal data was removed (services/people/retention.py): the
    text still matches its hash, the image (if it is still there: a technician's name was
    removed, not the signer's) its hash, what is left its seal, and the verification code
    matched the full record when the data was removed."""
    if sha256_text(signature.text) != signature.text_sha256:
        return False
    if signature.image_png and (
        hashlib.sha256(signature.image_png).hexdigest() != signature.image_sha256
    ):
        return False
    details = signature.details
    return details.get("code_confirmed") is True and details.get("kept_sha256") == seal(signature)
