"""Figures for the home page."""

from sqlalchemy import func, select, text

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Asset.status, func.count()).group_by(Asset.status))
    return dict(rows.all())


def recent_events(limit: int = 10) -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.id.desc()).limit(limit)))


def held_by(person: Person | None) -> list[Loan]:
    if person is None:
        return []
    query = select(Loan).where(Loan.person_id == person.id, Loan.returned_at.is_(None))
    return list(db.session.scalars(query.order_by(Loan.out_at)))


def database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return False
    return True
