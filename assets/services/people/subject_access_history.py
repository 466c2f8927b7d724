"""What a subject access zip holds about what happened to a person: the reports they made or
that concern their loans, their leaver's checklists and the audit trail (the other sections are
in subject_access_sections.py)."""

import json
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import defer, joinedload

from assets.extensions import db
from assets.files.subject_access import PackageFile, Section, csv_bytes
from assets.models import (
    Event,
    Incident,
    IncidentPhoto,
    LeaverCase,
    LeaverSignature,
    Person,
)
from assets.services.common.clock import local_time_text
from assets.services.people.subject_access_sections import (
    WITHHELD,
    column_loader,
    name_of,
    plain,
    when_text,
)


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
                    column_loader(IncidentPhoto.data, photo.id),
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
                name_of(incident.reporter),
                when_text(incident.reported_at),
                incident.status_label,
                words(incident.outcome_note),
                when_text(incident.closed_at),
                "" if charge is None else ("Yes" if charge.applies else "No"),
                "" if charge is None or charge.amount is None else str(charge.amount),
                "" if charge is None else charge.reason,
                "" if charge is None else when_text(charge.decided_at),
                "" if charge is None else name_of(charge.decided_by),
                "" if charge is None or charge.settlement is None else charge.settlement,
                "" if charge is None else when_text(charge.settled_at),
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
                when_text(step.completed_at),
                name_of(step.completed_by),
            )
            for step in case.steps
        ]
        status = "closed " + local_time_text(case.closed_at) if case.closed_at else "still open"
        section.files.append(
            PackageFile(
                f"{stem}.csv",
                f"Leaver's checklist #{case.id}, opened {local_time_text(case.opened_at)} by "
                f"{name_of(case.opened_by)}, {status}: each step done (CSV, UTF-8)",
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
                    column_loader(LeaverSignature.image_png, own.id),
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
                    column_loader(LeaverCase.record_pdf, case.id),
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
                when_text(event.at),
                name_of(event.actor) or "the system",
                event.action,
                f"{event.entity_type} #{event.entity_id}",
                "about them" if about_them else "done by them",
                event.summary if shown else WITHHELD,
                json.dumps(event.changes, ensure_ascii=False, default=plain) if shown else "",
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
