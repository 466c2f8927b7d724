"""A device in the register, and the search index that finds it."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    and_,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, validates

from assets.extensions import db
from assets.models.base import UTCDateTime, sql_list, tag_key, utcnow
from assets.models.loan import Loan
from assets.models.place import Category, Location

STATUSES = ("available", "on_loan", "in_repair", "lost", "stolen", "retired")
STATUS_LABELS = {
    "available": "Available",
    "on_loan": "On loan",
    "in_repair": "In repair",
    "lost": "Lost",
    "stolen": "Stolen",
    "retired": "Retired",
}
CONDITIONS = ("new", "good", "fair", "poor", "broken")
# Snipe-IT allows 255 characters in a tag and a name, so a register moved from it fits.
TAG_LENGTH = 255
# Case folding can lengthen a tag ("ß" becomes "ss"; NFKC spells ligatures out).
TAG_KEY_LENGTH = 3 * TAG_LENGTH
NAME_LENGTH = 255
# The most one spreadsheet cell holds: every note survives an export and its re-import.
NOTES_LENGTH = 32_767

# One lower-cased text of everything a person may type to find a device. It is computed by the
# database, so no code path can forget to keep it up to date.
SEARCH_TEXT_SQL = (
    "lower(tag || ' ' || coalesce(serial_number, '') || ' ' || name || ' '"
    " || coalesce(manufacturer, '') || ' ' || coalesce(model, ''))"
)


class Asset(db.Model):
    __tablename__ = "assets"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_list(STATUSES)}", name="status"),
        CheckConstraint(f"condition IN {sql_list(CONDITIONS)}", name="condition"),
        CheckConstraint("purchase_cost IS NULL OR purchase_cost >= 0", name="purchase_cost"),
        CheckConstraint("length(trim(tag)) > 0", name="tag_not_blank"),
        # PostgreSQL finds fragments through a trigram index; SQLite through FTS5 (below).
        Index(
            "ix_assets_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_LENGTH), unique=True)
    # The tag in any letter case (base.tag_key), set with the tag; a typed or scanned tag is
    # looked up through it and its index. Bulk writes set it too (spreadsheets' imports).
    tag_key: Mapped[str] = mapped_column(String(TAG_KEY_LENGTH), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    manufacturer: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(120))
    serial_number: Mapped[str | None] = mapped_column(String(80), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="available", index=True)
    condition: Mapped[str] = mapped_column(String(20), default="good")
    purchase_date: Mapped[date | None]
    purchase_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    supplier: Mapped[str | None] = mapped_column(String(120))
    warranty_end: Mapped[date | None]
    # Section 10.2: mobile devices encrypted or password protected.
    encrypted: Mapped[bool] = mapped_column(default=False)
    # Section 8.2: the fixed software image, and when it last reached the school network.
    software_image: Mapped[str | None] = mapped_column(String(120))
    last_network_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When and where a stocktake last found it; set only when a stocktake is finished.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    search_text: Mapped[str] = mapped_column(Text, Computed(SEARCH_TEXT_SQL, persisted=True))

    category: Mapped[Category] = relationship()
    location: Mapped[Location | None] = relationship(foreign_keys=[location_id])
    last_seen_location: Mapped[Location | None] = relationship(foreign_keys=[last_seen_location_id])
    # Loaded only by the query of the page a label opens (lending_holds.MAY_BE_HELD): False
    # when nothing can keep the item from being lent, so the page need not ask; None unloaded.
    may_be_held: Mapped[bool | None] = query_expression()
    loans: Mapped[list[Loan]] = relationship(
        back_populates="asset", order_by=Loan.out_at.desc(), viewonly=True
    )
    open_loan: Mapped[Loan | None] = relationship(
        primaryjoin=lambda: and_(Loan.asset_id == Asset.id, Loan.returned_at.is_(None)),
        viewonly=True,
        uselist=False,
    )

    @validates("tag")
    def _keep_tag_key(self, _key: str, tag: str) -> str:
        self.tag_key = tag_key(tag)
        return tag

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"


# SQLite: an external-content FTS5 table with the trigram tokenizer over search_text, kept in
# step by triggers. The initial migration holds the same statements.
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE asset_search USING fts5("
    "search_text, content='assets', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER assets_search_insert AFTER INSERT ON assets BEGIN "
    "INSERT INTO asset_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER assets_search_delete AFTER DELETE ON assets BEGIN "
    "INSERT INTO asset_search(asset_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER assets_search_update AFTER UPDATE ON assets BEGIN "
    "INSERT INTO asset_search(asset_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO asset_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)
for _statement in SQLITE_SEARCH_DDL:
    event.listen(Asset.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(
    Asset.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS asset_search").execute_if(dialect="sqlite"),
)
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
