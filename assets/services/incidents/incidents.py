"""Loss, damage and theft reports, from report to outcome (policy 8.3, 8.6 and 10.1).

A report is filed by the borrower or by the IT desk, and the admins and technicians are
emailed at once (after the report is committed, so a mail server that is down never loses
it). Who may see and add to a report, and the police crime reference, are here too; the desk
follows the case to its outcome in cases.py, and only admins decide charges (charges.py).
"""

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, true

from assets.extensions import db
from assets.files.images.photos import BadPhoto, clean_photo
from assets.models import Asset, Incident, IncidentPhoto, Loan, User
from assets.models.base import tag_key, utcnow
from assets.models.incident import (
    KIND_LABELS,
    KINDS,
    UNSECURED,
)
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import date_text, local_date, local_moment
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.loans import loan_lists

MAX_PHOTOS = 6
MAX_DESCRIPTION = 4000
POLICE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /.-]{0,39}")

MISSING_KINDS = ("loss", "theft")
# The asset's status while the case says so; outcomes that return it to service restore it.
ASSET_STATUS_ON_REPORT = {"loss": "lost", "theft": "stolen"}
# A report the desk files about an item returned this recently is offered its last loan.
RECENT_RETURN_DAYS = 30
# The desk's answer "this report concerns nobody's loan" (loan_id in report_incident).
NO_LOAN = 0


# ---- who may do what ---------------------------------------------------------------------


def may_see(user: User, incident: Incident) -> bool:
    """Readers see every report; anyone else sees the reports they filed and those about
    themselves (a report the desk filed on their return), so they see any charge decided."""
    if allows(user, "can_see_all_incidents"):
        return True
    return incident.reporter_id == user.id or (
        user.person_id is not None and incident.person_id == user.person_id
    )


def may_add_to(user: User, incident: Incident) -> bool:
    """The reporter and the desk may add photos and the police reference."""
    return allows(user, "can_handle_incidents") or incident.reporter_id == user.id


def visible_to(user: User):
    """A condition selecting the reports `user` may see (for queries)."""
    if allows(user, "can_see_all_incidents"):
        return true()
    mine = Incident.reporter_id == user.id
    if user.person_id is None:
        return mine
    return mine | (Incident.person_id == user.person_id)


def loans_of(user: User, asset: Asset) -> list[Loan]:
    """The user's loans of `asset`, open first, then newest first."""
    if user.person_id is None:
        return []
    query = select(Loan).where(Loan.asset_id == asset.id, Loan.person_id == user.person_id)
    return sorted(
        db.session.scalars(query),
        key=lambda loan: (loan.returned_at is None, loan.out_at),
        reverse=True,
    )


def loans_to_offer(user: User, asset: Asset, now: datetime | None = None) -> list[Loan]:
    """The loans a report about `asset` may concern, as `user` files it. For the desk: the
    item's open loan, or else its last loan if it came back in the last RECENT_RETURN_DAYS
    days. For anyone else: their own loans of it, open first, then newest first."""
    if not allows(user, "can_handle_incidents"):
        return loans_of(user, asset)
    if asset.open_loan is not None:
        return [asset.open_loan]
    now = now or utcnow()
    last = loan_lists.last_return(asset)
    if last is None or not last.came_back:
        return []
    if last.returned_at < now - timedelta(days=RECENT_RETURN_DAYS):
        return []
    return [last]


def _loan_for_report(actor: User, asset: Asset, loan_id: int | None, now: datetime) -> Loan | None:
    """The loan a new report concerns. `loan_id` is what the form said: None (not said),
    NO_LOAN, or a loan's id, which must be one of loans_to_offer (a loan of another item, or
    of someone else's, is refused)."""
    offered = loans_to_offer(actor, asset, now)
    if not allows(actor, "can_handle_incidents"):
        # A borrower's report concerns their own latest loan of it.
        loan_id = None
    if loan_id is None:
        if asset.open_loan is not None or not allows(actor, "can_handle_incidents"):
            return next(iter(offered), None)
        if offered:
            last = offered[0]
            raise DomainError(
                f"{asset.tag} came back from {last.person.name} on "
                f"{date_text(local_date(last.returned_at))}. Say whether this report "
                "concerns that loan.",
                field="loan_id",
            )
        return None
    if loan_id == NO_LOAN:
        return None
    chosen = next((loan for loan in offered if loan.id == loan_id), None)
    if chosen is None:
        raise DomainError(
            f"That loan is not one a report about {asset.tag} can name: choose from the list.",
            field="loan_id",
        )
    return chosen


def may_report_on(user: User, asset: Asset) -> bool:
    """The desk reports on any asset; anyone else only on items they hold or have held."""
    return allows(user, "can_handle_incidents") or bool(loans_of(user, asset))


def reportable_assets(user: User) -> list[Asset]:
    """What a borrower may report on: everything they hold or have held, held first."""
    if user.person_id is None:
        return []
    query = (
        select(Loan)
        .where(Loan.person_id == user.person_id)
        .order_by(Loan.returned_at.is_not(None), Loan.out_at.desc())
    )
    return list(dict.fromkeys(loan.asset for loan in db.session.scalars(query)))


# ---- reporting -------------------------------------------------------------------------


def _check_when(occurred_on: date | None, occurred_time: time | None, now: datetime) -> None:
    if occurred_on is None:
        raise DomainError("Give the date it happened.", field="occurred_on")
    local = local_moment(now)
    if occurred_on > local.date():
        raise DomainError("The date it happened cannot be in the future.", field="occurred_on")
    if occurred_on == local.date() and occurred_time is not None and occurred_time > local.time():
        raise DomainError("The time it happened cannot be in the future.", field="occurred_time")


def _clean_reference(reference: str | None) -> str | None:
    reference = clean_text(reference, field="police_reference")
    if not reference:
        return None
    if not POLICE_REFERENCE.fullmatch(reference):
        raise DomainError(
            "A police crime reference has letters, numbers, spaces, slashes, dots and dashes "
            "only, at most 40 characters.",
            field="police_reference",
        )
    return reference


def _clean_photos(uploads: Sequence[tuple[str, bytes]], already: int = 0) -> list:
    if already + len(uploads) > MAX_PHOTOS:
        raise DomainError(f"A report can have at most {MAX_PHOTOS} photos.", field="photos")
    cleaned = []
    for number, (name, data) in enumerate(uploads, start=1):
        try:
            cleaned.append(clean_photo(data))
        except BadPhoto as error:
            label = name or f"Photo {number}"
            raise DomainError(f"{label}: {error}", field="photos") from None
    return cleaned


def _attach_photos(actor: User, incident: Incident, photos: list) -> None:
    for photo in photos:
        incident.photos.append(
            IncidentPhoto(
                content_type=photo.content_type,
                data=photo.data,
                byte_size=len(photo.data),
                width=photo.width,
                height=photo.height,
                sha256=photo.sha256,
                uploaded_by_id=actor.id,
            )
        )


def _asset_from(asset: Asset | str | None) -> Asset:
    """The asset itself, or the one whose tag was typed (in any case, as phones capitalise)."""
    if isinstance(asset, Asset):
        return asset
    tag = (asset or "").strip()
    if not tag:
        raise DomainError("Choose the item the report is about.", field="tag")
    found = db.session.scalar(select(Asset).where(Asset.tag_key == tag_key(tag)))
    if found is None:
        raise DomainError(f"No item has the tag {tag}. Check the label on the device.", field="tag")
    return found


def report_incident(
    actor: User,
    asset: Asset | str,
    kind: str,
    *,
    description: str,
    occurred_on: date,
    occurred_time: time | None = None,
    place: str = "",
    unsecured: str = "no",
    police_reference: str | None = None,
    photos: Sequence[tuple[str, bytes]] = (),
    loan: Loan | None = None,
    loan_id: int | None = None,
    now: datetime | None = None,
) -> Incident:
    """File a report about `asset` (an Asset, or the tag a person typed). `photos` are
    (filename, bytes) uploads, checked and re-encoded. A loss makes the asset lost and a
    theft stolen. The caller commits, then calls notify_handlers.

    The report concerns a loan, whose borrower it names: `loan` when code knows it (the
    leaver's checklist), else `loan_id` as a person chose it from loans_to_offer (NO_LOAN for
    none). Said neither way: the item's open loan, or the reporter's own latest loan of it;
    the desk is asked when the item came back recently (DomainError on loan_id).
    """
    now = now or utcnow()
    asset = _reportable_asset(actor, asset)
    said = _what_happened(
        kind,
        description=description,
        occurred_on=occurred_on,
        occurred_time=occurred_time,
        place=place,
        unsecured=unsecured,
        police_reference=police_reference,
        now=now,
    )
    loan = _loan_concerned(actor, asset, loan, loan_id, now)
    cleaned = _clean_photos(photos)
    incident = _new_report(actor, asset, loan, said, cleaned, now)
    changes = {"kind": kind, "photos": len(cleaned), "unsecured": unsecured}
    changes |= _mark_missing(asset, kind)
    db.session.flush()
    events.record(
        actor,
        "incident.reported",
        incident,
        f"{KIND_LABELS[kind]} of {asset.tag} reported by {actor.name} (incident #{incident.id})",
        changes=changes,
        asset=asset,
        person=incident.person,
    )
    return incident


def _reportable_asset(actor: User, asset: Asset | str) -> Asset:
    """The asset the report is about, if `actor` may report on it and it is in service."""
    asset = _asset_from(asset)
    if not may_report_on(actor, asset):
        raise NotAllowed(
            f"You can report only on equipment you hold or have held, and {asset.tag} is not "
            "one of them. Ask the IT technician to report it.",
            field="tag",
        )
    if asset.status == "retired":
        raise DomainError(f"{asset.tag} is retired: there is nothing to report.", field="tag")
    return asset


def _what_happened(
    kind: str,
    *,
    description: str,
    occurred_on: date,
    occurred_time: time | None,
    place: str,
    unsecured: str,
    police_reference: str | None,
    now: datetime,
) -> dict:
    """The reporter's account, checked and cleaned, as the report's columns."""
    if kind not in KINDS:
        raise DomainError("Choose what kind of problem it is.", field="kind")
    description = clean_text(
        description,
        field="description",
        label="the description",
        max_length=MAX_DESCRIPTION,
        required="Say what happened.",
        multiline=True,
    )
    _check_when(occurred_on, occurred_time, now)
    place = clean_text(place, field="place", label="where it happened", max_length=200)
    if unsecured not in UNSECURED:
        raise DomainError("Say whether it was left somewhere unsecured.", field="unsecured")
    return {
        "kind": kind,
        "occurred_on": occurred_on,
        "occurred_time": occurred_time,
        "place": place,
        "unsecured": unsecured,
        "description": description,
        "police_reference": _clean_reference(police_reference),
    }


def _new_report(
    actor: User, asset: Asset, loan: Loan | None, said: dict, photos: list, now: datetime
) -> Incident:
    """The report, naming the loan's borrower (or the reporter, when not the desk)."""
    incident = Incident(
        asset=asset,
        loan=loan,
        person=loan.person
        if loan
        else (actor.person if not allows(actor, "can_handle_incidents") else None),
        reporter=actor,
        status="reported",
        reported_at=now,
        notify_state="pending",
        **said,
    )
    db.session.add(incident)
    _attach_photos(actor, incident, photos)
    return incident


def _loan_concerned(
    actor: User, asset: Asset, loan: Loan | None, loan_id: int | None, now: datetime
) -> Loan | None:
    """`loan` when code names it (it must be of `asset`), else the one `loan_id` chooses."""
    if loan is not None and loan.asset_id != asset.id:
        raise DomainError(f"That loan is not of {asset.tag}.")
    if loan is None:
        loan = _loan_for_report(actor, asset, loan_id, now)
    return loan


def _mark_missing(asset: Asset, kind: str) -> dict:
    """A loss makes the asset lost and a theft stolen; gives the change for the event."""
    new_status = ASSET_STATUS_ON_REPORT.get(kind)
    if not new_status or asset.status == new_status:
        return {}
    changes = {"asset_status": [asset.status, new_status]}
    asset.status = new_status
    return changes


def add_photos(actor: User, incident: Incident, photos: Sequence[tuple[str, bytes]]) -> int:
    """Add photos to a report: its reporter or the desk, while the case is open."""
    if not may_add_to(actor, incident):
        raise NotAllowed("Only the person who filed the report or the IT desk can add photos.")
    if not incident.is_open:
        raise DomainError("This case is closed: photos can no longer be added.", field="photos")
    if not photos:
        raise DomainError("Choose at least one photo.", field="photos")
    cleaned = _clean_photos(photos, already=len(incident.photos))
    _attach_photos(actor, incident, cleaned)
    record_event(
        actor, incident, "photos_added", f"{len(cleaned)} photo(s) added", photos=len(cleaned)
    )
    return len(cleaned)


def record_event(actor: User | None, incident: Incident, action: str, what: str, **changes) -> None:
    events.record(
        actor,
        f"incident.{action}",
        incident,
        f"Incident #{incident.id} ({incident.asset.tag}): {what}",
        changes=changes,
        asset=incident.asset,
        person=incident.person,
    )


# ---- the case -----------------------------------------------------------------------------


def record_police_reference(actor: User, incident: Incident, reference: str) -> None:
    """Record (or correct) the police crime reference: the reporter or the desk."""
    if not may_add_to(actor, incident):
        raise NotAllowed("Only the person who filed the report or the IT desk can do this.")
    cleaned = _clean_reference(reference)
    if cleaned is None:
        raise DomainError("Give the police crime reference.", field="police_reference")
    before = incident.police_reference
    if cleaned == before:
        return
    incident.police_reference = cleaned
    record_event(
        actor,
        incident,
        "police_reference",
        f"police crime reference {cleaned} recorded",
        police_reference=[before, cleaned],
    )
