"""Finding one person's personal data in the database and replacing it (for retention.py,
which says what is removed and why).

What it looks for: every name, email and staff number the person had (their record, their
login and the audit trail's before-and-after values). Text is compared NFC-normalised, in any
case, with any run of spaces between a name's words, as whole words (a longer name that
merely contains theirs, "Łukasz Żółćski", is someone else); JSON values are compared decoded.

Where, by kind (another member of staff may share the name; a staff number like "2019" is
also a year, a room or part of a serial number):
- names: every text and JSON column of every table but the audit trail, signed records,
  logins and terms texts, and but other people's name, email and staff number (their own);
  in the audit trail only the events about the person or their login, or done by it;
- emails (unique to a person): every such column, the audit trail included, whole addresses;
- staff numbers: only the rows about the person by id (the events above, and their loans,
  reports, checklists);
- never an asset's tag or serial number.
Signed records are found by id only, never by name: the person's own (signatures.person_id,
their leaver's checklists) lose the names, the signer's email and image and the PDF; those they
handed over as the technician (signatures.technician_id, the technician's sign-off drawn on
their login) lose only the technician's name and the PDF that prints it. Each is marked, and
the database trigger lets nothing else change.
"""

import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, func, or_, select, update

from assets.extensions import db
from assets.models import (
    Event,
    LeaverCase,
    LeaverSignature,
    LeaverStep,
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
# Signed records are changed only by id (below); logins are cleared field by field; terms
# texts name nobody; list_versions holds random tokens.
NOT_SCANNED = frozenset(
    {"signatures", "leaver_signatures", "terms", "users", "sign_in_identities", "list_versions"}
)
# Never changed: other people's own identifiers (and the list order worked out from a name),
# and what identifies an asset or a kit (with the key its tag is looked up by).
NEVER_SCANNED_COLUMNS = frozenset(
    {
        ("people", "name"),
        ("people", "email"),
        ("people", "staff_number"),
        ("people", "sort_key"),
        ("assets", "tag"),
        ("assets", "tag_key"),
        ("assets", "serial_number"),
        ("kits", "tag"),
        ("kits", "tag_key"),
    }
)


@dataclass
class Needles:
    """Everything that names one person, by kind."""

    names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    staff_numbers: set[str] = field(default_factory=set)

    @property
    def all(self) -> set[str]:
        return self.names | self.emails | self.staff_numbers


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def matcher(
    replacement: str,
    *,
    names: Iterable[str] = (),
    emails: Iterable[str] = (),
    staff_numbers: Iterable[str] = (),
) -> Callable[[str], str]:
    """Replace every name, email and staff number (whole, NFC-normalised, any case, a name's
    words with any run of spaces between them) in a text by `replacement`; the text as it
    was when nothing matched."""
    alternatives = [
        (len(n), r"\s+".join(re.escape(part) for part in nfc(n).split())) for n in names if n
    ]
    alternatives += [(len(n), re.escape(nfc(n))) for n in (*emails, *staff_numbers) if n]
    if not alternatives:
        return lambda value: value
    ordered = [pattern for _length, pattern in sorted(alternatives, reverse=True)]
    pattern = re.compile(
        r"(?<![\w.@+-])(?:" + "|".join(ordered) + r")(?![\w@-]|\.\w)", re.IGNORECASE
    )

    def replace(value: str) -> str:
        normalised = nfc(value)
        changed = pattern.sub(lambda _match: replacement, normalised)
        return value if changed == normalised else changed

    return replace


def scrub(value: Any, replace: Callable[[str], str]) -> Any:
    """`value` (a text or JSON) with every string in it, keys too, passed through `replace`."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [scrub(item, replace) for item in value]
    if isinstance(value, dict):
        return {replace(k): scrub(v, replace) for k, v in value.items()}
    return value


def _values_in_history(person: Person, key: str) -> set[str]:
    user_id = person.user.id if person.user is not None else -1
    query = select(Event.changes).where(
        or_(
            (Event.entity_type == "people") & (Event.entity_id == person.id),
            (Event.entity_type == "users") & (Event.entity_id == user_id),
        )
    )
    found: set[str] = set()
    for changes in db.session.scalars(query):
        value = (changes or {}).get(key)
        values = value if isinstance(value, list) else [value]
        found |= {v for v in values if isinstance(v, str)}
    return found


def needles_for(person: Person) -> Needles:
    """Every name, email and staff number `person` had, from the record and the audit trail
    (an earlier name or address is personal data too)."""
    names = {person.name} | _values_in_history(person, "name")
    emails = {person.email or ""} | _values_in_history(person, "email")
    if person.user is not None:
        names.add(person.user.name)
        emails.add(person.user.email)
    numbers = {person.staff_number or ""} | _values_in_history(person, "staff_number")

    def clean(values: set[str]) -> set[str]:
        return {nfc(v.strip()) for v in values if v and v.strip()}

    return Needles(clean(names), clean(emails), clean(numbers))


def _stored_forms(text: str) -> set[str]:
    """How `text` may be stored, lower-cased as the database's lower() leaves it: as is, in
    upper, lower and title case, composed or decomposed, and inside JSON (letters beyond
    ASCII escaped)."""
    forms = set()
    for variant in (text, text.lower(), text.upper(), text.title()):
        for form in ("NFC", "NFD"):
            written = unicodedata.normalize(form, variant)
            forms |= {written.lower(), json.dumps(written)[1:-1].lower()}
    return forms


def _ascii_runs(text: str) -> list[str]:
    """The runs of three or more ASCII letters and digits in `text` that every way of storing
    it keeps (a letter carrying an accent is not one of them)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    kept = "".join(
        c
        if c.isascii()
        and c.isalnum()
        and not (i + 1 < len(decomposed) and unicodedata.combining(decomposed[i + 1]))
        else " "
        for i, c in enumerate(decomposed)
    )
    return re.findall(r"[a-z0-9]{3,}", kept)


def _like_forms(needle: str, *, is_name: bool) -> set[str]:
    """Fragments, one of which every stored form of `needle` contains (lower-cased): for a
    name, the longest ASCII run of its words when there is one (so "ŁUKASZ  ŻÓŁĆ" in any
    case or normalisation is found by "ukasz"), else the stored forms of its longest word;
    Python then checks each row found."""
    if not is_name:
        return _stored_forms(needle)
    words = needle.split()
    runs = [run for word in words for run in _ascii_runs(word)]
    if runs:
        return {max(runs, key=len)}
    return _stored_forms(max(words, key=len))


def _forms(needles: Needles, kinds: tuple[str, ...]) -> set[str]:
    forms: set[str] = set()
    for kind in kinds:
        for needle in getattr(needles, kind):
            forms |= _like_forms(needle, is_name=kind == "names")
    return forms


def _scan_table(table, forms: set[str], replace: Callable[[str], str], where=None) -> int:
    """Replace in the text and JSON columns of `table` (the rows `where` selects, if given)
    whose text contains one of `forms`; the number of values changed."""
    if not forms or not table.primary_key.columns:
        return 0
    key = list(table.primary_key.columns)
    changed = 0
    for column in table.columns:
        if column.computed is not None or column.primary_key:
            continue
        if (table.name, column.name) in NEVER_SCANNED_COLUMNS:
            continue
        if not isinstance(column.type, String | Text | JSON):
            continue
        as_text = func.lower(cast(column, Text()))
        matching = select(*key, column).where(
            or_(*(as_text.contains(form, autoescape=True) for form in forms))
        )
        if where is not None:
            matching = matching.where(where)
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


def scrub_everywhere(person: Person, user: User | None, needles: Needles, name: str) -> int:
    """Replace `person`'s names, emails and staff numbers where the module docstring says;
    the number of values changed."""
    names_and_emails = matcher(name, names=needles.names, emails=needles.emails)
    emails = matcher(name, emails=needles.emails)
    everything = matcher(
        name, names=needles.names, emails=needles.emails, staff_numbers=needles.staff_numbers
    )
    name_forms = _forms(needles, ("names", "emails"))
    email_forms = _forms(needles, ("emails",))
    all_forms = _forms(needles, ("names", "emails", "staff_numbers"))
    tables = {t.name: t for t in db.metadata.sorted_tables if t.name not in NOT_SCANNED}
    changed = 0
    for table in tables.values():
        if table.name == "events":
            continue
        # Not their own record: it was cleared field by field.
        where = table.c.id != person.id if table.name == "people" else None
        changed += _scan_table(table, name_forms, names_and_emails, where)
    events = tables["events"]
    changed += _scan_table(events, email_forms, emails)
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
    changed += _scan_table(events, all_forms, everything, theirs)
    # Staff numbers only in the rows about them, by id (never an asset's tag or serial).
    numbers = matcher(name, staff_numbers=needles.staff_numbers)
    number_forms = _forms(needles, ("staff_numbers",))
    for table in tables.values():
        if table.name in ("events", "people") or "person_id" not in table.c:
            continue
        changed += _scan_table(table, number_forms, numbers, table.c.person_id == person.id)
    own_cases = select(LeaverCase.id).where(LeaverCase.person_id == person.id)
    changed += _scan_table(
        LeaverStep.__table__, number_forms, numbers, LeaverStep.case_id.in_(own_cases)
    )
    return changed


def _remove_from_signature(
    signature: Signature,
    replace: Callable[[str], str],
    *,
    own: bool,
    technician: bool,
    name: str,
    now: datetime,
) -> None:
    confirmed = signed.verify(signature)
    has_receipt = signature.receipt_pdf is not None
    # The mark first: the database lets a signed record change only once it is set.
    signature.personal_data_removed_at = now
    details = dict(signature.details)
    if own:
        details["borrower_name"] = name
        details["borrower_email"] = ""
        if isinstance(details.get("return_note"), str):
            details["return_note"] = replace(details["return_note"])
        signature.image_png = b""
    if technician and details.get("technician_name") is not None:
        details["technician_name"] = name
    details["code_confirmed"] = confirmed
    details["removed_on"] = now.isoformat()
    signature.details = details
    if has_receipt:
        signature.receipt_pdf = b""
    signature.details = {**details, "kept_sha256": signed.seal(signature)}


def _without_signer(statement: str, signer: str, replace: Callable[[str], str]) -> str:
    """`statement` with `replace` applied to all but its opening "I, <signer>," (the signer's
    own name, which is theirs, not the person's)."""
    opening = f"I, {signer}, "
    if statement.startswith(opening):
        return opening + replace(statement[len(opening) :])
    return replace(statement)


def remove_from_signed_records(
    person: Person, user: User | None, replace: Callable[[str], str], name: str, now: datetime
) -> int:
    """Remove `person` from the signed records about them by id (see the module docstring);
    the number of records changed."""
    with db.session.no_autoflush:
        return _remove_from_signed(person, user, replace, name, now)


def _remove_from_signed(
    person: Person, user: User | None, replace: Callable[[str], str], name: str, now: datetime
) -> int:
    user_id = user.id if user is not None else None
    about = [Signature.person_id == person.id]
    if user_id is not None:
        about.append(Signature.technician_id == user_id)
    count = 0
    for signature in db.session.scalars(select(Signature).where(or_(*about))).all():
        _remove_from_signature(
            signature,
            replace,
            own=signature.person_id == person.id,
            technician=user_id is not None and signature.technician_id == user_id,
            name=name,
            now=now,
        )
        count += 1
    # Their own checklists: their name everywhere, their signature image, the record PDF.
    for case in db.session.scalars(select(LeaverCase).where(LeaverCase.person_id == person.id)):
        for row in case.signatures:
            row.personal_data_removed_at = now
            if row.role == "leaver":
                row.statement = replace(row.statement)
                row.name = name
                row.image_png = b""
            else:
                row.statement = _without_signer(row.statement, row.name, replace)
            count += 1
        if case.record_pdf is not None:
            case.record_pdf = b""
    # Others' checklists they signed off as the technician: their printed name, the opening
    # of their statement, and the record PDF that prints them.
    if user_id is not None:
        signed_off = select(LeaverSignature).where(
            LeaverSignature.role == "technician",
            LeaverSignature.recorded_by_id == user_id,
            LeaverSignature.case.has(LeaverCase.person_id != person.id),
        )
        for row in db.session.scalars(signed_off).all():
            opening = f"I, {row.name}, "
            row.personal_data_removed_at = now
            if row.statement.startswith(opening):
                row.statement = f"I, {name}, " + row.statement[len(opening) :]
            row.name = name
            if row.case.record_pdf is not None:
                row.case.record_pdf = b""
            count += 1
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
