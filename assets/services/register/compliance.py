"""Policy 10.2 in the register: laptops, tablets and phones that can be lent, or are out on
loan, without being marked encrypted or password protected, and who holds them. Beside each,
what section 8.2 asks to be watched: its software image and when it last reached the school
network."""

from sqlalchemy import case, select
from sqlalchemy.orm import contains_eager, joinedload

from assets.extensions import db
from assets.models import Asset, Category, Loan

# Loanable (available) or lent: a device in repair, lost or retired is in no one's hands.
IN_SCOPE = ("available", "on_loan")


def unencrypted_devices() -> list[Asset]:
    """Mobile devices (their category says so) not marked encrypted that are available or on
    loan: those on loan first, longest out first, then the rest by tag. Each comes with its
    category and its open loan's borrower."""
    query = (
        select(Asset)
        .join(Asset.category)
        .outerjoin(Loan, (Loan.asset_id == Asset.id) & Loan.returned_at.is_(None))
        .where(
            Category.mobile_device.is_(True),
            Asset.encrypted.is_(False),
            Asset.status.in_(IN_SCOPE),
        )
        .options(
            contains_eager(Asset.category),
            joinedload(Asset.open_loan).joinedload(Loan.person),
        )
        .order_by(case((Loan.id.is_(None), 1), else_=0), Loan.out_at, Asset.tag)
    )
    return list(db.session.scalars(query).unique())
