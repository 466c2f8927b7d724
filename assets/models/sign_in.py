"""Sign-in identities: a login linked to a school account at Microsoft 365 or Google, and the
sign-in attempts already used (so a replayed answer from the provider is refused)."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

if TYPE_CHECKING:
    from assets.models.user import User

# The providers a login may be linked to (User.last_login_method names them the same way).
PROVIDERS = ("microsoft", "google")


class SignInIdentity(db.Model):
    """The provider's stable subject (Microsoft: tenant and object id; Google: sub) that signs
    in as `user`. Never an email: an address can be given to someone else."""

    __tablename__ = "sign_in_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_sign_in_identities_provider_subject"),
        # One Microsoft account and one Google account per login.
        UniqueConstraint("user_id", "provider", name="uq_sign_in_identities_user_provider"),
        CheckConstraint(f"provider IN {sql_list(PROVIDERS)}", name="provider"),
        CheckConstraint("length(subject) > 0", name="subject_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship()


class UsedSignInState(db.Model):
    """A sign-in attempt (its state value, hashed) whose answer has been used once."""

    __tablename__ = "used_sign_in_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
