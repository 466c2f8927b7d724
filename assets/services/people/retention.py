"""Personal data kept only as long as it should be (UK GDPR storage limitation): how long after a
member of staff leaves it is kept, who is past that, and anonymising them once an admin confirms.

When someone "left": only an inactive person has left, and they left on the LATEST of the day
their last leaver's checklist closed, their contract end date, and the day the audit trail last
recorded them made inactive (or added inactive). The latest, so that data is never removed
early: a checklist closed after the contract ended, or a person reactivated and made inactive
again, moves the date on. Their data is kept for the setting's number of years from that day
and is past retention ON the anniversary (left 31/07/2020, six years: past from 31/07/2026;
left 29/02/2024: past from 01/03/2030, the anniversary of a leap day in a year without one).

Anonymising keeps the register whole: loans, reports, checklists and the asset history stay,
under "Former member of staff #N" (N the person's id). Removed: name, email, staff number,
job title and notes; their signature images; the stored PDF receipts and leaver records that
show them (a PDF carries the name and the drawn signature, and one rebuilt without them would
be a document nobody signed, so it is dropped, not regenerated); the photos on reports about
them or filed by them; their login's name, email and password (deactivated, sessions ended,
single sign-on identities unlinked); and the mentions of their names, emails and staff numbers
(any they had, from the audit trail) where personal_data.py says (names in free text, and in
the events about them; emails everywhere; staff numbers only in the rows about them; signed
records only those about them by id, never a namesake's). Each signed record keeps its text,
the text's SHA-256, the image's SHA-256 and its verification code; the code is checked
against the full record just before the removal, and what is left is sealed
(details["kept_sha256"]) so a later change still shows.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from assets.extensions import db
from assets.models import (
    Event,
    Incident,
    IncidentPhoto,
    LeaverCase,
    PasswordResetRequest,
    Person,
    User,
    sort_key,
)
from assets.models.incident import OPEN_STATUSES
from assets.permissions import allows
from assets.services.common import events, settings
from assets.services.common.clock import date_text, local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.people.password_resets import address_hash
from assets.services.people.personal_data import (
    PERSONAL_FIELDS,
    REMOVED,
    clear_login,
    matcher,
    needles_for,
    remove_from_signed_records,
    scrub_everywhere,
)

YEARS_KEY = "retention_years"
DEFAULT_YEARS = 6
MOST_YEARS = 100


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
    except ValueError:  # 29 February into a year without one: its anniversary is 1 March
        return date(day.year + count, 3, 1)


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
    """`flask daily`'s line: how many are past retention (an admin confirms each on the page);
    counts only, as daily_runs keeps it."""
    rows = past_retention(now)
    if not rows:
        return "nobody"
    word = "person" if len(rows) == 1 else "people"
    return f"{len(rows)} {word}, for an admin to confirm at /people/retention"


# ---- anonymising -----------------------------------------------------------------------------


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
    needles = needles_for(person)
    replace = matcher(
        name, names=needles.names, emails=needles.emails, staff_numbers=needles.staff_numbers
    )
    emails = needles.emails

    # The claim, first: two admins confirming at once end with one anonymisation, the other
    # waiting on this row and then finding it done.
    claimed = db.session.execute(
        update(Person)
        .where(Person.id == person.id, Person.anonymised_at.is_(None))
        .values(
            name=name,
            sort_key=sort_key(name),
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
    records = remove_from_signed_records(person, user, replace, name, now)
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
    identities = clear_login(user, name, person) if user is not None else 0
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
    rows = scrub_everywhere(person, user, needles, name)
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
