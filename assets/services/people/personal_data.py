"""Finding one person's personal data anywhere in the database and replacing it (for
retention.py, which says what is removed and why).

Where it looks: every name, email and staff number the person had (their record, their login
and the audit trail's before-and-after values), in every text and JSON column of every table,
as written and as JSON stores it (letters beyond ASCII escaped); whole words only, in any case.
Names and emails go from every table but the audit trail; there, only from the events about the
person or their login, or done by it (another member of staff may share a name), while emails
and staff numbers of four characters or more (unique to them) go from every event. Signed
records change only as their database trigger allows: marked, with what was signed kept.
"""

import json
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, or_, select, true, update

from assets.extensions import db
from assets.models import (
    Event,
    LeaverCase,
    LeaverSignature,
    Person,
    Signature,
    SignInIdentity,
    User,
)
from assets.services.people.logins import new_session_token
from assets.services.people.passwords import hash_password
from assets.services.terms import signatures as signed

PERSONAL_FIELDS = ("name", "email", "staff_number", "job_title", "notes")
REMOVED = "(removed under the retention policy)"
# Signed records are changed only through their own rules below; terms texts name nobody.
# People and logins are cleared field by field.
NOT_SCANNED = frozenset({"signatures", "leaver_signatures", "terms", "people", "users"})


def matcher(needles: Iterable[str], replacement: str) -> Callable[[str], str]:
    """Replace every needle (whole words, any case) in a text by `replacement`."""
    ordered = sorted({n for n in needles if n}, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w.@+-])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w@-])",
        re.IGNORECASE,
    )
    return lambda value: pattern.sub(replacement, value)


def scrub(value: Any, replace: Callable[[str], str]) -> Any:
    """`value` (a text or JSON) with every string in it, keys too, passed through `replace`."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [scrub(item, replace) for item in value]
    if isinstance(value, dict):
        return {replace(k): scrub(v, replace) for k, v in value.items()}
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


def needles_for(person: Person) -> set[str]:
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
                after = scrub(before, replace)
                if after == before:
                    continue
                if isinstance(after, str) and length:
                    after = after[:length]
                condition = [k == row[i] for i, k in enumerate(key)]
                db.session.execute(update(table).where(*condition).values({column.name: after}))
                changed += 1
    return changed


def scrub_everywhere(person: Person, user: User | None, needles: set[str], name: str) -> int:
    """Names and emails go from every table but the audit trail; there, only from the events
    about `person` or their login, or done by it (another member of staff may share a name),
    while emails and staff numbers of four characters or more (unique to them) go from every
    event. A short staff number ("12") goes only from the events about them."""
    staff_numbers = {n for n in needles if n in _staff_numbers(person)}
    names_and_emails = needles - staff_numbers
    unique = {n for n in needles if "@" in n} | {n for n in staff_numbers if len(n) >= 4}
    changed = _scan_database(
        names_and_emails | unique,
        matcher(names_and_emails | unique, name),
        {t.name: true() for t in db.metadata.sorted_tables if t.name != "events"},
    )
    if unique:
        changed += _scan_database(unique, matcher(unique, name), {"events": true()})
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
    changed += _scan_database(needles, matcher(needles, name), {"events": theirs})
    return changed


def _remove_from_signature(
    signature: Signature, replace: Callable[[str], str], own: bool, now: datetime
) -> None:
    confirmed = signed.verify(signature)
    has_receipt = signature.receipt_pdf is not None
    # The mark first: the database lets a signed record change only once it is set.
    signature.personal_data_removed_at = now
    details = scrub(dict(signature.details), replace)
    if own:
        details["borrower_email"] = ""
        signature.image_png = b""
    details["code_confirmed"] = confirmed
    details["removed_on"] = now.isoformat()
    signature.details = details
    if has_receipt:
        signature.receipt_pdf = b""
    signature.details = {**details, "kept_sha256": signed.seal(signature)}


def remove_from_signed_records(person: Person, needles: set[str], replace, now: datetime) -> int:
    with db.session.no_autoflush:
        return _remove_everywhere_signed(person, needles, replace, now)


def _remove_everywhere_signed(person: Person, needles: set[str], replace, now: datetime) -> int:
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
        if not own and scrub(before[0], replace) == before[0]:
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


def clear_login(user: User, name: str, person: Person) -> int:
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
