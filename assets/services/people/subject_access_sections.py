"""What a subject access zip holds about a person, section by section
(services/people/subject_access.py puts them together): each gives the files and what the
index says of them. Times are written as moments at the school with their offset, so a
machine reads them without doubt."""

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import defer, joinedload

from assets.extensions import db
from assets.files.subject_access import PackageFile, Section, csv_bytes
from assets.models import (
    Booking,
    Event,
    Incident,
    IncidentPhoto,
    LeaverCase,
    LeaverSignature,
    Person,
    Signature,
    SignInIdentity,
    User,
)
from assets.models.user import SIGN_IN_LABELS
from assets.services.common.clock import local_moment, local_time_text

WITHHELD = "Withheld: about another person"


# ---- values as the files write them ---------------------------------------------------------


def _when(moment: datetime | None) -> str:
    """A moment at the school, unambiguous for a machine: 2026-12-07T09:30:00+00:00."""
    return local_moment(moment).isoformat(timespec="seconds") if moment else ""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _when(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, default=_plain) + "\n").encode()


def _name(user: User | None) -> str:
    return user.name if user else ""


def _column_loader(column: Any, row_id: int) -> Callable[[], bytes]:
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
            _json(data),
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
            _when(loan.out_at),
            _name(loan.out_by),
            loan.due_on.isoformat() if loan.due_on else "long-term allocation",
            _when(loan.returned_at),
            _name(loan.returned_to),
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
        .options(joinedload(Booking.asset), joinedload(Booking.booked_by))
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    if not found:
        return section
    rows = [
        (
            booking.id,
            booking.asset.tag,
            booking.asset.name,
            _when(booking.starts_at),
            _when(booking.ends_at),
            booking.state_label,
            booking.purpose,
            _name(booking.booked_by),
            booking.series_id or "",
            _when(booking.created_at),
            _when(booking.cancelled_at),
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
                _column_loader(Signature.image_png, signature.id),
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
                    _column_loader(Signature.receipt_pdf, signature.id),
                )
            )
        rows["declarations" if is_declaration else "receipts"].append(
            (
                signature.id,
                signature.purpose_label,
                _when(signature.signed_at),
                signature.capture_words,
                _name(signature.recorded_by),
                _name(signature.technician),
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


def reports_section(person: Person, loan_ids: list[int]) -> Section:
    section = Section(
        "Loss, damage and theft reports",
        empty="No report was made by them or about equipment lent to them.",
    )
    conditions = [Incident.person_id == person.id]
    if loan_ids:
        conditions.append(Incident.loan_id.in_(loan_ids))
    if person.user:
        conditions.append(Incident.reporter_id == person.user.id)
    incidents = list(
        db.session.scalars(
            select(Incident)
            .where(or_(*conditions))
            .options(joinedload(Incident.asset), joinedload(Incident.reporter))
            .order_by(Incident.reported_at, Incident.id)
        ).unique()
    )
    if not incidents:
        return section
    rows = []
    photos = []
    withheld_any = False
    for incident in incidents:
        about_them = incident.person_id == person.id or incident.loan_id in loan_ids
        made_by_them = person.user is not None and incident.reporter_id == person.user.id
        why = " and ".join(
            words
            for words, applies in (
                ("about equipment lent to them", about_them),
                ("made by them", made_by_them),
            )
            if applies
        )
        # A report they only filed, about equipment lent to someone else, is that person's
        # data: its date, kind, item and reporter stay, its words and photos do not.
        shown = about_them or (incident.person_id is None and incident.loan_id is None)
        withheld_any = withheld_any or not shown
        charge = incident.charge if incident.charge and about_them else None
        files = []
        for photo in incident.photos if shown else ():
            extension = "jpg" if photo.content_type == "image/jpeg" else "png"
            path = f"reports/report-{incident.id}-photo-{photo.id}.{extension}"
            files.append(path)
            photos.append(
                PackageFile(
                    path,
                    f"A photo on report #{incident.id} ({incident.kind_label.lower()} of "
                    f"{incident.asset.tag}), {photo.width} by {photo.height} pixels",
                    _column_loader(IncidentPhoto.data, photo.id),
                )
            )

        def words(value: Any) -> Any:
            return value if shown else WITHHELD  # noqa: B023 (used within the iteration)

        rows.append(
            (
                incident.id,
                why,
                incident.kind_label,
                incident.asset.tag,
                incident.asset.name,
                incident.occurred_on.isoformat(),
                incident.occurred_time.isoformat("minutes") if incident.occurred_time else "",
                words(incident.place),
                words(incident.unsecured_label),
                words(incident.description),
                words(incident.police_reference),
                _name(incident.reporter),
                _when(incident.reported_at),
                incident.status_label,
                words(incident.outcome_note),
                _when(incident.closed_at),
                "" if charge is None else ("Yes" if charge.applies else "No"),
                "" if charge is None or charge.amount is None else str(charge.amount),
                "" if charge is None else charge.reason,
                "" if charge is None else _when(charge.decided_at),
                "" if charge is None else _name(charge.decided_by),
                "" if charge is None or charge.settlement is None else charge.settlement,
                "" if charge is None else _when(charge.settled_at),
                "" if charge is None else charge.settlement_note,
                "; ".join(files) if shown else WITHHELD,
            )
        )
    headers = (
        "Report",
        "Why it is here",
        "Kind",
        "Asset tag",
        "Asset",
        "Happened on",
        "At",
        "Where",
        "Left unsecured",
        "What happened",
        "Police crime reference",
        "Reported by",
        "Reported at",
        "Status",
        "Outcome",
        "Closed at",
        "Charged",
        "Charge (£)",
        "Charge reason",
        "Charge decided at",
        "Charge decided by (for the school)",
        "Charge settled",
        "Charge settled at",
        "Settlement note",
        "Photos",
    )
    if withheld_any:
        section.notes.append(
            "A report they made about equipment lent to another person keeps its date, kind, "
            f'item and reporter; its words and photos are withheld ("{WITHHELD}") to protect '
            "that person's data."
        )
    section.files.append(
        PackageFile(
            "reports.csv",
            f"Each report ({len(rows)}) and why it is here, with its outcome and any charge "
            "to them (CSV, UTF-8)",
            csv_bytes(headers, rows),
        )
    )
    section.files += photos
    return section


def leavers_section(person: Person) -> Section:
    section = Section("Leaver's checklist", empty="No leaver's checklist was opened for them.")
    cases = db.session.scalars(
        select(LeaverCase).where(LeaverCase.person_id == person.id).order_by(LeaverCase.id)
    )
    headers = ("Step", "What", "Outcome", "How", "Note", "Done at", "Done by")
    for case in cases:
        stem = f"leavers/checklist-{case.id}"
        rows = [
            (
                step.kind.replace("_", " "),
                step.label,
                (step.outcome or "outstanding").replace("_", " "),
                step.method,
                step.note,
                _when(step.completed_at),
                _name(step.completed_by),
            )
            for step in case.steps
        ]
        status = "closed " + local_time_text(case.closed_at) if case.closed_at else "still open"
        section.files.append(
            PackageFile(
                f"{stem}.csv",
                f"Leaver's checklist #{case.id}, opened {local_time_text(case.opened_at)} by "
                f"{_name(case.opened_by)}, {status}: each step done (CSV, UTF-8)",
                csv_bytes(headers, rows),
            )
        )
        if case.unsigned_reason:
            section.notes.append(
                f"Checklist #{case.id} closed without their signature: {case.unsigned_reason}"
            )
        own = db.session.scalars(
            select(LeaverSignature)
            .where(LeaverSignature.case_id == case.id, LeaverSignature.role == "leaver")
            .options(defer(LeaverSignature.image_png))
        ).one_or_none()
        if own is not None:
            signed = local_time_text(own.signed_at)
            section.files.append(
                PackageFile(
                    f"{stem}-their-signature.png",
                    f"Their drawn signature closing checklist #{case.id}, {signed} (PNG image)",
                    _column_loader(LeaverSignature.image_png, own.id),
                )
            )
            section.files.append(
                PackageFile(
                    f"{stem}-their-statement.txt",
                    f"The exact statement they signed closing checklist #{case.id}, {signed} "
                    "(UTF-8 text)",
                    (
                        f"Signed by {own.name} on {signed}.\n"
                        f"SHA-256 of the statement: {own.statement_sha256}\n\n"
                        f"{own.statement}\n"
                    ).encode(),
                )
            )
        has_record = db.session.scalar(
            select(LeaverCase.record_pdf.is_not(None)).where(LeaverCase.id == case.id)
        )
        if has_record:
            section.files.append(
                PackageFile(
                    f"leavers/leaver-record-{case.id}-{case.record_code}.pdf",
                    f"The signed leaver's record of checklist #{case.id}, verification code "
                    f"{case.record_code}: the signed record as kept, with both signatures "
                    "(PDF, as stored)",
                    _column_loader(LeaverCase.record_pdf, case.id),
                )
            )
    return section


def events_section(person: Person, owned: dict[str, set[int]]) -> Section:
    """Events about them or their records, and those done on their login; an event done by
    them about another person keeps its date and kind but not its words."""
    section = Section("Audit trail", empty="No event in the audit trail concerns them.")
    login = person.user
    conditions = [Event.person_id == person.id]
    conditions += [
        and_(Event.entity_type == kind, Event.entity_id.in_(ids))
        for kind, ids in owned.items()
        if ids
    ]
    if login is not None:
        conditions.append(Event.actor_id == login.id)
    found = db.session.scalars(
        select(Event)
        .where(or_(*conditions))
        .options(joinedload(Event.actor))
        .order_by(Event.at, Event.id)
    )
    rows = []
    for event in found:
        about_them = event.person_id == person.id or event.entity_id in owned.get(
            event.entity_type, set()
        )
        about_nobody = event.person_id is None and event.entity_type not in owned
        shown = about_them or about_nobody
        rows.append(
            (
                event.id,
                _when(event.at),
                _name(event.actor) or "the system",
                event.action,
                f"{event.entity_type} #{event.entity_id}",
                "about them" if about_them else "done by them",
                event.summary if shown else WITHHELD,
                json.dumps(event.changes, ensure_ascii=False, default=_plain) if shown else "",
            )
        )
    if not rows:
        return section
    section.notes.append(
        "An event they caused that is about another person keeps its date and kind; its "
        f'words are withheld ("{WITHHELD}") to protect that person\'s data.'
    )
    section.files.append(
        PackageFile(
            "events.csv",
            f"Every event in the audit trail about them or done on their login ({len(rows)}), "
            "oldest first (CSV, UTF-8)",
            csv_bytes(
                ("Event", "When", "Who", "Action", "Record", "Why", "Summary", "Details"), rows
            ),
        )
    )
    return section
