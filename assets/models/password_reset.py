"""Requests for a password reset email, kept for an hour to rate-limit them.

They live in the database, not in a process's memory, so that several app servers count the
same requests. The address is kept only as a keyed hash: strangers may type anyone's email.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assets.extensions import db
from assets.models.base import UTCDateTime


class PasswordResetRequest(db.Model):
    __tablename__ = "password_reset_requests"
    __table_args__ = (
        CheckConstraint("length(address_hash) = 64", name="address_hash"),
        Index("ix_password_reset_requests_address_at", "address_hash", "requested_at"),
        Index("ix_password_reset_requests_client_at", "client", "requested_at"),
        Index("ix_password_reset_requests_requested_at", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 (hex) of the normalised address, keyed by SECRET_KEY.
    address_hash: Mapped[str] = mapped_column(String(64))
    # The requester's network address; None when an admin sent the email from the logins page
    # (admins are not limited per client, only per address).
    client: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
