"""What the policy asks of a loan before it is made, beyond the item being free to lend.

- 8.1: a laptop is allocated by the school to one authorised user. Staff sign out for
  themselves only from categories an admin marked self-service (never those under the laptop
  terms, which the database refuses too), and only up to the category's longest loan.
- The desk (technician or admin) may lend past the longest loan only by saying why.
- 10.2: mobile devices encrypted or password protected. An item in a category marked as a
  mobile device (laptop, tablet, phone) that is not marked encrypted is not lent, unless an
  admin says why.

The reasons given are kept on each loan that needed them; a reason nobody needed is dropped.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Category, User
from assets.permissions import allows
from assets.services.common.clock import date_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text

REASON_MAX = 500


@dataclass(frozen=True)
class Reasons:
    """Why the desk lends past a rule, as typed on the form."""

    long_loan: str = ""
    unencrypted: str = ""


@dataclass(frozen=True)
class Kept:
    """The reasons one loan keeps (None: that rule did not need one)."""

    long_loan_reason: str | None = None
    unencrypted_reason: str | None = None

    def columns(self) -> dict[str, str | None]:
        """As the loan's columns of the same names."""
        return asdict(self)

    def given(self) -> dict[str, str]:
        """Only the reasons given, for the audit event."""
        return {name: reason for name, reason in asdict(self).items() if reason}


def needs_encryption(asset: Asset) -> bool:
    """A mobile device (its category says so) not marked encrypted or password protected."""
    return asset.category.mobile_device and not asset.encrypted


def days_out(due: date | None, today: date) -> int | None:
    return None if due is None else (due - today).days


def past_longest(asset: Asset, due: date | None, today: date) -> bool:
    """Whether a loan due back on `due` runs past the category's longest loan."""
    longest = asset.category.longest_loan_days
    days = days_out(due, today)
    return longest is not None and days is not None and days > longest


def self_service_categories() -> list[Category]:
    """The categories staff may sign out for themselves, by name."""
    return list(
        db.session.scalars(select(Category).where(Category.self_service).order_by(Category.name))
    )


def check(
    actor: User,
    assets: list[Asset],
    due_dates: dict[int, date | None],
    today: date,
    reasons: Reasons | None = None,
) -> dict[int, Kept]:
    """Refuse (DomainError, nothing written) what the policy does not allow `actor` to lend;
    otherwise the reasons each asset's loan keeps, by asset id."""
    reasons = reasons or Reasons()
    desk = allows(actor, "can_lend")
    if not desk:
        _check_self_service(assets, due_dates, today)
    too_long = [a for a in assets if past_longest(a, due_dates[a.id], today)]
    long_reason = _reason(reasons.long_loan, "long_loan_reason") if too_long else None
    if too_long and long_reason is None:
        message = _too_long_at_desk(too_long[0], due_dates, today)
        raise DomainError(message, field="long_loan_reason")
    unencrypted = [a for a in assets if needs_encryption(a)]
    unencrypted_reason = None
    if unencrypted:
        unencrypted_reason = _check_encryption(actor, unencrypted, reasons)
    return {
        a.id: Kept(
            long_loan_reason=long_reason if a in too_long else None,
            unencrypted_reason=unencrypted_reason if a in unencrypted else None,
        )
        for a in assets
    }


def _check_self_service(assets: list[Asset], due_dates: dict, today: date) -> None:
    for asset in assets:
        category = asset.category
        if category.terms_kind == "laptop":
            raise NotAllowed(
                f"{asset.tag} is a laptop: the school allocates laptops to one authorised "
                "person (policy 8.1), so the IT technician signs it out to you.",
                field="tags",
            )
        if not category.self_service:
            raise NotAllowed(
                f"{asset.tag} ({category.name}) cannot be signed out for yourself. Ask the IT "
                "technician to lend it.",
                field="tags",
            )
    for asset in assets:
        if past_longest(asset, due_dates[asset.id], today):
            longest = asset.category.longest_loan_days
            latest = today + timedelta(days=longest)
            raise DomainError(
                f"{asset.category.name} can be borrowed for at most {_days(longest)}: choose "
                f"a due date on or before {date_text(latest)}. The IT technician can lend it "
                "for longer.",
                field="due_on",
            )


def _too_long_at_desk(asset: Asset, due_dates: dict, today: date) -> str:
    category = asset.category
    return (
        f"{asset.tag} would be out for {_days(days_out(due_dates[asset.id], today))}, longer "
        f"than the longest loan for {category.name} ({_days(category.longest_loan_days)}). "
        "Choose an earlier due date, or say why it is needed for longer."
    )


def _check_encryption(actor: User, unencrypted: list[Asset], reasons: Reasons) -> str:
    tags = ", ".join(a.tag for a in unencrypted)
    one = len(unencrypted) == 1
    said = (
        f"{tags} {'is a mobile device' if one else 'are mobile devices'} not marked as "
        "encrypted or password protected (policy 10.2)"
    )
    if not allows(actor, "can_lend_unencrypted"):
        then = (
            f"Encrypt {'it' if one else 'them'} and tick 'Encrypted' on the asset's page, or "
            "ask an admin."
            if allows(actor, "can_lend")
            else "Ask the IT technician."
        )
        raise DomainError(
            f"{said}, so {'it' if one else 'they'} cannot be lent. {then}", field="tags"
        )
    reason = _reason(reasons.unencrypted, "unencrypted_reason")
    if reason is None:
        raise DomainError(
            f"{said}. Encrypt {'it' if one else 'them'} first, or say why "
            f"{'it' if one else 'they'} must be lent as {'it is' if one else 'they are'}.",
            field="unencrypted_reason",
        )
    return reason


def long_loan_reason(text: str) -> str | None:
    """The reason typed for lending past the longest loan, cleaned; None when none was."""
    return _reason(text, "long_loan_reason")


def days_text(n: int) -> str:
    """ "1 day", "14 days"."""
    return _days(n)


def _reason(text: str, field: str) -> str | None:
    cleaned = clean_text(
        text, field=field, label="the reason", max_length=REASON_MAX, multiline=True
    )
    return cleaned or None


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
