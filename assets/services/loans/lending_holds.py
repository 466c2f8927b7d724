"""What keeps an item on the shelf while a problem with it is open.

An item that came back damaged, or that has an open report (damage, a fault, or any other),
is not lent until the report is resolved: repaired, closed with no action, or found. A report
that ends in "replaced" or "written off" retires the item, which keeps it from being lent
anyway. loans.why_not_lendable puts this together with the item's status, for check-out; the
asset and scan pages show the hold itself.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select

from assets.extensions import db
from assets.models import Asset, Incident, Loan
from assets.models.incident import OPEN_STATUSES
from assets.services.common.clock import date_text, local_date
from assets.services.loans import loan_lists

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
_REPORTED_SINCE = (
    select(Incident.id)
    .where(
        Incident.asset_id == bindparam("asset"),
        or_(
            Incident.loan_id == bindparam("loan"),
            Incident.reported_at >= bindparam("returned_at", type_=Incident.reported_at.type),
        ),
    )
    .limit(1)
)


def open_reports(asset: Asset) -> list[Incident]:
    """The open reports about `asset`, oldest first."""
    return list(db.session.scalars(_OPEN_REPORTS, {"asset": asset.id}))


def _unreported_damaged_return(asset: Asset) -> Loan | None:
    """The item's latest return, if it came back damaged and no report has been made about
    it since (or about that loan). An item out on loan again is past that return."""
    if asset.open_loan is not None:
        return None
    last = loan_lists.last_return(asset)
    if last is None or last.return_condition != "damaged":
        return None
    reported = db.session.scalar(
        _REPORTED_SINCE, {"asset": asset.id, "loan": last.id, "returned_at": last.returned_at}
    )
    return None if reported is not None else last


def lending_hold(asset: Asset) -> LendingHold | None:
    """What keeps `asset` from being lent, beyond its status; None when nothing does."""
    reports = open_reports(asset)
    if reports:
        return LendingHold(asset, incident=reports[0])
    loan = _unreported_damaged_return(asset)
    if loan is not None:
        return LendingHold(asset, loan=loan)
    return None
