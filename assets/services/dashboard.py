"""Figures for the home page."""

from sqlalchemy import func, select, text

from assets.extensions import db
from assets.models import Asset, Event, Loan
from assets.services.common.clock import local_date


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Asset.status, func.count()).group_by(Asset.status))
    return dict(rows.all())


def recent_events(limit: int = 10) -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.id.desc()).limit(limit)))


def loan_counts() -> dict[str, int]:
    """How many open loans are overdue, and how many still wait for the borrower's signature."""
    still_out = Loan.returned_at.is_(None)
    count = select(func.count(Loan.id)).where(still_out)
    return {
        "overdue": db.session.scalar(count.where(Loan.due_on < local_date())) or 0,
        "unsigned": db.session.scalar(count.where(Loan.signature_id.is_(None))) or 0,
    }


def database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return False
    return True
