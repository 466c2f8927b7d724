"""What a subject access zip holds about a person, section by section
(services/people/subject_access.py puts them together): each gives the files and what the
index says of them. Here their details, loans, bookings and signed records; what happened to
them (reports, leavers' checklists, the audit trail) is in subject_access_history.py. Times are
written as moments at the school with their offset, so a machine reads them without doubt."""

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload

from assets.extensions import db
from assets.files.subject_access import PackageFile, Section, csv_bytes
from assets.models import (
    Booking,
    Person,
    Signature,
    SignInIdentity,
    User,
)
from assets.models.user import SIGN_IN_LABELS
from assets.services.common.clock import local_moment, local_time_text

WITHHELD = "Withheld: about another person"


# ---- values as the files write them ---------------------------------------------------------


def when_text(moment: datetime | None) -> str:
    """A moment at the school, unambiguous for a machine: 2026-12-07T09:30:00+00:00."""
    return local_moment(moment).isoformat(timespec="seconds") if moment else ""


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return when_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, default=plain) + "\n").encode()


def name_of(user: User | None) -> str:
    return user.name if user else ""


def column_loader(column: Any, row_id: int) -> Callable[[], bytes]:
    """Reads one stored file (a photo, signature or PDF) when the zip writes it: a query of
    that column alone, so its bytes never sit in the session and only one is held at a time."""
    table = column.class_

    def load() -> bytes:
        return db.session.execute(select(column).where(table.id == row_id)).scalar_one()

    return load


# ---- the sections ---------------------------------------------------------------------------


def details_section(person: Person) -> Section:
    login = person.user
    identities = (
        list(
            db.session.scalars(
                select(SignInIdentity)
                .where(SignInIdentity.user_id == login.id)
                .order_by(SignInIdentity.id)
            )
        )
        if login
        else []
    )
    data = {
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "staff_number": person.staff_number,
            "job_title": person.job_title,
            "contract_end_date": person.contract_end_date,
            "on_the_staff": person.active,
            "notes": person.notes,
            "added": person.created_at,
        },
        "login": None
        if login is None
        else {
            "email": login.email,
            "name": login.name,
            "role": login.role_label,
            "active": login.active,
            "created": login.created_at,
            "password_last_changed": login.password_changed_at,
            "last_sign_in": login.last_login_at,
            "last_sign_in_method": SIGN_IN_LABELS.get(login.last_login_method or ""),
            "failed_sign_ins_since_last_success": login.failed_logins,
            "locked_until": login.locked_until,
            "linked_school_accounts": [
                {
                    "provider": SIGN_IN_LABELS[identity.provider],
                    "account_id": identity.subject,
                    "linked": identity.created_at,
                }
                for identity in identities
            ],
        },
    }
    section = Section("Their details and login")
    section.files.append(
        PackageFile(
            "details.json",
            "Their record on the staff list, and their login to this app with its sign-in "
            "history and linked Microsoft or Google school accounts (JSON)",
            json_bytes(data),
        )
    )
    if login is None:
        section.notes.append("They have no login to this app.")
    return section


def _terms_words(signature: Signature | None) -> str:
    if signature is None:
        return ""
    return "; ".join(f"{terms.versioned_title} [{terms.sha256}]" for terms in signature.terms)


def loans_section(person: Person, receipt_paths: dict[int, str]) -> Section:
    section = Section("Loans", empty="They have never borrowed anything from the school.")
    if not person.loans:
        return section
    loans = sorted(person.loans, key=lambda loan: (loan.out_at, loan.id))
    rows = [
        (
            loan.id,
            loan.asset.tag,
            loan.asset.name,
            loan.asset.serial_number,
            when_text(loan.out_at),
            name_of(loan.out_by),
            loan.due_on.isoformat() if loan.due_on else "long-term allocation",
            when_text(loan.returned_at),
            name_of(loan.returned_to),
            loan.return_condition_label,
            loan.return_note,
            "awaiting their signature" if loan.signature_id is None else loan.signature_id,
            _terms_words(loan.signature),
            receipt_paths.get(loan.signature_id or 0, ""),
            receipt_paths.get(loan.return_signature_id or 0, ""),
            loan.long_loan_reason,
            loan.unencrypted_reason,
        )
        for loan in loans
    ]
    headers = (
        "Loan",
        "Asset tag",
        "Asset",
        "Serial number",
        "Lent at",
        "Lent by",
        "Due back",
        "Returned at",
        "Returned to",
        "Condition on return",
        "Return note",
        "Signature",
        "Terms signed (version and SHA-256)",
        "Loan receipt",
        "Return receipt",
        "Reason for a longer loan",
        "Reason for lending unencrypted",
    )
    section.files.append(
        PackageFile(
            "loans.csv",
            f"Every loan to them ({len(rows)}), with the dates, the terms they signed and "
            "the receipt file of each (CSV, UTF-8)",
            csv_bytes(headers, rows),
        )
    )
    return section


def bookings_section(person: Person) -> Section:
    """Every booking for them, in every state."""
    section = Section("Bookings", empty="Nothing was ever booked for them.")
    found = db.session.scalars(
        select(Booking)
        .where(Booking.person_id == person.id)
        .options(
            joinedload(Booking.asset),
            joinedload(Booking.kit),
            joinedload(Booking.pool),
            joinedload(Booking.booked_by),
        )
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    if not found:
        return section
    rows = [
        (
            booking.id,
            # A pool's booking has no one tag: its words ("3 from Loan iPads") instead.
            "" if booking.pool is not None else booking.item.tag,
            booking.item_text if booking.pool is not None else booking.item.name,
            when_text(booking.starts_at),
            when_text(booking.ends_at),
            booking.state_label,
            booking.purpose,
            name_of(booking.booked_by),
            booking.series_id or "",
            when_text(booking.created_at),
            when_text(booking.cancelled_at),
        )
        for booking in found
    ]
    headers = (
        "Booking",
        "Asset tag",
        "Asset",
        "From",
        "Until",
        "State",
        "What for",
        "Booked by",
        "Weekly series",
        "Made at",
        "Cancelled at",
    )
    section.files.append(
        PackageFile(
            "bookings.csv",
            f"Every booking for them ({len(rows)}), in every state (CSV, UTF-8)",
            csv_bytes(headers, rows),
        )
    )
    return section


def _signed_text(signature: Signature) -> bytes:
    items = "\n".join(
        f"- {item.get('tag', '')} {item.get('name', '')}".rstrip() for item in signature.items
    )
    return (
        f"{signature.title}\n\nSigned by {signature.person.name} on "
        f"{local_time_text(signature.signed_at)} {signature.capture_words}.\n"
        f"SHA-256 of the text: {signature.text_sha256}\n"
        + (f"\nItems:\n{items}\n" if items else "")
        + f"\n{signature.text}\n"
    ).encode()


def signature_sections(person: Person) -> tuple[Section, Section, dict[int, str]]:
    """The loan and return signatures with their receipts, the declarations, and where each
    signature's receipt lies in the zip."""
    receipts = Section(
        "Signatures and receipts", empty="They have not signed for or returned anything."
    )
    declarations = Section("Declarations", empty="They have not signed the staff declaration.")
    receipt_paths: dict[int, str] = {}
    rows: dict[str, list[tuple]] = {"receipts": [], "declarations": []}
    signatures = db.session.scalars(
        select(Signature)
        .where(Signature.person_id == person.id)
        .options(defer(Signature.image_png), defer(Signature.receipt_pdf))
        .order_by(Signature.signed_at, Signature.id)
    ).all()
    with_receipt = set(
        db.session.scalars(
            select(Signature.id).where(
                Signature.person_id == person.id, Signature.receipt_pdf.is_not(None)
            )
        )
    )
    for signature in signatures:
        is_declaration = signature.purpose == "declaration"
        section = declarations if is_declaration else receipts
        folder = "declarations" if is_declaration else "signatures"
        stem = f"{folder}/{signature.purpose}-{signature.id}"
        when = local_time_text(signature.signed_at)
        section.files.append(
            PackageFile(
                f"{stem}-signature.png",
                f"Their drawn signature: {signature.purpose_label.lower()}, {when} (PNG image)",
                column_loader(Signature.image_png, signature.id),
            )
        )
        section.files.append(
            PackageFile(
                f"{stem}-text-signed.txt",
                f"The exact text they signed: {signature.title} (UTF-8 text)",
                _signed_text(signature),
            )
        )
        receipt = ""
        if signature.id in with_receipt:
            receipt = f"receipts/{signature.purpose}-receipt-{signature.receipt_code}.pdf"
            receipt_paths[signature.id] = receipt
            receipts.files.append(
                PackageFile(
                    receipt,
                    f"The signed {signature.purpose_label.lower()} handed to them, {when}, "
                    f"verification code {signature.receipt_code} (PDF, as stored)",
                    column_loader(Signature.receipt_pdf, signature.id),
                )
            )
        rows["declarations" if is_declaration else "receipts"].append(
            (
                signature.id,
                signature.purpose_label,
                when_text(signature.signed_at),
                signature.capture_words,
                name_of(signature.recorded_by),
                name_of(signature.technician),
                signature.title,
                "; ".join(item.get("tag", "") for item in signature.items),
                _terms_words(signature),
                signature.text_sha256,
                signature.image_sha256,
                signature.receipt_code,
                receipt,
            )
        )
    headers = (
        "Signature",
        "What",
        "Signed at",
        "How",
        "Drawn on the login of",
        "Technician",
        "Title",
        "Items",
        "Terms (version and SHA-256)",
        "SHA-256 of the text",
        "SHA-256 of the image",
        "Verification code",
        "Receipt",
    )
    for key, section, path, what in (
        ("receipts", receipts, "signatures.csv", "Each signature for a loan or a return"),
        ("declarations", declarations, "declarations.csv", "Each staff declaration signed"),
    ):
        if rows[key]:
            section.files.insert(
                0,
                PackageFile(
                    path,
                    f"{what} ({len(rows[key])}): when, how, what and the hashes (CSV, UTF-8)",
                    csv_bytes(headers, rows[key]),
                ),
            )
    return receipts, declarations, receipt_paths
