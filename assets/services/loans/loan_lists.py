"""Finding loans: the loans page's views (open, overdue, awaiting signature, history), with a
search and a date range, as one query that the page paginates and the export streams."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Loan
from assets.services.common.clock import local_date, start_of_day
from assets.services.register import register

VIEWS = {
    "open": "All open loans",
    "overdue": "Overdue",
    "unsigned": "Awaiting signature",
    "history": "History",
}


@dataclass
class LoanFilter:
    view: str = "open"
    q: str = ""
    # Local dates: loans handed over on or after `since` and on or before `until`.
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            self.view = "open"
        if self.since and self.until and self.since > self.until:
            self.since, self.until = self.until, self.since

    @property
    def narrowed(self) -> bool:
        """Whether a search or dates narrow the view (the export says "filtered")."""
        return bool(self.q.strip() or self.since or self.until)


def conditions(filters: LoanFilter, today: date | None = None) -> list:
    """The WHERE conditions of `filters`, for the page and the export alike."""
    today = today or local_date()
    where = []
    if filters.view != "history":
        where.append(Loan.returned_at.is_(None))
    if filters.view == "overdue":
        where.append(Loan.due_on < today)
    elif filters.view == "unsigned":
        where.append(Loan.signature_id.is_(None))
    q = filters.q.strip()
    if q:
        # Through the register's trigram index: a plain LIKE would scan every asset.
        where.append(
            or_(
                Loan.asset_id.in_(register.text_matches(q)),
                Loan.person_id.in_(register.name_matches(q)),
            )
        )
    if filters.since:
        where.append(Loan.out_at >= start_of_day(filters.since))
    if filters.until:
        where.append(Loan.out_at < start_of_day(filters.until + timedelta(days=1)))
    return where


def order(filters: LoanFilter) -> tuple:
    if filters.view == "overdue":
        return (Loan.due_on, Loan.id)
    if filters.view == "unsigned":
        return (Loan.out_at, Loan.id)
    return (Loan.out_at.desc(), Loan.id.desc())


def loan_select(filters: LoanFilter, today: date | None = None) -> Select:
    """The loans the page lists for `filters`, in its order, ready to paginate."""
    return (
        select(Loan)
        .where(*conditions(filters, today))
        .options(selectinload(Loan.asset), selectinload(Loan.person))
        .order_by(*order(filters))
    )


# Built once (see register.asset_by_tag): every asset page not on loan asks it.
_LAST_RETURN = (
    select(Loan)
    .where(Loan.asset_id == bindparam("asset"), Loan.returned_at.is_not(None))
    .order_by(Loan.returned_at.desc(), Loan.id.desc())
    .limit(1)
)


def last_return(asset: Asset) -> Loan | None:
    """The latest loan of `asset` that has ended, or None if it was never returned."""
    return db.session.scalar(_LAST_RETURN, {"asset": asset.id})
