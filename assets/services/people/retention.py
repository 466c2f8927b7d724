"""Personal data kept only as long as it should be (UK GDPR storage limitation): how long after a
member of staff leaves it is kept, who is past that, and anonymising them once an admin confirms.

When someone "left": only an inactive person has left, and they left on the LATEST of the day
their last leaver's checklist closed, their contract end date, and the day the audit trail last
recorded them made inactive (or added inactive). The latest, so that data is never removed
early: a checklist closed after the contract ended, or a person reactivated and made inactive
again, moves the date on. Their data is kept for the setting's number of years from that day
and is past retention ON the anniversary (left 31/07/2020, six years: past from 31/07/2026).

Anonymising keeps the register whole: loans, reports, checklists and the asset history stay,
under "Former member of staff #N" (N the person's id). Removed: name, email, staff number,
job title and notes; their signature images; the stored PDF receipts and leaver records that
show them (a PDF carries the name and the drawn signature, and one rebuilt without them would
be a document nobody signed, so it is dropped, not regenerated); the photos on reports about
them or filed by them; their login's name, email and password (deactivated, sessions ended,
single sign-on identities unlinked); and every mention of their name, email or staff number
(any they had, from the audit trail) in every text and JSON column of the database, audit
events included. Each signed record keeps its text, the text's SHA-256, the image's SHA-256 and
its verification code; the code is checked against the full record just before the removal,
and what is left is sealed (details["kept_sha256"]) so a later change still shows.
"""

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, or_, select, true, update

from assets.extensions import db
from assets.models import (
    Event,
    Incident,
    IncidentPhoto,
    LeaverCase,
    LeaverSignature,
    PasswordResetRequest,
    Person,
    Signature,
    SignInIdentity,
    User,
)
from assets.models.incident import OPEN_STATUSES
from assets.permissions import allows
from assets.services.common import events, settings
from assets.services.common.clock import date_text, local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.people.logins import new_session_token
from assets.services.people.password_resets import address_hash
from assets.services.people.passwords import hash_password
from assets.services.terms import signatures as signed

YEARS_KEY = "retention_years"
DEFAULT_YEARS = 6
MOST_YEARS = 100
PERSONAL_FIELDS = ("name", "email", "staff_number", "job_title", "notes")
REMOVED = "(removed under the retention policy)"
# Signed records are changed only through their own rules below; terms texts name nobody.
# People and logins are cleared field by field.
NOT_SCANNED = frozenset({"signatures", "leaver_signatures", "terms", "people", "users"})


def pseudonym(person: Person) -> str:
    return f"Former member of staff #{person.id}"


# ---- the setting -----------------------------------------------------------------------------


def years() -> int:
    value = settings.get(YEARS_KEY, DEFAULT_YEARS)
    return value if isinstance(value, int) and 1 <= value <= MOST_YEARS else DEFAULT_YEARS


def set_years(actor: User, value: int | None) -> bool:
    """Keep personal data `value` years after someone leaves; False when it was already so."""
    if not allows(actor, "can_anonymise_people"):
        raise NotAllowed("Only an admin can change how long personal data is kept.")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MOST_YEARS:
        raise DomainError(
            f"Give a whole number of years from 1 to {MOST_YEARS}.", field="retention_years"
        )
    unit = "year" if value == 1 else "years"
    return settings.put(
        actor, YEARS_KEY, value, f"Personal data is now kept {value} {unit} after a person leaves"
    )


# ---- who is past it --------------------------------------------------------------------------


def add_years(day: date, count: int) -> date:
    try:
        return day.replace(year=day.year + count)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + count, day=28)


def _made_inactive(change: Any) -> bool:
    return change is False or change == [True, False]


def left_on(person: Person) -> date | None:
    """The day `person` left (see the module docstring); None while they are active."""
    if person.active:
        return None
    days: list[date] = []
    closed = db.session.scalar(
        select(func.max(LeaverCase.closed_at)).where(
            LeaverCase.person_id == person.id, LeaverCase.status == "closed"
        )
    )
    if closed is not None:
        days.append(local_date(closed))
    if person.contract_end_date is not None:
        days.append(person.contract_end_date)
    query = select(Event.at, Event.changes).where(
        Event.entity_type == "people", Event.entity_id == person.id
    )
    made_inactive = [
        at
        for at, changes in db.session.execute(query)
        if _made_inactive((changes or {}).get("active"))
    ]
    if made_inactive:
        days.append(local_date(max(made_inactive)))
    return max(days) if days else local_date(person.created_at)


@dataclass
class RetentionRow:
    person: Person
    left_on: date
    keep_until: date
    blockers: list[str]
    past: bool

    @property
    def can_anonymise(self) -> bool:
        return not self.blockers


def blockers(person: Person) -> list[str]:
    """What must be settled before `person` can be anonymised, as a person reads it."""
    found = []
    holding = len(person.open_loans)
    if holding:
        found.append(f"still holds {holding} item{'s' if holding != 1 else ''} on loan")
    reports = db.session.scalar(
        select(func.count())
        .select_from(Incident)
        .where(Incident.person_id == person.id, Incident.status.in_(OPEN_STATUSES))
    )
    if reports:
        found.append(f"{reports} open loss or damage report{'s' if reports != 1 else ''}")
    if db.session.scalar(
        select(LeaverCase.id).where(LeaverCase.person_id == person.id, LeaverCase.status == "open")
    ):
        found.append("a leaver's checklist still open")
    return found


def row_for(person: Person, now: datetime) -> RetentionRow | None:
    """`person`'s retention, when they have left and are not anonymised yet."""
    left = left_on(person)
    if left is None or person.anonymised_at is not None:
        return None
    until = add_years(left, years())
    return RetentionRow(person, left, until, blockers(person), until <= local_date(now))


def past_retention(now: datetime) -> list[RetentionRow]:
    """Everyone whose personal data is past its keeping date at `now`, longest past first."""
    candidates = db.session.scalars(
        select(Person).where(Person.active.is_(False), Person.anonymised_at.is_(None))
    )
    rows = [row for person in candidates if (row := row_for(person, now))]
    return sorted(
        (row for row in rows if row.past),
        key=lambda row: (row.keep_until, row.person.id),
    )


def retention_job(now: datetime) -> str:
    """One line for `flask daily`: who is past retention (an admin confirms each on the page)."""
    rows = past_retention(now)
    if not rows:
        return "Past retention: nobody"
    word = "person" if len(rows) == 1 else "people"
    return f"Past retention: {len(rows)} {word} (see /people/retention)"


# ---- anonymising -----------------------------------------------------------------------------


def _matcher(needles: Iterable[str], replacement: str) -> Callable[[str], str]:
    """Replace every needle (whole words, any case) in a text by `replacement`."""
    ordered = sorted({n for n in needles if n}, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w.@+-])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w@-])",
        re.IGNORECASE,
    )
    return lambda value: pattern.sub(replacement, value)


def _scrub(value: Any, replace: Callable[[str], str]) -> Any:
    """`value` (a text or JSON) with every string in it, keys too, passed through `replace`."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_scrub(item, replace) for item in value]
    if isinstance(value, dict):
        return {replace(k): _scrub(v, replace) for k, v in value.items()}
    return value


def _staff_numbers(person: Person) -> set[str]:
    return {n for n in _values_in_history(person, ("staff_number",)) | {person.staff_number} if n}


def _values_in_history(person: Person, keys: tuple[str, ...]) -> set[str]:
    user_id = person.user.id if person.user is not None else -1
    query = select(Event.changes).where(
        or_(
            (Event.entity_type == "people") & (Event.entity_id == person.id),
            (Event.entity_type == "users") & (Event.entity_id == user_id),
        )
    )
    found: set[str] = set()
    for changes in db.session.scalars(query):
        for key in keys:
            value = (changes or {}).get(key)
            values = value if isinstance(value, list) else [value]
            found |= {v.strip() for v in values if isinstance(v, str) and v.strip()}
    return found


def _needles(person: Person) -> set[str]:
    """Every name, email and staff number `person` had, from the record and the audit trail
    (an earlier name or address is personal data too)."""
    found = {person.name, person.email or "", person.staff_number or ""}
    if person.user is not None:
        found |= {person.user.name, person.user.email}
    found |= _values_in_history(person, ("name", "email", "staff_number"))
    return {n.strip() for n in found if n and n.strip()}


def _like_forms(needle: str) -> set[str]:
    """How `needle` may be stored: as is, and inside JSON with non-ASCII letters escaped."""
    return {needle.lower(), json.dumps(needle)[1:-1].lower()}


def _scan_database(
    needles: set[str], replace: Callable[[str], str], where: dict[str, Any] | None = None
) -> int:
    """Replace the needles in every text and JSON column of every table (only the rows
    `where[table]` selects, for the tables it names); the number of values changed."""
    forms = set().union(*(_like_forms(n) for n in needles))
    changed = 0
    for table in db.metadata.sorted_tables:
        if table.name in NOT_SCANNED or not table.primary_key.columns:
            continue
        if where is not None and table.name not in where:
            continue
        key = list(table.primary_key.columns)
        for column in table.columns:
            if column.computed is not None or column.primary_key:
                continue
            if not isinstance(column.type, String | Text | JSON):
                continue
            as_text = func.lower(cast(column, Text()))
            matching = select(*key, column).where(
                or_(*(as_text.contains(form, autoescape=True) for form in forms))
            )
            if where is not None:
                matching = matching.where(where[table.name])
            length = getattr(column.type, "length", None)
            for row in db.session.execute(matching).all():
                before = row[-1]
                after = _scrub(before, replace)
                if after == before:
                    continue
                if isinstance(after, str) and length:
                    after = after[:length]
                condition = [k == row[i] for i, k in enumerate(key)]
                db.session.execute(update(table).where(*condition).values({column.name: after}))
                changed += 1
    return changed


def _scrub_everywhere(person: Person, user: User | None, needles: set[str], name: str) -> int:
    """Names and emails go from every table but the audit trail; there, only from the events
    about `person` or their login, or done by it (another member of staff may share a name),
    while emails and staff numbers of four characters or more (unique to them) go from every
    event. A short staff number ("12") goes only from the events about them."""
    staff_numbers = {n for n in needles if n in _staff_numbers(person)}
    names_and_emails = needles - staff_numbers
    unique = {n for n in needles if "@" in n} | {n for n in staff_numbers if len(n) >= 4}
    changed = _scan_database(
        names_and_emails | unique,
        _matcher(names_and_emails | unique, name),
        {t.name: true() for t in db.metadata.sorted_tables if t.name != "events"},
    )
    if unique:
        changed += _scan_database(unique, _matcher(unique, name), {"events": true()})
    theirs = or_(
        Event.person_id == person.id,
        (Event.entity_type == "people") & (Event.entity_id == person.id),
        *(
            [
                (Event.entity_type == "users") & (Event.entity_id == user.id),
                Event.actor_id == user.id,
            ]
            if user is not None
            else []
        ),
    )
    changed += _scan_database(needles, _matcher(needles, name), {"events": theirs})
    return changed


def _remove_from_signature(
    signature: Signature, replace: Callable[[str], str], own: bool, now: datetime
) -> None:
    confirmed = signed.verify(signature)
    has_receipt = signature.receipt_pdf is not None
    # The mark first: the database lets a signed record change only once it is set.
    signature.personal_data_removed_at = now
    details = _scrub(dict(signature.details), replace)
    if own:
        details["borrower_email"] = ""
        signature.image_png = b""
    details["code_confirmed"] = confirmed
    details["removed_on"] = now.isoformat()
    signature.details = details
    if has_receipt:
        signature.receipt_pdf = b""
    signature.details = {**details, "kept_sha256": signed.seal(signature)}


def _signed_records(person: Person, needles: set[str], replace, now: datetime) -> int:
    with db.session.no_autoflush:
        return _remove_from_signed_records(person, needles, replace, now)


def _remove_from_signed_records(person: Person, needles: set[str], replace, now: datetime) -> int:
    forms = set().union(*(_like_forms(n) for n in needles))
    details_text = func.lower(cast(Signature.details, Text()))
    query = select(Signature).where(
        or_(
            Signature.person_id == person.id,
            *(details_text.contains(form, autoescape=True) for form in forms),
        )
    )
    count = 0
    for signature in db.session.scalars(query).all():
        before = (signature.details, signature.person_id)
        own = signature.person_id == person.id
        if not own and _scrub(before[0], replace) == before[0]:
            continue
        _remove_from_signature(signature, replace, own, now)
        count += 1
    leaver_query = select(LeaverSignature).where(
        or_(
            LeaverSignature.case.has(LeaverCase.person_id == person.id),
            *(func.lower(LeaverSignature.name).contains(form, autoescape=True) for form in forms),
        )
    )
    for row in db.session.scalars(leaver_query).all():
        own = (row.role == "leaver" and row.case.person_id == person.id) or (
            replace(row.name) != row.name
        )
        row.personal_data_removed_at = now
        row.name = replace(row.name)
        row.statement = replace(row.statement)
        if own:
            row.image_png = b""
        if row.case.record_pdf is not None:
            row.case.record_pdf = b""
        count += 1
    for case in db.session.scalars(select(LeaverCase).where(LeaverCase.person_id == person.id)):
        if case.record_pdf is not None:
            case.record_pdf = b""
    return count


def _clear_login(user: User, name: str, person: Person) -> int:
    user.name = name
    user.email = f"former-staff-{person.id}@anonymised.invalid"
    # A random password nobody was told: the old hash goes, and nobody can sign in with it.
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.active = False
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None
    identities = list(
        db.session.scalars(select(SignInIdentity).where(SignInIdentity.user_id == user.id))
    )
    for identity in identities:
        db.session.delete(identity)
    return len(identities)


def anonymise(actor: User, person: Person, now: datetime) -> str:
    """Remove `person`'s personal data (see the module docstring); a message saying what was
    done. A DomainError, changing nothing, when they are not past retention or still hold
    equipment, an open report or an open checklist."""
    if not allows(actor, "can_anonymise_people"):
        raise NotAllowed("Only an admin can anonymise a member of staff.")
    if person.anonymised_at is not None:
        on = date_text(local_date(person.anonymised_at))
        return f"{person.name} was already anonymised on {on}: nothing to do."
    if actor.person_id == person.id:
        raise DomainError("You cannot anonymise yourself.")
    row = row_for(person, now)
    if row is None:
        raise DomainError(f"{person.name} has not left (they are active), so their data is kept.")
    if not row.past:
        raise DomainError(
            f"{person.name}'s data is kept until {date_text(row.keep_until)} "
            f"({years()} years after they left on {date_text(row.left_on)})."
        )
    if row.blockers:
        raise DomainError(f"{person.name} cannot be anonymised yet: {'; '.join(row.blockers)}.")
    user = person.user
    if user is not None and user.role == "admin" and user.active:
        raise DomainError(
            f"{person.name}'s login is an active admin's: deactivate it first on the Logins page."
        )

    name = pseudonym(person)
    needles = _needles(person)
    replace = _matcher(needles, name)
    emails = {n for n in needles if "@" in n}

    # The claim, first: two admins confirming at once end with one anonymisation, the other
    # waiting on this row and then finding it done.
    claimed = db.session.execute(
        update(Person)
        .where(Person.id == person.id, Person.anonymised_at.is_(None))
        .values(
            name=name,
            email=None,
            staff_number=None,
            job_title=None,
            notes="",
            active=False,
            anonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return f"{name} was anonymised a moment ago by someone else: nothing to do."
    db.session.refresh(person)
    records = _signed_records(person, needles, replace, now)
    photos = list(
        db.session.scalars(
            select(IncidentPhoto)
            .join(Incident)
            .where(
                or_(
                    Incident.person_id == person.id,
                    Incident.reporter_id == (user.id if user else -1),
                )
            )
        )
    )
    for photo in photos:
        db.session.delete(photo)
    if emails:
        db.session.execute(
            PasswordResetRequest.__table__.delete().where(
                PasswordResetRequest.address_hash.in_([address_hash(e) for e in emails])
            )
        )
    identities = _clear_login(user, name, person) if user is not None else 0
    db.session.flush()
    # Their own edits' before-and-after values (job title, notes...) go with the rest.
    for event in db.session.scalars(
        select(Event).where(Event.entity_type == "people", Event.entity_id == person.id)
    ):
        event.changes = {
            k: (REMOVED if k in PERSONAL_FIELDS and k != "name" else v)
            for k, v in (event.changes or {}).items()
        }
    db.session.flush()
    rows = _scrub_everywhere(person, user, needles, name)
    db.session.flush()
    events.record(
        actor,
        "person.anonymised",
        person,
        f"Person #{person.id} anonymised under the retention policy by {actor.name}",
        changes={
            "left_on": row.left_on.isoformat(),
            "kept_until": row.keep_until.isoformat(),
            "retention_years": years(),
            "signed_records": records,
            "photos_removed": len(photos),
            "sign_in_identities_unlinked": identities,
            "rows_scrubbed": rows,
        },
    )
    return (
        f"{name} anonymised: name, contact details, {records} signed "
        f"record{'s' if records != 1 else ''} and {len(photos)} photo"
        f"{'s' if len(photos) != 1 else ''} cleared; loans, reports and the history kept."
    )
