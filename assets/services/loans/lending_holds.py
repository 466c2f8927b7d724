"""What keeps an item on the shelf while a problem with it is open.

An item that came back damaged, or that has an open report (damage, a fault, or any other),
is not lent until the report is resolved: repaired, closed with no action, or found. A report
that ends in "replaced" or "written off" retires the item, which keeps it from being lent
anyway. loans.why_not_lendable puts this together with the item's status, for check-out; the
asset and scan pages show the hold itself.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload

from assets.extensions import db
from assets.models import Asset, Incident, Loan
from assets.models.incident import OPEN_STATUSES
from assets.services.common.clock import date_text, local_date

RESOLVED = "repaired, closed with no action, or found"


@dataclass(frozen=True)
class LendingHold:
    """Why `asset` waits: an open `incident`, or a damaged `loan` return nobody has reported."""

    asset: Asset
    incident: Incident | None = None
    loan: Loan | None = None

    @property
    def message(self) -> str:
        tag = self.asset.tag
        if self.incident is not None:
            report = self.incident
            return (
                f"{tag} cannot be lent: {report.kind_label.lower()} incident #{report.id} "
                f"({report.status_label.lower()}) is still open. It can be lent again once "
                f"the report is resolved ({RESOLVED})."
            )
        loan = self.loan
        return (
            f"{tag} cannot be lent: it came back damaged from {loan.person.name} on "
            f"{date_text(local_date(loan.returned_at))} and no report has been made. Report "
            "the damage; it can be lent again once the report is resolved."
        )


# Built once (see register.asset_by_tag): the asset and scan pages ask these of every item.
_OPEN_REPORTS = (
    select(Incident)
    .where(Incident.asset_id == bindparam("asset"), Incident.status.in_(OPEN_STATUSES))
    .order_by(Incident.reported_at, Incident.id)
)
# The hold names the oldest open report, who made it and whom it is about.
_FIRST_OPEN_REPORT = _OPEN_REPORTS.options(
    joinedload(Incident.reporter), joinedload(Incident.person)
).limit(1)
# The item's latest return with its borrower, and whether a report has been made since (or
# about that loan), in one query.
_REPORTED_SINCE = (
    select(Incident.id)
    .where(
        Incident.asset_id == Loan.asset_id,
        or_(Incident.loan_id == Loan.id, Incident.reported_at >= Loan.returned_at),
    )
    .exists()
)
_LAST_RETURN = (
    select(Loan, _REPORTED_SINCE.label("reported"))
    .where(Loan.asset_id == bindparam("asset"), Loan.returned_at.is_not(None))
    .order_by(Loan.returned_at.desc(), Loan.id.desc())
    .limit(1)
    .options(joinedload(Loan.person))
)


def _unreported_damaged_return(asset: Asset) -> Loan | None:
    """The item's latest return, if it came back damaged and no report has been made about
    it since (or about that loan). An item out on loan again is past that return."""
    if asset.open_loan is not None:
        return None
    row = db.session.execute(_LAST_RETURN, {"asset": asset.id}).first()
    if row is None or row.Loan.return_condition != "damaged" or row.reported:
        return None
    return row.Loan


# Whether anything might hold the item: an open report, or any return marked damaged (the
# rules above then say whether the latest one still holds it). Asked in the same query as
# the asset on the page a label opens (Asset.may_be_held), so the common item, with neither,
# costs no more queries.
MAY_BE_HELD = or_(
    select(Incident.id)
    .where(Incident.asset_id == Asset.id, Incident.status.in_(OPEN_STATUSES))
    .exists(),
    select(Loan.id).where(Loan.asset_id == Asset.id, Loan.return_condition == "damaged").exists(),
)


def lending_hold(asset: Asset, reports: list[Incident] | None = None) -> LendingHold | None:
    """What keeps `asset` from being lent, beyond its status; None when nothing does.
    `reports`: the reports about `asset` (all, or the open ones; in any order), when the
    caller has read them already, so that they are not asked for again."""
    if reports is None and asset.may_be_held is False:
        return None
    if reports is None:
        report = db.session.scalar(_FIRST_OPEN_REPORT, {"asset": asset.id})
    else:
        still_open = [report for report in reports if report.is_open]
        report = min(still_open, key=lambda r: (r.reported_at, r.id), default=None)
    if report is not None:
        return LendingHold(asset, incident=report)
    loan = _unreported_damaged_return(asset)
    if loan is not None:
        return LendingHold(asset, loan=loan)
    return None
