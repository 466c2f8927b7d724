"""Everything we hold about a person, as one zip: the answer to a subject access request (UK
GDPR article 15; the school has a month to give it).

The zip holds their details and login, their loans with the terms they signed, every
signature image and signed receipt as it was stored (the receipt is the very PDF the app
serves), their declarations, the reports they made or that are about their loans with the
photos, their leaver's checklist with its signed record, and their audit events; with an index
as a web page and as text. Never a password hash, session token or another person's details:
an event they caused that is about someone else keeps its date and kind, not its words."""

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from flask import current_app
from sqlalchemy import select

from assets.extensions import db
from assets.files.subject_access import (
    Package,
    PackageFile,
    file_name_part,
    index_html,
    index_text,
    write_zip,
)
from assets.models import Booking, LeaverCase, Person, Signature, User
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_date, local_moment, local_time_text
from assets.services.common.errors import NotAllowed
from assets.services.people import subject_access_history as history
from assets.services.people import subject_access_sections as sections

INDEX_FILES = ("index.html", "index.txt")
# Held in memory up to this size, then in a temporary file, while the zip is sent.
IN_MEMORY = 32 * 1024 * 1024
NOT_INCLUDED = (
    "Not included, because it is not information about them: the passwords of this app are "
    "kept only as a one-way hash and sign-in sessions as random tokens, and neither is "
    "exported. Requests for a password reset email are kept for an hour, as a keyed hash of "
    "the address only."
)


@dataclass
class SubjectAccessExport:
    """The zip, ready to send from its start, with what a record of it needs."""

    filename: str
    file: IO[bytes]
    size: int
    sha256: str
    paths: list[str]


# ---- the package ----------------------------------------------------------------------------


def zip_name(person: Person, now: datetime) -> str:
    """The download's name: whose, and the day it was produced."""
    day = local_date(now).isoformat()
    return f"everything-we-hold-{file_name_part(person.name)}-{day}.zip"


def export_person(
    actor: User, person: Person, *, now: datetime | None = None
) -> SubjectAccessExport:
    """Everything we hold about `person`, zipped, produced by `actor`, with an audit event
    recording who produced it, how many files and the zip's SHA-256. The file is ready to be
    read from its start; the caller closes it (sending it does)."""
    now = now or utcnow()
    if not allows(actor, "can_answer_access_requests"):
        raise NotAllowed("Only an admin can produce everything we hold about a person.")
    loan_ids = [loan.id for loan in person.loans]
    receipts, declarations, receipt_paths = sections.signature_sections(person)
    owned = {
        "people": {person.id},
        "users": {person.user.id} if person.user else set(),
        "loans": set(loan_ids),
        "signatures": set(
            db.session.scalars(select(Signature.id).where(Signature.person_id == person.id))
        ),
        "bookings": set(
            db.session.scalars(select(Booking.id).where(Booking.person_id == person.id))
        ),
        "leaver_cases": set(
            db.session.scalars(select(LeaverCase.id).where(LeaverCase.person_id == person.id))
        ),
    }
    held = [
        sections.details_section(person),
        sections.loans_section(person, receipt_paths),
        sections.bookings_section(person),
        receipts,
        declarations,
        history.reports_section(person, loan_ids),
        history.leavers_section(person),
        history.events_section(person, owned),
    ]
    package = Package(
        person_name=person.name,
        school=current_app.config["SCHOOL_NAME"],
        produced_at=local_time_text(now),
        produced_by=f"{actor.name} ({actor.role_label})",
        sections=held,
        notes=(
            "Each file named below is in this folder. Tables are CSV in UTF-8 (Excel opens "
            "them), details are JSON, images PNG or JPEG, and signed records PDF exactly as "
            "they were stored.",
            NOT_INCLUDED,
        ),
    )
    index = [
        PackageFile("index.html", "This index, as a web page", index_html(package, INDEX_FILES)),
        PackageFile("index.txt", "This index, as plain text", index_text(package, INDEX_FILES)),
    ]
    files = index + package.files
    folder = zip_name(person, now).removesuffix(".zip")
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (sent, then closed)
    write_zip(out, folder, files, local_moment(now).replace(tzinfo=None))
    size = out.tell()
    out.seek(0)
    digest = hashlib.file_digest(out, "sha256").hexdigest()
    out.seek(0)
    events.record(
        actor,
        "person.subject_access_export",
        person,
        f"Subject access export produced for {person.name} by {actor.name}",
        changes={"files": len(files), "bytes": size, "sha256": digest},
    )
    return SubjectAccessExport(
        filename=zip_name(person, now),
        file=out,
        size=size,
        sha256=digest,
        paths=[f"{folder}/{file.path}" for file in files],
    )
