"""What a new asset's row says besides its details: the status it comes in with (a Snipe-IT
status label, mapped by statuses.py) and who holds it (found on the staff list by holders.py),
and the loans the apply opens for them. An asset already in the register keeps its status and
changes hands through the desk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from assets.extensions import db
from assets.services.loans.loans import NOT_LOANABLE
from assets.services.spreadsheets.bulk import BulkWriter
from assets.services.spreadsheets.imports import holders, statuses
from assets.services.spreadsheets.imports.engine import ParsedRow, RowResult
from assets.services.spreadsheets.imports.kinds import PassContext

MOVE_FIELDS = frozenset(
    {"status_label", "holder", "holder_email", "holder_username", "holder_type"}
)
HOLDER_FIELDS = ("holder", "holder_email", "holder_username")
_NONE: tuple[str, None, None] = ("available", None, None)


class Moves:
    """The status and holder of each new asset of the batch in hand, by row number."""

    def __init__(self, context: PassContext, title: Callable[[str], str]) -> None:
        self.context, self._title = context, title
        # A new asset's status and, when it is lent, to whom and with what reason (policy
        # 10.2).
        self.rows: dict[int, tuple[str, holders.Holder | None, str | None]] = {}
        self.staff = (
            holders.Staff(db.session)
            if any(name in context.titles for name in HOLDER_FIELDS)
            else None
        )

    def of(self, number: int) -> tuple[str, holders.Holder | None, str | None]:
        """(status, holder, unencrypted reason) of the new asset on row `number`."""
        return self.rows.get(number, _NONE)

    def status(self, number: int) -> str:
        """The status the new asset on row `number` is written with."""
        status, holder, _ = self.of(number)
        if holder is not None:
            return "on_loan"
        return "available" if status == "pending" else status

    def read(
        self, row: ParsedRow, tag: str, target: dict[str, Any], errors: list, warnings: list
    ) -> str:
        """A new asset's status and holder: what the row says, mapped to ours; a loan when
        the holder is found and the asset can be lent. Returns it for the fingerprint."""
        values = row.values
        status = "available"
        label = values.get("status_label")
        if label is not None:
            self.context.status_labels[label] += 1
            found = statuses.resolve(label, self.context.options.statuses)
            if found is None:
                errors.append(
                    (
                        self._title("status_label"),
                        f"choose what '{label}' becomes under Statuses, above the columns",
                    )
                )
                return ""
            status = found
            if status == "pending":
                note = statuses.PENDING_NOTE.format(label=label)
                target["notes"] = f"{target['notes']}\n{note}" if target["notes"] else note
                warnings.append((self._title("status_label"), note))
        if errors:  # the status question is asked all the same; the row lends nothing
            return ""
        holder, reason = self._holder(row, tag, status, target, warnings)
        self.rows[row.number] = (status, holder, reason)
        return f"{status}\t{holder.person_id if holder else ''}\t{reason or ''}"

    def _holder(
        self, row: ParsedRow, tag: str, status: str, target: dict[str, Any], warnings: list
    ) -> tuple[holders.Holder | None, str | None]:
        values = row.values
        given = [values.get(name) for name in HOLDER_FIELDS]
        if self.staff is None or not any(given):
            return None, None
        column = self._title(next(n for n, v in zip(HOLDER_FIELDS, given, strict=True) if v))
        who = next(v for v in given if v)
        kind = (values.get("holder_type") or "user").casefold()
        if kind != "user":
            warnings.append(
                (column, f"checked out to the {kind} '{who}', not to a person: not lent")
            )
            return None, None
        holder, problem = self.staff.find(*given)
        if holder is None:
            if problem:
                warnings.append((column, problem))
            else:
                # Listed once in the preview, under the holders not on the staff list.
                self.context.missing.setdefault("holders", Counter())[who] += 1
            return None, None
        if not holder.active:
            warnings.append((column, f"{holder.name} has left the staff list: not lent"))
            return None, None
        if status != "available":
            why = NOT_LOANABLE.get(status, "is flagged to check before lending")
            warnings.append((column, f"{tag} {why} and cannot be lent to {holder.name}"))
            return None, None
        reason = None
        if target["category_id"] in self.staff.mobile_categories and not target["encrypted"]:
            reason = (
                f"Held by {holder.name} before the move, recorded by the import of "
                f"{self.context.source_name or 'this file'}"
            )
            warnings.append(
                (
                    column,
                    "a mobile device not marked encrypted (policy 10.2): lent to "
                    f"{holder.name} as it is held; encrypt it and tick Encrypted",
                )
            )
        return holder, reason

    def write_loans(self, creates: list[RowResult], writer: BulkWriter) -> list[dict]:
        """Open the loans of the new assets just written (their record ids set); return
        the events that record them."""
        lent = []
        for result in creates:
            _, holder, reason = self.of(result.number)
            if holder is not None:
                lent.append((result.record_id, result.values["tag"], holder, reason))
        if not lent:
            return []
        actor = self.context.actor
        self.context.made["loans"] += len(lent)
        return holders.write_loans(
            writer,
            lent,
            actor_id=actor.id if actor else None,
            now=self.context.now,
            source=self.context.source_name,
        )
