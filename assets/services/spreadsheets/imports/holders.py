"""Who holds each new asset of an import: the staff list, looked up once, and the loans the
apply opens for them, handed over awaiting signature (as pending_signatures.py expects), so
the borrower signs the terms on their next visit, from their own login or at the desk.

A holder is matched by email, then username (their email before the @), then name; whoever
is not on the staff list is listed in the preview, and one found only ambiguously is a
warning on its row: either way the asset is imported without a loan. Only new assets are
lent: an asset already in the register changes hands through the desk.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from assets.models import Category, Loan, Person, User
from assets.models.person import TITLES
from assets.services.spreadsheets.bulk import BulkWriter

_TITLE_RE = re.compile(r"^(?:" + "|".join(TITLES) + r")\.?\s+", re.IGNORECASE)


def _name_key(name: str) -> str:
    """A name as compared: case, spaces and a leading title ("Mrs", "Dr.") ignored."""
    return _TITLE_RE.sub("", " ".join(name.split())).casefold()


@dataclass(frozen=True)
class Holder:
    person_id: int
    name: str
    active: bool


class Staff:
    """The staff list, by email, username and name, for matching holders."""

    def __init__(self, session) -> None:
        self.people: dict[int, Holder] = {}
        self.by_email: dict[str, int] = {}
        self.by_username: dict[str, set[int]] = defaultdict(set)
        self.by_name: dict[str, set[int]] = defaultdict(set)
        for id_, name, email, active in session.execute(
            select(Person.id, Person.name, Person.email, Person.active)
        ):
            self.people[id_] = Holder(id_, name, active)
            self.by_name[_name_key(name)].add(id_)
            if email:
                self._add_email(email, id_)
        for id_, email in session.execute(
            select(User.person_id, User.email).where(User.person_id.is_not(None))
        ):
            self._add_email(email, id_)
        self.mobile_categories = set(
            session.scalars(select(Category.id).where(Category.mobile_device))
        )

    def _add_email(self, email: str, id_: int) -> None:
        email = email.strip().casefold()
        self.by_email.setdefault(email, id_)
        self.by_username[email.split("@", 1)[0]].add(id_)

    def find(
        self, name: str | None, email: str | None, username: str | None
    ) -> tuple[Holder | None, str]:
        """The person these details name, or None and why not ("" when they are simply not
        on the staff list). A username may be a whole email: it is looked up as one first,
        then by the part before the @."""
        if email and (found := self.by_email.get(email.strip().casefold())) is not None:
            return self.people[found], ""
        problem = ""
        if username:
            key = username.strip().casefold()
            if (found := self.by_email.get(key)) is not None:
                return self.people[found], ""
            ids = self.by_username.get(key.split("@", 1)[0], set())
            if len(ids) == 1:
                return self.people[next(iter(ids))], ""
            if len(ids) > 1:
                problem = (
                    f"{len(ids)} people on the staff list have the username "
                    f"{username.strip()}: give their email in a column, or lend it at the desk "
                    "after the import"
                )
        if name:
            ids = self.by_name.get(_name_key(name), set())
            if len(ids) == 1:
                return self.people[next(iter(ids))], ""
            if len(ids) > 1:
                return None, (
                    f"{len(ids)} people on the staff list are called {name}: give their email "
                    "in a column, or lend it at the desk after the import"
                )
        return None, problem


def write_loans(
    writer: BulkWriter,
    lent: list[tuple[int, str, Holder, str | None]],
    *,
    actor_id: int | None,
    now: datetime,
    source: str,
) -> list[dict]:
    """Open a loan awaiting signature for each (asset id, tag, holder, unencrypted reason);
    return the events that record them, each naming the import as its source.

    The assets are new, created on loan, so each event's status goes from nothing to on
    loan. These loans skip the checks of a check-out at the desk (lending holds, and the
    rule that a first loan waits for the staff declaration): they record what people
    already hold, moved over from the previous register, and a new asset has no report to
    hold it; the borrower signs the terms on their next visit."""
    rows = [
        {
            "asset_id": asset_id,
            "person_id": holder.person_id,
            "out_at": now,
            "out_by_id": actor_id,
            "due_on": None,
            "signature_id": None,
            "unencrypted_reason": reason,
        }
        for asset_id, _tag, holder, reason in lent
    ]
    ids = writer.insert_new(Loan.__table__, rows)
    return [
        {
            "action": "loan.created",
            "entity_type": "loans",
            "entity_id": loan_id,
            "asset_id": asset_id,
            "person_id": holder.person_id,
            "summary": (
                f"{tag} lent to {holder.name} as a long-term allocation: awaiting signature, "
                f"from the import of {source}"
            ),
            "changes": {
                "status": [None, "on_loan"],
                "due_on": None,
                "signature_id": None,
                "source": f"import of {source}",
                **({"unencrypted_reason": reason} if reason else {}),
            },
        }
        for loan_id, (asset_id, tag, holder, reason) in zip(ids, lent, strict=True)
    ]
