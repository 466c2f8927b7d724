"""Importing the staff list: people matched by email or staff number.

Rows are checked with the people service's own rules (people.check_rules) and written in
bulk with the same audit events as people.create_person and update_person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from assets.extensions import db
from assets.files.xlsx.values import parse_bool, parse_date
from assets.models import Person, sort_key
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.people import people
from assets.services.people.logins import normalise_email
from assets.services.spreadsheets.imports.columns import Field, text
from assets.services.spreadsheets.imports.engine import ParsedRow, RowResult
from assets.services.spreadsheets.imports.kinds import Kind, PassContext, changed_fields, show

FIELDS = (
    Field(
        "name",
        "Name",
        text(120),
        ("fullname", "staffname", "displayname", "employeename", "personname"),
        "Mrs A Roebuck",
        "Required for a new person, unless there are First name and Last name columns.",
    ),
    Field(
        "first_name",
        "First name",
        text(60),
        ("forename", "forenames", "givenname", "preferredforename", "legalforename"),
        None,
        "Used with Last name when there is no Name column.",
    ),
    Field(
        "last_name",
        "Last name",
        text(60),
        ("surname", "familyname", "preferredsurname", "legalsurname"),
        None,
    ),
    Field(
        "email",
        "Email",
        text(254),
        ("emailaddress", "workemail", "schoolemail", "mail"),
        "a.roebuck@ashbrook.sch.uk",
        "Matches the person to update, with the staff number. Give one or both.",
    ),
    Field(
        "staff_number",
        "Staff number",
        text(40),
        (
            "staffno",
            "staffid",
            "staffcode",
            "employeenumber",
            "employeeno",
            "employeeid",
            "payrollnumber",
            "payrollno",
            "personnelnumber",
        ),
        "S000123",
        "Format the column as Text in Excel so leading zeros are kept.",
    ),
    Field(
        "job_title",
        "Job title",
        text(120),
        ("role", "position", "post", "jobrole"),
        "Class teacher",
    ),
    Field(
        "contract_end_date",
        "Contract ends",
        parse_date,
        (
            "contractend",
            "contractenddate",
            "enddate",
            "leavingdate",
            "leavedate",
            "dateofleaving",
            "leaverdate",
        ),
        date(2027, 8, 31),
        "Empty for a permanent contract. A date cell, or dd/mm/yyyy.",
    ),
    Field(
        "active",
        "On the staff",
        parse_bool,
        ("active", "current", "onstaff", "currentstaff", "activated"),
        "Yes",
        "Yes or No. Empty keeps the current answer (new: Yes).",
    ),
    Field("notes", "Notes", text(4000), ("note", "comments", "comment"), ""),
)

NOT_IMPORTED = {
    "equipmentheld": "Counted from loans.",
    "itemsheld": "Counted from loans.",
}
KEEP_IF_BLANK = frozenset({"name", "active"})
DEFAULTS: dict[str, Any] = dict.fromkeys(people.FIELDS) | {"active": True, "notes": ""}
LABELS = {f.name: f.label for f in FIELDS}
_FIELDS = {f.name: f for f in FIELDS}


def _mapping_problem(mapping) -> str | None:
    if "email" not in mapping and "staff_number" not in mapping:
        return (
            "No column is set to Email or Staff number. Choose the column that holds either: "
            "every row is matched to the staff list by one of them."
        )
    return None


def _target(values: dict[str, Any], name: str, before: dict[str, Any] | None) -> dict[str, Any]:
    """The person's values after this row: what the staff list holds (or the defaults) with
    the row's cells over them, the name made from first and last name when there is none."""
    target = dict(before if before is not None else DEFAULTS)
    for key, value in values.items():
        if key in ("first_name", "last_name"):
            continue
        if value is not None:
            target[key] = value
        elif key not in KEEP_IF_BLANK:
            target[key] = "" if key == "notes" else None
    if name and not values.get("name"):
        target["name"] = name
    target["name"] = target["name"] or ""
    return target


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """A person's values as written, with the staff list's order worked out from the name
    (the model sets it with the name; these writes go round the model)."""
    return values | {"sort_key": sort_key(values["name"])}


class PeopleRows:
    """One pass of the staff import: everyone on the staff list, looked up once (a school's
    staff list is thousands of rows at most)."""

    def __init__(self, context: PassContext) -> None:
        self.context = context
        columns = [getattr(Person, name) for name in people.FIELDS]
        self.people: dict[int, dict[str, Any]] = {
            row[0]: dict(zip(people.FIELDS, row[1:], strict=True))
            for row in db.session.execute(select(Person.id, *columns))
        }
        self.by_email = {p["email"]: i for i, p in self.people.items() if p["email"]}
        self.by_number = {p["staff_number"]: i for i, p in self.people.items() if p["staff_number"]}
        self.seen: dict[tuple[str, str], int] = {}

    def _title(self, name: str) -> str:
        return self.context.title(name, _FIELDS)

    def resolve(self, batch: list[ParsedRow]) -> list[RowResult]:
        return [self._resolve(row) for row in batch]

    def _resolve(self, row: ParsedRow) -> RowResult:
        values = dict(row.values)
        errors = list(row.errors)
        if values.get("email"):
            try:
                values["email"] = normalise_email(values["email"])
            except DomainError as error:
                errors.append((self._title("email"), error.message))
        email, number = values.get("email"), values.get("staff_number")
        name = values.get("name") or " ".join(
            filter(None, (values.get("first_name"), values.get("last_name")))
        )
        label = name or email or number or ""
        self._check_keys(row, values, errors)
        if errors:
            return RowResult(row.number, "error", label, row.cells, errors)
        found = {self.by_email.get(email), self.by_number.get(number)} - {None}
        if len(found) > 1:
            one, two = (self.people[i]["name"] for i in sorted(found))
            message = f"the email is {one}'s but the staff number is {two}'s"
            return RowResult(
                row.number, "error", label, row.cells, [(self._title("email"), message)]
            )
        person_id = found.pop() if found else None
        before = self.people.get(person_id) if person_id is not None else None
        target = _target(values, name, before)
        try:
            people.check_rules(target)
        except DomainError as error:
            errors.append((self._title(error.field or "name"), error.message))
        if errors:
            return RowResult(row.number, "error", label, row.cells, errors)
        if before is None:
            return RowResult(row.number, "create", target["name"], row.cells, values=target)
        changes = {
            LABELS[key]: (show(before[key]), show(target[key]))
            for key in changed_fields(before, target, people.FIELDS)
        }
        action = "update" if changes else "unchanged"
        return RowResult(
            row.number,
            action,
            target["name"],
            row.cells,
            [],
            changes,
            "",
            person_id,
            target,
            before,
        )

    def _check_keys(self, row: ParsedRow, values: dict[str, Any], errors: list) -> None:
        """A row is matched by its email or staff number: it needs one, and each is on one
        row only."""
        email, number = values.get("email"), values.get("staff_number")
        if not errors and not email and not number:
            errors.append(
                (
                    self._title("email" if "email" in values else "staff_number"),
                    "give an email or a staff number, to match the person by",
                )
            )
        for key, value in (("email", email), ("staff_number", number)):
            if value:
                first = self.seen.setdefault((key, value.lower()), row.number)
                if first != row.number:
                    errors.append(
                        (
                            self._title(key),
                            f"'{value}' is also on row {first}; it can be on one row",
                        )
                    )

    def describe(self, result: RowResult) -> str:
        """A new person in a few words, for the preview."""
        return " · ".join(filter(None, (result.values["email"], result.values["job_title"])))

    def write(self, results: list[RowResult]) -> None:
        now, writer = self.context.now, self.context.writer
        creates = [r for r in results if r.action == "create"]
        updates = [r for r in results if r.action == "update"]
        ids = writer.insert_new(
            Person.__table__, [_stored(r.values) | {"created_at": now} for r in creates]
        )
        for result, person_id in zip(creates, ids, strict=True):
            result.record_id = person_id
            self._remember(person_id, result.values)
        writer.update(Person.__table__, [_stored(r.values) | {"id": r.record_id} for r in updates])
        for result in updates:
            self._remember(result.record_id, result.values)
        entries = [
            {
                "action": "person.created",
                "entity_type": "people",
                "entity_id": r.record_id,
                "person_id": r.record_id,
                "summary": people.created_summary(r.values["name"]),
                "changes": r.values,
            }
            for r in creates
        ]
        for r in updates:
            changes = events.diff(events.plain(r.before), events.plain(r.values))
            entries.append(
                {
                    "action": "person.updated",
                    "entity_type": "people",
                    "entity_id": r.record_id,
                    "person_id": r.record_id,
                    "summary": people.updated_summary(r.values["name"], changes),
                    "changes": changes,
                }
            )
        events.record_many(self.context.actor, entries, now, writer)

    def _remember(self, person_id: int, values: dict[str, Any]) -> None:
        self.people[person_id] = dict(values)
        if values["email"]:
            self.by_email[values["email"]] = person_id
        if values["staff_number"]:
            self.by_number[values["staff_number"]] = person_id


PEOPLE = Kind(
    name="people",
    title="Staff list",
    plural="people",
    fields=FIELDS,
    not_imported=NOT_IMPORTED,
    rows=PeopleRows,
    actions=("person.created", "person.updated"),
    mapping_problem=_mapping_problem,
)
