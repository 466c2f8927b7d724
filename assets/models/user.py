"""A login to this app, with one role."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

ROLES = ("admin", "technician", "office", "staff")
ROLE_LABELS = {
    "admin": "Admin (head teacher)",
    "technician": "IT technician",
    "office": "Office staff",
    "staff": "Staff",
}


# How a login last signed in: its password, or a school account through single sign-on.
SIGN_IN_METHODS = ("password", "microsoft", "google")
SIGN_IN_LABELS = {"password": "Password", "microsoft": "Microsoft 365", "google": "Google"}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {sql_list(ROLES)}", name="role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
        CheckConstraint(
            f"last_login_method IS NULL OR last_login_method IN {sql_list(SIGN_IN_METHODS)}",
            name="last_login_method",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Flask-Login keeps this token, not the id, in the session and the remember-me cookie;
    # replacing it ends every session of the user everywhere at once.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_method: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", back_populates="user")

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def __str__(self) -> str:
        return self.name
