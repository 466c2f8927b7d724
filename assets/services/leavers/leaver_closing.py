"""Closing a leaver's checklist: only when every step is done, signed off by the technician
and signed by the leaver at the desk (or marked as left without signing, with the reason),
and filed as a PDF record of the items, their condition, the wipes, the signatures and dates.

The record's PDF module is imported where the record is made, not at the top: fpdf2, fontTools
and the fonts take about 30 MiB, which a process then spends only once it makes its first PDF
(assets/services/terms/signatures.py does the same for receipts).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app

from assets.extensions import db
from assets.files.images.signatures import SignatureImage
from assets.models import LeaverCase, LeaverSignature, User
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import date_text, local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.leavers import leavers
from assets.services.terms import signatures

if TYPE_CHECKING:
    from assets.files.pdf.leaver_records import LeaverRecord, RecordSignature, RecordStep

MAX_REASON = 2000


def technician_statement(technician: User, case: LeaverCase) -> str:
    name = case.person.name
    return (
        f"I, {technician.name}, confirm that the equipment, software and licences listed were "
        f"received back from {name}, or reported damaged or not returned, as shown; that each "
        "laptop and computer that came back has had the user account and all personal work "
        f"securely deleted as recorded; and that {name}'s accounts are disabled as recorded "
        "(policy 8.4)."
    )


def leaver_statement(case: LeaverCase) -> str:
    return (
        f"I, {case.person.name}, confirm that I have returned to the school the computer "
        "equipment and software listed, in the condition shown, and that anything listed as not "
        "returned has not been returned (policy 8.4)."
    )


def outstanding_message(checklist: leavers.Checklist) -> str:
    titles = [
        ("Wipe " + line.title) if line.kind == "wipe" else line.title
        for line in checklist.outstanding
    ]
    count = len(titles)
    return (
        f"The checklist cannot close while {count} step{'' if count == 1 else 's'} "
        f"{'is' if count == 1 else 'are'} outstanding: {'; '.join(titles)}."
    )


def _image(data: str | bytes | None, field: str, whose: str) -> SignatureImage:
    try:
        return signatures.clean_image(data)
    except DomainError as error:
        raise DomainError(f"{whose}: {error.message}", field=field) from error


def _step(line: leavers.Line) -> RecordStep:
    from assets.files.pdf.leaver_records import RecordStep

    return RecordStep(
        what=line.title
        + (
            f", serial {line.asset.serial_number}"
            if line.asset and line.asset.serial_number
            else ""
        ),
        outcome=line.result,
        by=line.by,
        at_local=local_time_text(line.at) if line.at else "",
        detail=line.detail,
    )


def _signature_row(
    case: LeaverCase, role: str, name: str, actor: User, statement: str, image, now: datetime
) -> LeaverSignature:
    return LeaverSignature(
        case=case,
        role=role,
        name=name,
        recorded_by_id=actor.id,
        signed_at=now,
        statement=statement,
        statement_sha256=hashlib.sha256(statement.encode("utf-8")).hexdigest(),
        image_png=image.png,
        image_sha256=image.sha256,
    )


def close_case(
    actor: User,
    case: LeaverCase,
    *,
    technician_signature: str | bytes | None,
    leaver_signature: str | bytes | None = None,
    unsigned_reason: str | None = None,
    now: datetime | None = None,
) -> LeaverCase:
    """Close the checklist once every step is done: the acting technician signs off, and the
    leaver signs at the desk, or `unsigned_reason` says why they could not (they left without
    signing). The PDF record is built and stored on the case."""
    now = now or utcnow()
    if not allows(actor, "can_run_leavers"):
        raise NotAllowed("Only the IT technician or an admin can close a leaver's checklist.")
    if unsigned_reason is not None:
        unsigned_reason = clean_text(
            unsigned_reason,
            field="unsigned_reason",
            label="the reason",
            max_length=MAX_REASON,
            required="Say why the leaver could not sign.",
            multiline=True,
        )
    person = case.person
    leavers.claim(case, now)
    checklist = leavers.checklist(case)
    if not checklist.complete:
        raise DomainError(outstanding_message(checklist))
    technician_image = _image(technician_signature, "technician_signature", "Your signature")
    leaver_image = _leaver_image(case, leaver_signature, unsigned_reason)
    technician_text = technician_statement(actor, case)
    leaver_text = leaver_statement(case)
    record = _leaver_record(
        case,
        checklist,
        technician=_record_signature(actor.name, technician_text, technician_image, now),
        leaver=(
            _record_signature(person.name, leaver_text, leaver_image, now) if leaver_image else None
        ),
        unsigned_reason=unsigned_reason,
        now=now,
    )
    db.session.add(
        _signature_row(
            case, "technician", actor.name, actor, technician_text, technician_image, now
        )
    )
    if leaver_image is not None:
        db.session.add(
            _signature_row(case, "leaver", person.name, actor, leaver_text, leaver_image, now)
        )
    _file_record(actor, case, record, unsigned_reason, now)
    _record_closed(actor, case, checklist, leaver_image is not None, unsigned_reason)
    return case


def _leaver_image(
    case: LeaverCase, leaver_signature: str | bytes | None, unsigned_reason: str | None
) -> SignatureImage | None:
    """The leaver's drawn signature; None when they left without signing, as the reason says."""
    if unsigned_reason is not None:
        return None
    name = case.person.name
    if not leaver_signature:
        raise DomainError(
            f"{name} signs in the second box, or tick 'Left without signing' and say why.",
            field="leaver_signature",
        )
    return _image(leaver_signature, "leaver_signature", f"{name}'s signature")


def _record_signature(
    name: str, statement: str, image: SignatureImage, now: datetime
) -> RecordSignature:
    from assets.files.pdf.leaver_records import RecordSignature

    return RecordSignature(name, statement, now, local_time_text(now), image.png)


def _leaver_record(
    case: LeaverCase,
    checklist: leavers.Checklist,
    *,
    technician: RecordSignature,
    leaver: RecordSignature | None,
    unsigned_reason: str | None,
    now: datetime,
) -> LeaverRecord:
    """What the PDF record shows: the leaver, every step of the checklist, the signatures."""
    from assets.files.pdf.leaver_records import LeaverRecord

    person = case.person
    ends = person.contract_end_date
    return LeaverRecord(
        school=current_app.config["SCHOOL_NAME"],
        person_name=person.name,
        person_email=person.email or "",
        staff_number=person.staff_number or "",
        job_title=person.job_title or "",
        leaving_on=date_text(ends) if ends else "Not recorded",
        opened_at_local=local_time_text(case.opened_at),
        closed_at=now,
        closed_at_local=local_time_text(now),
        items=[_step(line) for line in checklist.items],
        wipes=[_step(line) for line in checklist.wipes],
        licences=[_step(line) for line in checklist.licences],
        accounts=[_step(line) for line in checklist.accounts],
        technician=technician,
        leaver=leaver,
        unsigned_reason=unsigned_reason,
    )


def _file_record(
    actor: User,
    case: LeaverCase,
    record: LeaverRecord,
    unsigned_reason: str | None,
    now: datetime,
) -> None:
    """Close the case with its PDF record and the date the leaver left."""
    from assets.files.pdf.leaver_records import build_leaver_pdf, verification_code

    case.status = "closed"
    case.closed_at = now
    case.closed_by_id = actor.id
    case.leaving_on = case.person.contract_end_date
    case.unsigned_reason = unsigned_reason
    case.record_pdf = build_leaver_pdf(record)
    case.record_code = verification_code(record)


def _record_closed(
    actor: User,
    case: LeaverCase,
    checklist: leavers.Checklist,
    leaver_signed: bool,
    unsigned_reason: str | None,
) -> None:
    person = case.person
    events.record(
        actor,
        "leaver.case_closed",
        case,
        f"Leaver's checklist for {person.name} closed and filed ("
        + ("signed by them" if leaver_signed else f"left without signing: {unsigned_reason}")
        + ")",
        changes={
            "record_code": case.record_code,
            "leaver_signed": leaver_signed,
            "unsigned_reason": unsigned_reason,
            "steps": len(checklist.lines),
        },
        person=person,
    )
