"""An uploaded spreadsheet kept on the server between its preview and its apply."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, utcnow

IMPORT_KINDS = ("assets", "people")


class PendingImport(db.Model):
    """The file as uploaded, owned by the person who uploaded it, until it is applied or
    expires. The apply re-reads these bytes, never anything the browser sends back. Once
    applied the bytes are dropped and the row stays as the record the audit trail points to."""

    __tablename__ = "pending_imports"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_list(IMPORT_KINDS)}", name="kind"),
        CheckConstraint("length(sha256) = 64", name="sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when a command line imported the file.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None
